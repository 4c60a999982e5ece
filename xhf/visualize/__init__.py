"""Figures in the HEP style (matplotlib + mplhep), written atomically as PNG and PDF."""

from xhf.visualize.results import plot_exclusion_curve, plot_fit, plot_flavor_limits
from xhf.visualize.signals import plot_signal_spectra
from xhf.visualize.style import save_figure
from xhf.visualize.templates import plot_background_model

__all__ = [
    "plot_background_model",
    "plot_exclusion_curve",
    "plot_fit",
    "plot_flavor_limits",
    "plot_signal_spectra",
    "save_figure",
]


def __dir__() -> list[str]:
    return __all__
