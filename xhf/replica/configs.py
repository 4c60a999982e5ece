"""``xhf build`` configs for a TemplateSet stored in a ROOT file in xhf's layout.

The analyst's path (``docs/config.md``) starts from a YAML config that names ROOT histograms.
For a :class:`~xhf.templates.TemplateSet` written by :func:`xhf.templates.write_root` -- the
shipped XMASS-I-like replica, ``templates/xmass1_replica.root`` -- :func:`config_for_templates`
writes that config: every background of the signals' channel with its histogram, stat error,
activity constraint (or free normalisation), shape and flat systematics, and the signals with
their parts, powers and metadata (XMASS-I, Phys. Lett. B 809 (2020) 135741, Eqs. 4-7). Built
with ``xhf build``, the config gives byte for byte the workspaces that the Python path
(:func:`xhf.workspace.build_workspace` on the same TemplateSet) gives.

:func:`replica_configs` makes the three shipped configs (``workspaces/configs/``): the
millicharge (``low_energy``, 2-15 keV), the magnetic moment (``full_energy``, 2-200 keV) and the
dark photon (every mass, with a coupling grid from :func:`coupling_grid`), each observing the
replica's seeded Poisson pseudo-data; :func:`write_replica_configs` writes them, each with the
header comment of :func:`config_header` (``workspaces/regenerate.sh`` runs it, then
``xhf build`` on each).

>>> coupling_grid(1.1e-6)
[6.5e-07, 7.8e-07, 9.2e-07, 1.1e-06, 1.3e-06, 1.6e-06, 1.8e-06, 2.2e-06]
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from xhf.exceptions import InvalidParameterError, OutputExistsError
from xhf.jsonio import atomic_write, plain
from xhf.templates.io.layout import SIGNALS_DIR, data_column, variation_column
from xhf.templates.templateset import Sample, Signal, TemplateSet
from xhf.workspace.metadata import dataset_info

__all__ = [
    "GRID_FACTORS",
    "PAPER",
    "REPLICA_ROOT",
    "config_for_templates",
    "config_header",
    "coupling_grid",
    "dump_config",
    "replica_configs",
    "write_config",
    "write_replica_configs",
]


def __dir__() -> list[str]:
    return __all__


#: Citation written into the replica configs (``references.paper``).
PAPER = "K. Abe et al. (XMASS Collaboration), Phys. Lett. B 809 (2020) 135741"
#: The shipped replica, relative to ``workspaces/configs/`` where the shipped configs live.
REPLICA_ROOT = "../../templates/xmass1_replica.root"
#: Coupling grid of the dark photon in units of each mass's reference coupling (which the
#: replica sets near the expected limit): 2^(k/4), k = -3 ... 4, i.e. 0.59 ... 2.0 in steps
#: of 19 % in g (a factor 2 in the pure, g^4, part of the excess). On the replica the tied-
#: coupling 90 % CL limits (observed and the +-2 sigma expected band) lie at 0.83 ... 1.33
#: g_ref. Interpolating CLs(mu = 1) between the patches in log g reproduces them to 1-3 %
#: (observed and median; 6 % at the +1/+2 sigma edges) with the inference stage's
#: (log g, log z) rule and to 2.3 % with a monotone cubic in (log g, z), z = Phi^-1(1 - CLs);
#: steps of sqrt(2) (0.35 ... 2.8) give up to 14 % and 4.3 %.
GRID_FACTORS = tuple(2.0 ** (k / 4.0) for k in range(-3, 5))


def coupling_grid(
    reference: float, factors: Sequence[float] = GRID_FACTORS, *, digits: int = 2
) -> list[float]:
    """Grid of couplings ``reference * factor``, rounded to ``digits`` significant digits.

    Short numbers give readable patch names (``dark_photon_m1e_03_g1p4e_06``).

    Args:
        reference: the signal's reference value (g_BL).
        factors: multiples of the reference.
        digits: significant digits of each value.

    Returns:
        The sorted, distinct values.
    """
    if not (math.isfinite(reference) and reference > 0):
        raise InvalidParameterError(f"reference must be positive, not {reference!r}")
    return sorted({float(f"{reference * f:.{digits}g}") for f in factors})


def _variations(sample: Sample, table: str, name: str) -> list[dict[str, Any]]:
    return [
        {
            "name": var.name,
            "up": f"{table}/{variation_column(name, var.name, 'up')}",
            "down": f"{table}/{variation_column(name, var.name, 'down')}",
        }
        for var in sample.variations
    ]


def _sample_entry(sample: Sample, table: str) -> dict[str, Any]:
    """Histogram, stat error, normalisation and systematics of a sample stored at ``table``."""
    entry: dict[str, Any] = {"histogram": f"{table}/{sample.name}"}
    if sample.stat_error is None:
        entry["stat_error"] = False
    if sample.free:
        entry["free"] = True
    if sample.norm_uncertainty is not None:
        entry["norm_uncertainty"] = float(sample.norm_uncertainty)
    if sample.variations:
        entry["variations"] = _variations(sample, table, sample.name)
    if sample.norm_variations:
        entry["norm_variations"] = [
            {"name": name, "hi": float(hi), "lo": float(lo)}
            for name, (hi, lo) in sample.norm_variations.items()
        ]
    return entry


def _binning(edges: Any) -> Any:
    """``{low, high, bins}`` when it reproduces the edges exactly, else the list of edges."""
    edges = np.asarray(edges, dtype=float)
    even = np.linspace(edges[0], edges[-1], edges.size)
    if np.array_equal(even, edges):
        return {"low": float(edges[0]), "high": float(edges[-1]), "bins": int(edges.size - 1)}
    return [float(e) for e in edges]


def _dataset(templates: TemplateSet, channel: str, label: str, root_file: str) -> dict[str, Any]:
    info = dataset_info(templates, label)
    entry: dict[str, Any] = {"file": root_file, "histogram": f"{channel}/{data_column(label)}"}
    entry.update({k: info[k] for k in ("pseudo_data", "seed", "description") if k in info})
    return entry


def _signal_entry(
    signal: Signal, root_file: str, couplings: Sequence[float] | None
) -> dict[str, Any]:
    table = f"{SIGNALS_DIR}/{signal.name}"
    entry: dict[str, Any] = {
        "name": signal.name,
        "channel": signal.channel,
        "model": signal.metadata.get("model") or signal.name,
        "parameter": signal.parameter,
        "unit": signal.unit,
        "reference": float(signal.reference),
    }
    if signal.metadata.get("mass_mev") is not None:
        entry["mass_mev"] = float(signal.metadata["mass_mev"])
    if couplings is not None:
        entry["couplings"] = [float(g) for g in couplings]
    metadata = {
        k: v
        for k, v in plain(dict(signal.metadata)).items()
        if k not in ("model", "mass_mev") and v is not None
    }
    if metadata:
        entry["metadata"] = metadata
    entry["file"] = root_file
    entry["parts"] = [
        {**_sample_entry(part, table), "power": int(power)}
        for part, power in zip(signal.parts, signal.powers, strict=True)
    ]
    return entry


def config_for_templates(
    templates: TemplateSet,
    root_file: str,
    *,
    signals: Sequence[str],
    data: str,
    couplings: Mapping[str, Sequence[float]] | None = None,
    experiment: str = "xmass1",
    references: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The ``xhf build`` config (schema v1) of ``signals`` of a TemplateSet stored in ROOT.

    The histogram paths follow xhf's ROOT layout (``docs/template-formats.md``):
    ``<channel>/<sample>``, ``<channel>/<sample>__<variation>_up|_down``,
    ``<channel>/data_<label>`` and ``signals/<signal>/<part>``. Only the channel of the signals
    is written, with all its datasets; ``measurement.data`` selects the observations.

    Args:
        templates: the TemplateSet, as stored in ``root_file`` (read it with
            :func:`xhf.templates.read_templates`).
        root_file: the ROOT file as the config names it (relative to the config file).
        signals: the signals to build: one power-law signal, or multi-part signals (one per
            mass) of one channel.
        data: label of the dataset used as observations (``pseudo_poisson``).
        couplings: grid of parameter values per multi-part signal (for the grid patchset).
        experiment: measurement prefix (``xmass1``).
        references: ``{"paper": ..., "hepdata": "insNNNNNNN"}``.

    Returns:
        The config as a plain dict, keys in the order of ``docs/config.md``.
    """
    if not signals:
        raise InvalidParameterError("config_for_templates needs at least one signal")
    sigs = []
    for name in signals:
        try:
            sigs.append(templates.signal(name))
        except KeyError:
            raise InvalidParameterError(f"no signal {name!r} in the template set") from None
    channels = {s.channel for s in sigs}
    if len(channels) != 1:
        raise InvalidParameterError(f"the signals live in several channels: {sorted(channels)}")
    channel = templates.channel(sigs[0].channel)
    if data not in channel.data:
        raise InvalidParameterError(f"channel {channel.name!r} has no dataset {data!r}")
    couplings = dict(couplings or {})
    unknown = sorted(set(couplings) - set(signals))
    if unknown:
        raise InvalidParameterError(f"couplings given for signals not built: {unknown}")
    measurement: dict[str, Any] = {"data": data}
    if len(sigs) == 1:
        measurement["signal"] = sigs[0].name
    config: dict[str, Any] = {"version": 1, "experiment": experiment}
    if references:
        config["references"] = dict(references)
    config["measurement"] = measurement
    config["channels"] = [
        {
            "name": channel.name,
            "binning": _binning(channel.bin_edges),
            "data": {
                label: _dataset(templates, channel.name, label, root_file)
                for label in sorted(channel.data)
            },
        }
    ]
    config["backgrounds"] = [
        {
            "name": sample.name,
            "channel": channel.name,
            "file": root_file,
            **_sample_entry(sample, channel.name),
        }
        for sample in channel.backgrounds
    ]
    config["signals"] = [_signal_entry(s, root_file, couplings.get(s.name)) for s in sigs]
    return config


