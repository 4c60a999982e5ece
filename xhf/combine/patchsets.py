"""Dark-photon combinations: background-only workspaces and their patchsets, joined.

The dark photon's excess is not a power of its coupling (XMASS-I, Phys. Lett. B 809 (2020)
135741; S(g) = (g/g_ref)^2 I + (g/g_ref)^4 P), so each experiment publishes a background-only
workspace and patchsets (``docs/workspace-conventions.md``): the *components* form (per mass,
``signal_interference`` with ``mu_interference`` and ``signal_pure`` with ``mu_pure`` at g_ref)
and the *grid* form (per (mass, coupling), the exact excess with ``mu``, mu = 1 the model
point). :func:`combine_patchsets` joins the background-only workspaces as
:func:`~xhf.combine.combine_workspaces` does (names checked, one measurement) and, for every form
all inputs have, makes one patch per point all inputs share: the union of the inputs' patch
operations, each pointed at its channel in the joined workspace. Components are rescaled to the
first input's reference coupling of that mass (interference by (r_1/r_k)^2, pure by
(r_1/r_k)^4); grid patches hold exact excesses and need no rescaling. The joined patchsets are
checked with pyhf (``PatchSet.verify`` against the joined workspace), so plain
``pyhf cls BkgOnly.json -p patchset.json --patch NAME`` and the exclusion-curve scan of the
inference stage read them as they read XMASS-I's.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from xhf import __version__
from xhf.combine.likelihood import as_likelihood
from xhf.combine.naming import channel_names, check_disjoint
from xhf.combine.rescale import reference_factor, scale_sample
from xhf.combine.workspaces import (
    COMBINED_EXPERIMENT,
    bin_edges,
    check_same_hypothesis,
    combination_block,
    combined_data,
    join_workspaces,
    measurement_of,
    other_parameters,
)
from xhf.exceptions import InvalidInputError, InvalidTemplateError
from xhf.jsonio import plain
from xhf.workspace.compat import quiet_pyhf
from xhf.workspace.likelihood import Likelihood
from xhf.workspace.metadata import INTERPOLATION
from xhf.workspace.naming import PLACEHOLDER_SAMPLE, POI
from xhf.workspace.poi import N_SIGMA
from xhf.workspace.sidecar import digest, sidecar_document

__all__ = ["FORMS", "combine_patchsets"]

log = logging.getLogger(__name__)


def __dir__() -> list[str]:
    return __all__


#: Patchset forms, in writing order.
FORMS: tuple[str, ...] = ("grid", "components")
_CHANNEL_PATH = re.compile(r"^/channels/(\d+)(/.*)?$")


def _key(values: Sequence[Any]) -> tuple[float, ...]:
    """Patch values as a matching key (6 significant digits)."""
    return tuple(float(f"{float(v):.6g}") for v in values)


def _patches(lk: Likelihood, form: str) -> dict[tuple[float, ...], Mapping[str, Any]]:
    patchset, _ = lk.patchsets[form]
    return {_key(p["metadata"]["values"]): p for p in patchset["patches"]}


def _remap(
    ops: Sequence[Mapping[str, Any]], channels: Sequence[str], joined: Sequence[str], source
):
    """Patch operations with their channel index moved to the joined workspace."""
    out = []
    for op in ops:
        match = _CHANNEL_PATH.match(str(op.get("path", "")))
        if match is None:
            raise InvalidInputError(
                f"{source}: patch operation on {op.get('path')!r}; only /channels/... is supported"
            )
        index = int(match.group(1))
        if index >= len(channels):
            raise InvalidInputError(f"{source}: patch operation on missing channel {index}")
        new = joined.index(channels[index])
        out.append({**op, "path": f"/channels/{new}{match.group(2) or ''}"})
    return out


def _scaled_ops(
    ops: Sequence[Mapping[str, Any]], factors: Mapping[str, float]
) -> list[dict[str, Any]]:
    """Operations whose sample values carry a factor (by the sample's normfactor)."""
    out = []
    for op in ops:
        value = op.get("value")
        if isinstance(value, Mapping) and "modifiers" in value:
            nfs = [m["name"] for m in value["modifiers"] if m["type"] == "normfactor"]
            factor = next((factors[nf] for nf in nfs if nf in factors), 1.0)
            op = {**op, "value": scale_sample(value, factor)}
        out.append(plain(dict(op)))
    return out


def _joined_patches(
    likelihoods: Sequence[Likelihood],
    form: str,
    joined_channels: Sequence[str],
) -> tuple[list[dict[str, Any]], dict[str, float], list[dict[str, float]]]:
    """One patch per point every input has, the per-patch references (components) and, per
    input, the smallest factor applied to each normfactor's template."""
    first = likelihoods[0]
    tables = [_patches(lk, form) for lk in likelihoods]
    common = [key for key in tables[0] if all(key in t for t in tables[1:])]
    if not common:
        raise InvalidInputError(
            f"the {form} patchsets share no point ({first.source} has "
            f"{len(tables[0])}); build them on the same masses and couplings"
        )
    dropped = max(len(t) for t in tables) - len(common)
    if dropped:
        log.warning("%d %s patches are not in every input and are left out", dropped, form)
    blocks = [lk.signal(lk.patchsets[form][1]) for lk in likelihoods]
    patches, references, unknown = [], {}, set()
    smallest: list[dict[str, float]] = [{} for _ in likelihoods]
    for key in common:
        name = tables[0][key]["metadata"]["name"]
        ops: list[dict[str, Any]] = []
        reference = None
        for k, (lk, table, block) in enumerate(zip(likelihoods, tables, blocks, strict=True)):
            patch = table[key]
            factors: dict[str, float] = {}
            if form == "components":
                mine = lk.patch_reference(form, patch["metadata"]["name"])
                if lk is first:
                    reference = mine
                elif mine is not None and reference is not None:
                    factors = {
                        str(p["normfactor"]): reference_factor(mine, reference, p["power"])
                        for p in block["parts"]
                        if p["power"] is not None
                    }
                else:
                    unknown.add(lk.source)
                for nf, f in factors.items():
                    smallest[k][nf] = min(f, smallest[k].get(nf, math.inf))
            remapped = _remap(
                patch["patch"], channel_names(lk.workspace), joined_channels, lk.source
            )
            ops += _scaled_ops(remapped, factors)
        patches.append(
            {
                "metadata": {"name": name, "values": list(tables[0][key]["metadata"]["values"])},
                "patch": ops,
            }
        )
        if reference is not None:
            references[name] = reference
    if unknown:
        log.warning(
            "no per-mass reference in the sidecars of %s (or of %s); the inputs' references "
            "are taken as equal",
            ", ".join(sorted(unknown)),
            first.source,
        )
    return patches, references, smallest


def _bounds(
    likelihoods: Sequence[Likelihood],
    names: Iterable[str],
    factors: Sequence[Mapping[str, float]],
) -> dict[str, list[float]]:
    """POI bounds of the joined workspace: the tightest input bound, in the first's units.

    Each input bounds its normfactors by the builder's rule at its most demanding point
    (:func:`xhf.workspace.patchset_poi_bounds`); the joint model is more sensitive than any
    input at every point, so its own rule bound lies below each input's and the tightest input
    bound still holds every joint limit (applying the rule to the joint model patch by patch
    costs minutes for the replica's 43 masses). An input's bound B on a part whose template was
    multiplied by f reads B / f in the first input's units; the smallest f over the patches is
    taken. ``mu`` (grid: the exact excess, mu = 1 the model point) stays at least N_SIGMA.
    """
    names = set(names)
    out: dict[str, float] = {}
    for lk, factor in zip(likelihoods, factors, strict=True):
        for entry in measurement_of(lk)["config"].get("parameters", []):
            name = entry["name"]
            if name in names and entry.get("bounds"):
                upper = float(entry["bounds"][0][1]) / factor.get(name, 1.0)
                out[name] = min(upper, out.get(name, math.inf))
    bounds = {nf: [0.0, float(out.get(nf, N_SIGMA))] for nf in sorted(names)}
    bounds[POI] = [0.0, max(N_SIGMA, bounds[POI][1])]
    return bounds


def _patchset_spec(first: Likelihood, form: str, workspace, patches, measurement, sources):
    import pyhf

    metadata = dict(first.patchsets[form][0]["metadata"])
    metadata.update(
        {
            "description": f"{measurement}: {form} patchset combining {', '.join(sources)}; "
            "background-only workspace and conventions: xhf docs/combination.md",
            "digests": {"sha256": pyhf.utils.digest(workspace)},
            "measurement": measurement,
        }
    )
    spec = plain({"metadata": metadata, "patches": patches, "version": "1.0.0"})
    try:
        with quiet_pyhf():
            pyhf.PatchSet(spec).verify(pyhf.Workspace(workspace))
    except (
        pyhf.exceptions.InvalidSpecification,
        pyhf.exceptions.InvalidPatchSet,
        pyhf.exceptions.PatchSetVerificationError,
    ) as exc:
        raise InvalidTemplateError(
            f"the combined {form} patchset is not valid: {str(exc).splitlines()[0]}"
        ) from None
    return spec


def _common_sidecar(likelihoods, workspace, analysis, measurement, combination) -> dict[str, Any]:
    return {
        "analysis": analysis,
        "bin_edges_kev": bin_edges(likelihoods),
        "channels": channel_names(workspace),
        "combination": combination,
        "data": combined_data(likelihoods),
        "digest": {"workspace": digest(workspace)},
        "interpolation": dict(INTERPOLATION),
        "measurement": measurement,
        "xhf_version": __version__,
    }


def combine_patchsets(
    inputs: Sequence[Likelihood],
    *,
    measurement: str | None = None,
    correlate: Iterable[str] = (),
) -> Likelihood:
    """Join background-only workspaces and their dark-photon patchsets (one POI per form).

    Args:
        inputs: :class:`~xhf.workspace.likelihood.Likelihood` objects with ``patchsets``
            (``{"grid" | "components": (patchset, sidecar)}``); two or more.
        measurement: name of the combined measurement (default ``combined_<analysis>``).
        correlate: further nuisance names to treat as one parameter across inputs.

    Returns:
        A :class:`~xhf.workspace.likelihood.Likelihood`: the joined background-only
        workspace, its sidecar and, for every form that all inputs have, the joined patchset
        with its sidecar. A patch is kept where every input has the
        point (same mass, and coupling for the grid, to six significant digits).

    Raises:
        InvalidInputError: fewer than two inputs, inputs that are not background-only or have
            no patchset form in common, different hypotheses, name clashes, no common point.
    """
    likelihoods = [as_likelihood(item, i) for i, item in enumerate(inputs)]
    if len(likelihoods) < 2:
        raise InvalidInputError("a combination needs at least two inputs")
    for lk in likelihoods:
        if not lk.background_only or not lk.patchsets:
            raise InvalidInputError(
                f"{lk.source}: not a background-only workspace with patchsets beside it"
            )
    forms = [f for f in FORMS if all(f in lk.patchsets for lk in likelihoods)]
    if not forms:
        raise InvalidInputError("the inputs have no patchset form (grid, components) in common")
    parts: dict[str, list[Mapping[str, Any]]] = {}
    for form in forms:
        blocks = [lk.signal(lk.patchsets[form][1]) for lk in likelihoods]
        check_same_hypothesis(likelihoods, blocks)
        parts[form] = blocks[0]["parts"]
    pois = {POI} | {str(p["normfactor"]) for ps in parts.values() for p in ps}
    correlate = sorted(set(correlate))
    shared = check_disjoint([(lk.source, lk.workspace) for lk in likelihoods], pois, correlate)
    first = likelihoods[0]
    analysis = str(first.sidecar.get("analysis") or "dark_photon")
    name = measurement or f"{COMBINED_EXPERIMENT}_{analysis}"
    others = other_parameters(likelihoods, pois)
    specs = [lk.workspace for lk in likelihoods]
    joined_channels = [ch for spec in specs for ch in channel_names(spec)]
    patches, references = {}, {}
    factors: list[dict[str, float]] = [{} for _ in likelihoods]
    for form in forms:
        patches[form], references[form], smallest = _joined_patches(
            likelihoods, form, joined_channels
        )
        for k, found in enumerate(smallest):
            factors[k].update(found)
    bounds = _bounds(likelihoods, pois, factors)
    workspace = join_workspaces(specs, name, POI, bounds, others)
    if channel_names(workspace) != joined_channels:  # pragma: no cover - pyhf keeps the order
        raise InvalidTemplateError("the joined workspace reordered the channels")
    sources = [lk.source for lk in likelihoods]
    combination = combination_block(likelihoods, shared, correlate, None)
    sidecar = _common_sidecar(likelihoods, workspace, analysis, name, combination)
    sidecar.update(
        {
            "background_only": True,
            "placeholder": {"normfactor": POI, "sample": PLACEHOLDER_SAMPLE},
            "poi": POI,
            "poi_bounds": bounds[POI],
            "poi_bounds_all": bounds,
            "signal": None,
        }
    )
    sidecar = sidecar_document(sidecar)
    out: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for form in forms:
        spec = _patchset_spec(first, form, workspace, patches[form], name, sources)
        block = dict(first.signal(first.patchsets[form][1]))
        kept = {p["metadata"]["name"]: p["metadata"]["values"] for p in patches[form]}
        block["signals"] = [n for n in block.get("signals", []) if n in kept] or list(kept)
        if isinstance(block.get("mass_mev"), list):
            masses = {float(v[0]) for v in kept.values()}
            block["mass_mev"] = sorted(m for m in block["mass_mev"] if float(m) in masses)
        if references[form]:
            block["references"] = references[form]
        poi = min(
            (p for p in parts[form] if p["power"] is not None),
            key=lambda p: p["power"],
            default={"normfactor": POI},
        )["normfactor"]
        meta = _common_sidecar(likelihoods, workspace, analysis, name, combination)
        meta["digest"]["patchset"] = digest(spec)
        meta["digest"]["patches"] = {p["metadata"]["name"]: digest(p) for p in spec["patches"]}
        meta.update(
            {
                "form": form,
                "labels": list(spec["metadata"]["labels"]),
                "patches": kept,
                "poi": poi,
                "poi_bounds": bounds.get(poi, [0.0, N_SIGMA]),
                "signal": plain(block),
            }
        )
        out[form] = (spec, sidecar_document(meta))
    return Likelihood(workspace, sidecar, " + ".join(sources), out)
