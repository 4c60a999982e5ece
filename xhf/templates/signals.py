"""Signal-template conventions shared by every detector: references, the mass grid, flux systematics.

The replica of XMASS-I (the ``replica`` package) and the experiment cards (:mod:`xhf.combine`) build
their signal templates the same way, so that two experiments describe one hypothesis with one
POI scale and correlate the solar-flux nuisances by name (XMASS-I, Phys. Lett. B 809 (2020)
135741, Eqs. 2-3 and its list of signal systematics):

- :data:`PAPER_FLUXES`: the solar model the paper uses (SHP11-GS98);
- :data:`REFERENCE_VALUES`: the parameter value the templates are computed at, near the
  expected sensitivity (mu_nu in mu_B, delta in e); the dark photon has one per mass,
  :func:`reference_coupling`, on the grid :func:`dark_photon_masses_mev`;
- :func:`source_variations`: ``flux_<source>`` histosys for the sources of
  :data:`FLUX_SYSTEMATICS` (the part of the rate from that source moved by its flux
  uncertainty, so the variation is energy dependent).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import NDArray

from xhf.physics.fluxes import flux_model
from xhf.templates.templateset import Variation

__all__ = [
    "DARK_PHOTON_PER_DECADE",
    "FLUX_SYSTEMATICS",
    "PAPER_FLUXES",
    "REFERENCE_VALUES",
    "dark_photon_masses_mev",
    "reference_coupling",
    "source_variations",
]


def __dir__() -> list[str]:
    return __all__


#: Flux model of the XMASS-I paper: SHP11-GS98.
PAPER_FLUXES = "shp11-gs98"
#: Reference parameter value of the power-law signals (mu_nu in mu_B, delta in e).
REFERENCE_VALUES: dict[str, float] = {"magnetic-moment": 1e-10, "millicharge": 5e-12}
#: Dark-photon masses per decade of the default grid.
DARK_PHOTON_PER_DECADE = 7
#: Solar sources whose flux uncertainty the paper propagates to the signal.
FLUX_SYSTEMATICS: tuple[str, ...] = ("pp", "7Be")

Fold = Callable[[NDArray], NDArray]


def dark_photon_masses_mev(per_decade: int = DARK_PHOTON_PER_DECADE) -> tuple[float, ...]:
    """The dark-photon mass grid: log-spaced from 1e-3 to 1e3 MeV, ``per_decade`` per decade.

    Values are rounded to 3 significant digits so that names and JSON are stable.

    >>> dark_photon_masses_mev(1)
    (0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)
    """
    n = 6 * per_decade + 1
    return tuple(float(f"{m:.3g}") for m in np.geomspace(1e-3, 1e3, n))


def reference_coupling(mass_mev: float) -> float:
    """Reference B-L coupling per mass: 1e-6 sqrt(1 + (M / 0.1 MeV)^2), two significant digits.

    Near the expected sensitivity everywhere: for M^2 << 2 m_e T (T ~ 10 keV, M < 0.1 MeV) the
    rate does not depend on M; above, the contact limit makes the reach scale as g ~ M.

    >>> reference_coupling(1e-3), reference_coupling(10.0)
    (1e-06, 0.0001)
    """
    return float(f"{1e-6 * np.sqrt(1.0 + (mass_mev / 0.1) ** 2):.2g}")


def source_variations(
    fluxes: str, source_rates: Mapping[str, NDArray], fold: Fold, nominal: NDArray
) -> list[Variation]:
    """``flux_<source>`` histosys: nominal +- sigma_source x (folded rate of that source alone).

    Args:
        fluxes: the solar model whose flux uncertainties apply (e.g. :data:`PAPER_FLUXES`).
        source_rates: true-energy rate of each source of :data:`FLUX_SYSTEMATICS` alone.
        fold: true-energy rate -> expected counts per reconstructed bin (Eq. 3).
        nominal: the signal's nominal counts.
    """
    model = flux_model(fluxes)
    out = []
    for source in FLUX_SYSTEMATICS:
        shift = model[source].uncertainty * fold(source_rates[source])
        out.append(Variation(f"flux_{source}", nominal + shift, nominal - shift))
    return out
