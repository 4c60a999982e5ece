"""Exposure: live time times fiducial mass, the factor t x (target mass) of Eq. (2).

XMASS-I (K. Abe et al., Phys. Lett. B 809 (2020) 135741): 711 live days with 97 kg of xenon in
the fiducial volume, 68 967 kg day (0.189 tonne-year).

>>> Exposure().kg_day
68967.0
>>> round(Exposure.from_tonne_year(1.0).kg_day)
365250
"""

from __future__ import annotations

from dataclasses import dataclass

from xhf.detector._validate import check_scalar
from xhf.detector.defaults import DAYS_PER_YEAR, FIDUCIAL_MASS_KG, LIVE_DAYS

__all__ = ["Exposure"]


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True)
class Exposure:
    """Live time in days and fiducial mass in kg.

    Attributes:
        live_days: live time in days (default 711, the paper).
        mass_kg: fiducial mass in kg (default 97, the paper).
    """

    live_days: float = LIVE_DAYS
    mass_kg: float = FIDUCIAL_MASS_KG

    def __post_init__(self) -> None:
        check_scalar("exposure live_days", self.live_days, 0.0, lower_open=True)
        check_scalar("exposure mass_kg", self.mass_kg, 0.0, lower_open=True)

    @classmethod
    def from_tonne_year(cls, tonne_year: float, mass_kg: float = 1000.0) -> Exposure:
        """The exposure of ``tonne_year`` tonne-years (365.25-day years) with ``mass_kg``."""
        value = check_scalar("exposure tonne_year", tonne_year, 0.0, lower_open=True)
        mass = check_scalar("exposure mass_kg", mass_kg, 0.0, lower_open=True)
        return cls(live_days=value * 1000.0 * DAYS_PER_YEAR / mass, mass_kg=mass)

    @property
    def kg_day(self) -> float:
        """Exposure in kg day."""
        return float(self.live_days * self.mass_kg)

    @property
    def tonne_year(self) -> float:
        """Exposure in tonne-years (365.25-day years)."""
        return self.kg_day / (1000.0 * DAYS_PER_YEAR)

    def describe(self) -> dict:
        """Plain description recorded with results."""
        return {
            "live_days": float(self.live_days),
            "mass_kg": float(self.mass_kg),
            "kg_day": self.kg_day,
        }
