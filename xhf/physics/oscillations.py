"""Solar-neutrino flavour composition at Earth: adiabatic MSW-LMA survival probability.

The two-flavour adiabatic MSW formula with theta13 corrections (e.g. Particle Data Group,
"Neutrino mixing" review; S. P. Mikheyev & A. Yu. Smirnov, Sov. J. Nucl. Phys. 42 (1985) 913;
L. Wolfenstein, Phys. Rev. D 17 (1978) 2369)::

    P_ee = cos^4(t13) [1/2 + 1/2 cos(2 t12) cos(2 t12m)] + sin^4(t13)
    cos(2 t12m) = (cos 2t12 - b) / sqrt((cos 2t12 - b)^2 + sin^2 2t12)
    b = 2 sqrt2 G_F n_e E cos^2(t13) / dm21^2

Mixing parameters: NuFIT 6.0 (I. Esteban et al., JHEP 12 (2024) 216). The non-electron part
1 - P_ee is split between nu_mu and nu_tau as cos^2(t23) : sin^2(t23) (equal by default).
XMASS-I used fixed fractions 54 % / 23 % / 23 % (:data:`XMASS_FRACTIONS`).

>>> round(float(survival_probability(0.3, 60.0)), 3)
0.544
>>> round(float(survival_probability(0.8618, 60.0)), 3)
0.533
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.exceptions import InvalidParameterError
from xhf.physics.constants import AVOGADRO, G_FERMI_MEV2, HBARC2_MEV2_CM2

__all__ = [
    "FLAVORS",
    "XMASS_FRACTIONS",
    "FixedFractions",
    "MSWOscillations",
    "survival_probability",
]


def __dir__() -> list[str]:
    return __all__


#: Flavour labels in the order xhf uses everywhere.
FLAVORS: tuple[str, ...] = ("e", "mu", "tau")


def survival_probability(
    energy_mev: ArrayLike,
    electron_density_na: float,
    *,
    sin2_theta12: float = 0.307,
    sin2_theta13: float = 0.02195,
    dm21_ev2: float = 7.49e-5,
) -> NDArray[np.float64]:
    """Adiabatic MSW-LMA electron-neutrino survival probability P_ee(E) (formula above).

    Args:
        energy_mev: neutrino energy in MeV.
        electron_density_na: electron density at production in units of N_A cm^-3.
        sin2_theta12, sin2_theta13, dm21_ev2: mixing parameters (NuFIT 6.0 defaults).
    """
    energy_ev = np.asarray(energy_mev, dtype=float) * 1e6
    c13sq = 1.0 - sin2_theta13
    cos2t12 = 1.0 - 2.0 * sin2_theta12
    sin2_2t12 = 4.0 * sin2_theta12 * (1.0 - sin2_theta12)
    # sqrt2 G_F n_e in eV: G_F (hbar c)^3 N_A n, converted from MeV to eV.
    hbarc_mev_cm = math.sqrt(HBARC2_MEV2_CM2)
    potential_ev = (
        math.sqrt(2.0) * G_FERMI_MEV2 * hbarc_mev_cm**3 * AVOGADRO * electron_density_na * 1e6
    )
    b = 2.0 * potential_ev * energy_ev * c13sq / dm21_ev2
    cos2t12m = (cos2t12 - b) / np.sqrt((cos2t12 - b) ** 2 + sin2_2t12)
    return c13sq**2 * (0.5 + 0.5 * cos2t12 * cos2t12m) + sin2_theta13**2


@dataclass(frozen=True)
class MSWOscillations:
    """Energy-dependent flavour fractions from :func:`survival_probability`.

    Attributes:
        sin2_theta12, sin2_theta13, dm21_ev2: mixing parameters (NuFIT 6.0).
        sin2_theta23: splits 1 - P_ee into nu_mu (cos^2) and nu_tau (sin^2); 0.5 = equal.
    """

    sin2_theta12: float = 0.307
    sin2_theta13: float = 0.02195
    dm21_ev2: float = 7.49e-5
    sin2_theta23: float = 0.5

    def fractions(self, energy_mev: ArrayLike, electron_density_na: float) -> dict[str, NDArray]:
        """Flavour fractions ``{"e", "mu", "tau"}`` at Earth for neutrinos of energy E."""
        pee = survival_probability(
            energy_mev,
            electron_density_na,
            sin2_theta12=self.sin2_theta12,
            sin2_theta13=self.sin2_theta13,
            dm21_ev2=self.dm21_ev2,
        )
        return {
            "e": pee,
            "mu": (1.0 - pee) * (1.0 - self.sin2_theta23),
            "tau": (1.0 - pee) * self.sin2_theta23,
        }

    def describe(self) -> dict:
        """Plain description recorded with results."""
        return {
            "kind": "msw-lma",
            "sin2_theta12": self.sin2_theta12,
            "sin2_theta13": self.sin2_theta13,
            "dm21_ev2": self.dm21_ev2,
            "sin2_theta23": self.sin2_theta23,
        }


@dataclass(frozen=True)
class FixedFractions:
    """Energy-independent flavour fractions, as XMASS-I used (54 +- 2 %, 23 +- 1 %, 23 +- 1 %)."""

    e: float = 0.54
    mu: float = 0.23
    tau: float = 0.23

    def __post_init__(self) -> None:
        values = (self.e, self.mu, self.tau)
        if any(not 0.0 <= v <= 1.0 for v in values) or abs(sum(values) - 1.0) > 1e-6:
            raise InvalidParameterError(
                f"flavour fractions must lie in [0, 1] and add up to 1, got {values}"
            )

    def fractions(self, energy_mev: ArrayLike, electron_density_na: float) -> dict[str, NDArray]:
        """Flavour fractions at Earth (the same for every energy and source)."""
        shape = np.shape(energy_mev)
        return {f: np.full(shape, getattr(self, f)) for f in FLAVORS}

    def describe(self) -> dict:
        """Plain description recorded with results."""
        return {"kind": "fixed", "e": self.e, "mu": self.mu, "tau": self.tau}


#: The fractions used by XMASS-I (Phys. Lett. B 809 (2020) 135741).
XMASS_FRACTIONS = FixedFractions()
