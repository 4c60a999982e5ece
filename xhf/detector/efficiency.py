"""Detection efficiency versus reconstructed energy: the efficiency factor of S in Eq. (3).

Eq. (3) of XMASS-I (K. Abe et al., Phys. Lett. B 809 (2020) 135741) folds the true spectrum
with S(T, E_rec) = efficiency x resolution. The efficiency here is the event-selection
efficiency as a function of *reconstructed* energy; the hard physics threshold on the *true*
energy (scintillation efficiency zero below 1 keV) is a property of the response,
``ResponseMatrix(threshold_kev=1.0)``.

Two forms, both callables returning values in [0, 1]:

- :class:`Efficiency`: a smooth turn-on times a plateau,
  ``eff(E) = plateau * Phi((E - threshold_kev) / width_kev)`` with Phi the standard normal
  cumulative distribution, i.e. ``plateau/2 * (1 + erf((E - E_thr) / (sqrt2 width)))``:
  half the plateau at ``threshold_kev``, 16 % -> 84 % of it between threshold -+ width. A zero
  width is a hard step. The defaults (plateau 1, threshold 4.0 keV, width 1.2 keV) are xhf's
  stand-in for the paper's cut efficiency: plateau 1 because the 97 kg fiducial mass carries
  the fiducial cut's acceptance, the threshold calibrated with the replica
  (:mod:`xhf.detector.defaults`).
- :class:`TabulatedEfficiency`: a table (energy_kev, efficiency), linear between rows and held
  at the first and last values outside the table.

>>> eff = Efficiency()
>>> round(float(eff(4.0)), 3), round(float(eff(20.0)), 3)
(0.5, 1.0)
>>> table = Efficiency.from_table([1.0, 2.0, 4.0], [0.0, 0.5, 0.9])
>>> [round(float(x), 3) for x in table([0.5, 1.5, 3.0, 10.0])]
[0.0, 0.25, 0.7, 0.9]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from xhf.detector._validate import check_scalar, check_table
from xhf.detector.defaults import (
    EFFICIENCY_PLATEAU,
    EFFICIENCY_THRESHOLD_KEV,
    EFFICIENCY_WIDTH_KEV,
)
from xhf.exceptions import InvalidParameterError

__all__ = ["Efficiency", "EfficiencyModel", "TabulatedEfficiency"]


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True)
class Efficiency:
    """plateau x Phi((E - threshold_kev) / width_kev): an erf turn-on in reconstructed energy.

    Attributes:
        plateau: efficiency well above the turn-on, in [0, 1].
        threshold_kev: reconstructed energy in keV of half the plateau (``-inf``: no turn-on).
        width_kev: Gaussian width of the turn-on in keV (>= 0; 0 is a hard step).
    """

    plateau: float = EFFICIENCY_PLATEAU
    threshold_kev: float = EFFICIENCY_THRESHOLD_KEV
    width_kev: float = EFFICIENCY_WIDTH_KEV

    def __post_init__(self) -> None:
        check_scalar("efficiency plateau", self.plateau, 0.0, 1.0)
        threshold = check_scalar(
            "efficiency threshold_kev", self.threshold_kev, allow_infinite=True
        )
        if threshold == math.inf:
            raise InvalidParameterError("efficiency threshold_kev must be finite or -inf")
        check_scalar("efficiency width_kev", self.width_kev, 0.0)

    @classmethod
    def constant(cls, value: float = 1.0) -> Efficiency:
        """The same efficiency at every energy (no turn-on)."""
        return cls(plateau=value, threshold_kev=-math.inf, width_kev=0.0)

    @classmethod
    def from_table(
        cls, energy_kev: ArrayLike, efficiency: ArrayLike, source: str = "efficiency table"
    ) -> TabulatedEfficiency:
        """A :class:`TabulatedEfficiency` from rows of (energy in keV, efficiency in [0, 1])."""
        return TabulatedEfficiency(energy_kev, efficiency, source)

    def __call__(self, energy_kev: ArrayLike) -> NDArray[np.float64]:
        """Efficiency at reconstructed energies in keV."""
        e = np.asarray(energy_kev, dtype=float)
        if self.width_kev == 0.0:
            return np.where(e >= self.threshold_kev, self.plateau, 0.0)
        return self.plateau * ndtr((e - self.threshold_kev) / self.width_kev)

    def describe(self) -> dict:
        """Plain description recorded with results."""
        finite = math.isfinite(self.threshold_kev)
        return {
            "kind": "erf turn-on x plateau" if finite else "constant",
            "plateau": float(self.plateau),
            "threshold_kev": float(self.threshold_kev) if finite else None,
            "width_kev": float(self.width_kev),
        }


@dataclass(frozen=True, init=False)
class TabulatedEfficiency:
    """Efficiency from a table (energy_kev, efficiency): linear between rows, flat outside.

    Energies must be >= 0 (published efficiencies often start at 0 keV) and increase strictly
    (at least two rows); efficiencies must lie in [0, 1]. Any violation (including NaN) raises :class:`~xhf.exceptions.InvalidInputError`
    naming the field and row, e.g. ``efficiency[3] = 1.2 (at energy_kev 5) is outside [0, 1]``.
    """

    energy_kev: tuple[float, ...]
    efficiency: tuple[float, ...]
    source: str

    def __init__(
        self, energy_kev: ArrayLike, efficiency: ArrayLike, source: str = "efficiency table"
    ) -> None:
        energy, value = check_table(
            source, energy_kev, efficiency, "efficiency", 0.0, 1.0, zero_energy=True
        )
        object.__setattr__(self, "energy_kev", energy)
        object.__setattr__(self, "efficiency", value)
        object.__setattr__(self, "source", source)

    def __call__(self, energy_kev: ArrayLike) -> NDArray[np.float64]:
        """Efficiency at reconstructed energies in keV."""
        return np.interp(np.asarray(energy_kev, dtype=float), self.energy_kev, self.efficiency)

    def describe(self) -> dict:
        """Plain description recorded with results."""
        return {
            "kind": "table",
            "source": self.source,
            "energy_kev": list(self.energy_kev),
            "efficiency": list(self.efficiency),
        }


#: Anything :class:`~xhf.detector.response.ResponseMatrix` accepts as an efficiency.
EfficiencyModel = Efficiency | TabulatedEfficiency
