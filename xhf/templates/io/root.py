"""ROOT files through uproot: the analyst's histograms and whole TemplateSets.

The analyst's Monte Carlo arrives as ROOT histograms; :func:`read_root_histogram` reads one
(edges, contents, variances) with clear errors, and :func:`check_same_binning` checks that
two histograms share their binning. :func:`write_root` and :func:`read_root` store a whole
:class:`~xhf.templates.TemplateSet` losslessly in one file with this layout (column names as
in :mod:`xhf.templates.io.layout`)::

    xhf_metadata                                   TObjString: the JSON document
    <channel>/data_<label>                         TH1D, no sumw2 (ROOT: Poisson errors)
    <channel>/<sample>                             TH1D, sumw2 = stat_error^2 (none without one)
    <channel>/<sample>__<variation>_up|_down       TH1D, no sumw2
    <channel>/bin_edges                            TH1D of zeros, only if the channel is empty
    signals/<signal>/<part>                        TH1D, sumw2 = stat_error^2 (none without one)
    signals/<signal>/<part>__<variation>_up|_down  TH1D, no sumw2

Bin edges are the TH1D axis (variable binning, keV); under- and overflow are zero. Contents
and variances are float64, so the round trip is exact; a stat error is recovered as
sqrt(sumw2), exact for every value whose square neither under- nor overflows (about
1e-154 to 1e154; :func:`write_root` refuses others). The bytes are not deterministic: uproot
stamps each key with the writing time and the file with a UUID; the contents are.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from xhf.exceptions import InvalidInputError, InvalidTemplateError, MissingFileError
from xhf.jsonio import atomic_write
from xhf.templates.io.checks import check_edges, check_same_binning, check_values, reason
from xhf.templates.io.layout import (
    METADATA_KEY,
    Table,
    decode_document,
    encode_document,
    from_document,
    table_arrays,
    tables,
    to_document,
)
from xhf.templates.templateset import MAX_EVENTS, TemplateSet

# uproot is imported where it is used: ``import xhf.templates`` stays light.

__all__ = [
    "RootHistogram",
    "check_same_binning",
    "read_root",
    "read_root_histogram",
    "write_root",
]


def __dir__() -> list[str]:
    return __all__


#: Name of the histogram that carries the binning of a channel without any template.
_EDGES_HISTOGRAM = "bin_edges"


class RootHistogram(NamedTuple):
    """A 1D histogram without flow bins: ``edges`` (n+1), ``values`` and ``variances`` (n)."""

    edges: NDArray[np.float64]
    values: NDArray[np.float64]
    variances: NDArray[np.float64]


def read_root_histogram(
    path: str | os.PathLike[str], name: str, *, allow_negative: bool = False
) -> RootHistogram:
    """Read one 1D histogram (TH1D/F/I/S/C) from a ROOT file.

    Args:
        path: the ROOT file.
        name: the histogram's path in the file, e.g. ``"low_energy/kr85"``.
        allow_negative: accept negative contents (an interference signal part).

    Returns:
        ``(edges, values, variances)`` as float64 arrays without flow bins. The variances are
        the sumw2, or ``|values|`` for a histogram without sumw2 (ROOT's Poisson errors).

    Raises:
        MissingFileError: the file does not exist.
        InvalidInputError: not a ROOT file, no histogram ``name`` (the message lists close
            names) or not a 1D histogram.
        InvalidTemplateError: a NaN, infinite or huge (more than 1e15 events, variances 1e30)
            content or variance, a negative content (unless allowed) or variance, bin edges
            that do not increase, an x axis titled in an energy unit other than keV; the
            message names file, histogram and bin.
    """
    src = Path(path)
    with _open(src) as file:
        return _histogram(file, str(src), name, allow_negative=allow_negative)[0]


def write_root(ts: TemplateSet, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write a TemplateSet to one ROOT file (layout in the module docstring).

    Args:
        ts: the templates; checked with ``ts.validate()`` first.
        path: the ``.root`` file to write (atomically).
        force: overwrite an existing file.

    Returns:
        The path written.

    Raises:
        OutputExistsError: ``path`` exists and ``force`` is false (the file is left intact).
        InvalidTemplateError: invalid templates, names or a stat error whose square is not
            exact in float64.
    """
    ts.validate()
    doc = to_document(ts)
    text = encode_document(doc)
    layout = tables(doc, "template set")
    arrays = table_arrays(ts)
    histograms: dict[str, Any] = {}
    for table in layout:
        edges = np.asarray(ts.channel(table.channel).bin_edges, dtype=np.float64)
        cols = arrays[table.path]
        if not table.columns:
            zeros = np.zeros(len(edges) - 1)
            histograms[f"{table.path}/{_EDGES_HISTOGRAM}"] = _th1d(zeros, None, edges, "binning")
        for col in table.columns:
            variances = (
                None if col.stat is None else _exact_variances(cols[col.stat], table, col.stat)
            )
            title = f"{table.kind} {table.name}: {col.name}"
            histograms[f"{table.path}/{col.name}"] = _th1d(cols[col.name], variances, edges, title)

    def write(tmp: Path) -> None:
        import uproot

        with uproot.recreate(tmp) as file:
            file[METADATA_KEY] = text
            for key, hist in histograms.items():
                file[key] = hist

    return atomic_write(path, write, force=force)


def read_root(path: str | os.PathLike[str]) -> TemplateSet:
    """Read a TemplateSet written by :func:`write_root`.

    Every histogram's binning must agree with the first one of its channel; an object in a
    channel's or signal's directory that the document does not describe is refused. The result
    passes ``TemplateSet.validate(source=<file>)``; errors name the file, histogram and bin.
    """
    src = Path(path)
    source = str(src)
    with _open(src) as file:
        doc = decode_document(_metadata_text(file, source), f"{source}: {METADATA_KEY}")
        arrays: dict[str, dict[str, NDArray[np.float64]]] = {}
        edges: dict[str, NDArray[np.float64]] = {}
        first: dict[str, str] = {}
        described: set[str] = set()

        def binning(channel: str, name: str, hist: RootHistogram) -> None:
            described.add(name)
            if channel in edges:
                check_same_binning(
                    hist.edges, edges[channel], name=name, other_name=first[channel], source=source
                )
            else:
                edges[channel], first[channel] = hist.edges, name

        layout = tables(doc, source)
        for table in layout:  # channels first: signals check against them
            cols: dict[str, NDArray[np.float64]] = {}
            if not table.columns:
                name = f"{table.path}/{_EDGES_HISTOGRAM}"
                binning(table.channel, name, _histogram(file, source, name)[0])
            for col in table.columns:
                name = f"{table.path}/{col.name}"
                hist, has_sumw2 = _histogram(file, source, name, allow_negative=col.negative)
                binning(table.channel, name, hist)
                cols[col.name] = hist.values
                if col.stat is not None:
                    if not has_sumw2:
                        raise InvalidTemplateError(
                            f"{source}: histogram {name!r} has no sumw2, but {METADATA_KEY} "
                            "gives it a stat error"
                        )
                    cols[col.stat] = np.sqrt(hist.variances)
            arrays[table.path] = cols
        _no_undescribed(file, source, {f"{t.path}/" for t in layout}, described)
    return from_document(doc, arrays, edges, source)


def _no_undescribed(file: Any, source: str, prefixes: set[str], described: set[str]) -> None:
    """Refuse an object in a table's directory that the document does not describe.

    As for a CSV column, a template added to a channel or signal must not be silently ignored;
    objects elsewhere in the file are left alone.
    """
    try:
        classes = file.classnames(recursive=True, cycle=False)
    except Exception as exc:  # a corrupt directory fails when it is listed
        raise InvalidInputError(
            f"{source}: cannot list the file, truncated or damaged ({reason(exc)})"
        ) from None
    for key, classname in classes.items():
        if key not in described and any(key.startswith(p) for p in prefixes):
            raise InvalidInputError(
                f"{source}: {classname} {key!r} is not described in {METADATA_KEY} "
                "(add it there, or remove it)"
            )


# ---------------------------------------------------------------------------------------------


@contextmanager
def _open(src: Path) -> Iterator[Any]:
    if not src.is_file():
        raise MissingFileError(f"{src}: no such file")
    if src.stat().st_size == 0:
        raise InvalidInputError(f"{src}: empty file (0 bytes), not a ROOT file")
    import uproot

    try:
        file = uproot.open(src)
    except Exception as exc:  # uproot raises OSError, ValueError, ... on non-ROOT bytes
        raise InvalidInputError(f"{src}: not a readable ROOT file ({reason(exc)})") from None
    with file:
        yield file


def _object(file: Any, source: str, name: str) -> Any:
    import uproot

    try:
        return file[name]
    except uproot.KeyInFileError:
        raise InvalidInputError(f"{source}: no histogram {name!r}{_hint(file, name)}") from None
    except Exception as exc:  # a truncated or corrupt file fails when the object is read
        raise InvalidInputError(
            f"{source}: cannot read {name!r}, damaged ({reason(exc)})"
        ) from None


def _hint(file: Any, name: str) -> str:
    try:
        names = [k for k, c in file.classnames(cycle=False).items() if c != "TDirectory"]
    except Exception:  # listing a corrupt file is best effort
        return ""
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    if close:
        return " (close names: " + ", ".join(repr(c) for c in close) + ")"
    shown = ", ".join(repr(n) for n in sorted(names)[:5])
    more = ", ..." if len(names) > 5 else ""
    return (
        f" (the file has {len(names)} objects: {shown}{more})" if names else " (the file is empty)"
    )


def _metadata_text(file: Any, source: str) -> str:
    try:
        keys = file.keys(cycle=False)
    except Exception as exc:  # a truncated file fails when its directory is read
        raise InvalidInputError(
            f"{source}: cannot list the file, truncated or damaged ({reason(exc)})"
        ) from None
    if METADATA_KEY not in keys:
        raise InvalidInputError(
            f"{source}: no {METADATA_KEY!r} string, not an xhf template file "
            "(read single histograms with read_root_histogram)"
        )
    obj = _object(file, source, METADATA_KEY)
    if getattr(obj, "classname", "") != "TObjString":
        raise InvalidInputError(f"{source}: {METADATA_KEY!r} is not a TObjString")
    return str(obj)


def _histogram(
    file: Any, source: str, name: str, *, allow_negative: bool = False
) -> tuple[RootHistogram, bool]:
    """The histogram ``name`` and whether it stores a sumw2."""
    import uproot

    obj = _object(file, source, name)
    if not isinstance(obj, uproot.behaviors.TH1.TH1):
        is_dir = isinstance(obj, uproot.reading.ReadOnlyDirectory)
        kind = "TDirectory" if is_dir else getattr(obj, "classname", type(obj).__name__)
        raise InvalidInputError(f"{source}: {name!r} is a {kind}, not a 1D histogram")
    try:
        edges = np.asarray(obj.axis().edges(flow=False), dtype=np.float64)
        values = np.asarray(obj.values(flow=False), dtype=np.float64)
        has_sumw2 = len(obj.member("fSumw2")) > 0
        variances = (
            np.asarray(obj.variances(flow=False), dtype=np.float64) if has_sumw2 else np.abs(values)
        )
        title = str(obj.member("fXaxis").member("fTitle"))
    except Exception as exc:  # corrupt contents
        raise InvalidInputError(
            f"{source}: cannot read {name!r}, damaged ({reason(exc)})"
        ) from None
    where = f"{source}: histogram {name!r}"
    _check_energy_unit(title, where)
    edges = check_edges(edges, where)
    if values.shape != (edges.size - 1,) or variances.shape != values.shape:
        raise InvalidInputError(
            f"{where}: {values.size} contents and {variances.size} variances for "
            f"{edges.size - 1} bins"
        )
    check_values(values, f"{where} content", negative=allow_negative, edges=edges)
    check_values(
        variances,
        f"{where} variance",
        negative=False,
        edges=edges,
        ceiling=MAX_EVENTS**2,
        unit="events squared",
    )
    return RootHistogram(edges, values, variances), has_sumw2


#: An energy unit in an axis title: eV with an optional prefix, as a word of its own.
_ENERGY_UNIT = re.compile(r"(?<![A-Za-z])([A-Za-z]?[eE][vV])(?![A-Za-z])")


def _check_energy_unit(title: str, where: str) -> None:
    """Refuse an x axis whose title gives an energy unit other than keV (``energy [MeV]``).

    xhf reads the axis edges as keV; a title without a unit is accepted.
    """
    units = _ENERGY_UNIT.findall(title)
    if units and not any(u.lower() == "kev" for u in units):
        raise InvalidTemplateError(
            f"{where}: the x axis {title!r} is in {units[0]}, xhf templates are binned in keV "
            "(convert the bin edges to keV)"
        )


def _exact_variances(stat: NDArray[np.float64], table: Table, column: str) -> NDArray[np.float64]:
    with np.errstate(over="ignore", under="ignore"):
        variances = stat * stat
    inexact = np.sqrt(variances) != stat
    if np.any(inexact):
        i = int(np.argmax(inexact))
        raise InvalidTemplateError(
            f"template set: {table.kind} {table.name!r}, {column!r}: bin {i} "
            f"({float(stat[i])!r}) squared is not exact in a ROOT sumw2; use NPZ or CSV"
        )
    return variances


#: Axis titles of every histogram written, with units.
X_TITLE = "reconstructed energy [keV]"
Y_TITLE = "events / bin"


def _th1d(
    values: NDArray[np.float64],
    variances: NDArray[np.float64] | None,
    edges: NDArray[np.float64],
    title: str,
) -> Any:
    """A TH1D with variable bin edges and zero flow bins; no sumw2 when ``variances`` is None."""
    import uproot

    n_bins = len(edges) - 1
    data = np.concatenate([[0.0], values, [0.0]])
    sumw2 = None if variances is None else np.concatenate([[0.0], variances, [0.0]])
    centers = 0.5 * (edges[1:] + edges[:-1])
    with np.errstate(all="ignore"):  # summary statistics only; templates may be huge
        sumw = float(np.sum(values))
        sumw2_total = float(np.sum(values if variances is None else variances))
        sumwx = float(np.sum(values * centers))
        sumwx2 = float(np.sum(values * centers**2))
    axis = uproot.writing.identify.to_TAxis(
        "xaxis", X_TITLE, n_bins, float(edges[0]), float(edges[-1]), fXbins=edges
    )
    y_axis = uproot.writing.identify.to_TAxis("yaxis", Y_TITLE, 1, 0.0, 1.0)
    return uproot.writing.identify.to_TH1x(
        fName=None,
        fTitle=title,
        data=data,
        fEntries=sumw,
        fTsumw=sumw,
        fTsumw2=sumw2_total,
        fTsumwx=sumwx,
        fTsumwx2=sumwx2,
        fSumw2=sumw2,
        fXaxis=axis,
        fYaxis=y_axis,
    )
