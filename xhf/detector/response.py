"""The detector response matrix: true-energy rates -> expected counts per reconstructed bin.

Eq. (3) of XMASS-I (K. Abe et al., Phys. Lett. B 809 (2020) 135741)::

    dN/dE_rec = int_0^{T_max} dN/dT S(T, E_rec) dT,   S = efficiency(E_rec) x Gauss(E_rec; s(T) T, sigma),

with the scintillation efficiency zero below the true-energy threshold (1 keV). Integrated over a
reconstructed bin i and multiplied by the exposure (Eq. 2's t x mass)::

    N_i = exposure sum_k rate(T_k) dT_k P_ik,
    P_ik = int_{bin i} eff(E) Gauss(E; s(T_k) T_k, sigma(s(T_k) T_k)) dE.

Numerics, chosen once so that every model folds with one matrix product:

- True energy: midpoint rule on a fine grid (default 0.05 keV from the threshold to five sigma
  above the top reconstructed edge, with xenon's shell binding energies as extra edges so that
  the steps of the spectra fall on cell edges, :func:`default_true_edges`); cells straddling
  the threshold keep only their part above it, with the node at that part's centre. Against a
  0.005 keV grid, the 99 bins of 2-200 keV agree to 1.3e-5 (magnetic moment, FEA), 4e-6 (SM,
  dark photon) and 5e-5 (millicharge, EPA), relative; with a 0.1 keV step to 2.3e-4.
- Reconstructed energy: exact Gaussian bin integrals (differences of the normal CDF). Where
  the efficiency varies inside a bin, the bin is cut into sub-steps of at most 0.02 keV with the
  efficiency at each sub-step's centre, so the efficiency is averaged over where the events of
  each true energy actually land (for a flat distribution: the plain bin average); where it
  varies by less than 1e-6 of its value, its bin average is used as one factor.
- The width is evaluated at the shifted mean s(T) T (:mod:`xhf.detector.energy_scale`).

Build a :class:`ResponseMatrix` once per (binning, detector) and reuse it for every model,
mass and coupling; :meth:`ResponseMatrix.with_energy_scale` gives the +-1 sigma calibration
variations on the same grids.

>>> import numpy as np
>>> from xhf.physics import differential_rate
>>> response = ResponseMatrix(np.arange(2.0, 16.0, 1.0))
>>> counts = response.fold(lambda t: differential_rate(t, "magnetic-moment", mu_nu=1e-10))
>>> counts.shape, bool(np.all(counts > 0))
((13,), True)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from xhf.detector._validate import check_edges, check_scalar
from xhf.detector.defaults import (
    RECO_STEP_KEV,
    SCINTILLATION_THRESHOLD_KEV,
    TRUE_RANGE_SIGMAS,
    TRUE_STEP_KEV,
)
from xhf.detector.efficiency import Efficiency, EfficiencyModel
from xhf.detector.energy_scale import EnergyScale
from xhf.detector.exposure import Exposure
from xhf.detector.resolution import Resolution, ResolutionModel
from xhf.exceptions import InvalidInputError
from xhf.physics.target import load_target

__all__ = ["ResponseMatrix", "default_true_edges", "fold_response"]


def __dir__() -> list[str]:
    return __all__


Rate = ArrayLike | Callable[[NDArray[np.float64]], ArrayLike]

#: Relative variation of the efficiency inside a bin below which one bin average is used.
_FLAT_TOLERANCE = 1e-6
#: Smallest width in keV used in the CDF (guards sigma = 0 at T = 0).
_MIN_SIGMA_KEV = 1e-9
#: Entries per block of the (true node x sub-step) CDF table, bounds memory to ~8 MB.
_BLOCK_ENTRIES = 1_000_000


def default_true_edges(
    reco_edges_kev: ArrayLike,
    resolution: ResolutionModel | None = None,
    threshold_kev: float = SCINTILLATION_THRESHOLD_KEV,
    energy_scale: EnergyScale | None = None,
    step_kev: float = TRUE_STEP_KEV,
    n_sigma: float = TRUE_RANGE_SIGMAS,
    breakpoints_kev: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """The true-energy grid (edges in keV) that a reconstructed window needs.

    Starts at the threshold (or, for a window far above it, ``n_sigma`` widths below the lowest
    edge, aligned to the step from the threshold) and ends ``n_sigma`` widths above the top edge,
    both widened by twice the energy-scale uncertainty there, so that the +-1 sigma variations
    use the same grid. The ``breakpoints_kev`` inside the range become extra edges: put the steps
    of the spectra there (default: xenon's shell binding energies, where the FEA and EPA rates
    jump), so that the midpoint rule stays second order; without them the K and L edges cost
    up to 4e-3 in the 2 keV bins beside them.

    >>> edges = default_true_edges([2.0, 4.0, 6.0])
    >>> float(edges[0]), round(float(np.median(np.diff(edges))), 6), bool(edges[-1] > 6 + 5 * 1.08)
    (1.0, 0.05, True)
    >>> bool(np.isin(4.786, np.round(edges, 4)))   # the xenon L3 edge is a cell edge
    True
    """
    reco = check_edges("reco_edges_kev", reco_edges_kev)
    res = resolution or Resolution()
    scale = energy_scale or EnergyScale()
    thr = check_scalar("threshold_kev", threshold_kev, 0.0)
    step = check_scalar("true step_kev", step_kev, 0.0, lower_open=True)
    n = check_scalar("n_sigma", n_sigma, 0.0)
    lo, hi = float(reco[0]), float(reco[-1])
    up_lo, _ = scale.uncertainty(max(lo, thr, step))
    _, down_hi = scale.uncertainty(max(hi, step))
    lower = (lo - n * float(res(max(lo, 0.0)))) / (1.0 + 2.0 * float(up_lo))
    reach = hi + n * float(res(hi + n * float(res(hi))))
    upper = max(reach / (1.0 - 2.0 * float(down_hi)), thr + step)
    start = thr + step * math.floor((lower - thr) / step) if lower > thr else thr
    count = math.ceil((upper - start) / step - 1e-9)
    edges = np.round(start + step * np.arange(count + 1), 12)
    points = _xenon_shell_edges() if breakpoints_kev is None else np.asarray(breakpoints_kev, float)
    points = points[(points > edges[0]) & (points < edges[-1])]
    near = np.min(np.abs(points[:, None] - edges[None, :]), axis=1) if points.size else points
    return np.union1d(edges, points[near > 1e-6 * step])


@cache
def _xenon_shell_edges() -> NDArray[np.float64]:
    """Binding energies in keV of xenon's subshells (xraydb via :mod:`xhf.physics.target`)."""
    return np.array(sorted(shell.binding_kev for shell in load_target("xenon").shells))


