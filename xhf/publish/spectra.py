"""Binned spectra for the submission: pseudo-data, background model and signal at the limit.

Taken from the workspaces xhf fitted (built from the replica TemplateSet, so the numbers are the
TemplateSet's): the observations, the sum of the background samples at their nominal values
(pre-fit, with the Monte Carlo statistical error of their ``staterror`` modifiers added in
quadrature) and the signal at a given value of its physical parameter. XMASS-I, Phys. Lett. B
809 (2020) 135741, Figures 3 and 5; the signal of a part scales as
``(value / reference) ** power`` (docs/workspace-conventions.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from xhf.exceptions import InvalidInputError
from xhf.workspace.naming import PLACEHOLDER_SAMPLE

__all__ = ["ChannelContent", "channel_content", "dark_photon_signal", "power_law_signal"]


def __dir__() -> list[str]:
    return __all__


class ChannelContent(NamedTuple):
    """One channel of a workspace: binning, observations and the background model."""

    channel: str
    edges_kev: NDArray[np.float64]
    data: NDArray[np.float64]
    background: NDArray[np.float64]
    background_stat: NDArray[np.float64]
    components: dict[str, NDArray[np.float64]]


def _is_signal(name: str) -> bool:
    return name == PLACEHOLDER_SAMPLE or name.startswith(f"{PLACEHOLDER_SAMPLE}_")


def channel_content(workspace: Mapping[str, Any], meta: Mapping[str, Any]) -> ChannelContent:
    """Observations and background model of the sidecar's channel (signal samples excluded).

    >>> ws = {"channels": [{"name": "c", "samples": [
    ...     {"name": "b", "data": [4.0, 2.0], "modifiers": [
    ...         {"name": "staterror_c", "type": "staterror", "data": [0.3, 0.4]}]},
    ...     {"name": "signal", "data": [0.0, 0.0], "modifiers": []}]}],
    ...     "observations": [{"name": "c", "data": [5.0, 1.0]}]}
    >>> content = channel_content(ws, {"channel": "c", "bin_edges_kev": [2.0, 3.0, 4.0]})
    >>> content.background.tolist(), content.background_stat.tolist()
    ([4.0, 2.0], [0.3, 0.4])
    """
    name = meta["channel"]
    channel = next((c for c in workspace["channels"] if c["name"] == name), None)
    observed = next((o for o in workspace["observations"] if o["name"] == name), None)
    if channel is None or observed is None:
        raise InvalidInputError(f"workspace: no channel or observations {name!r}")
    edges = np.asarray(meta["bin_edges_kev"], dtype=float)
    data = np.asarray(observed["data"], dtype=float)
    if edges.size != data.size + 1:
        raise InvalidInputError(
            f"sidecar: field 'bin_edges_kev' has {edges.size} edges for {data.size} bins"
        )
    components, variance = {}, np.zeros(data.size)
    for sample in channel["samples"]:
        if _is_signal(sample["name"]):
            continue
        components[sample["name"]] = np.asarray(sample["data"], dtype=float)
        for modifier in sample["modifiers"]:
            if modifier["type"] == "staterror":
                variance += np.asarray(modifier["data"], dtype=float) ** 2
    if not components:
        raise InvalidInputError(f"workspace: channel {name!r} has no background sample")
    background = np.sum(list(components.values()), axis=0)
    return ChannelContent(name, edges, data, background, np.sqrt(variance), components)


def _powers(meta: Mapping[str, Any]) -> dict[str, float]:
    """normfactor -> power of ``parameter / reference`` from the sidecar's ``signal.parts``."""
    return {p["normfactor"]: float(p["power"]) for p in meta["signal"]["parts"]}


def power_law_signal(
    workspace: Mapping[str, Any], meta: Mapping[str, Any], value: float
) -> NDArray[np.float64]:
    """Counts per bin of the signal at ``value`` of its parameter (sample ``signal``)."""
    channel = next(c for c in workspace["channels"] if c["name"] == meta["channel"])
    sample = next((s for s in channel["samples"] if s["name"] == PLACEHOLDER_SAMPLE), None)
    if sample is None:
        raise InvalidInputError(f"workspace: no sample {PLACEHOLDER_SAMPLE!r}")
    power = next(iter(_powers(meta).values()))
    ratio = float(value) / float(meta["signal"]["reference"])
    return np.asarray(sample["data"], dtype=float) * ratio**power


def dark_photon_signal(
    grid: Mapping[str, Any], mass_mev: float, coupling: float, *, rtol: float = 1e-6
) -> NDArray[np.float64]:
    """Counts per bin of the dark photon at (mass, g), from the grid patchset alone.

    Each grid patch holds the exact excess E(g) = g^2 I' + g^4 P' at its (mass, g) label
    (interference and pure term per unit coupling). Two or more patches at the mass determine
    I' and P' in every bin (least squares, checked to be exact to ``rtol``, relative to the
    largest excess), so the signal at any g follows without a reference coupling. A grid whose
    numbers are rounded to d significant digits (its ``metadata.significant_digits``, 6 for the
    shipped grids) is exact only to the rounding, 5 x 10^-d of each number: the check then
    allows 10^(1-d) instead of ``rtol`` where that is larger.

    Raises:
        InvalidInputError: fewer than two patches at that mass, or the excesses are not of
            the form g^2 I' + g^4 P'.
    """
    points = []
    for patch in grid["patches"]:
        values = patch["metadata"]["values"]
        if len(values) == 2 and math.isclose(float(values[0]), mass_mev, rel_tol=1e-6):
            sample = next(op["value"] for op in patch["patch"] if isinstance(op.get("value"), dict))
            points.append((float(values[1]), np.asarray(sample["data"], dtype=float)))
    if len(points) < 2:
        raise InvalidInputError(
            f"grid patchset: need two patches at mass {mass_mev:g} MeV, found {len(points)}"
        )
    g = np.array([p[0] for p in points])
    excess = np.array([p[1] for p in points])
    design = np.column_stack([g**2, g**4]) / np.array([g.max() ** 2, g.max() ** 4])
    coefficients, *_ = np.linalg.lstsq(design, excess, rcond=None)
    scale = max(float(np.abs(excess).max()), 1e-300)
    digits = grid.get("metadata", {}).get("significant_digits")
    if isinstance(digits, int) and digits > 0:
        rtol = max(rtol, 10.0 ** (1 - digits))
    if np.abs(design @ coefficients - excess).max() > rtol * scale:
        raise InvalidInputError(
            f"grid patchset: the excess at {mass_mev:g} MeV is not g^2 I + g^4 P"
        )
    x = np.array([coupling**2 / g.max() ** 2, coupling**4 / g.max() ** 4])
    return x @ coefficients
