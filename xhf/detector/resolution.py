"""Energy resolution: the width sigma(E) in keV of the Gaussian in Eq. (3) of XMASS-I.

Eq. (3) of K. Abe et al., Phys. Lett. B 809 (2020) 135741 smears the true spectrum with a
Gaussian of width sigma(E). Two forms:

- :class:`Resolution`, the calorimeter form with a stochastic (photoelectron-statistics) term a
  and a constant term b (light-collection non-uniformity) added in quadrature, as independent
  fluctuations add::

      sigma(E) = sqrt(a^2 E + b^2 E^2),   E in keV, a in sqrt(keV), b dimensionless.

  The default (b = 0) gives sigma/E = 4.0 % at 122 keV, the 57Co calibration of XMASS
  (K. Abe et al., Nucl. Instrum. Meth. A 716 (2013) 78): sigma(5 keV) = 0.99 keV.
- :class:`TabulatedResolution`, a table (energy_kev, sigma_kev) for other detectors,
  interpolated linearly in log E - log sigma (a power law between rows) and extended with the
  photoelectron-statistics law sigma ~ sqrt(E) beyond the first and last rows.

Both are callables: ``resolution(energy_kev)`` returns sigma in keV.

>>> res = Resolution()
>>> round(float(res(122.0)) / 122.0, 4)
0.04
>>> Resolution.from_fraction(0.02, 100.0, constant=0.01).fraction(100.0)
0.02
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.detector._validate import check_scalar, check_table
from xhf.detector.defaults import (
    RESOLUTION_FRACTION,
    RESOLUTION_REFERENCE_KEV,
    RESOLUTION_STOCHASTIC_SQRT_KEV,
)
from xhf.exceptions import InvalidParameterError

__all__ = ["Resolution", "ResolutionModel", "TabulatedResolution"]


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True)
class Resolution:
    """sigma(E) = sqrt(a^2 E + b^2 E^2) in keV (stochastic and constant terms in quadrature).

    Attributes:
        stochastic: a in sqrt(keV); default 0.4418, i.e. 4.0 % at 122 keV (57Co, NIM A 716
            (2013) 78).
        constant: b, dimensionless; the fractional width that does not shrink with energy.
    """

    stochastic: float = RESOLUTION_STOCHASTIC_SQRT_KEV
    constant: float = 0.0

    def __post_init__(self) -> None:
        check_scalar("resolution stochastic term", self.stochastic, 0.0)
        check_scalar("resolution constant term", self.constant, 0.0)
        if self.stochastic == 0.0 and self.constant == 0.0:
            raise InvalidParameterError("resolution: stochastic and constant terms are both zero")

    @classmethod
    def from_fraction(
        cls,
        fraction: float = RESOLUTION_FRACTION,
        energy_kev: float = RESOLUTION_REFERENCE_KEV,
        constant: float = 0.0,
    ) -> Resolution:
        """The resolution with sigma/E = ``fraction`` at ``energy_kev`` and constant term b.

        Solves fraction^2 E^2 = a^2 E + b^2 E^2 for a; needs b <= fraction.
        """
        f = check_scalar("resolution fraction", fraction, 0.0, lower_open=True)
        e = check_scalar("resolution reference energy_kev", energy_kev, 0.0, lower_open=True)
        b = check_scalar("resolution constant term", constant, 0.0)
        if b > f:
            raise InvalidParameterError(
                f"resolution constant term {b:g} exceeds the fraction {f:g} at {e:g} keV"
            )
        return cls(stochastic=math.sqrt(e * (f * f - b * b)), constant=b)

    @classmethod
    def from_table(
        cls, energy_kev: ArrayLike, sigma_kev: ArrayLike, source: str = "resolution table"
    ) -> TabulatedResolution:
        """A :class:`TabulatedResolution` from rows of (energy in keV, sigma in keV)."""
        return TabulatedResolution(energy_kev, sigma_kev, source)

    def __call__(self, energy_kev: ArrayLike) -> NDArray[np.float64]:
        """sigma in keV at energies in keV (negative energies count as zero)."""
        e = np.clip(np.asarray(energy_kev, dtype=float), 0.0, None)
        return np.sqrt(self.stochastic**2 * e + (self.constant * e) ** 2)

    def fraction(self, energy_kev: float) -> float:
        """sigma / E at one energy in keV."""
        return float(self(energy_kev)) / float(energy_kev)

    def describe(self) -> dict:
        """Plain description recorded with results."""
        return {
            "kind": "stochastic+constant in quadrature",
            "stochastic_sqrt_kev": float(self.stochastic),
            "constant": float(self.constant),
            "fraction_at_122_kev": self.fraction(122.0),
        }


@dataclass(frozen=True, init=False)
class TabulatedResolution:
    """sigma(E) from a table of (energy_kev, sigma_kev), power law between rows.

    Energies must be positive and increase strictly (at least two rows), sigmas positive and
    finite; otherwise :class:`~xhf.exceptions.InvalidInputError` names the row. Outside the table
    sigma follows sqrt(E) from the nearest row.
    """

    energy_kev: tuple[float, ...]
    sigma_kev: tuple[float, ...]
    source: str

    def __init__(
        self, energy_kev: ArrayLike, sigma_kev: ArrayLike, source: str = "resolution table"
    ) -> None:
        energy, sigma = check_table(
            source, energy_kev, sigma_kev, "sigma_kev", 0.0, lower_open=True
        )
        object.__setattr__(self, "energy_kev", energy)
        object.__setattr__(self, "sigma_kev", sigma)
        object.__setattr__(self, "source", source)

    def __call__(self, energy_kev: ArrayLike) -> NDArray[np.float64]:
        """sigma in keV at energies in keV (non-positive energies give zero)."""
        e = np.asarray(energy_kev, dtype=float)
        table_e, table_s = np.asarray(self.energy_kev), np.asarray(self.sigma_kev)
        safe = np.clip(e, table_e[0] * 1e-12, None)
        inside = np.exp(np.interp(np.log(safe), np.log(table_e), np.log(table_s)))
        below = table_s[0] * np.sqrt(safe / table_e[0])
        above = table_s[-1] * np.sqrt(safe / table_e[-1])
        sigma = np.where(e < table_e[0], below, np.where(e > table_e[-1], above, inside))
        return np.where(e > 0, sigma, 0.0)

    def fraction(self, energy_kev: float) -> float:
        """sigma / E at one energy in keV."""
        return float(self(energy_kev)) / float(energy_kev)

    def describe(self) -> dict:
        """Plain description recorded with results."""
        return {
            "kind": "table",
            "source": self.source,
            "energy_kev": list(self.energy_kev),
            "sigma_kev": list(self.sigma_kev),
        }


#: Anything :class:`~xhf.detector.response.ResponseMatrix` accepts as a resolution.
ResolutionModel = Resolution | TabulatedResolution
