"""Workspaces, patchsets and sidecars in; a model, its data and its physical meaning out.

This is the inference stage's I/O edge. It reads what ``xhf build`` writes
(docs/workspace-conventions.md): a workspace ``<name>.json`` with its sidecar
``<name>.meta.json``; or a background-only workspace with a patchset of one of two forms --
``grid`` (one patch per (mass, coupling) point, the exact excess scaled by ``mu``) or
``components`` (one patch per mass, ``signal_interference``/``signal_pure`` to be tied,
XMASS-I's dark photon, Phys. Lett. B 809 (2020) 135741). A workspace without a sidecar is
still usable: the parameter is then the POI itself.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xhf.exceptions import InvalidInputError
from xhf.infer.fitter import FitOptions, Fitter, POIMap
from xhf.infer.physical import SignalInfo
from xhf.templates.templateset import MAX_EVENTS
from xhf.workspace.compat import check_version, pyhf_reason, quiet_pyhf
from xhf.workspace.likelihood import Likelihood, patch_names, patchset_form
from xhf.workspace.likelihood import checked_sidecar as read_sidecar
from xhf.workspace.spec_checks import (
    check_parameters_and_modifiers,
    check_patchset,
    check_workspace_size,
)

__all__ = [
    "Analysis",
    "build_analysis",
    "check_fixed_poi",
    "likelihood_analysis",
    "load_analysis",
    "patch_names",
    "patch_values",
    "read_sidecar",
]


def __dir__() -> list[str]:
    return __all__


@dataclass
class Analysis:
    """A model ready for limits: pyhf model, observed data and the meaning of its POI.

    Attributes:
        model: the pyhf model (patched if a patch was chosen).
        data: observed main + auxiliary data.
        signal: the sidecar's signal description.
        poi_map: how x sets the signal normfactors (tied for a components patch).
        source: file name(s) for messages.
        patch: the patch applied, if any.
        form: ``workspace``, ``grid`` or ``components``.
        mass_mev: dark-photon mass of the patch, if any.
        coupling: the grid point's coupling (grid form), if any.
        meta: the sidecar (empty if none).
    """

    model: Any
    data: NDArray
    signal: SignalInfo
    poi_map: POIMap
    source: str
    patch: str | None = None
    form: str = "workspace"
    mass_mev: float | None = None
    coupling: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def fitter(self, options: FitOptions | None = None) -> Fitter:
        """A fresh :class:`~xhf.infer.fitter.Fitter` of this model."""
        return Fitter(self.model, self.poi_map, options)


def check_fixed_poi(workspace: dict[str, Any], pois: list[str], source: str) -> None:
    """Refuse a parameter of interest the measurement fixes (pyhf would not let it float)."""
    measurement = workspace["measurements"][0]
    for par in measurement["config"].get("parameters", []):
        if par.get("name") in pois and par.get("fixed") is True:
            raise InvalidInputError(
                f"{source}: measurements[{measurement['name']}].config.parameters"
                f"[{par['name']}].fixed: the parameter of interest {par['name']!r} is fixed; "
                "a fixed POI cannot be fitted or limited"
            )


def _finite_counts(values: Any, where: str, *, negative: bool) -> None:
    for i, value in enumerate(values):
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidInputError(f"{where}[{i}]: {value} is not a finite number")
        if not negative and value < 0:
            raise InvalidInputError(f"{where}[{i}]: {value} is not a non-negative count")
        if abs(value) > MAX_EVENTS:
            raise InvalidInputError(f"{where}[{i}]: {value:g} is more than 1e15 events")


def _check_observations(workspace: dict[str, Any], source: str = "workspace") -> None:
    """Reject duplicated channels or samples, non-finite or huge yields, and observations of
    the wrong length, NaN/inf, negative or huge.

    pyhf's schema accepts these; they would otherwise surface as a failed fit or a traceback.
    Sample yields may be negative (an interference part); the background total is checked
    with the model (:func:`_check_background`).
    """
    bins, seen = {}, set()
    for channel in workspace.get("channels", []):
        name = channel["name"]
        if name in seen:
            raise InvalidInputError(f"{source}: channels: duplicated channel {name!r}")
        seen.add(name)
        bins[name] = len(channel["samples"][0]["data"]) if channel["samples"] else 0
        samples = set()
        for sample in channel["samples"]:
            if sample["name"] in samples:
                raise InvalidInputError(
                    f"{source}: channels[{name}]: duplicated sample {sample['name']!r}"
                )
            samples.add(sample["name"])
            where = f"{source}: channels[{name}].samples[{sample['name']}].data"
            _finite_counts(sample["data"], where, negative=True)
    for obs in workspace.get("observations", []):
        data, name = obs["data"], obs["name"]
        if name in bins and len(data) != bins[name]:
            raise InvalidInputError(
                f"{source}: observations[{name}].data: {len(data)} bins, the channel has "
                f"{bins[name]}"
            )
        _finite_counts(data, f"{source}: observations[{name}].data", negative=False)


def _values(meta: dict[str, Any] | None, patchset: dict[str, Any], name: str) -> dict[str, float]:
    labels = (meta or {}).get("labels") or patchset.get("metadata", {}).get("labels") or []
    values = next(
        p["metadata"].get("values", [])
        for p in patchset["patches"]
        if p["metadata"]["name"] == name
    )
    return patch_values(labels, values, f"patches[{name}].metadata.values")


def patch_values(labels: list[Any], values: list[Any], where: str) -> dict[str, float]:
    """``{label: value}`` of a patch; each value (a mass in MeV, a coupling) finite and > 0.

    >>> patch_values(["mass_mev", "coupling"], [1.0, -2e-6], "patches[p].metadata.values")
    Traceback (most recent call last):
    ...
    xhf.exceptions.InvalidInputError: patches[p].metadata.values[1]: coupling -2e-06 is not a finite positive number
    """
    out = {}
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 < value < math.inf
        ):
            raise InvalidInputError(
                f"{where}[{i}]: {label} {value!r} is not a finite positive number"
            )
        out[str(label)] = float(value)
    return out


def build_analysis(
    workspace: dict[str, Any],
    meta: dict[str, Any] | None = None,
    *,
    patchset: dict[str, Any] | None = None,
    patch: str | None = None,
    patchset_meta: dict[str, Any] | None = None,
    source: str = "workspace",
) -> Analysis:
    """An :class:`Analysis` from in-memory documents (the files' contents).

    Args:
        workspace: the pyhf workspace (or background-only workspace) dict.
        meta: its sidecar.
        patchset: a patchset dict, with ``patch`` the name of the patch to apply.
        patchset_meta: the patchset's sidecar (its ``signal`` block describes the patches).
        source: name used in error messages.
    """
    import pyhf

    check_version(workspace, source)
    check_workspace_size(workspace, source)
    if patchset is not None:
        check_patchset(patchset, source)
    try:
        with quiet_pyhf():
            ws = pyhf.Workspace(workspace)
    except (pyhf.exceptions.InvalidSpecification, pyhf.exceptions.InvalidWorkspaceOperation) as exc:
        raise InvalidInputError(
            f"{source}: not a valid pyhf workspace ({pyhf_reason(exc)})"
        ) from None
    _check_observations(workspace, source)
    check_parameters_and_modifiers(workspace, source)
    form, mass, coupling, side = "workspace", None, None, meta
    if patch is None and (meta or {}).get("background_only"):
        raise InvalidInputError(
            f"{source}: a background-only workspace has no signal; give --patchset and --patch"
        )
    if patch is not None:
        if patchset is None:
            raise InvalidInputError(f"{source}: --patch {patch} needs a patchset")
        names = patch_names(patchset, source)
        if patch not in names:
            shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            raise InvalidInputError(
                f"{source}: no patch {patch!r} in the patchset ({len(names)} patches: {shown})"
            )
        if names.count(patch) > 1:
            raise InvalidInputError(f"{source}: patch name {patch!r} is used twice in the patchset")
        import jsonpatch
        import jsonpointer

        check_version(patchset, source)

        try:
            with quiet_pyhf():
                ws = pyhf.PatchSet(patchset).apply(ws, patch)
        except pyhf.exceptions.PatchSetVerificationError:
            raise InvalidInputError(
                f"{source}: patch {patch!r} does not apply (the patchset was made for another "
                "workspace: its sha256 digest differs)"
            ) from None
        except (
            pyhf.exceptions.InvalidSpecification,
            pyhf.exceptions.InvalidPatchSet,
            pyhf.exceptions.InvalidPatchLookup,
            jsonpatch.JsonPatchException,
            jsonpointer.JsonPointerException,
        ) as exc:
            raise InvalidInputError(
                f"{source}: patch {patch!r} does not apply ({pyhf_reason(exc)})"
            ) from None
        check_workspace_size(ws, f"{source} [patch {patch}]")
        _check_observations(ws, f"{source} [patch {patch}]")
        check_parameters_and_modifiers(ws, f"{source} [patch {patch}]")
        side = patchset_meta if patchset_meta is not None else meta
        form = patchset_form(patchset, patchset_meta)
        try:
            values = _values(patchset_meta, patchset, patch)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{source}: {exc}") from None
        mass = values.get("mass_mev")
        if form == "grid":
            coupling = next((v for k, v in values.items() if k != "mass_mev"), None)
    signal = _signal_info(side, ws, source)
    if patch is not None:
        signal = signal.for_patch(patch)
    if form == "components" and len(signal.parts) < 2:
        raise InvalidInputError(
            f"{source}: a components patch needs the patchset sidecar's 'signal.parts' "
            "(normfactors and powers of the parts to tie)"
        )
    declared = {m["name"] for c in ws["channels"] for s in c["samples"] for m in s["modifiers"]}
    for i, part in enumerate(signal.parts):
        if (side or {}).get("signal") is not None and part.normfactor not in declared:
            raise InvalidInputError(
                f"{source} (sidecar): field 'signal.parts[{i}].normfactor': "
                f"{part.normfactor!r} is not a parameter of the workspace"
            )
    poi = signal.lowest.normfactor
    check_fixed_poi(ws, [p.normfactor for p in signal.parts] if patch else [poi], source)
    try:
        with quiet_pyhf():
            model = ws.model(poi_name=poi, validate=False)  # the workspace was validated
            data = np.asarray(ws.data(model), dtype=float)
    except pyhf.exceptions.InvalidModel as exc:
        raise InvalidInputError(f"{source}: {str(exc).splitlines()[0]}") from None
    if signal.power_law and len(signal.parts) > 1:
        poi_map = POIMap.tied(
            model, [p.normfactor for p in signal.parts], [p.power for p in signal.parts]
        )
    else:
        poi_map = POIMap.single(model, poi)
    _check_background(model, data, poi_map, source)
    if mass is None and signal.mass_mev is not None:
        mass = signal.mass_mev
    return Analysis(
        model, data, signal, poi_map, source, patch, form, mass, coupling, dict(side or {})
    )


def _check_background(model: Any, data: np.ndarray, poi_map: POIMap, source: str) -> None:
    """Refuse a bin where the background-only model expects nothing but events are observed
    or a signal is expected (the rule of :func:`xhf.workspace.builder.check_background`)."""
    pars = np.asarray(model.config.suggested_init(), dtype=float)
    background = np.asarray(model.expected_actualdata(poi_map.apply(pars.copy(), 0.0)), float)
    with_signal = np.asarray(model.expected_actualdata(poi_map.apply(pars.copy(), 1.0)), float)
    observed = data[: background.size]
    bad = (background < 0) | (~(background > 0) & ((observed > 0) | (with_signal != background)))
    if not np.any(bad):
        return
    i = int(np.argmax(bad))
    offsets = np.cumsum([0, *(model.config.channel_nbins[c] for c in model.config.channels)])
    k = int(np.searchsorted(offsets, i, side="right")) - 1
    where = f"{source}: channel {model.config.channels[k]!r}: bin {i - offsets[k]}"
    if background[i] < 0:
        raise InvalidInputError(f"{where}: the background adds up to {background[i]:g} events")
    what = f"{observed[i]:g} observed" if observed[i] > 0 else "a signal expected"
    raise InvalidInputError(
        f"{where}: no background expected but {what} (merge the bin with a neighbour or drop it)"
    )


def _signal_info(side: dict[str, Any] | None, ws: Any, source: str) -> SignalInfo:
    if side is None or side.get("signal") is None:
        with quiet_pyhf():
            poi = ws.get_measurement()["config"]["poi"]
        return SignalInfo.bare(poi)
    return SignalInfo.from_sidecar(side, f"{source} (sidecar)")


def likelihood_analysis(likelihood: Likelihood, patch: str | None = None) -> Analysis:
    """An :class:`Analysis` of a :class:`~xhf.workspace.likelihood.Likelihood`.

    Args:
        likelihood: the workspace with its sidecar (and patchsets).
        patch: the patch to apply (default: ``likelihood.patch``); it is looked for in the
            components patchset first, then in the grid one.
    """
    patch = patch if patch is not None else likelihood.patch
    form = likelihood.holding(patch) if patch is not None else None
    if form is None:
        only = next(iter(likelihood.patchsets), None) if patch is not None else None
        form = only  # a patch no patchset holds: the message names the patches there are
    if form is None:
        return build_analysis(
            dict(likelihood.workspace),
            _plain(likelihood.sidecar),
            patch=patch,
            source=likelihood.source,
        )
    patchset, meta = likelihood.patchsets[form]
    name = likelihood.patchset_sources.get(form)
    return build_analysis(
        dict(likelihood.workspace),
        _plain(likelihood.sidecar),
        patchset=dict(patchset),
        patch=patch,
        patchset_meta=_plain(meta),
        source=f"{likelihood.source} + {name}" if name else likelihood.source,
    )


def _plain(meta: Any) -> dict[str, Any] | None:
    return None if meta is None else dict(meta)


def load_analysis(
    workspace: str | os.PathLike[str],
    *,
    patchset: str | os.PathLike[str] | None = None,
    patch: str | None = None,
) -> Analysis:
    """Read a workspace (and optionally a patchset and a patch) with their sidecars.

    Without ``patchset``, a ``--patch`` looks for the builder's sibling patchsets
    (``<base>_components_patchset.json``, ``<base>_patchset.json`` next to
    ``<base>_BkgOnly.json``) and uses the one holding that patch
    (:meth:`xhf.workspace.likelihood.Likelihood.load`).
    """
    likelihood = Likelihood.load(workspace, patchset=patchset, patch=patch, siblings=False)
    if patchset is not None and patch is None:
        ps_path = Path(patchset)
        ps_spec = next(iter(likelihood.patchsets.values()))[0]
        raise InvalidInputError(
            f"{ps_path}: choose a patch with --patch (e.g. {patch_names(ps_spec, str(ps_path))[0]})"
        )
    return likelihood_analysis(likelihood)
