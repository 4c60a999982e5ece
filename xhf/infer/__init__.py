"""Inference stage: limits in physical units from xhf workspaces.

XMASS-I (Phys. Lett. B 809 (2020) 135741) as pyhf likelihoods, three methods side by side:

- pyhf's CLs with the q-tilde test statistic (:func:`limit`, method ``cls``): asymptotic
  formulae by default (expected +-1/2 sigma band in one go), toys on request, limits found by
  root finding on CLs with warm-started closed-form fits (:mod:`xhf.infer.compiled`);
- the one-sided profile-likelihood limit of the xenon TPCs (method ``pl``, :mod:`xhf.infer.pl`;
  Baxter et al., Eur. Phys. J. C 81 (2021) 907), optionally power-constrained (Cowan et al.,
  arXiv:1105.3166), with the same fits as CLs;
- the paper's chi2 (Eq. 4, Neyman form, Gaussian pulls of Eq. 7), profiled, with a flat prior
  on the signal strength and the 90 % posterior quantile (method ``chi2``);
- the profile-likelihood interval (:func:`profile_interval`) and, with every limit, the local
  significance Z = sqrt(q0) and the interval at the limit's level (:func:`profile_summary`);
- the dark photon's coupling with its two parts tied (:func:`exclusion_curve`), cross-checked on
  the (mass, coupling) grid patchset (:func:`grid_limit`).

docs/inference.md describes the methods and how far apart they may be.
"""

from xhf.infer.chi2 import NeymanChi2, chi2_upper_limit, flat_prior_upper_limit, gaussian_band
from xhf.infer.cls import AsymptoticCLs, POILimit, upper_limit
from xhf.infer.dark_photon import FailedPoint, PatchedModels, exclusion_curve, grid_limit
from xhf.infer.exceptions import FitNotConvergedError, LimitAtBoundError, UnsupportedModelError
from xhf.infer.fitter import FitOptions, FitResult, Fitter, POIMap
from xhf.infer.interval import Interval, profile_interval
from xhf.infer.limits import LimitResult, limit, to_physical
from xhf.infer.loading import Analysis, build_analysis, likelihood_analysis, load_analysis
from xhf.infer.physical import SignalInfo, flavor_limits
from xhf.infer.pl import ProfileSummary, pl_upper_limit, profile_summary
from xhf.infer.toys import toy_upper_limit

__all__ = [
    "Analysis",
    "AsymptoticCLs",
    "FailedPoint",
    "FitNotConvergedError",
    "FitOptions",
    "FitResult",
    "Fitter",
    "Interval",
    "LimitAtBoundError",
    "LimitResult",
    "NeymanChi2",
    "POILimit",
    "POIMap",
    "PatchedModels",
    "ProfileSummary",
    "SignalInfo",
    "UnsupportedModelError",
    "build_analysis",
    "chi2_upper_limit",
    "exclusion_curve",
    "flat_prior_upper_limit",
    "flavor_limits",
    "gaussian_band",
    "grid_limit",
    "likelihood_analysis",
    "limit",
    "load_analysis",
    "pl_upper_limit",
    "profile_interval",
    "profile_summary",
    "to_physical",
    "toy_upper_limit",
    "upper_limit",
]


def __dir__() -> list[str]:
    return __all__
