"""Electron spectra of the radioactive backgrounds dissolved in xenon.

Shapes of the summed kinetic energy T deposited by beta decays, for the replica's background
model. All spectra are per MeV and normalised to unit integral over 0 < T < Q.

- Allowed and unique first-forbidden beta- decays: dN/dT ∝ p W (Q - T)^2 F(Z, W) C(T) with
  W = T + m_e, p = sqrt(W^2 - m_e^2), the Fermi function F and the shape factor
  C = 1 (allowed) or C = p^2 + q^2, q = Q - T (unique first forbidden; E. J. Konopinski,
  *The Theory of Beta Radioactivity*, Oxford 1966; used for 85Kr and 39Ar). With the daughter's
  mass number the relativistic point-charge Fermi function on the nuclear radius is used
  (:func:`relativistic_fermi_function`); without it the non-relativistic one
  (:func:`fermi_function`). For 214Pb (Z = 83) the two shapes differ by about 10 % over
  2-200 keV; for light daughters they agree to a few per cent.
- Two-neutrino double-beta decay, summed electron energy, Primakoff-Rosen approximation
  (H. Primakoff & S. P. Rosen, Rep. Prog. Phys. 22 (1959) 121), with K = T / m_e, K0 = Q / m_e:
  dN/dK ∝ K (K0 - K)^5 (1 + 2K + 4K^2/3 + K^3/3 + K^4/30).

>>> from scipy.integrate import trapezoid
>>> t = np.linspace(0.0, 0.1565, 2001)
>>> round(float(trapezoid(beta_spectrum(t, 0.1565, 7), t)), 3)   # 14C, normalised
1.0
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import loggamma

from xhf.exceptions import InvalidParameterError
from xhf.physics.constants import ALPHA, M_ELECTRON_MEV
from xhf.physics.quadrature import unit_gauss_legendre

#: Reduced electron Compton wavelength hbar / (m_e c) in fm (CODATA 2018), the natural unit of
#: the nuclear radius in the relativistic Fermi function.
_COMPTON_FM = 386.15926796
#: Nuclear radius R = r0 A^(1/3) with r0 = 1.2 fm (the usual uniform-sphere estimate).
_R0_FM = 1.2

__all__ = [
    "beta_spectrum",
    "double_beta_spectrum",
    "fermi_function",
    "relativistic_fermi_function",
]


def __dir__() -> list[str]:
    return __all__


def fermi_function(total_mev: ArrayLike, z: int, *, positron: bool = False) -> NDArray[np.float64]:
    """Non-relativistic Fermi function F(Z, W) = y / (1 - exp(-y)), y = ±2 pi Z alpha W / p.

    Bahcall, *Neutrino Astrophysics* (1989), ch. 6. ``z`` is the daughter's charge; the sign is
    + for electrons and - for positrons. Returns 0 at p = 0 for positrons, and the finite
    limit for electrons is handled by the caller's factor p.
    """
    w = np.asarray(total_mev, dtype=float)
    p = np.sqrt(np.clip(w**2 - M_ELECTRON_MEV**2, 0.0, None))
    safe_p = np.where(p > 0.0, p, 1.0)
    y = 2.0 * np.pi * z * ALPHA * w / safe_p
    if positron:
        y = np.clip(y, 0.0, 700.0)  # F = y / (exp(y) - 1) for the positron
        out = np.where(y > 0.0, y / np.expm1(np.where(y > 0.0, y, 1.0)), 1.0)
        return np.where(p > 0.0, out, 0.0)
    y = np.clip(y, 0.0, 700.0)
    return np.where(y > 0.0, y / -np.expm1(-np.where(y > 0.0, y, 1.0)), 1.0)


def relativistic_fermi_function(
    total_mev: ArrayLike, z: int, mass_number: int
) -> NDArray[np.float64]:
    """Relativistic Fermi function of a beta- electron, evaluated at the nuclear radius.

    F0(Z, W) = 2 (1 + g) (2 p R)^(2 g - 2) exp(pi y) |Gamma(g + i y)|^2 / Gamma(2 g + 1)^2,
    g = sqrt(1 - (alpha Z)^2), y = alpha Z W / p, with W and p in units of m_e and the radius
    R = 1.2 A^(1/3) fm in units of hbar / (m_e c): L. Hayen et al., Rev. Mod. Phys. 90 (2018)
    015008 (the point-charge solution of the Dirac equation, as in H. Behrens and
    W. Buehring, *Electron Radial Wave Functions and Nuclear Beta-decay*, Oxford 1982).
    ``z`` is the daughter's charge and ``mass_number`` its A. Tends to the non-relativistic
    :func:`fermi_function` for alpha Z -> 0.

    >>> w = np.array([0.52, 0.6, 1.0])        # total energies in MeV
    >>> bool(np.all(relativistic_fermi_function(w, 83, 214) > fermi_function(w, 83)))
    True
    """
    w = np.asarray(total_mev, dtype=float) / M_ELECTRON_MEV
    p = np.sqrt(np.clip(w**2 - 1.0, 0.0, None))
    safe_p = np.where(p > 0.0, p, 1.0)
    az = ALPHA * z
    g = np.sqrt(1.0 - az**2)
    y = az * w / safe_p
    radius = _R0_FM * mass_number ** (1.0 / 3.0) / _COMPTON_FM
    log_f = (
        np.log(2.0 * (1.0 + g))
        + (2.0 * g - 2.0) * np.log(2.0 * safe_p * radius)
        + np.pi * y
        + 2.0 * np.real(loggamma(g + 1j * y))
        - 2.0 * float(np.real(loggamma(2.0 * g + 1.0)))
    )
    return np.where(p > 0.0, np.exp(log_f), 0.0)


def _beta_shape(
    t: NDArray, q_mev: float, z: int, forbidden: str, mass_number: int | None = None
) -> NDArray:
    w = t + M_ELECTRON_MEV
    p = np.sqrt(np.clip(w**2 - M_ELECTRON_MEV**2, 0.0, None))
    q = np.clip(q_mev - t, 0.0, None)
    fermi = (
        fermi_function(w, z)
        if mass_number is None
        else relativistic_fermi_function(w, z, mass_number)
    )
    shape = p * w * q**2 * fermi
    if forbidden == "unique-first":
        shape = shape * (p**2 + q**2)
    elif forbidden != "allowed":
        raise InvalidParameterError(f"unknown forbiddenness {forbidden!r}")
    return np.where((t > 0.0) & (t < q_mev), shape, 0.0)


@cache
def _beta_norm(q_mev: float, z: int, forbidden: str, mass_number: int | None) -> float:
    u, wts = unit_gauss_legendre(400)
    return float(np.sum(q_mev * wts * _beta_shape(q_mev * u, q_mev, z, forbidden, mass_number)))


def beta_spectrum(
    t_mev: ArrayLike,
    q_mev: float,
    daughter_z: int,
    forbidden: str = "allowed",
    mass_number: int | None = None,
) -> NDArray[np.float64]:
    """Normalised beta- kinetic-energy spectrum dN/dT in 1/MeV (module docstring).

    Args:
        t_mev: electron kinetic energies in MeV.
        q_mev: end point in MeV.
        daughter_z: charge of the daughter nucleus.
        forbidden: ``"allowed"`` or ``"unique-first"``.
        mass_number: the daughter's A; given, the relativistic Fermi function is used
            (:func:`relativistic_fermi_function`), otherwise the non-relativistic one.
    """
    t = np.asarray(t_mev, dtype=float)
    shape = _beta_shape(t, q_mev, daughter_z, forbidden, mass_number)
    return shape / _beta_norm(q_mev, daughter_z, forbidden, mass_number)


def _primakoff_rosen(k: NDArray, k0: float) -> NDArray:
    poly = 1.0 + 2.0 * k + 4.0 * k**2 / 3.0 + k**3 / 3.0 + k**4 / 30.0
    return np.where((k > 0) & (k < k0), k * (k0 - k) ** 5 * poly, 0.0)


@cache
def _double_beta_norm(q_mev: float) -> float:
    k0 = q_mev / M_ELECTRON_MEV
    u, wts = unit_gauss_legendre(200)
    return float(np.sum(k0 * wts * _primakoff_rosen(k0 * u, k0))) * M_ELECTRON_MEV


def double_beta_spectrum(t_mev: ArrayLike, q_mev: float) -> NDArray[np.float64]:
    """Normalised summed-electron spectrum of 2nu double-beta decay in 1/MeV (Primakoff-Rosen)."""
    k = np.asarray(t_mev, dtype=float) / M_ELECTRON_MEV
    return _primakoff_rosen(k, q_mev / M_ELECTRON_MEV) / _double_beta_norm(q_mev)
