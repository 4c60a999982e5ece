"""Reinterpretation: a new signal as a patch for a published background-only workspace.

The published ``BkgOnly.json`` carries a zero-yield placeholder sample ``signal`` with the
POI ``mu`` (docs/workspace-conventions.md). Any signal in the same channel, as expected counts
per bin, becomes a pyhf JSON patch that replaces the placeholder (:func:`signal_patch`); plain
pyhf then tests it (``pyhf cls BkgOnly.json -p patch.json``, or
``Workspace.model(patches=[patch])``). For a signal that is not a power of its parameter, like
the B-L dark photon of XMASS-I (Phys. Lett. B 809 (2020) 135741), S(g) = g^2 I + g^4 P:

- :func:`dark_photon_counts` computes the counts at any (mass, coupling) with the physics stage
  (:func:`xhf.physics.differential_rate`) folded with the detector response the caller gives
  (Eq. 3; for the replica ``replica.response.channel_response`` with the paper's fluxes
  and flavour fractions, ``replica.signals.rate_inputs``; ``replica_detector`` gives both);
- :func:`components_patch` puts the interference and pure parts as two samples whose
  normfactors xhf ties, and :func:`dark_photon_limit` returns the 90 % CL limit on g with its
  expected band (xhf's one-parameter profile in g, as for the published components patchset).

docs/publishing.md walks through a dark photon at 0.05 MeV, a mass not in the published grid.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.exceptions import InvalidInputError, InvalidParameterError
from xhf.physics import RateInputs, differential_rate
from xhf.templates.templateset import Sample
from xhf.workspace.naming import PLACEHOLDER_SAMPLE, POI, part_names
from xhf.workspace.samples import signal_sample

__all__ = [
    "components_patch",
    "dark_photon_counts",
    "dark_photon_limit",
    "placeholder_position",
    "signal_patch",
]


def __dir__() -> list[str]:
    return __all__


def placeholder_position(
    background_only: Mapping[str, Any], channel: str | None = None
) -> tuple[int, int, str]:
    """``(channel index, sample index, channel name)`` of the zero-yield placeholder."""
    for ci, ch in enumerate(background_only["channels"]):
        if channel is not None and ch["name"] != channel:
            continue
        for si, sample in enumerate(ch["samples"]):
            if sample["name"] == PLACEHOLDER_SAMPLE and not any(sample["data"]):
                return ci, si, ch["name"]
    where = f" in channel {channel!r}" if channel else ""
    raise InvalidInputError(
        f"background-only workspace: no zero-yield placeholder sample {PLACEHOLDER_SAMPLE!r}"
        f"{where} (is it an xhf BkgOnly.json?)"
    )


def _sample(counts: ArrayLike, n_bins: int, name: str, **kwargs) -> Sample:
    values = np.asarray(counts, dtype=float)
    if values.shape != (n_bins,) or not np.all(np.isfinite(values)):
        raise InvalidParameterError(
            f"signal counts: need {n_bins} finite numbers (one per bin), got shape {values.shape}"
        )
    return Sample(name=name, yields=values, **kwargs)


def signal_patch(
    background_only: Mapping[str, Any],
    counts: ArrayLike,
    *,
    channel: str | None = None,
    stat_error: ArrayLike | None = None,
    norm_variations: Mapping[str, tuple[float, float]] | None = None,
) -> list[dict[str, Any]]:
    """A pyhf JSON patch that puts ``counts`` (events per bin) in place of the placeholder.

    The new sample is ``signal`` with the normfactor ``mu`` (the POI: mu = 1 is the signal as
    given), optional Monte Carlo errors (the channel's staterror, ``<experiment>_staterror_<channel>``,
    shared with the backgrounds)
    and flat systematics ``{name: (hi, lo)}`` (normsys; reuse a published name, e.g.
    ``atomic_model``, to correlate it). Usable as ``Workspace.model(patches=[patch])``, as the
    file of ``pyhf cls BkgOnly.json -p patch.json``, or in a patchset.

    >>> bkg = {"channels": [{"name": "c", "samples": [
    ...     {"name": "b", "data": [5.0, 5.0], "modifiers": []},
    ...     {"name": "signal", "data": [0.0, 0.0],
    ...      "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]}]}]}
    >>> op = signal_patch(bkg, [1.0, 0.5])[0]
    >>> op["op"], op["path"], op["value"]["data"]
    ('replace', '/channels/0/samples/1', [1.0, 0.5])
    """
    ci, si, name = placeholder_position(background_only, channel)
    n_bins = len(background_only["channels"][ci]["samples"][si]["data"])
    sample = _sample(
        counts,
        n_bins,
        PLACEHOLDER_SAMPLE,
        stat_error=None if stat_error is None else np.asarray(stat_error, dtype=float),
        norm_variations=dict(norm_variations or {}),
    )
    value = signal_sample(sample, name, PLACEHOLDER_SAMPLE, POI, _experiment(background_only, ci))
    return [{"op": "replace", "path": f"/channels/{ci}/samples/{si}", "value": value}]


def _experiment(background_only: Mapping[str, Any], ci: int) -> str | None:
    """The experiment prefix of a channel's nuisances, read off its staterror name."""
    channel = background_only["channels"][ci]
    for sample in channel["samples"]:
        for mod in sample.get("modifiers", []):
            if mod.get("type") == "staterror":
                name = str(mod["name"])
                for suffix in (f"_staterror_{channel['name']}", "_staterror"):
                    if name.endswith(suffix) and len(name) > len(suffix):
                        return name[: -len(suffix)]
    return None


def components_patch(
    background_only: Mapping[str, Any],
    interference: ArrayLike,
    pure: ArrayLike,
    *,
    channel: str | None = None,
) -> list[dict[str, Any]]:
    """A JSON patch with the two parts of a dark-photon signal at a reference coupling.

    ``signal_interference`` (normfactor ``mu_interference``) replaces the placeholder and
    ``signal_pure`` (``mu_pure``) is added after it, as in the published components patchset;
    xhf ties ``mu_interference = s``, ``mu_pure = s^2`` with s = (g/g_ref)^2.
    """
    ci, si, name = placeholder_position(background_only, channel)
    n_bins = len(background_only["channels"][ci]["samples"][si]["data"])
    (inter_name, inter_nf), (pure_name, pure_nf) = part_names((2, 4))
    ops = []
    for k, (counts, sample_name, normfactor) in enumerate(
        [(interference, inter_name, inter_nf), (pure, pure_name, pure_nf)]
    ):
        part = _sample(counts, n_bins, sample_name)
        ops.append(
            {
                "op": "replace" if k == 0 else "add",
                "path": f"/channels/{ci}/samples/{si + k}",
                "value": signal_sample(part, name, sample_name, normfactor),
            }
        )
    return ops


def dark_photon_counts(
    mass_mev: float,
    coupling: float,
    *,
    response: Any,
    inputs: RateInputs | None = None,
    part: str = "both",
) -> NDArray[np.float64]:
    """Expected counts per bin of a B-L dark photon in one channel of a detector.

    dR/dT from :func:`xhf.physics.differential_rate` (free-electron approximation) folded with
    the detector's response of that channel (threshold, resolution, efficiency, exposure;
    Eq. 3 of XMASS-I, Phys. Lett. B 809 (2020) 135741).

    Args:
        mass_mev: dark-photon mass in MeV (any value, not only the published grid).
        coupling: g_BL.
        response: the channel's response: ``grid_kev`` (true energies of the rate) and
            ``fold(rate)`` (counts per reconstructed bin), e.g. the replica's
            ``replica.response.channel_response(settings, channel)``.
        inputs: the physics inputs (fluxes, flavour content); default
            :class:`~xhf.physics.RateInputs` ().
        part: ``both``, ``interference`` or ``pure``.
    """
    rate = differential_rate(
        response.grid_kev,
        "dark-photon",
        coupling=coupling,
        mass_mev=mass_mev,
        part=part,
        inputs=inputs or RateInputs(),
    )
    return np.asarray(response.fold(rate), dtype=float)


def _check_binning(meta: Mapping[str, Any] | None, channel: str, response: Any) -> None:
    """The response's binning must be the published channel's (``bin_edges_kev``)."""
    if not meta or "bin_edges_kev" not in meta:
        return
    edges = np.asarray(response.edges_kev, dtype=float)
    published = np.asarray(meta["bin_edges_kev"], dtype=float)
    if edges.shape != published.shape or not np.allclose(edges, published, rtol=1e-9):
        raise InvalidInputError(
            f"the response's {channel!r} binning ({edges.size - 1} bins) is not the published "
            f"one ({published.size - 1} bins, sidecar 'bin_edges_kev'): pass a matching one"
        )


def dark_photon_limit(
    background_only: Mapping[str, Any],
    mass_mev: float,
    *,
    response: Callable[[str], Any],
    inputs: RateInputs | None = None,
    meta: Mapping[str, Any] | None = None,
    reference: float = 1e-6,
    method: str = "cls",
    cl: float = 0.9,
):
    """90 % CL limit on g_BL at ``mass_mev`` on a published background-only workspace.

    Computes the interference and pure parts at ``reference`` (:func:`dark_photon_counts`),
    patches them in (:func:`components_patch`) and runs :func:`xhf.infer.limit` with the two
    normfactors tied (a one-parameter profile in g; ``method`` ``cls`` or ``chi2``).

    Args:
        background_only: the published ``BkgOnly.json`` (a dict).
        mass_mev: the dark-photon mass in MeV.
        response: channel name -> the detector's response of that channel (as for
            :func:`dark_photon_counts`; its ``edges_kev`` must be the published binning).
        inputs: the physics inputs (as for :func:`dark_photon_counts`).
        meta: its sidecar ``BkgOnly.meta.json`` (checks the binning; gives the channel).
        reference: g at which the parts are computed (choose it near the expected limit).
        method, cl: as :func:`xhf.infer.limit`.

    Returns:
        :class:`xhf.infer.LimitResult` in g_BL (``observed``, ``expected`` bands).
    """
    from xhf.infer import build_analysis, limit

    channel = (meta or {}).get("channel", "full_energy")
    detector = response(channel)
    _check_binning(meta, channel, detector)
    parts = {
        part: dark_photon_counts(mass_mev, reference, response=detector, inputs=inputs, part=part)
        for part in ("interference", "pure")
    }
    workspace = copy.deepcopy(dict(background_only))
    patch = components_patch(workspace, parts["interference"], parts["pure"], channel=channel)
    import jsonpatch

    patched = jsonpatch.apply_patch(workspace, patch)
    (inter_name, inter_nf), (pure_name, pure_nf) = part_names((2, 4))
    sidecar = {
        **{k: v for k, v in (meta or {}).items() if k not in ("signal", "background_only")},
        "poi": inter_nf,
        "signal": {
            "model": "dark-photon",
            "parameter": "coupling",
            "unit": "g_BL",
            "reference": float(reference),
            "mass_mev": float(mass_mev),
            "flavor": "all",
            "parts": [
                {"sample": inter_name, "normfactor": inter_nf, "power": 2},
                {"sample": pure_name, "normfactor": pure_nf, "power": 4},
            ],
        },
    }
    analysis = build_analysis(patched, sidecar, source=f"reinterpretation at {mass_mev:g} MeV")
    return limit(analysis, method=method, cl=cl)
