"""Names and the JSON document shared by the ROOT, NPZ and CSV template formats.

Every format stores a :class:`~xhf.templates.TemplateSet` as *tables* (one per channel and
one per signal) of named per-bin *columns*, plus one JSON *document* holding everything that
is not an array. The column names are the same in every format:

==================================  ===================================================
column                              holds
==================================  ===================================================
``data_<label>``                    a dataset of the channel (observed or pseudo-data)
``<sample>``                        a background (or signal part) template, events/bin
``<sample>_stat``                   its absolute MC-statistics error (ROOT: sqrt(sumw2))
``<sample>__<variation>_up``        a histosys variation, absolute up template
``<sample>__<variation>_down``      the down template
==================================  ===================================================

A channel's table lives at ``<channel>``; a signal's at ``signals/<signal>`` (a ROOT
directory, an NPZ key prefix, a CSV file stem). The document (``FORMAT = "xhf-templates"``,
``version`` 1) lists channels, datasets, samples, variations and signals in order, with the
non-array fields: ``norm_uncertainty``, ``free``, ``norm_variations``, whether a sample has a
``stat_error``, the signal's ``parameter``, ``unit``, ``reference``, ``powers`` and
``metadata``, and the TemplateSet ``metadata``. It is written with :func:`xhf.jsonio.dumps`
(sorted keys, ASCII, repr-exact floats), so the same TemplateSet gives the same text.

Names must match ``^[A-Za-z0-9_]+$``; the channel names ``signals`` and ``xhf_metadata`` are
reserved, and two names that would give the same column are rejected.

>>> import numpy as np
>>> from xhf.templates import Channel, Sample, TemplateSet
>>> bkg = Sample(name="kr85", yields=np.array([1.0, 2.0]), stat_error=np.array([0.1, 0.2]))
>>> ch = Channel(name="low", bin_edges=np.array([2.0, 3.0, 4.0]), backgrounds=(bkg,),
...              data={"asimov": bkg.yields})
>>> ts = TemplateSet((ch,))
>>> [c.name for c in tables(to_document(ts), "x")[0].columns]
['data_asimov', 'kr85']
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from xhf.exceptions import InvalidInputError, InvalidTemplateError
from xhf.jsonio import dumps
from xhf.jsonread import parse_json
from xhf.templates.templateset import Channel, Sample, Signal, TemplateSet, Variation

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "METADATA_KEY",
    "SIGNALS_DIR",
    "Column",
    "Table",
    "data_column",
    "decode_document",
    "encode_document",
    "from_document",
    "stat_column",
    "table_arrays",
    "tables",
    "to_document",
    "variation_column",
]


def __dir__() -> list[str]:
    return __all__


FORMAT = "xhf-templates"
FORMAT_VERSION = 1
#: Name of the JSON document inside a ROOT file (a TObjString) or an NPZ archive.
METADATA_KEY = "xhf_metadata"
#: Directory (ROOT), key prefix (NPZ) or sub-directory (CSV) of the signal tables.
SIGNALS_DIR = "signals"

_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_RESERVED_CHANNELS = frozenset({SIGNALS_DIR, METADATA_KEY})
#: Column names the formats use for the binning; no template may take them.
_BINNING_COLUMNS = ("bin_edges", "low_kev", "high_kev")


def data_column(label: str) -> str:
    """Column of the dataset ``label``."""
    return f"data_{label}"


def stat_column(sample: str) -> str:
    """Column of the MC-statistics error of ``sample``."""
    return f"{sample}_stat"


def variation_column(sample: str, variation: str, direction: str) -> str:
    """Column of the ``up`` or ``down`` template of ``variation`` on ``sample``."""
    return f"{sample}__{variation}_{direction}"


class Column(NamedTuple):
    """One per-bin template of a table: its name, its stat-error column, its sign rule."""

    name: str
    stat: str | None
    negative: bool


class Table(NamedTuple):
    """A channel or a signal as named columns, the unit every format stores.

    Attributes:
        kind: ``"channel"`` or ``"signal"``.
        name: channel or signal name.
        path: ``<channel>`` or ``signals/<signal>``.
        channel: the channel whose binning the table uses.
        columns: the templates in file order (stat errors are attached, not listed).
    """

    kind: str
    name: str
    path: str
    channel: str
    columns: tuple[Column, ...]


# ---------------------------------------------------------------------------------------------
# TemplateSet -> document and arrays (writers)


def _sample_entry(sample: Sample) -> dict[str, Any]:
    return {
        "name": sample.name,
        "stat_error": sample.stat_error is not None,
        "norm_uncertainty": sample.norm_uncertainty,
        "free": bool(sample.free),
        "variations": [v.name for v in sample.variations],
        "norm_variations": [[name, hi, lo] for name, (hi, lo) in sample.norm_variations.items()],
    }


def to_document(ts: TemplateSet) -> dict[str, Any]:
    """The JSON document of ``ts``: everything but the arrays (plain JSON values)."""
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "metadata": dict(ts.metadata),
        "channels": [
            {
                "name": ch.name,
                "data": list(ch.data),
                "backgrounds": [_sample_entry(s) for s in ch.backgrounds],
            }
            for ch in ts.channels
        ],
        "signals": [
            {
                "name": sig.name,
                "channel": sig.channel,
                "parameter": sig.parameter,
                "unit": sig.unit,
                "reference": sig.reference,
                "powers": list(sig.powers),
                "metadata": dict(sig.metadata),
                "parts": [_sample_entry(p) for p in sig.parts],
            }
            for sig in ts.signals
        ],
    }


def encode_document(doc: Mapping[str, Any]) -> str:
    """The document as deterministic ASCII JSON; non-JSON metadata is an error."""
    try:
        return dumps(doc)
    except (TypeError, ValueError) as exc:
        raise InvalidTemplateError(f"template set: metadata is not plain JSON ({exc})") from None


def _sample_arrays(sample: Sample) -> dict[str, NDArray[np.float64]]:
    out = {sample.name: _floats(sample.yields)}
    if sample.stat_error is not None:
        out[stat_column(sample.name)] = _floats(sample.stat_error)
    for var in sample.variations:
        out[variation_column(sample.name, var.name, "up")] = _floats(var.up)
        out[variation_column(sample.name, var.name, "down")] = _floats(var.down)
    return out


def table_arrays(ts: TemplateSet) -> dict[str, dict[str, NDArray[np.float64]]]:
    """All arrays of ``ts`` as ``{table path: {column: values}}`` (stat columns included)."""
    out: dict[str, dict[str, NDArray[np.float64]]] = {}
    for ch in ts.channels:
        arrays = {data_column(label): _floats(v) for label, v in ch.data.items()}
        for sample in ch.backgrounds:
            arrays.update(_sample_arrays(sample))
        out[ch.name] = arrays
    for sig in ts.signals:
        arrays = {}
        for part in sig.parts:
            arrays.update(_sample_arrays(part))
        out[f"{SIGNALS_DIR}/{sig.name}"] = arrays
    return out


def _floats(values: Any) -> NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# document -> tables and TemplateSet (readers)


def decode_document(text: str, source: str) -> dict[str, Any]:
    """Parse and check a document; errors start with ``source`` and name the field.

    Args:
        text: the JSON text.
        source: the file (and the object in it, e.g. ``t.root: xhf_metadata``).
    """
    doc = parse_json(text, source, constants=False)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InvalidInputError(f"{source}: not an {FORMAT} document")
    if doc.get("version") != FORMAT_VERSION:
        raise InvalidInputError(
            f"{source}: version {doc.get('version')!r} is not supported "
            f"(this xhf reads version {FORMAT_VERSION})"
        )
    check = _Checker(source)
    check.field(doc, "metadata", dict, "")
    for i, ch in enumerate(check.field(doc, "channels", list, "")):
        where = f"channels[{i}]"
        check.name(ch, where)
        for j, label in enumerate(check.field(ch, "data", list, where)):
            check.is_name(label, f"{where}.data[{j}]")
        for j, sample in enumerate(check.field(ch, "backgrounds", list, where)):
            check.sample(sample, f"{where}.backgrounds[{j}]")
    for i, sig in enumerate(check.field(doc, "signals", list, "")):
        where = f"signals[{i}]"
        check.name(sig, where)
        check.is_name(check.field(sig, "channel", str, where), f"{where}.channel")
        check.field(sig, "parameter", str, where)
        check.field(sig, "unit", str, where)
        check.number(sig, "reference", where)
        for j, power in enumerate(check.field(sig, "powers", list, where)):
            check.is_number(power, f"{where}.powers[{j}]")
        check.field(sig, "metadata", dict, where)
        for j, part in enumerate(check.field(sig, "parts", list, where)):
            check.sample(part, f"{where}.parts[{j}]")
    return doc


class _Checker:
    """Type checks on the document; each failure names the file and the field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, what: str) -> InvalidInputError:
        return InvalidInputError(f"{self.source}: field {where} {what}")

    def field(self, obj: Any, key: str, kind: type, where: str) -> Any:
        path = f"{where}.{key}" if where else key
        if not isinstance(obj, dict) or key not in obj:
            raise self.fail(path, "is missing")
        value = obj[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.fail(path, f"must be a {kind.__name__}, not {type(value).__name__}")
        return value

    def is_name(self, value: Any, where: str) -> None:
        if not isinstance(value, str) or not _NAME.fullmatch(value):
            raise self.fail(where, f"{_short(value)} must match {_NAME.pattern}")

    def name(self, obj: Any, where: str) -> None:
        self.is_name(self.field(obj, "name", str, where), f"{where}.name")

    def is_number(self, value: Any, where: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"must be a number, not {type(value).__name__}")
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an integer beyond float64
            finite = False
        if not finite:
            raise self.fail(where, f"must be a finite number, not {_short(value)}")

    def number(self, obj: Any, key: str, where: str, *, optional: bool = False) -> None:
        if not isinstance(obj, dict) or key not in obj:
            raise self.fail(f"{where}.{key}", "is missing")
        if not (optional and obj[key] is None):
            self.is_number(obj[key], f"{where}.{key}")

    def sample(self, obj: Any, where: str) -> None:
        self.name(obj, where)
        self.field(obj, "stat_error", bool, where)
        self.field(obj, "free", bool, where)
        self.number(obj, "norm_uncertainty", where, optional=True)
        for k, var in enumerate(self.field(obj, "variations", list, where)):
            self.is_name(var, f"{where}.variations[{k}]")
        for k, item in enumerate(self.field(obj, "norm_variations", list, where)):
            at = f"{where}.norm_variations[{k}]"
            if not (isinstance(item, list) and len(item) == 3):
                raise self.fail(at, "must be [name, hi, lo]")
            self.is_name(item[0], at)
            self.is_number(item[1], at)
            self.is_number(item[2], at)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


def _sample_columns(
    entry: Mapping[str, Any], where: str, *, negative: bool
) -> list[tuple[Column, str]]:
    name = entry["name"]
    _unique_names(where, "variation", entry["variations"])
    _unique_names(where, "norm variation", [n for n, _, _ in entry["norm_variations"]])
    stat = stat_column(name) if entry["stat_error"] else None
    cols = [(Column(name, stat, negative), f"sample {name!r}")]
    for var in entry["variations"]:
        for direction in ("up", "down"):
            col = Column(variation_column(name, var, direction), None, negative)
            cols.append((col, f"variation {var!r} of sample {name!r}"))
    return cols


def tables(doc: Mapping[str, Any], source: str) -> list[Table]:
    """The tables a document describes: channels first, then signals, in order.

    Raises :class:`InvalidTemplateError` for names that do not match ``^[A-Za-z0-9_]+$``,
    reserved or duplicated names (channels, signals, datasets, samples, parts, variations), a
    signal in an unknown channel, and two templates that would share a column (e.g. sample
    ``a`` with variation ``b`` and a sample ``a__b``).
    """
    out = []
    channels = [ch["name"] for ch in doc["channels"]]
    _unique_names(source, "channel", channels)
    for ch in doc["channels"]:
        if ch["name"] in _RESERVED_CHANNELS:
            raise InvalidTemplateError(f"{source}: channel name {ch['name']!r} is reserved")
        where = f"{source}: channel {ch['name']!r}"
        _unique_names(where, "dataset", ch["data"])
        _unique_names(where, "background", [s["name"] for s in ch["backgrounds"]])
        cols = [
            (Column(data_column(label), None, False), f"data {label!r}") for label in ch["data"]
        ]
        for sample in ch["backgrounds"]:
            cols += _sample_columns(sample, f"{where}, sample {sample['name']!r}", negative=False)
        out.append(_table("channel", ch["name"], ch["name"], ch["name"], cols, source))
    _unique_names(source, "signal", [sig["name"] for sig in doc["signals"]])
    for sig in doc["signals"]:
        where = f"{source}: signal {sig['name']!r}"
        if sig["channel"] not in channels:
            raise InvalidTemplateError(f"{where}: unknown channel {sig['channel']!r}")
        _unique_names(where, "part", [p["name"] for p in sig["parts"]])
        cols = []
        for part in sig["parts"]:
            cols += _sample_columns(part, f"{where}, part {part['name']!r}", negative=True)
        path = f"{SIGNALS_DIR}/{sig['name']}"
        out.append(_table("signal", sig["name"], path, sig["channel"], cols, source))
    return out


def _unique_names(where: str, what: str, names: Any) -> None:
    """Every name matches ``^[A-Za-z0-9_]+$`` and appears once (writers are checked here)."""
    seen = set()
    for name in names:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise InvalidTemplateError(
                f"{where}: {what} name {_short(name)} must match {_NAME.pattern}"
            )
        if name in seen:
            raise InvalidTemplateError(f"{where}: duplicated {what} name {name!r}")
        seen.add(name)


def _table(
    kind: str, name: str, path: str, channel: str, cols: list[tuple[Column, str]], source: str
) -> Table:
    owners = dict.fromkeys(_BINNING_COLUMNS, "the binning")
    for col, owner in cols:
        for column in (col.name, col.stat):
            if column is None:
                continue
            if column in owners:
                raise InvalidTemplateError(
                    f"{source}: {kind} {name!r}: {owner} and {owners[column]} "
                    f"both need the column {column!r}; rename one"
                )
            owners[column] = owner
    return Table(kind, name, path, channel, tuple(col for col, _ in cols))


def from_document(
    doc: Mapping[str, Any],
    arrays: Mapping[str, Mapping[str, NDArray[np.float64]]],
    edges: Mapping[str, NDArray[np.float64]],
    source: str,
) -> TemplateSet:
    """Rebuild the TemplateSet from a document, its arrays and each channel's bin edges.

    Args:
        doc: a document checked by :func:`decode_document`.
        arrays: ``{table path: {column: values}}`` holding every column the document names.
        edges: bin edges per channel name.
        source: the file name, prefix of every error message.

    Returns:
        The TemplateSet, checked with ``TemplateSet.validate(source=source)``.
    """

    def sample(entry: Mapping[str, Any], table: Mapping[str, NDArray[np.float64]]) -> Sample:
        name = entry["name"]
        return Sample(
            name=name,
            yields=table[name],
            stat_error=table[stat_column(name)] if entry["stat_error"] else None,
            norm_uncertainty=entry["norm_uncertainty"],
            free=entry["free"],
            variations=tuple(
                Variation(
                    var,
                    table[variation_column(name, var, "up")],
                    table[variation_column(name, var, "down")],
                )
                for var in entry["variations"]
            ),
            norm_variations={n: (hi, lo) for n, hi, lo in entry["norm_variations"]},
        )

    channels = tuple(
        Channel(
            name=ch["name"],
            bin_edges=edges[ch["name"]],
            backgrounds=tuple(sample(s, arrays[ch["name"]]) for s in ch["backgrounds"]),
            data={label: arrays[ch["name"]][data_column(label)] for label in ch["data"]},
        )
        for ch in doc["channels"]
    )
    signals = tuple(
        Signal(
            name=sig["name"],
            channel=sig["channel"],
            parts=tuple(sample(p, arrays[f"{SIGNALS_DIR}/{sig['name']}"]) for p in sig["parts"]),
            parameter=sig["parameter"],
            unit=sig["unit"],
            reference=sig["reference"],
            powers=tuple(sig["powers"]),
            metadata=sig["metadata"],
        )
        for sig in doc["signals"]
    )
    ts = TemplateSet(channels, signals, doc["metadata"])
    ts.validate(source=source)
    return ts
