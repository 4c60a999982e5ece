"""Sidecar metadata ``<name>.meta.json``: what a workspace or patchset means physically.

pyhf workspaces carry no units, binning or physical parameter. The sidecar
(``docs/workspace-conventions.md``) records them, with the sha256 digest of the workspace (and
patchset) as computed by :func:`pyhf.utils.digest`, so that the inference stage turns a
normfactor into a physical limit (XMASS-I, Phys. Lett. B 809 (2020) 135741: parameter =
reference * mu^(1/power)) and anyone can check which file a sidecar describes.
Each builder returns the checked, versioned and sealed document of
:func:`xhf.workspace.sidecar.sidecar_document` (plain JSON values).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from xhf import __version__
from xhf.exceptions import InvalidInputError, InvalidParameterError
from xhf.jsonio import plain
from xhf.templates.templateset import Signal, TemplateSet
from xhf.workspace.naming import PLACEHOLDER_SAMPLE, POI, analysis_name, part_names
from xhf.workspace.sidecar import digest, sidecar_document

__all__ = [
    "INTERPOLATION",
    "background_only_metadata",
    "dataset_info",
    "digest",
    "patchset_metadata",
    "sidecar_bin_edges",
    "signal_info",
    "workspace_metadata",
]


def __dir__() -> list[str]:
    return __all__


#: Interpolation codes the workspaces are meant for (pyhf's defaults; not stored in the JSON).
INTERPOLATION = {"histosys": "code4p", "normsys": "code4"}
#: Datasets xhf treats as pseudo-data when the metadata does not say.
_PSEUDO_LABELS = ("asimov", "pseudo_poisson")


def dataset_info(templates: TemplateSet, label: str) -> dict[str, Any]:
    """The sidecar ``data`` block: the label, whether it is pseudo-data, and its metadata.

    ``templates.metadata["datasets"][label]`` is copied: a dict (``pseudo_data``, ``seed``,
    ``description``, ...) or a description string; a top-level ``datasets["seed"]`` is the
    seed of the ``pseudo_*`` draws. Unless stated, ``asimov``, ``pseudo_*`` and datasets
    described as "pseudo-data..." count as pseudo-data.
    """
    datasets = templates.metadata.get("datasets", {})
    entry = datasets.get(label)
    info = dict(entry) if isinstance(entry, Mapping) else {}
    if isinstance(entry, str):  # a description, as the replica writes it
        info["description"] = entry
    random = label.startswith("pseudo")
    if random and "seed" not in info and isinstance(datasets.get("seed"), int):
        info["seed"] = datasets["seed"]  # one seed for all draws
    described = str(info.get("description", "")).lower().startswith("pseudo")
    info.setdefault("pseudo_data", label in _PSEUDO_LABELS or random or described)
    info["label"] = label
    return plain(info)


def _parts(signal: Signal) -> list[dict[str, Any]]:
    names = part_names(signal.powers, [p.name for p in signal.parts])
    return [
        {"normfactor": nf, "power": int(power), "sample": sample}
        for (sample, nf), power in zip(names, signal.powers, strict=True)
    ]


def signal_info(signal: Signal) -> dict[str, Any]:
    """The sidecar ``signal`` block: model, parameter, unit, reference and parts."""
    info: dict[str, Any] = {"atomic": None, "flavor": None, "fluxes": None, "mass_mev": None}
    info.update(plain(dict(signal.metadata)))
    info.update(
        {
            "model": signal.metadata.get("model"),
            "name": signal.name,
            "parameter": signal.parameter,
            "parts": _parts(signal),
            "reference": float(signal.reference),
            "unit": signal.unit,
        }
    )
    return info


def _common(
    workspace: Mapping[str, Any], templates: TemplateSet, channel: str, data: str
) -> dict[str, Any]:
    measurement = workspace["measurements"][0]
    poi = measurement["config"]["poi"]
    bounds = next(
        (p["bounds"][0] for p in measurement["config"]["parameters"] if p["name"] == poi), None
    )
    return {
        "bin_edges_kev": plain(templates.channel(channel).bin_edges),
        "channel": channel,
        "data": dataset_info(templates, data),
        "digest": {"workspace": digest(workspace)},
        "interpolation": dict(INTERPOLATION),
        "measurement": measurement["name"],
        "poi": poi,
        "poi_bounds": bounds,
        "xhf_version": __version__,
    }


def workspace_metadata(
    workspace: Mapping[str, Any],
    templates: TemplateSet,
    signal: str,
    *,
    data: str,
    source: str = "sidecar",
) -> dict[str, Any]:
    """Sidecar of a workspace made by :func:`xhf.workspace.build_workspace` (``source`` names
    it in the message if the templates' metadata make it invalid)."""
    sig = templates.signal(signal)
    meta = _common(workspace, templates, sig.channel, data)
    meta["analysis"] = analysis_name(sig.metadata, sig.name)
    meta["signal"] = signal_info(sig)
    return sidecar_document(meta, source)


def background_only_metadata(
    workspace: Mapping[str, Any],
    templates: TemplateSet,
    channel: str,
    *,
    data: str,
    analysis: str | None = None,
    source: str = "sidecar",
) -> dict[str, Any]:
    """Sidecar of a background-only workspace (its ``signal`` is the zero placeholder)."""
    meta = _common(workspace, templates, channel, data)
    meta["analysis"] = analysis or channel
    meta["background_only"] = True
    meta["placeholder"] = {"normfactor": POI, "sample": PLACEHOLDER_SAMPLE}
    meta["poi_bounds_all"] = {
        p["name"]: p["bounds"][0] for p in workspace["measurements"][0]["config"]["parameters"]
    }
    meta["signal"] = None
    return sidecar_document(meta, source)


def patchset_metadata(
    patchset: Mapping[str, Any],
    background_only: Mapping[str, Any],
    templates: TemplateSet,
    signals: Sequence[str],
    *,
    data: str,
    source: str = "sidecar",
) -> dict[str, Any]:
    """Sidecar of a grid or components patchset (``patchset["metadata"]["form"]``).

    ``signal.parts`` of the grid form is ``[{"sample": "signal", "normfactor": "mu", "power":
    null}]``: each patch holds the exact excess at its point, mu = 1 is the model point.
    ``signal.mass_mev`` lists the masses; ``patches`` maps patch names to their label values.
    """
    sigs = [templates.signal(name) for name in signals]
    if len({tuple(s.powers) for s in sigs}) != 1:
        raise InvalidParameterError("patchset signals must share their powers")
    first = sigs[0]
    form = patchset["metadata"]["form"]
    meta = _common(background_only, templates, first.channel, data)
    meta["analysis"] = analysis_name(first.metadata, first.name)
    meta["digest"]["patchset"] = digest(patchset)
    meta["digest"]["patches"] = {p["metadata"]["name"]: digest(p) for p in patchset["patches"]}
    meta["form"] = form
    meta["labels"] = list(patchset["metadata"]["labels"])
    if "significant_digits" in patchset["metadata"]:  # the patches' numbers are rounded
        meta["significant_digits"] = patchset["metadata"]["significant_digits"]
    meta["patches"] = {p["metadata"]["name"]: p["metadata"]["values"] for p in patchset["patches"]}
    info = signal_info(first)
    info.pop("name")
    info["mass_mev"] = sorted(
        {float(s.metadata["mass_mev"]) for s in sigs if s.metadata.get("mass_mev") is not None}
    )
    info["signals"] = [s.name for s in sigs]
    if form == "grid":
        info["parts"] = [{"normfactor": POI, "power": None, "sample": PLACEHOLDER_SAMPLE}]
    else:
        # each mass has its own reference coupling: the patch name gives it
        info["references"] = {s.name: float(s.reference) for s in sigs}
        poi = next(p["normfactor"] for p in info["parts"] if p["power"] == min(first.powers))
        meta["poi"] = poi
        meta["poi_bounds"] = next(
            p["bounds"][0]
            for p in background_only["measurements"][0]["config"]["parameters"]
            if p["name"] == poi
        )
    meta["signal"] = info
    return sidecar_document(meta, source)


def sidecar_bin_edges(
    meta: Mapping[str, Any] | None, channel: str, nbins: int, source: str
) -> list[float] | None:
    """The sidecar's bin edges in keV for ``channel``, or None (then the axis is 0..N)."""
    if not meta or meta.get("bin_edges_kev") is None:
        return None
    if meta.get("channel") not in (None, channel):
        return None
    edges = meta["bin_edges_kev"]
    where = f"{source} (sidecar): field 'bin_edges_kev'"
    if not isinstance(edges, list) or len(edges) != nbins + 1:
        raise InvalidInputError(f"{where}: needs {nbins + 1} edges for {nbins} bins")
    if not all(
        isinstance(e, int | float) and not isinstance(e, bool) and math.isfinite(e) for e in edges
    ):
        raise InvalidInputError(f"{where}: edges must be finite numbers")
    if any(b <= a for a, b in itertools.pairwise(edges)):
        raise InvalidInputError(f"{where}: edges must increase strictly")
    return edges
