"""The resolution of an experiment card: sigma(E) = a sqrt(E) + b E, a *linear* sum.

Experiments quote their electron-recoil resolution in several forms. The card form is the one
the xenon TPCs publish for electron recoils, sigma(E)/E = a/sqrt(E) + b (XENON1T, E. Aprile et
al., Phys. Rev. D 102 (2020) 072004; XENONnT, Phys. Rev. Lett. 129 (2022) 161805, with
a = 0.310 sqrt(keV), b = 0.0037), i.e. sigma(E) = a sqrt(E) + b E, E in keV: the stochastic
and the linear term are **added linearly, not in quadrature** -- unlike the calorimeter form
sqrt(a^2 E + b^2 E^2) of :class:`xhf.detector.Resolution`. A card with a quadrature resolution
should tabulate it (``resolution: {table_file: ...}``, :class:`xhf.detector.TabulatedResolution`).

The width enters the Gaussian of Eq. (3) of XMASS-I (K. Abe et al., Phys. Lett. B 809 (2020)
135741) through :class:`xhf.detector.ResponseMatrix`, which accepts any callable with
``describe()``.

>>> res = LinearResolution(0.310, 0.0037)
>>> round(float(res(4.0)), 4)   # 0.310 * 2 + 0.0037 * 4
0.6348
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.detector._validate import check_scalar

__all__ = ["LinearResolution"]


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True)
class LinearResolution:
    """sigma(E) = a sqrt(E) + b E in keV, the two terms summed linearly (not in quadrature).

    Attributes:
        a: stochastic term in sqrt(keV), >= 0.
        b: linear term, dimensionless, >= 0.
    """

    a: float
    b: float = 0.0

    def __post_init__(self) -> None:
        check_scalar("resolution a", self.a, 0.0)
        check_scalar("resolution b", self.b, 0.0)

    def __call__(self, energy_kev: ArrayLike) -> NDArray[np.float64]:
        """sigma in keV at energies in keV (negative energies count as zero)."""
        e = np.clip(np.asarray(energy_kev, dtype=float), 0.0, None)
        return self.a * np.sqrt(e) + self.b * e

    def fraction(self, energy_kev: float) -> float:
        """sigma / E at one energy in keV."""
        return float(self(energy_kev)) / float(energy_kev)

    def describe(self) -> dict:
        """Plain description recorded with results."""
        return {"kind": "a sqrt(E) + b E (linear sum)", "a": float(self.a), "b": float(self.b)}
