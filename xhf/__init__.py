"""xhf: solar-neutrino electron-recoil searches in liquid xenon as reusable pyhf likelihoods.

The package follows the analysis pipeline (see ``docs/`` and the README)::

    physics   -> true-energy rates dR/dT per model
    detector  -> reconstructed-energy spectra
    templates -> a TemplateSet: data, backgrounds, signals, systematics
    workspace -> pyhf workspaces and patchsets
    infer     -> limits in physical units
    publish   -> HEPData submission
    combine   -> joint fits with other experiments

The seed analysis is XMASS-I, K. Abe et al., Phys. Lett. B 809 (2020) 135741.
"""

from xhf.exceptions import XhfError

__version__ = "0.1.0"

__all__ = ["XhfError", "__version__"]


def __dir__() -> list[str]:
    return __all__
