"""Energy-scale (calibration) systematic: E_rec = s(T) T before the Gaussian smearing.

XMASS-I (K. Abe et al., Phys. Lett. B 809 (2020) 135741) quotes the energy-calibration
uncertainty as +-4 % at 1.65 keV and +7/-4 % at 1 keV. xhf describes it as a 1-sigma band
u_up(T), u_down(T) interpolated linearly in log T between anchors (:data:`~xhf.detector.
defaults.ENERGY_SCALE_ANCHORS`: the paper's two points, then down to +-1 % at the 122 keV 57Co
line and flat above, xhf's choice) and a shift n in units of that band::

    s(T) = 1 + n u_up(T)   (n >= 0),      s(T) = 1 + n u_down(T)   (n < 0).

``EnergyScale(shift=+1)`` and ``shift=-1`` are the up and down variations; ``shift=0`` is the
nominal scale. The smearing width is evaluated at the shifted mean s(T) T: with a Poisson-
dominated resolution the spread in reconstructed keV follows the number of photoelectrons.

>>> up = EnergyScale(shift=1.0)
>>> [round(float(x), 4) for x in up.factor([1.0, 1.65, 122.0])]
[1.07, 1.04, 1.01]
>>> [round(float(x), 4) for x in EnergyScale(shift=-1.0).factor([1.0, 1.65])]
[0.96, 0.96]
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.detector._validate import check_scalar, check_table
from xhf.detector.defaults import ENERGY_SCALE_ANCHORS
from xhf.exceptions import InvalidInputError, InvalidParameterError

__all__ = ["EnergyScale"]


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True)
class EnergyScale:
    """Scale factor s(T) on the reconstructed energy, shifted by ``shift`` sigma.

    Attributes:
        shift: the shift in units of the 1-sigma uncertainty (+1 up, -1 down, 0 nominal).
        anchors: rows (true energy keV, upward fraction, downward fraction), energies strictly
            increasing; interpolated linearly in log E, constant beyond the first and last rows.
    """

    shift: float = 0.0
    anchors: tuple[tuple[float, float, float], ...] = ENERGY_SCALE_ANCHORS

    def __post_init__(self) -> None:
        check_scalar("energy-scale shift", self.shift)
        try:
            rows = np.asarray(self.anchors, dtype=float).reshape(-1, 3)
        except (TypeError, ValueError):
            raise InvalidInputError(
                "energy-scale anchors: rows must be (energy_kev, up_fraction, down_fraction)"
            ) from None
        for column, name in ((1, "up_fraction"), (2, "down_fraction")):
            check_table("energy-scale anchors", rows[:, 0], rows[:, column], name, 0.0, 0.5)
        object.__setattr__(self, "anchors", tuple(tuple(float(x) for x in r) for r in rows))
        if self.shift < 0 and -self.shift * float(rows[:, 2].max()) >= 1.0:
            raise InvalidParameterError(
                f"energy-scale shift {self.shift:g} makes the scale factor non-positive"
            )

    def uncertainty(self, energy_kev: ArrayLike) -> tuple[NDArray, NDArray]:
        """The 1-sigma fractional (up, down) uncertainties at true energies in keV."""
        rows = np.asarray(self.anchors)
        log_e = np.log(np.clip(np.asarray(energy_kev, dtype=float), 1e-12, None))
        up = np.interp(log_e, np.log(rows[:, 0]), rows[:, 1])
        down = np.interp(log_e, np.log(rows[:, 0]), rows[:, 2])
        return up, down

    def factor(self, energy_kev: ArrayLike) -> NDArray[np.float64]:
        """s(T): reconstructed mean energy over true energy, at true energies in keV."""
        up, down = self.uncertainty(energy_kev)
        return 1.0 + self.shift * (up if self.shift >= 0 else down)

    def shifted(self, shift: float) -> EnergyScale:
        """The same band with another shift."""
        return replace(self, shift=shift)

    def describe(self) -> dict:
        """Plain description recorded with results."""
        return {
            "shift": float(self.shift),
            "anchors": [list(row) for row in self.anchors],
            "interpolation": "linear in log E, flat outside",
        }
