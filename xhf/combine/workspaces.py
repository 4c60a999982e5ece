"""Several experiments' workspaces as one joint pyhf workspace with one POI.

:func:`combine_workspaces` takes workspaces with their sidecars (``docs/workspace-conventions.md``)
and returns one workspace and sidecar in which

- every experiment's signal is expressed in the same physical parameter at the same reference
  value (:mod:`xhf.combine.rescale`: a template made at r_a is multiplied by (r_b/r_a)^p), so the
  normfactor ``mu`` (or ``mu_interference``/``mu_pure``) is one parameter of one meaning;
- the physically shared nuisances are one parameter by name and everything else is kept apart,
  a name clash being an error (:mod:`xhf.combine.naming`);
- the measurement is new (``combined_<analysis>``) with POI bounds from the builder's rule applied
  to the joint model (:mod:`xhf.combine.bounds`).

The channels and observations are joined with ``pyhf.Workspace.combine``. Its default
``join="none"`` refuses inputs whose measurements share a name (two experiments that both call
theirs ``..._magnetic_moment`` after renaming, or an experiment combined with a copy of itself),
and ``join="outer"`` merges same-named measurements only if their parameter settings agree. So
every input's measurement is first replaced by the one combined measurement (same name, POI and
parameter list); the outer join then keeps exactly one.

The result is what the XMASS-I workspaces are, so ``xhf limit`` runs on it unchanged: the limit
is on the common parameter (XMASS-I, Phys. Lett. B 809 (2020) 135741: mu_nu = mu_ref sqrt(mu)).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from xhf import __version__
from xhf.combine.bounds import signal_part_bounds
from xhf.combine.likelihood import IDENTITY_KEYS, as_likelihood
from xhf.combine.naming import channel_names, check_disjoint
from xhf.combine.rescale import reference_factor, rescale_signal
from xhf.exceptions import InvalidInputError, InvalidParameterError, InvalidTemplateError
from xhf.jsonio import plain
from xhf.workspace.builder import check_workspace, measurement_parameters
from xhf.workspace.compat import quiet_pyhf
from xhf.workspace.likelihood import Likelihood
from xhf.workspace.metadata import INTERPOLATION
from xhf.workspace.naming import NAME_PATTERN
from xhf.workspace.poi import N_SIGMA
from xhf.workspace.sidecar import digest, sidecar_document
from xhf.workspace.spec_checks import check_workspace_size

__all__ = [
    "COMBINED_EXPERIMENT",
    "bin_edges",
    "check_same_hypothesis",
    "combination_block",
    "combine_workspaces",
    "combined_data",
    "join_workspaces",
    "measurement_of",
    "other_parameters",
]

log = logging.getLogger(__name__)


def __dir__() -> list[str]:
    return __all__


#: Experiment label of a combination: the measurement is ``combined_<analysis>``.
COMBINED_EXPERIMENT = "combined"
#: Sidecar signal fields that may differ between inputs (kept where all agree, else null).
_PER_INPUT_KEYS = frozenset({"atomic", "experiment", "name", "oscillations", "fractions", "target"})
#: Relative tolerance for two dark-photon masses to be the same.
_MASS_RTOL = 1e-6


def measurement_of(lk: Likelihood) -> Mapping[str, Any]:
    """The measurement the sidecar names (default: the workspace's first)."""
    measurements = lk.workspace.get("measurements") or []
    if not measurements:
        raise InvalidInputError(f"{lk.source}: the workspace has no measurement")
    name = lk.sidecar.get("measurement")
    return next((m for m in measurements if m["name"] == name), measurements[0])


def check_same_hypothesis(
    likelihoods: Sequence[Likelihood], blocks: Sequence[Mapping[str, Any]]
) -> dict[str, float]:
    """Raise unless every input tests the same model; return ``{normfactor: power}``.

    Fields of :data:`~xhf.combine.likelihood.IDENTITY_KEYS` must agree where both inputs give
    them, a single dark-photon mass too, and the parts must have the same normfactors and
    powers.
    """
    first, first_block = likelihoods[0], blocks[0]

    def powers(block: Mapping[str, Any]) -> dict[str, float | None]:
        return {
            str(p["normfactor"]): None if p["power"] is None else float(p["power"])
            for p in block["parts"]
        }

    reference_powers = powers(first_block)
    for lk, block in zip(likelihoods[1:], blocks[1:], strict=True):
        for key in IDENTITY_KEYS:
            mine, theirs = first_block.get(key), block.get(key)
            if mine is not None and theirs is not None and mine != theirs:
                raise InvalidInputError(
                    f"{lk.source}: signal.{key} is {theirs!r} but {first.source} has {mine!r}; "
                    "a combination tests one hypothesis"
                )
        mine, theirs = first_block.get("mass_mev"), block.get("mass_mev")
        if isinstance(mine, int | float) and isinstance(theirs, int | float):
            if not np.isclose(mine, theirs, rtol=_MASS_RTOL, atol=0.0):
                raise InvalidInputError(
                    f"{lk.source}: signal.mass_mev is {theirs!r} but {first.source} has {mine!r}"
                )
        if powers(block) != reference_powers:
            raise InvalidInputError(
                f"{lk.source}: signal parts {powers(block)} differ from {first.source}'s "
                f"{reference_powers}"
            )
    return {nf: p for nf, p in reference_powers.items() if p is not None}


def other_parameters(
    likelihoods: Sequence[Likelihood], exclude: Iterable[str]
) -> list[dict[str, Any]]:
    """Measurement parameter settings of the inputs, POIs left out; conflicts are errors."""
    exclude = set(exclude)
    merged: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for lk in likelihoods:
        for entry in measurement_of(lk)["config"].get("parameters", []):
            name = entry["name"]
            if name in exclude:
                continue
            if name in merged and plain(merged[name][1]) != plain(entry):
                raise InvalidInputError(
                    f"{lk.source}: measurement parameter {name!r} is set differently in "
                    f"{merged[name][0]}"
                )
            merged.setdefault(name, (lk.source, entry))
    return [plain(entry) for _, entry in merged.values()]


def join_workspaces(
    workspaces: Sequence[Mapping[str, Any]],
    measurement: str,
    poi: str,
    bounds: Mapping[str, Sequence[float]],
    parameters: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Channels and observations of ``workspaces`` under one measurement (pyhf's outer join).

    Args:
        workspaces: the inputs, already rescaled and checked for clashes.
        measurement: name of the combined measurement.
        poi: its POI.
        bounds: bounds of the signal normfactors.
        parameters: further measurement parameter settings (already merged).
    """
    import pyhf

    if not NAME_PATTERN.match(measurement):
        raise InvalidParameterError(f"measurement name {measurement!r} must match ^[A-Za-z0-9_]+$")
    entries = sorted(
        [*measurement_parameters(bounds), *parameters], key=lambda entry: entry["name"]
    )
    config = {"name": measurement, "config": {"poi": poi, "parameters": entries}}
    try:
        with quiet_pyhf():
            joined = None
            for spec in workspaces:
                renamed = pyhf.Workspace({**dict(spec), "measurements": [config]})
                joined = (
                    renamed
                    if joined is None
                    else pyhf.Workspace.combine(joined, renamed, join="outer")
                )
    except (
        pyhf.exceptions.InvalidSpecification,
        pyhf.exceptions.InvalidWorkspaceOperation,
    ) as exc:
        raise InvalidTemplateError(
            f"cannot combine the workspaces: {str(exc).splitlines()[0]}"
        ) from None
    spec = plain(
        {
            "channels": joined["channels"],
            "measurements": joined["measurements"],
            "observations": joined["observations"],
            "version": joined["version"],
        }
    )
    check_workspace(spec)
    return spec


def combination_block(
    likelihoods: Sequence[Likelihood],
    shared: Sequence[str],
    correlate: Iterable[str],
    reference: float | None,
    factors: Sequence[Mapping[str, float]] | None = None,
    references: Sequence[float | None] | None = None,
) -> dict[str, Any]:
    """The sidecar's ``combination`` block: what went in and how it was joined."""
    inputs = []
    for i, lk in enumerate(likelihoods):
        entry: dict[str, Any] = {
            "channels": channel_names(lk.workspace),
            "data": plain(lk.sidecar.get("data")),
            "digest": lk.sidecar.get("digest", {}).get("workspace") or digest(lk.workspace),
            "experiment": (lk.sidecar.get("experiment") or {}).get("name"),
            "measurement": measurement_of(lk)["name"],
            "source": lk.source,
        }
        if references is not None:
            entry["reference"] = references[i]
        if factors is not None:
            entry["scale"] = {k: float(v) for k, v in sorted(factors[i].items())}
        inputs.append(entry)
    return {
        "correlated_by_request": sorted(set(correlate)),
        "inputs": inputs,
        "reference": reference,
        "shared_nuisances": list(shared),
    }


def bin_edges(likelihoods: Sequence[Likelihood]) -> dict[str, Any]:
    """The sidecar's ``bin_edges_kev`` of a combination: ``{channel: edges}`` of every input."""
    edges: dict[str, Any] = {}
    for lk in likelihoods:
        given = lk.sidecar.get("bin_edges_kev")
        if isinstance(given, Mapping):
            edges.update(plain(dict(given)))
        elif given is not None and lk.sidecar.get("channel"):
            edges[str(lk.sidecar["channel"])] = plain(given)
    return edges


def combined_data(likelihoods: Sequence[Likelihood]) -> dict[str, Any]:
    """The sidecar's ``data`` block of a combination: pseudo-data if any input's is."""
    blocks = [lk.sidecar.get("data") or {} for lk in likelihoods]
    return {
        "label": COMBINED_EXPERIMENT,
        "pseudo_data": any(bool(b.get("pseudo_data", False)) for b in blocks),
        "inputs": [b.get("label") for b in blocks],
    }


def _fallback_bounds(
    likelihoods: Sequence[Likelihood],
    scaled: Sequence[Mapping[str, Any]],
    factors: Sequence[Mapping[str, float]],
    powers: Mapping[str, float],
) -> dict[str, list[float]]:
    """The tightest input bound (rescaled) per normfactor, among inputs with a signal."""
    out: dict[str, list[float]] = {}
    for lk, spec, factor in zip(likelihoods, scaled, factors, strict=True):
        params = {p["name"]: p for p in measurement_of(lk)["config"].get("parameters", [])}
        for nf in powers:
            if nf not in params or not params[nf].get("bounds"):
                continue
            has_signal = any(
                np.any(sample["data"])
                for ch in spec["channels"]
                for sample in ch["samples"]
                if any(m["name"] == nf for m in sample["modifiers"])
            )
            if not has_signal:
                continue
            upper = float(params[nf]["bounds"][0][1]) / factor[nf]
            out[nf] = [0.0, min(upper, out.get(nf, [0.0, np.inf])[1])]
    return {nf: out.get(nf, [0.0, N_SIGMA]) for nf in powers}


def combine_workspaces(
    inputs: Sequence[Likelihood | tuple],
    *,
    measurement: str | None = None,
    reference: float | None = None,
    correlate: Iterable[str] = (),
) -> Likelihood:
    """One joint likelihood (one POI) from several experiments' workspaces and sidecars.

    Args:
        inputs: :class:`~xhf.workspace.likelihood.Likelihood` objects or ``(workspace, sidecar)``
            / ``(workspace, sidecar, source)`` tuples; two or more.
        measurement: name of the combined measurement (default ``combined_<analysis>``).
        reference: common reference value of the physical parameter (default the first
            input's); every other signal is rescaled to it.
        correlate: further nuisance names to treat as one parameter across inputs.

    Returns:
        A :class:`~xhf.workspace.likelihood.Likelihood` (workspace and sidecar, named after
        the inputs joined by ``+``): the sidecar has the conventional fields (``signal`` at the
        common reference, ``poi``, ``poi_bounds``, ``digest``) plus ``channels``,
        ``bin_edges_kev`` per channel and a ``combination`` block (inputs, their scale factors,
        the shared nuisances).

    Raises:
        InvalidInputError: fewer than two inputs, different hypotheses, a name clash, a
            background-only input (combine those with
            :func:`xhf.combine.combine_patchsets`).
    """
    likelihoods = [as_likelihood(item, i) for i, item in enumerate(inputs)]
    if len(likelihoods) < 2:
        raise InvalidInputError("a combination needs at least two inputs")
    for lk in likelihoods:
        if lk.background_only:
            raise InvalidInputError(
                f"{lk.source}: a background-only workspace; combine it with its patchsets "
                "(combine_patchsets, or xhf combine on the _BkgOnly.json files)"
            )
    blocks = [lk.signal() for lk in likelihoods]
    powers = check_same_hypothesis(likelihoods, blocks)
    if len(powers) != len(blocks[0]["parts"]):
        raise InvalidInputError(
            f"{likelihoods[0].source}: the signal is an exact excess without a power; "
            "combine the components form instead"
        )
    common = float(reference) if reference is not None else float(blocks[0]["reference"])
    if not (np.isfinite(common) and common > 0):
        raise InvalidParameterError(f"reference must be positive, got {reference!r}")
    correlate = sorted(set(correlate))
    shared = check_disjoint(
        [(lk.source, lk.workspace) for lk in likelihoods], powers.keys(), correlate
    )
    factors, scaled = [], []
    for lk, block in zip(likelihoods, blocks, strict=True):
        factor = {nf: reference_factor(block["reference"], common, p) for nf, p in powers.items()}
        factors.append(factor)
        scaled.append(rescale_signal(lk.workspace, block["parts"], factor, lk.source))
    samples = {str(p["sample"]): str(p["normfactor"]) for b in blocks for p in b["parts"]}
    channels = [ch for spec in scaled for ch in spec["channels"]]
    try:
        bounds = signal_part_bounds(channels, samples, powers)
    except InvalidTemplateError as exc:
        log.info("combined POI bounds from the inputs' bounds: %s", exc)
        bounds = _fallback_bounds(likelihoods, scaled, factors, powers)
    poi = min(powers, key=lambda nf: powers[nf])
    analysis = str(
        likelihoods[0].sidecar.get("analysis") or str(blocks[0].get("model")).replace("-", "_")
    )
    name = measurement or f"{COMBINED_EXPERIMENT}_{analysis}"
    workspace = join_workspaces(scaled, name, poi, bounds, other_parameters(likelihoods, powers))
    check_workspace_size(workspace, " + ".join(lk.source for lk in likelihoods))
    signal = {k: v for k, v in blocks[0].items() if k not in _PER_INPUT_KEYS}
    for key in _PER_INPUT_KEYS & set(blocks[0]):
        values = {repr(b.get(key)) for b in blocks}
        signal[key] = blocks[0][key] if len(values) == 1 else None
    signal["reference"] = common
    signal["experiments"] = [
        (lk.sidecar.get("experiment") or {}).get("name") or measurement_of(lk)["name"]
        for lk in likelihoods
    ]
    sidecar = {
        "analysis": analysis,
        "bin_edges_kev": bin_edges(likelihoods),
        "channels": channel_names(workspace),
        "combination": combination_block(
            likelihoods,
            shared,
            correlate,
            common,
            factors,
            [float(b["reference"]) for b in blocks],
        ),
        "data": combined_data(likelihoods),
        "digest": {"workspace": digest(workspace)},
        "interpolation": dict(INTERPOLATION),
        "measurement": name,
        "poi": poi,
        "poi_bounds": bounds[poi],
        "signal": plain(signal),
        "xhf_version": __version__,
    }
    sources = " + ".join(lk.source for lk in likelihoods)
    return Likelihood(workspace, sidecar_document(sidecar), sources)
