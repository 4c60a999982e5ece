"""Background components of the XMASS-I-like replica as reconstructed-energy spectra.

Two kinds of shapes (``templates/README.md`` records every choice):

- *surface* components (210Pb, 238U, 232Th, 40K, 60Co on the inner copper surface): events
  mis-reconstructed into the fiducial volume. Their reconstructed-energy spectrum is a detector
  effect, described by a smooth documented form: a falling exponential plus a flat fraction over
  the analysis window, normalised to the stated rate. 210Pb dominates below 30 keV (XMASS-I,
  Phys. Lett. B 789 (2019) 45) and its rate is set by the anchor of (4.2 +- 0.2)e-3
  events/(kg day keV) for the total at 5 keV.
- *xenon* components (dissolved isotopes) and the SM solar neutrinos: physics shapes in true
  energy (beta spectra with the relativistic Fermi function, 2nbb, lines; :mod:`xhf.physics.beta_spectra`, :mod:`xhf.physics.rates`)
  folded with the detector response.

All densities here are per (kg day keV) after cuts, in reconstructed energy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from xhf.physics.beta_spectra import beta_spectrum, double_beta_spectrum
from xhf.physics.constants import AVOGADRO, KEV_PER_MEV
from xhf.replica.settings import BackgroundComponent, ReplicaSettings

__all__ = ["surface_bin_fractions", "true_spectrum", "xe136_decays_per_kg_day"]


def __dir__() -> list[str]:
    return __all__


def surface_bin_fractions(
    edges_kev: NDArray, scale_kev: float, flat_fraction: float, window_kev: tuple[float, float]
) -> NDArray[np.float64]:
    """Fraction of a surface component's window rate in each bin (exact bin integrals).

    Density over the window [a, b]: (1 - f) exp(-(E - a)/s) / (s (1 - exp(-(b - a)/s))) + f/(b - a).
    """
    a, b = window_kev
    lo = np.clip(edges_kev[:-1], a, b)
    hi = np.clip(edges_kev[1:], a, b)
    exp_norm = 1.0 - math.exp(-(b - a) / scale_kev)
    exp_part = (np.exp(-(lo - a) / scale_kev) - np.exp(-(hi - a) / scale_kev)) / exp_norm
    return (1.0 - flat_fraction) * exp_part + flat_fraction * (hi - lo) / (b - a)


def xe136_decays_per_kg_day(settings: ReplicaSettings) -> float:
    """136Xe 2nbb decays per kg of natural xenon per day: N_136 ln2 / T_1/2."""
    atoms = AVOGADRO * 1000.0 / 131.293 * settings.xe136_abundance
    return atoms * math.log(2.0) / (settings.xe136_half_life_yr * 365.25)


def true_spectrum(component: BackgroundComponent) -> Callable[[NDArray], NDArray]:
    """Normalised true-energy density (per keV) of a continuous dissolved component."""
    kind = component.shape[0]
    if kind == "beta":
        _, q_kev, z, forbidden, a = component.shape
        return lambda t: (
            beta_spectrum(t / KEV_PER_MEV, q_kev / KEV_PER_MEV, z, forbidden, a) / KEV_PER_MEV
        )
    if kind == "double_beta":
        q_kev = component.shape[1]
        return lambda t: double_beta_spectrum(t / KEV_PER_MEV, q_kev / KEV_PER_MEV) / KEV_PER_MEV
    if kind == "beta_plus_gamma":
        # beta to an excited level whose gamma (or conversion cascade) is absorbed in the xenon:
        # the deposit is the beta energy plus the level energy (133Xe: 346.4 keV beta + 81 keV).
        _, q_kev, z, gamma_kev, a = component.shape
        return lambda t: (
            beta_spectrum((t - gamma_kev) / KEV_PER_MEV, q_kev / KEV_PER_MEV, z, "allowed", a)
            / KEV_PER_MEV
        )
    raise ValueError(f"component {component.name}: no continuous true spectrum for {kind!r}")