def replica_configs(
    templates: TemplateSet, root_file: str = REPLICA_ROOT, *, data: str = "pseudo_poisson"
) -> dict[str, dict[str, Any]]:
    """The shipped configs of the replica, by file stem (``xmass1_<analysis>``).

    - ``xmass1_millicharge``: signal ``millicharge`` (pure term, EPA, all flavours),
      channel ``low_energy``;
    - ``xmass1_magnetic_moment``: signal ``magnetic_moment``, channel ``full_energy``;
    - ``xmass1_dark_photon``: every ``dark_photon_m*`` signal with the coupling grid
      :func:`coupling_grid` of its reference coupling.
    """
    references = {"paper": PAPER}
    dark = [s.name for s in templates.signals if s.name.startswith("dark_photon_m")]
    grid = {name: coupling_grid(templates.signal(name).reference) for name in dark}
    common = {"data": data, "references": references}
    return {
        "xmass1_millicharge": config_for_templates(
            templates, root_file, signals=["millicharge"], **common
        ),
        "xmass1_magnetic_moment": config_for_templates(
            templates, root_file, signals=["magnetic_moment"], **common
        ),
        "xmass1_dark_photon": config_for_templates(
            templates, root_file, signals=dark, couplings=grid, **common
        ),
    }


def dump_config(config: Mapping[str, Any], header: str = "") -> str:
    """YAML text of a config: ``header`` as ``#`` comment lines, then the config in key order.

    Floats are written so that they read back as the same float64; the same config gives the
    same text.
    """
    import yaml

    class Dumper(yaml.SafeDumper):
        """Block style, except for lists of numbers and strings (``[0.54, 0.23, 0.23]``)."""

    def sequence(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
        flow = all(isinstance(v, int | float | str) for v in data)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    Dumper.add_representer(list, sequence)
    lines = [
        f"# {wrapped}".rstrip()
        for line in header.splitlines()
        for wrapped in (
            [line] if line.startswith("  ") else textwrap.wrap(line, 96, subsequent_indent="  ")
        )
        or [""]
    ]
    body = yaml.dump(
        plain(dict(config)), Dumper=Dumper, sort_keys=False, default_flow_style=False, width=100
    )
    return "\n".join([*lines, body]) if lines else body


def write_config(
    path: str | os.PathLike[str],
    config: Mapping[str, Any],
    *,
    header: str = "",
    force: bool = False,
) -> Path:
    """Write a config as YAML (:func:`dump_config`), atomically; refuse to overwrite without
    ``force``."""
    return atomic_write(path, dump_config(config, header), force=force)


#: What ``xhf build`` writes from each shipped config (``-o`` path, relative to the repository).
_OUTPUTS = {
    "xmass1_millicharge": "workspaces/xmass1_millicharge.json",
    "xmass1_magnetic_moment": "workspaces/xmass1_magnetic_moment.json",
    "xmass1_dark_photon": "workspaces/xmass1_dark_photon_BkgOnly.json",
}


def config_header(stem: str, config: Mapping[str, Any]) -> str:
    """The comment at the top of a shipped config: generated, pseudo-data, how to regenerate."""
    channel = config["channels"][0]
    label = config["measurement"]["data"]
    dataset = channel["data"][label]
    what = dataset.get("description", label)
    seed = f" (seed {dataset['seed']})" if "seed" in dataset else ""
    output = _OUTPUTS.get(stem, f"workspaces/{stem}.json")
    return "\n".join(
        [
            f"{stem}: xhf build config of the XMASS-I-like replica (templates/README.md).",
            "GENERATED by xhf.replica.configs.write_replica_configs from",
            f"{channel['data'][label]['file']} -- do not edit by hand.",
            f"Observations: dataset '{label}' of channel '{channel['name']}' = {what}{seed}.",
            "These are PSEUDO-DATA, not XMASS-I data or Monte Carlo.",
            "Regenerate this config and every shipped workspace (from the repository root):",
            "  sh workspaces/regenerate.sh",
            "or build only this one:",
            f"  xhf build workspaces/configs/{stem}.yml -o {output} --force",
        ]
    )


def write_replica_configs(
    directory: str | os.PathLike[str],
    templates_file: str | os.PathLike[str],
    *,
    force: bool = False,
) -> list[Path]:
    """Write the shipped configs (:func:`replica_configs`) into ``directory``.

    Args:
        directory: where the configs go (``workspaces/configs``).
        templates_file: the replica's ROOT file; the configs name it relative to
            ``directory``.
        force: overwrite existing configs.

    Returns:
        The paths written (``<directory>/xmass1_<analysis>.yml``).
    """
    from xhf.templates import read_templates

    directory = Path(directory)
    root_file = Path(os.path.relpath(Path(templates_file), directory)).as_posix()
    configs = replica_configs(read_templates(templates_file), root_file)
    targets = {directory / f"{stem}.yml": (stem, config) for stem, config in configs.items()}
    if not force:
        for path in targets:
            if path.exists():
                raise OutputExistsError(f"{path}: exists; use --force to overwrite")
    return [
        write_config(path, config, header=config_header(stem, config), force=force)
        for path, (stem, config) in targets.items()
    ]
