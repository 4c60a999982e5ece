"""xhf: solar-neutrino electron-recoil searches in liquid xenon as reusable pyhf likelihoods.

The package follows the analysis pipeline (see ``docs/`` and the README)::

    physics   -> true-energy rates dR/dT per model
    detector  -> reconstructed-energy spectra
    templates -> a TemplateSet: data, backgrounds, signals, systematics
    workspace -> pyhf workspaces and patchsets
    infer     -> limits in physical units
    publish   -> HEPData submission
    combine   -> joint fits with other experiments

The notebook API (:mod:`xhf.api`)::

    import xhf
    rate = xhf.spectrum(energy_kev, model="magnetic-moment", mu_nu=1e-11)
    lh = xhf.build("my_config.yml")                 # or xhf.load("ws.json")
    result = xhf.limit(lh, method="cls", cl=0.9)
    print(result)                                   # the same text as `xhf limit`

Its names are imported on first use, so that ``import xhf`` (and ``xhf --help``) stays light.
The seed analysis is XMASS-I, K. Abe et al., Phys. Lett. B 809 (2020) 135741.
"""

from typing import Any

from xhf.exceptions import XhfError

__version__ = "0.1.0"

__all__ = [
    "Likelihood",
    "LimitResult",
    "XhfError",
    "__version__",
    "build",
    "limit",
    "load",
    "spectrum",
]

#: Where each lazily imported public name lives.
_LAZY = {
    "Likelihood": "xhf.workspace.likelihood",
    "LimitResult": "xhf.infer.limits",
    "build": "xhf.api",
    "limit": "xhf.api",
    "load": "xhf.api",
    "spectrum": "xhf.api",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'xhf' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
