"""Neutrino-electron scattering cross sections per free electron at rest.

T is the deposited (electron recoil) energy, E the neutrino energy, y = T/E, all in MeV;
cross sections are in cm^2/MeV and vanish above the kinematic end point
T_max = 2E^2 / (m_e + 2E).

Standard model (e.g. W. J. Marciano & Z. Parsa, J. Phys. G 29 (2003) 2629)::

    dsigma/dT = (2 G_F^2 m_e / pi) [g_L^2 + g_R^2 (1-y)^2 - g_L g_R m_e T / E^2]

with g_L = (g_V + g_A)/2, g_R = (g_V - g_A)/2 and the PDG effective couplings (nu_mu e:
g_V = -0.0397, g_A = -0.5064; nu_e adds 1 to both for the charged current).

Vector-like new physics shifts g_V by Delta(T) (g_L and g_R by Delta/2 each); the signal is the
excess over the SM, an interference term linear in Delta plus a pure term quadratic in it::

    excess = (2 G_F^2 m_e / pi) [Delta K1 + Delta^2 K2]
    K1 = g_L + g_R (1-y)^2 - (g_V / 2) m_e T / E^2,   K2 = [1 + (1-y)^2 - m_e T / E^2] / 4

- U(1)_{B-L} dark photon of mass M and coupling g: Delta = g^2 / (sqrt2 G_F (M^2 + 2 m_e T))
  (S. Bilmis et al., Phys. Rev. D 92 (2015) 033009; R. Harnik, J. Kopp, P. Machado,
  JCAP 07 (2012) 026).
- Millicharge delta (units of e): Delta = -sqrt2 pi alpha delta / (G_F m_e T); its pure term is
  (pi alpha^2 delta^2 / (m_e T^2)) [1 + (1-y)^2 - m_e T / E^2] (e.g. XMASS-I, Phys. Lett. B 809
  (2020) 135741, and references there).

Magnetic moment mu (Bohr magnetons), no interference (P. Vogel & J. Engel, Phys. Rev. D 39
(1989) 3378): dsigma/dT = (pi alpha^2 / m_e^2) mu^2 (1/T - 1/E).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.exceptions import InvalidParameterError
from xhf.physics.constants import (
    ALPHA,
    G_FERMI_MEV2,
    HBARC2_MEV2_CM2,
    M_ELECTRON_MEV,
    PI_ALPHA2_OVER_ME2_CM2,
    SIN2_THETA_W_TREE,
)

__all__ = [
    "SM_PREFACTOR_CM2_PER_MEV",
    "Couplings",
    "dark_photon_shift",
    "dsigma_dt_magnetic_moment",
    "dsigma_dt_sm",
    "dsigma_dt_vector_excess",
    "millicharge_shift",
    "minimum_neutrino_energy",
    "sm_couplings",
    "t_max",
    "vector_excess",
    "vector_kernels",
]


def __dir__() -> list[str]:
    return __all__


#: 2 G_F^2 m_e / pi in cm^2 / MeV.
SM_PREFACTOR_CM2_PER_MEV = 2.0 * G_FERMI_MEV2**2 * M_ELECTRON_MEV / math.pi * HBARC2_MEV2_CM2


class Couplings(NamedTuple):
    """Chiral couplings of a neutrino flavour to the electron."""

    g_l: float
    g_r: float

    @property
    def g_v(self) -> float:
        """Vector coupling g_V = g_L + g_R."""
        return self.g_l + self.g_r


def sm_couplings(flavor: str, scheme: str = "effective") -> Couplings:
    """SM couplings (g_L, g_R) of nu_<flavor> to electrons.

    Args:
        flavor: ``"e"``, ``"mu"`` or ``"tau"``.
        scheme: ``"effective"`` (PDG effective couplings with radiative corrections, default) or
            ``"tree"`` (g_V = -1/2 + 2 sin^2 theta_W, g_A = -1/2, sin^2 theta_W = 0.2387).

    >>> sm_couplings("e")
    Couplings(g_l=0.72695, g_r=0.23335)
    """
    if scheme == "effective":
        g_v, g_a = -0.0397, -0.5064
    elif scheme == "tree":
        g_v, g_a = -0.5 + 2.0 * SIN2_THETA_W_TREE, -0.5
    else:
        raise InvalidParameterError(f"unknown coupling scheme {scheme!r}; use effective or tree")
    if flavor == "e":
        g_v, g_a = g_v + 1.0, g_a + 1.0
    elif flavor not in ("mu", "tau"):
        raise InvalidParameterError(f"unknown flavour {flavor!r}; use e, mu or tau")
    return Couplings(round((g_v + g_a) / 2.0, 12), round((g_v - g_a) / 2.0, 12))


def t_max(energy_mev: ArrayLike) -> NDArray[np.float64]:
    """Kinematic end point T_max = 2E^2 / (m_e + 2E) in MeV for neutrino energy E (MeV)."""
    energy = np.asarray(energy_mev, dtype=float)
    return 2.0 * energy**2 / (M_ELECTRON_MEV + 2.0 * energy)


def minimum_neutrino_energy(t_mev: ArrayLike) -> NDArray[np.float64]:
    """Smallest neutrino energy that can deposit T: E_min = (T + sqrt(T^2 + 2 m_e T)) / 2."""
    t = np.asarray(t_mev, dtype=float)
    return 0.5 * (t + np.sqrt(t**2 + 2.0 * M_ELECTRON_MEV * t))


def _allowed(t: NDArray, energy: NDArray) -> NDArray:
    return (t > 0.0) & (t <= t_max(energy))


def dsigma_dt_sm(
    t_mev: ArrayLike, energy_mev: ArrayLike, flavor: str, scheme: str = "effective"
) -> NDArray[np.float64]:
    """SM differential cross section per free electron in cm^2/MeV (formula above).

    ``t_mev`` and ``energy_mev`` broadcast against each other.
    """
    k0, _, _ = vector_kernels(t_mev, energy_mev, flavor, scheme)
    return SM_PREFACTOR_CM2_PER_MEV * k0


class Kernels(NamedTuple):
    """Dimensionless kernels: SM = K0, interference = K1, pure = K2 (module docstring)."""

    k0: NDArray
    k1: NDArray
    k2: NDArray


def vector_kernels(
    t_mev: ArrayLike, energy_mev: ArrayLike, flavor: str, scheme: str = "effective"
) -> Kernels:
    """The SM, interference and pure kernels K0, K1, K2, zero outside the kinematic range.

    The full cross section with a shift Delta of g_V is
    ``SM_PREFACTOR_CM2_PER_MEV * (K0 + Delta K1 + Delta^2 K2)``.
    """
    t, energy = np.broadcast_arrays(
        np.asarray(t_mev, dtype=float), np.asarray(energy_mev, dtype=float)
    )
    g = sm_couplings(flavor, scheme)
    ok = _allowed(t, energy)
    safe_e = np.where(ok, energy, 1.0)
    one_minus_y2 = (1.0 - t / safe_e) ** 2
    recoil = M_ELECTRON_MEV * t / safe_e**2
    k0 = g.g_l**2 + g.g_r**2 * one_minus_y2 - g.g_l * g.g_r * recoil
    k1 = g.g_l + g.g_r * one_minus_y2 - 0.5 * g.g_v * recoil
    k2 = 0.25 * (1.0 + one_minus_y2 - recoil)
    zero = np.zeros_like(t)
    return Kernels(np.where(ok, k0, zero), np.where(ok, k1, zero), np.where(ok, k2, zero))


def dark_photon_shift(t_mev: ArrayLike, coupling: ArrayLike, mass_mev: ArrayLike) -> NDArray:
    """Shift of g_V by a U(1)_{B-L} dark photon: g^2 / (sqrt2 G_F (M^2 + 2 m_e T)).

    Bilmis et al., Phys. Rev. D 92 (2015) 033009. Arguments broadcast; T and M in MeV.
    """
    t = np.asarray(t_mev, dtype=float)
    g = np.asarray(coupling, dtype=float)
    m = np.asarray(mass_mev, dtype=float)
    return g**2 / (math.sqrt(2.0) * G_FERMI_MEV2 * (m**2 + 2.0 * M_ELECTRON_MEV * t))


def millicharge_shift(t_mev: ArrayLike, charge: ArrayLike) -> NDArray:
    """Shift of g_V by a neutrino millicharge delta (units of e): -sqrt2 pi alpha delta/(G_F m_e T).

    The photon propagator 1/q^2 with q^2 = -2 m_e T (e.g. XMASS-I, PLB 809 (2020) 135741).
    """
    t = np.asarray(t_mev, dtype=float)
    delta = np.asarray(charge, dtype=float)
    return -math.sqrt(2.0) * math.pi * ALPHA * delta / (G_FERMI_MEV2 * M_ELECTRON_MEV * t)


def dsigma_dt_vector_excess(
    t_mev: ArrayLike,
    energy_mev: ArrayLike,
    flavor: str,
    shift: ArrayLike,
    *,
    part: str = "both",
    scheme: str = "effective",
) -> NDArray[np.float64]:
    """Excess over the SM for a shift Delta of g_V, in cm^2/MeV per free electron.

    Args:
        part: ``"both"`` (interference + pure, the exact excess), ``"interference"`` or ``"pure"``.
    """
    k = vector_kernels(t_mev, energy_mev, flavor, scheme)
    return vector_excess(shift, k.k1, k.k2, part)


def vector_excess(shift: ArrayLike, k1: ArrayLike, k2: ArrayLike, part: str = "both") -> NDArray:
    """``(2 G_F^2 m_e / pi) [Delta K1 + Delta^2 K2]`` (module docstring), or one of its terms.

    The kernels may be per (T, E) or already integrated over a neutrino spectrum.

    Args:
        part: ``"both"`` (the exact excess), ``"interference"`` or ``"pure"``.
    """
    delta = np.asarray(shift, dtype=float)
    if part == "both":
        value = delta * k1 + delta**2 * k2
    elif part == "interference":
        value = delta * k1
    elif part == "pure":
        value = delta**2 * k2
    else:
        raise InvalidParameterError(f"unknown part {part!r}; use both, interference or pure")
    return SM_PREFACTOR_CM2_PER_MEV * value


def dsigma_dt_magnetic_moment(
    t_mev: ArrayLike, energy_mev: ArrayLike, mu_bohr: float = 1.0
) -> NDArray[np.float64]:
    """Magnetic-moment cross section (pi alpha^2/m_e^2) mu^2 (1/T - 1/E) in cm^2/MeV.

    Vogel & Engel, Phys. Rev. D 39 (1989) 3378; mu in Bohr magnetons.
    """
    t, energy = np.broadcast_arrays(
        np.asarray(t_mev, dtype=float), np.asarray(energy_mev, dtype=float)
    )
    ok = _allowed(t, energy)
    value = 1.0 / np.where(ok, t, 1.0) - 1.0 / np.where(ok, energy, 1.0)
    return np.where(ok, PI_ALPHA2_OVER_ME2_CM2 * mu_bohr**2 * value, 0.0)