class ResponseMatrix:
    """Eq. (3) discretised once: a (true node x reconstructed bin) matrix of expected counts.

    Args:
        reco_edges_kev: reconstructed-energy bin edges in keV (strictly increasing).
        true_edges_kev: true-energy cell edges in keV (>= 0); default :func:`default_true_edges`.
        resolution: sigma(E) in keV, default :class:`~xhf.detector.resolution.Resolution`
            (4 % at 122 keV).
        efficiency: efficiency versus reconstructed energy, default
            :class:`~xhf.detector.efficiency.Efficiency` (erf turn-on x plateau).
        exposure: an :class:`~xhf.detector.exposure.Exposure` (default 711 days x 97 kg) or a
            number in kg day.
        threshold_kev: true energy below which nothing is detected (the paper: 1 keV).
        energy_scale: calibration shift, default nominal (:class:`EnergyScale`).
        reco_step_kev: sub-step for the efficiency inside a reconstructed bin.
        true_step_kev: step of the default true grid (ignored with ``true_edges_kev``).
        true_breakpoints_kev: extra edges of the default true grid at the steps of the spectra
            (default: xenon's shell binding energies; ignored with ``true_edges_kev``).

    Raises:
        InvalidInputError: bad edges (the message names the field and index).
        InvalidParameterError: a scalar outside its range.
    """

    def __init__(
        self,
        reco_edges_kev: ArrayLike,
        true_edges_kev: ArrayLike | None = None,
        *,
        resolution: ResolutionModel | None = None,
        efficiency: EfficiencyModel | None = None,
        exposure: Exposure | float | None = None,
        threshold_kev: float = SCINTILLATION_THRESHOLD_KEV,
        energy_scale: EnergyScale | None = None,
        reco_step_kev: float = RECO_STEP_KEV,
        true_step_kev: float = TRUE_STEP_KEV,
        true_breakpoints_kev: ArrayLike | None = None,
    ) -> None:
        self.resolution = resolution if resolution is not None else Resolution()
        self.efficiency = efficiency if efficiency is not None else Efficiency()
        self.exposure = exposure if exposure is not None else Exposure()
        self.energy_scale = energy_scale if energy_scale is not None else EnergyScale()
        self.threshold_kev = check_scalar("threshold_kev", threshold_kev, 0.0)
        self.reco_step_kev = check_scalar("reco_step_kev", reco_step_kev, 0.0, lower_open=True)
        if isinstance(self.exposure, Exposure):
            self.exposure_kg_day = self.exposure.kg_day
        else:
            self.exposure_kg_day = check_scalar("exposure", self.exposure, 0.0, lower_open=True)
        reco = check_edges("reco_edges_kev", reco_edges_kev)
        if true_edges_kev is None:
            true = default_true_edges(
                reco,
                self.resolution,
                self.threshold_kev,
                self.energy_scale,
                true_step_kev,
                breakpoints_kev=true_breakpoints_kev,
            )
        else:
            true = check_edges("true_edges_kev", true_edges_kev, minimum_kev=0.0)
        lower = np.maximum(true[:-1], self.threshold_kev)
        widths = np.clip(true[1:] - lower, 0.0, None)
        nodes = np.where(widths > 0, 0.5 * (lower + true[1:]), 0.5 * (true[:-1] + true[1:]))
        self._reco, self._true, self._nodes, self._widths = reco, true, nodes, widths
        self._sub_edges, self._sub_eff, self._starts = self._sub_grid()
        probability = np.zeros((nodes.size, reco.size - 1))
        live = widths > 0
        probability[live] = self._probabilities(nodes[live])
        matrix = self.exposure_kg_day * widths[:, None] * probability
        for arr in (reco, true, nodes, widths, probability, matrix):
            arr.setflags(write=False)
        self._probability, self._matrix = probability, matrix

    # -- construction helpers -------------------------------------------------------------------

    def _sub_grid(self) -> tuple[NDArray, NDArray, NDArray]:
        """Sub-step edges, the efficiency on each sub-step and the first sub-step of each bin."""
        edges, eff, starts = [self._reco[0]], [], []
        for lo, hi in itertools.pairwise(self._reco):
            m = max(1, math.ceil((hi - lo) / self.reco_step_kev - 1e-9))
            sub = np.linspace(lo, hi, m + 1)
            values = np.asarray(self.efficiency(0.5 * (sub[:-1] + sub[1:])), dtype=float)
            starts.append(len(eff))
            if np.ptp(values) <= _FLAT_TOLERANCE * max(float(values.max()), 1e-300):
                edges.append(hi)
                eff.append(float(values.mean()))
            else:
                edges.extend(sub[1:])
                eff.extend(values)
        eff_arr = np.asarray(eff)
        if np.any(~np.isfinite(eff_arr) | (eff_arr < 0) | (eff_arr > 1)):
            raise InvalidInputError("efficiency: values outside [0, 1] inside the window")
        return np.asarray(edges), eff_arr, np.asarray(starts)

    def _probabilities(self, true_kev: NDArray) -> NDArray:
        """P_ik for true energies (n,) -> (n, n_reco): efficiency x Gaussian bin integral."""
        mean = self.energy_scale.factor(true_kev) * true_kev
        sigma = np.maximum(np.asarray(self.resolution(mean), dtype=float), _MIN_SIGMA_KEV)
        out = np.empty((true_kev.size, self._reco.size - 1))
        block = max(1, _BLOCK_ENTRIES // self._sub_edges.size)
        for first in range(0, true_kev.size, block):
            part = slice(first, first + block)
            cdf = ndtr((self._sub_edges[None, :] - mean[part, None]) / sigma[part, None])
            per_step = np.diff(cdf, axis=1) * self._sub_eff
            out[part] = np.add.reduceat(per_step, self._starts, axis=1)
        return out

    # -- the grids ------------------------------------------------------------------------------

    @property
    def reco_edges_kev(self) -> NDArray[np.float64]:
        """Reconstructed-energy bin edges in keV (n_reco + 1)."""
        return self._reco

    @property
    def true_edges_kev(self) -> NDArray[np.float64]:
        """True-energy cell edges in keV (n_true + 1)."""
        return self._true

    @property
    def true_energy_kev(self) -> NDArray[np.float64]:
        """True energies in keV at which :meth:`fold` evaluates a rate (n_true nodes)."""
        return self._nodes

    @property
    def true_widths_kev(self) -> NDArray[np.float64]:
        """Width in keV of each true cell above the threshold (0 below it)."""
        return self._widths

    @property
    def probability(self) -> NDArray[np.float64]:
        """(n_true, n_reco): probability that an event at each true node lands in each bin
        and passes the efficiency (0 below the threshold)."""
        return self._probability

    @property
    def matrix(self) -> NDArray[np.float64]:
        """(n_true, n_reco): expected counts per 1 event/(kg day keV) at each true node,
        exposure x true width x probability; ``counts = rate @ matrix``."""
        return self._matrix

    # -- folding --------------------------------------------------------------------------------

    def fold(self, rate: Rate) -> NDArray[np.float64]:
        """Expected counts per reconstructed bin for a true-energy rate.

        Args:
            rate: dR/dT in events / (kg day keV), either an array whose last axis holds the
                values at :attr:`true_energy_kev` (leading axes, e.g. one row per dark-photon
                mass, are kept), or a callable of the true energies in keV returning such an array.

        Returns:
            Counts with shape ``rate.shape[:-1] + (n_reco,)``.

        Raises:
            InvalidInputError: the last axis does not match the true grid, or a value above the
                threshold is not finite.
        """
        values = rate(self._nodes) if callable(rate) else rate
        values = np.asarray(values, dtype=float)
        if values.ndim == 0 or values.shape[-1] != self._nodes.size:
            got = "a scalar" if values.ndim == 0 else f"{values.shape[-1]} values"
            raise InvalidInputError(
                f"rate: got {got} along the last axis but the true-energy grid has "
                f"{self._nodes.size} nodes; evaluate the rate at ResponseMatrix.true_energy_kev"
            )
        live = self._widths > 0
        bad = ~np.isfinite(values) & live
        if np.any(bad):
            k = int(np.flatnonzero(bad.reshape(-1, self._nodes.size).any(axis=0))[0])
            raise InvalidInputError(
                f"rate: non-finite value at true energy {self._nodes[k]:.6g} keV (node {k})"
            )
        values = np.where(live, values, 0.0)
        return values @ self._matrix

    def fold_lines(
        self, energy_kev: ArrayLike, rate_per_kg_day: ArrayLike = 1.0
    ) -> NDArray[np.float64]:
        """Expected counts per reconstructed bin for mono-energetic depositions (gamma lines).

        Args:
            energy_kev: true energies of the lines in keV (any, not only grid nodes).
            rate_per_kg_day: rate of each line in events / (kg day), broadcast with the energies.

        Returns:
            Counts per reconstructed bin (n_reco,), summed over the lines; lines below the
            threshold contribute nothing.
        """
        energy, rate = np.broadcast_arrays(
            np.atleast_1d(np.asarray(energy_kev, dtype=float)),
            np.asarray(rate_per_kg_day, dtype=float),
        )
        energy, rate = energy.ravel(), rate.ravel()
        if not (np.all(np.isfinite(energy)) and np.all(np.isfinite(rate))):
            raise InvalidInputError("fold_lines: energies and rates must be finite")
        keep = energy >= self.threshold_kev
        if not np.any(keep):
            return np.zeros(self._reco.size - 1)
        probability = self._probabilities(energy[keep])
        return self.exposure_kg_day * (rate[keep] @ probability)

    # -- variations and provenance --------------------------------------------------------------

    def with_energy_scale(self, shift: float) -> ResponseMatrix:
        """The same response on the same grids with the energy scale shifted by ``shift`` sigma.

        ``+1`` and ``-1`` are the paper's calibration variations (+7/-4 % at 1 keV, +-4 % at
        1.65 keV); rates evaluated at :attr:`true_energy_kev` fold with every variation.
        """
        return ResponseMatrix(
            self._reco,
            self._true,
            resolution=self.resolution,
            efficiency=self.efficiency,
            exposure=self.exposure,
            threshold_kev=self.threshold_kev,
            energy_scale=self.energy_scale.shifted(shift),
            reco_step_kev=self.reco_step_kev,
        )

    def describe(self) -> dict:
        """Plain description recorded with results (Python floats only)."""

        def part(obj: object) -> object:
            describe = getattr(obj, "describe", None)
            return describe() if callable(describe) else repr(obj)

        return {
            "reco_edges_kev": [float(x) for x in self._reco],
            "true_grid_kev": {
                "first": float(self._true[0]),
                "last": float(self._true[-1]),
                "cells": int(self._nodes.size),
            },
            "threshold_kev": float(self.threshold_kev),
            "resolution": part(self.resolution),
            "efficiency": part(self.efficiency),
            "exposure": part(self.exposure)
            if isinstance(self.exposure, Exposure)
            else {"kg_day": self.exposure_kg_day},
            "energy_scale": self.energy_scale.describe(),
            "reco_step_kev": float(self.reco_step_kev),
        }

    def __repr__(self) -> str:
        return (
            f"ResponseMatrix({self._reco.size - 1} reco bins {self._reco[0]:g}-{self._reco[-1]:g}"
            f" keV, {self._nodes.size} true cells {self._true[0]:g}-{self._true[-1]:g} keV, "
            f"threshold {self.threshold_kev:g} keV, energy-scale shift "
            f"{self.energy_scale.shift:+g})"
        )


def fold_response(
    rate: Rate,
    reco_edges_kev: ArrayLike,
    true_edges_kev: ArrayLike | None = None,
    *,
    resolution: ResolutionModel | None = None,
    efficiency: EfficiencyModel | None = None,
    exposure: Exposure | float | None = None,
    threshold_kev: float = SCINTILLATION_THRESHOLD_KEV,
    energy_scale: EnergyScale | None = None,
) -> NDArray[np.float64]:
    """Eq. (3) in one call: expected counts per reconstructed bin for a true-energy rate.

    Builds a :class:`ResponseMatrix` and folds ``rate`` (a callable of true energy in keV, or an
    array on the nodes of ``true_edges_kev``). To fold many models, build the matrix once.

    >>> from xhf.physics import differential_rate
    >>> edges = [6.0, 8.0, 10.0]
    >>> mm = fold_response(lambda t: differential_rate(t, "magnetic-moment"), edges)
    >>> bool(mm[0] > mm[1] > 0)
    True
    """
    response = ResponseMatrix(
        reco_edges_kev,
        true_edges_kev,
        resolution=resolution,
        efficiency=efficiency,
        exposure=exposure,
        threshold_kev=threshold_kev,
        energy_scale=energy_scale,
    )
    return response.fold(rate)
