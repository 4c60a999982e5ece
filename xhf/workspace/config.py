"""The analyst's YAML config -> a TemplateSet and what to build from it.

A config (``docs/config.md``; schema ``xhf/workspace/schema/config-v1.json``) names ROOT
histograms for the channels' data, the background components B_ij with their MC-statistics
errors, activity constraints and systematics, and the signals (XMASS-I, Phys. Lett. B 809
(2020) 135741, Eqs. 4-7). It is validated in two layers: the schema
(:mod:`xhf.workspace.config_schema`), then the semantics here (unique names, existing files and
histograms, identical binning, finite non-negative contents, a POI that exists). Every error is
one line naming the config file and the YAML path of the bad field. Paths are relative to the
config file. The result is the same :class:`~xhf.templates.TemplateSet` the Python path
builds, so both give byte-identical workspaces.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from xhf.exceptions import InvalidInputError, MissingFileError, XhfError
from xhf.templates.templateset import Channel, Sample, Signal, TemplateSet, Variation
from xhf.workspace.config_schema import format_path, validate_schema

__all__ = ["BuildConfig", "load_config", "read_histogram"]


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
    if isinstance(spec, dict):
        if not spec["low"] < spec["high"]:
            raise reader.fail(path, "low must be below high")
        return np.linspace(float(spec["low"]), float(spec["high"]), int(spec["bins"]) + 1)
    edges = np.asarray(spec, dtype=float)
    if np.any(np.diff(edges) <= 0):
        i = int(np.argmax(np.diff(edges) <= 0))
        raise reader.fail([*path, i + 1], "bin edges must increase")
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
        name,
        hist.values,
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
        metadata = dict(entry.get("metadata", {}))
        metadata["model"] = entry["model"]
        if "mass_mev" in entry:
            metadata["mass_mev"] = float(entry["mass_mev"])
        signals.append(
            Signal(
                entry["name"],
                channel,
                tuple(parts),
                entry["parameter"],
                entry["unit"],
                float(entry["reference"]),
                tuple(powers),
                metadata,
            )
        )
    return signals


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
    import yaml

    src = Path(path)
    source = src.name
    if not src.is_file():
        raise MissingFileError(f"{src}: no such file")
    try:
        doc = yaml.safe_load(src.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(top level)"
        problem = getattr(exc, "problem", None) or "not valid YAML"
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start is not None:
            problem += f" ({context} from line {start.line + 1})"
        raise InvalidInputError(f"{source}: {where}: {problem}") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{source}: (top level): not a text file") from None
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
        tuple(Channel(n, edges[n], tuple(backgrounds[n]), data[n]) for n in channels),
        tuple(signals),
        metadata,
    )
    templates.validate(source)
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
