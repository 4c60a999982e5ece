"""Physics stage: solar-neutrino fluxes, oscillations, cross sections and atomic effects.

The entry point is :func:`differential_rate`, dR/dT in events / (kg day keV) at true deposited
energy for every model xhf knows (SM, magnetic moment, millicharge, U(1)_{B-L} dark photon).
"""

from xhf.physics.oscillations import XMASS_FRACTIONS, FixedFractions, MSWOscillations
from xhf.physics.rates import (
    FLAVOR_CHOICES,
    MODEL_UNITS,
    MODELS,
    REFERENCE_PARAMETERS,
    RateInputs,
    differential_rate,
    flux_averages,
)
from xhf.physics.target import Target, load_target

__all__ = [
    "FLAVOR_CHOICES",
    "MODELS",
    "MODEL_UNITS",
    "REFERENCE_PARAMETERS",
    "XMASS_FRACTIONS",
    "FixedFractions",
    "MSWOscillations",
    "RateInputs",
    "Target",
    "differential_rate",
    "flux_averages",
    "load_target",
]


def __dir__() -> list[str]:
    return __all__
