"""The analyst's YAML config -> a TemplateSet and what to build from it.

A config (``docs/config.md``; schema ``xhf/workspace/schema/config-v1.json``) names ROOT
histograms for the channels' data, the background components B_ij with their MC-statistics
errors, activity constraints and systematics, and the signals (XMASS-I, Phys. Lett. B 809
(2020) 135741, Eqs. 4-7). It is read strictly (:mod:`xhf.yamlio`: no duplicated keys, YAML 1.2
numbers) and validated in two layers: the schema (:mod:`xhf.workspace.config_schema`), then the
semantics here (unique names, existing files and histograms, identical binning, finite
non-negative contents, the model's unit, ceilings on bins and grid excesses, a background in
every bin with data or signal, a POI that exists). Every error is one line naming the config
file and the YAML path of the bad field. Paths are relative to the config file. The result is
the same :class:`~xhf.templates.TemplateSet` the Python path builds, so both give
byte-identical workspaces.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from xhf.ceilings import MAX_BINS, MAX_EVENTS
from xhf.exceptions import InvalidInputError, MissingFileError, XhfError
from xhf.physics.rates import MODEL_UNITS
from xhf.templates.templateset import (
    Channel,
    Sample,
    Signal,
    TemplateSet,
    Variation,
)
from xhf.workspace.builder import check_background
from xhf.workspace.config_schema import format_path, shown, validate_schema
from xhf.workspace.naming import NAME_PATTERN, analysis_name, measurement_name
from xhf.yamlio import read_yaml

__all__ = [
    "MAX_BINS",
    "BuildConfig",
    "load_config",
    "log10_excess",
    "read_histogram",
]


def __dir__() -> list[str]:
    return __all__


class BuildConfig(NamedTuple):
    """A loaded config: the templates and the choices of what to build from them.

    Attributes:
        templates: channels, backgrounds and signals read from the histograms.
        signals: the signals to build (one power-law signal, or multi-part signals).
        data: the dataset label used as observations.
        measurement: the measurement name, or ``None`` for the default.
        poi_bounds: ``(lower, upper)`` of the POI, or ``None`` for the rule.
        couplings: parameter grid per multi-part signal (empty: no grid patchset).
        hepdata: INSPIRE id for patchsets, or ``None``.
        source: the config file name used in messages.
    """

    templates: TemplateSet
    signals: tuple[str, ...]
    data: str
    measurement: str | None
    poi_bounds: tuple[float, float] | None
    couplings: dict[str, tuple[float, ...]]
    hepdata: str | None
    source: str


def read_histogram(path: Path, name: str, *, allow_negative: bool = False):
    """``(edges, values, variances)`` of a 1D ROOT histogram (the templates stage's reader)."""
    from xhf.templates import read_root_histogram

    return read_root_histogram(path, name, allow_negative=allow_negative)


class _Reader:
    """Reads the histograms a config names; errors carry the config file and YAML path."""

    def __init__(self, source: str, base: Path) -> None:
        self.source = source
        self.base = base

    def fail(self, path: list[Any], message: str) -> XhfError:
        return InvalidInputError(f"{self.source}: {format_path(path)}: {message}")

    def histogram(
        self,
        path: list[Any],
        file: str,
        name: str,
        edges: NDArray[np.float64] | None,
        *,
        file_key: list[Any],
        negative: bool = False,
    ):
        target = Path(file) if os.path.isabs(file) else self.base / file
        if not target.is_file():
            raise MissingFileError(f"{self.source}: {format_path(file_key)}: no such file {file!r}")
        try:
            hist = read_histogram(target, name, allow_negative=negative)
        except XhfError as exc:
            message = str(exc).splitlines()[0]
            if message.startswith(f"{target}: "):  # name the file as the config does
                message = f"{file}: {message.removeprefix(f'{target}: ')}"
            raise self.fail(path, message) from None
        if edges is not None:
            if hist.edges.shape != edges.shape:
                raise self.fail(
                    path, f"{name!r} has {hist.edges.size - 1} bins, the channel {edges.size - 1}"
                )
            close = np.isclose(hist.edges, edges, rtol=1e-9, atol=0.0)
            if not np.all(close):
                i = int(np.argmin(close))
                raise self.fail(
                    path,
                    f"binning of {name!r} differs from the channel's: edge {i} is "
                    f"{float(hist.edges[i])!r} keV, not {float(edges[i])!r}",
                )
        return hist


def _binning(reader: _Reader, path: list[Any], spec: Any) -> NDArray[np.float64] | None:
    if spec is None:
        return None
    bins = int(spec["bins"]) if isinstance(spec, dict) else len(spec) - 1
    if bins > MAX_BINS:
        where = [*path, "bins"] if isinstance(spec, dict) else path
        raise reader.fail(where, f"{bins} bins exceed the ceiling of {MAX_BINS}")
    with np.errstate(over="ignore", invalid="ignore"):
        if isinstance(spec, dict):
            if not spec["low"] < spec["high"]:
                raise reader.fail(path, "low must be below high")
            edges = np.linspace(float(spec["low"]), float(spec["high"]), bins + 1)
            width = np.diff(edges)
        else:
            edges = np.asarray(spec, dtype=float)
            width = np.diff(edges)
            if np.any(width <= 0):
                i = int(np.argmax(width <= 0))
                raise reader.fail([*path, i + 1], "bin edges must increase")
    if not np.all(np.isfinite(width)):
        raise reader.fail(path, "bin widths overflow; the edges are not energies in keV")
    return edges


def _unique(reader: _Reader, path: list[Any], name: str, seen: set, what: str) -> None:
    if name in seen:
        raise reader.fail(path, f"duplicated {what} {name!r}")
    seen.add(name)


def _channel_of(reader: _Reader, path: list[Any], entry: dict, channels: list[str]) -> str:
    name = entry.get("channel")
    if name is None:
        if len(channels) > 1:
            raise reader.fail([*path, "channel"], "is required when there are several channels")
        return channels[0]
    if name not in channels:
        raise reader.fail(
            [*path, "channel"], f"no channel {name!r} (channels: {', '.join(channels)})"
        )
    return name


def _sample(
    reader: _Reader,
    path: list[Any],
    entry: dict,
    file: str,
    edges: NDArray[np.float64],
    *,
    name: str,
    negative: bool,
) -> Sample:
    hist = reader.histogram(
        [*path, "histogram"],
        file,
        entry["histogram"],
        edges,
        file_key=[*path, "file"],
        negative=negative,
    )
    stat = np.sqrt(hist.variances) if entry.get("stat_error", True) else None
    seen: set[str] = set()
    variations = []
    for k, var in enumerate(entry.get("variations", [])):
        where = [*path, "variations", k]
        _unique(reader, [*where, "name"], var["name"], seen, "systematic name")
        templates = []
        for direction in ("up", "down"):
            vfile = var.get("file", file)
            key = [*where, "file"] if "file" in var else [*path, "file"]
            hist_v = reader.histogram(
                [*where, direction], vfile, var[direction], edges, file_key=key, negative=negative
            )
            templates.append(hist_v.values)
        variations.append(Variation(var["name"], templates[0], templates[1]))
    norm_variations = {}
    for k, var in enumerate(entry.get("norm_variations", [])):
        _unique(reader, [*path, "norm_variations", k, "name"], var["name"], seen, "systematic name")
        norm_variations[var["name"]] = (float(var["hi"]), float(var["lo"]))
    if entry.get("free") and entry.get("norm_uncertainty") is not None:
        raise reader.fail([*path, "free"], "a free normalisation excludes norm_uncertainty")
    nu = entry.get("norm_uncertainty")
    return Sample(
        name=name,
        yields=hist.values,
        stat_error=stat,
        norm_uncertainty=None if nu is None else float(nu),
        free=bool(entry.get("free", False)),
        variations=tuple(variations),
        norm_variations=norm_variations,
    )


def _channels(reader: _Reader, doc: dict) -> tuple[dict[str, NDArray], dict[str, dict], dict]:
    edges: dict[str, NDArray[np.float64]] = {}
    data: dict[str, dict[str, NDArray[np.float64]]] = {}
    datasets: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    total = 0
    for i, ch in enumerate(doc["channels"]):
        path = ["channels", i]
        _unique(reader, [*path, "name"], ch["name"], seen, "channel name")
        channel_edges = _binning(reader, [*path, "binning"], ch.get("binning"))
        data[ch["name"]] = {}
        for label in sorted(ch["data"]):
            entry = ch["data"][label]
            where = [*path, "data", label]
            hist = reader.histogram(
                [*where, "histogram"],
                entry["file"],
                entry["histogram"],
                channel_edges,
                file_key=[*where, "file"],
            )
            channel_edges = hist.edges if channel_edges is None else channel_edges
            data[ch["name"]][label] = hist.values
            info = {k: entry[k] for k in ("pseudo_data", "seed", "description") if k in entry}
            datasets.setdefault(label, info)
        edges[ch["name"]] = channel_edges
        total += len(channel_edges) - 1 if channel_edges is not None else 0
        if total > MAX_BINS:
            raise reader.fail(
                ["channels"],
                f"{total} bins in total over the channels, above the ceiling of {MAX_BINS}",
            )
    return edges, data, datasets


def _signals(reader: _Reader, doc: dict, edges: dict[str, NDArray]) -> list[Signal]:
    channels = list(edges)
    signals = []
    seen: set[str] = set()
    for i, entry in enumerate(doc["signals"]):
        path = ["signals", i]
        _unique(reader, [*path, "name"], entry["name"], seen, "signal name")
        channel = _channel_of(reader, path, entry, channels)
        parts, powers = [], []
        part_seen: set[str] = set()
        power_seen: set[int] = set()
        for k, part in enumerate(entry["parts"]):
            where = [*path, "parts", k]
            name = part.get("name", part["histogram"].rsplit("/", 1)[-1])
            _unique(reader, [*where, "name"], name, part_seen, "part name")
            _unique(reader, [*where, "power"], part["power"], power_seen, "power")
            file = part.get("file", entry.get("file"))
            if file is None:
                raise reader.fail([*where, "file"], "is required (the signal names no file)")
            file_entry = {**part, "file": file}
            parts.append(
                _sample(reader, where, file_entry, file, edges[channel], name=name, negative=True)
            )
            powers.append(int(part["power"]))
        if len(parts) == 1 and "couplings" in entry:
            raise reader.fail([*path, "couplings"], "a grid is only for signals of several parts")
        _check_unit(reader, path, entry)
        _check_couplings(reader, path, entry, parts, powers)
        metadata = dict(entry.get("metadata", {}))
        metadata["model"] = entry["model"]
        if "mass_mev" in entry:
            metadata["mass_mev"] = float(entry["mass_mev"])
        signals.append(
            Signal(
                name=entry["name"],
                channel=channel,
                parts=tuple(parts),
                parameter=entry["parameter"],
                unit=entry["unit"],
                reference=float(entry["reference"]),
                powers=tuple(powers),
                metadata=metadata,
            )
        )
    return signals


def _check_unit(reader: _Reader, path: list[Any], entry: dict) -> None:
    """A model xhf knows has one unit: ``xhf limit`` converts the POI to it."""
    unit = MODEL_UNITS.get(entry["model"])
    if unit is not None and entry["unit"] != unit:
        raise reader.fail(
            [*path, "unit"],
            f"{shown(entry['unit'])} is not the unit of {entry['model']} (write {unit!r}; "
            "the reference is a plain number in that unit)",
        )


def log10_excess(
    coupling: float, reference: float, parts: Sequence[Sample], powers: Sequence[int]
) -> float:
    """log10 of the largest |events| in a bin of a part scaled to ``coupling``:
    max_k [p_k log10(g / reference) + log10 max |part_k|] (-inf for empty parts), computed in
    logarithms so that absurd grids cannot overflow.

    >>> part = Sample(name="pure", yields=np.array([2.0, 10.0]))
    >>> log10_excess(1e-5, 1e-6, [part], [4])
    5.0
    """
    largest = -math.inf
    for part, power in zip(parts, powers, strict=True):
        size = float(np.max(np.abs(part.yields), initial=0.0))
        if size > 0:
            scale = power * (math.log10(coupling) - math.log10(reference))
            largest = max(largest, scale + math.log10(size))
    return largest


def _check_couplings(
    reader: _Reader, path: list[Any], entry: dict, parts: list[Sample], powers: list[int]
) -> None:
    """Every grid point's excess, sum_k (g / reference)^p_k part_k, stays below the ceiling."""
    for j, coupling in enumerate(entry.get("couplings", [])):
        exponent = log10_excess(coupling, float(entry["reference"]), parts, powers)
        if exponent > math.log10(MAX_EVENTS):
            raise reader.fail(
                [*path, "couplings", j],
                f"{coupling:g} scales the signal to ~1e{exponent:.0f} events in a bin, above "
                f"the ceiling of {MAX_EVENTS:g} per bin",
            )


def _check_measurement_name(reader: _Reader, doc: dict, signals: list[Signal], first: str) -> None:
    """The default measurement name, ``<experiment>_<analysis>``, must be a valid name."""
    index = next(i for i, s in enumerate(signals) if s.name == first)
    analysis = analysis_name(signals[index].metadata, first)
    name = measurement_name(doc.get("experiment", "xmass1"), analysis)
    if not NAME_PATTERN.match(name):
        given = "analysis" in doc["signals"][index].get("metadata", {})
        where = ["signals", index, *(["metadata", "analysis"] if given else ["model"])]
        raise reader.fail(
            where,
            f"gives the measurement name {name!r}, which may contain only letters, digits "
            "and underscores (or set measurement.name)",
        )


def _selection(reader: _Reader, doc: dict, signals: list[Signal]) -> tuple[str, ...]:
    chosen = doc.get("measurement", {}).get("signal")
    names = [s.name for s in signals]
    if chosen is not None:
        if chosen not in names:
            raise reader.fail(
                ["measurement", "signal"], f"no signal {chosen!r} (signals: {', '.join(names)})"
            )
        return (chosen,)
    single = [s.name for s in signals if s.is_power_law]
    if single and len(single) < len(signals):
        raise reader.fail(
            ["measurement", "signal"],
            "is required: the config mixes power-law and multi-part signals",
        )
    if len(single) > 1:
        raise reader.fail(
            ["measurement", "signal"],
            f"is required: the config has several power-law signals ({', '.join(single)})",
        )
    if len({s.channel for s in signals}) > 1:
        raise reader.fail(["measurement", "signal"], "is required: signals in several channels")
    return tuple(names)


def _data_label(reader: _Reader, doc: dict, data: dict[str, dict], channel: str) -> str:
    label = doc.get("measurement", {}).get("data")
    labels = sorted(data[channel])
    if label is None:
        if len(labels) > 1:
            raise reader.fail(
                ["measurement", "data"],
                f"is required: channel {channel!r} has several datasets ({', '.join(labels)})",
            )
        return labels[0]
    if label not in data[channel]:
        raise reader.fail(
            ["measurement", "data"],
            f"channel {channel!r} has no dataset {label!r} (datasets: {', '.join(labels)})",
        )
    return label


def _check_background(
    source: str, templates: TemplateSet, channel: str, label: str, selected: tuple[str, ...]
) -> None:
    """The builder's rule (no bin without background where data or a signal are), checked
    before anything is built so that the message names the config."""
    ch = templates.channel(channel)
    signal = np.zeros(ch.bin_edges.size - 1)
    for name in selected:
        for part in templates.signal(name).parts:
            signal = signal + np.abs(np.asarray(part.yields, dtype=float))
    try:
        check_background(ch, ch.data[label], signal)
    except XhfError as exc:
        raise InvalidInputError(f"{source}: {exc}") from None


def load_config(path: str | os.PathLike[str]) -> BuildConfig:
    """Load and validate a build config (schema, then semantics) and read its histograms.

    Args:
        path: the YAML file; relative paths in it are relative to its directory.

    Returns:
        The :class:`BuildConfig`: the TemplateSet and which signals and dataset to build.

    Raises:
        MissingFileError: the config or a histogram file does not exist.
        InvalidInputError: one line ``<config>: <yaml path>: <what is wrong>``.
    """
    src = Path(path)
    source = src.name
    if not src.is_file():
        raise MissingFileError(f"{src}: no such file")
    doc = read_yaml(src, source)
    validate_schema(doc, source)
    reader = _Reader(source, src.resolve().parent)
    edges, data, datasets = _channels(reader, doc)
    channels = list(edges)
    backgrounds: dict[str, list[Sample]] = {name: [] for name in channels}
    seen: dict[str, set[str]] = {name: set() for name in channels}
    for i, entry in enumerate(doc["backgrounds"]):
        where = ["backgrounds", i]
        channel = _channel_of(reader, where, entry, channels)
        if entry["name"].startswith("signal"):
            raise reader.fail([*where, "name"], "names starting with 'signal' are reserved")
        _unique(reader, [*where, "name"], entry["name"], seen[channel], "sample name")
        sample = _sample(
            reader, where, entry, entry["file"], edges[channel], name=entry["name"], negative=False
        )
        backgrounds[channel].append(sample)
    signals = _signals(reader, doc, edges)
    selected = _selection(reader, doc, signals)
    channel = next(s.channel for s in signals if s.name == selected[0])
    label = _data_label(reader, doc, data, channel)
    if doc.get("measurement", {}).get("name") is None:
        _check_measurement_name(reader, doc, signals, selected[0])
    bounds = doc.get("measurement", {}).get("poi_bounds")
    if bounds is not None and not bounds[0] < bounds[1]:
        raise reader.fail(["measurement", "poi_bounds"], "the lower bound must be below the upper")
    couplings = {
        s["name"]: tuple(float(g) for g in s["couplings"])
        for s in doc["signals"]
        if "couplings" in s and s["name"] in selected
    }
    if couplings and len(couplings) != len(selected):
        missing = next(n for n in selected if n not in couplings)
        index = next(i for i, s in enumerate(doc["signals"]) if s["name"] == missing)
        raise reader.fail(["signals", index, "couplings"], "is required: other signals have a grid")
    references = doc.get("references", {})
    metadata = {"experiment": doc.get("experiment", "xmass1"), "datasets": datasets}
    metadata.update({k: references[k] for k in ("hepdata", "paper") if k in references})
    templates = TemplateSet(
        tuple(
            Channel(name=n, bin_edges=edges[n], backgrounds=tuple(backgrounds[n]), data=data[n])
            for n in channels
        ),
        tuple(signals),
        metadata,
    )
    templates.validate(source)
    _check_background(source, templates, channel, label, selected)
    return BuildConfig(
        templates,
        selected,
        label,
        doc.get("measurement", {}).get("name"),
        None if bounds is None else (float(bounds[0]), float(bounds[1])),
        couplings,
        references.get("hepdata"),
        source,
    )
