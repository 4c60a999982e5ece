"""Detector stage: true-energy rates -> expected counts per reconstructed-energy bin.

Eq. (3) of XMASS-I (K. Abe et al., Phys. Lett. B 809 (2020) 135741): the true spectrum from
:func:`xhf.physics.differential_rate` is smeared with a Gaussian resolution, weighted with the
efficiency in reconstructed energy, cut at the 1 keV scintillation threshold in true energy and
multiplied by the exposure. Build a :class:`ResponseMatrix` once per binning and fold every
model with it; :meth:`ResponseMatrix.with_energy_scale` gives the calibration variations.
Every numeric default lives in :mod:`xhf.detector.defaults`.
"""

from xhf.detector.efficiency import Efficiency, EfficiencyModel, TabulatedEfficiency
from xhf.detector.energy_scale import EnergyScale
from xhf.detector.exposure import Exposure
from xhf.detector.resolution import Resolution, ResolutionModel, TabulatedResolution
from xhf.detector.response import ResponseMatrix, default_true_edges, fold_response

__all__ = [
    "Efficiency",
    "EfficiencyModel",
    "EnergyScale",
    "Exposure",
    "Resolution",
    "ResolutionModel",
    "ResponseMatrix",
    "TabulatedEfficiency",
    "TabulatedResolution",
    "default_true_edges",
    "fold_response",
]


def __dir__() -> list[str]:
    return __all__
