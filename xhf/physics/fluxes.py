"""Solar-neutrino sources: total fluxes of three solar models and normalised spectral shapes.

Fluxes: Serenelli, Haxton & Pena-Garay, ApJ 743 (2011) 24 (SHP11-GS98, used by XMASS-I);
Vinyoles et al., ApJ 835 (2017) 202 (B16-GS98, B16-AGSS09met). The table and the provenance of
every number live in ``data/solar_neutrinos.json`` beside this module.

Continuous spectra use the allowed beta+ shape (J. N. Bahcall, *Neutrino Astrophysics*,
Cambridge 1989, ch. 6)::

    dN/dE  ~  E^2  W  p  F(Z, W),   W = Q + m_e - E,   p = sqrt(W^2 - m_e^2),

with the non-relativistic Fermi function of the positron in the field of the daughter
(charge Z), F = y / (exp(y) - 1), y = 2 pi Z alpha W / p.

>>> src = solar_sources()["pp"]
>>> round(src.endpoint_mev, 5)
0.42341
>>> model = flux_model("b16-gs98")
>>> model["7Be"].flux, model["7Be"].uncertainty
(4930000000.0, 0.06)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.exceptions import InvalidParameterError
from xhf.jsonread import parse_json
from xhf.physics.beta_spectra import fermi_function
from xhf.physics.constants import M_ELECTRON_MEV
from xhf.physics.quadrature import unit_gauss_legendre

__all__ = [
    "FLUX_MODELS",
    "SOURCE_NAMES",
    "Flux",
    "SolarSource",
    "allowed_beta_plus_shape",
    "flux_model",
    "solar_sources",
]


def __dir__() -> list[str]:
    return __all__


class Flux(NamedTuple):
    """Total flux of one source in cm^-2 s^-1 and its fractional 1-sigma uncertainty."""

    flux: float
    uncertainty: float


@dataclass(frozen=True)
class SolarSource:
    """One solar-neutrino source.

    Attributes:
        name: ``pp``, ``pep``, ``hep``, ``7Be``, ``8B``, ``13N``, ``15O`` or ``17F``.
        kind: ``"line"`` or ``"continuum"``.
        lines: for lines, ``((energy_mev, branching), ...)``; empty for continua.
        q_mev: for continua, the kinetic end point Q of the positron (MeV); the neutrino
            spectrum ends at E = Q.
        daughter_z: charge of the daughter nucleus (Fermi function).
        electron_density_na: electron density at production, in N_A cm^-3 (MSW effect).
    """

    name: str
    kind: str
    lines: tuple[tuple[float, float], ...] = ()
    q_mev: float = 0.0
    daughter_z: int = 0
    electron_density_na: float = 60.0

    @property
    def endpoint_mev(self) -> float:
        """Largest neutrino energy of the source in MeV."""
        if self.kind == "line":
            return max(energy for energy, _ in self.lines)
        return self.q_mev

    def spectrum(self, energy_mev: ArrayLike) -> NDArray[np.float64]:
        """Normalised continuum spectrum dN/dE in 1/MeV (integral 1 over 0 < E < Q)."""
        if self.kind != "continuum":
            raise InvalidParameterError(f"source {self.name}: a line has no continuous spectrum")
        return allowed_beta_plus_shape(energy_mev, self.q_mev, self.daughter_z) / _norm(
            self.q_mev, self.daughter_z
        )


def allowed_beta_plus_shape(energy_mev: ArrayLike, q_mev: float, daughter_z: int) -> NDArray:
    """Unnormalised allowed beta+ neutrino spectrum E^2 W p F(Z, W) (Bahcall 1989, ch. 6).

    Args:
        energy_mev: neutrino energies in MeV.
        q_mev: kinetic end point of the positron in MeV.
        daughter_z: charge of the daughter nucleus.

    Returns:
        The shape, zero outside 0 < E < Q.
    """
    energy = np.asarray(energy_mev, dtype=float)
    total = q_mev + M_ELECTRON_MEV - energy
    p = np.sqrt(np.clip(total**2 - M_ELECTRON_MEV**2, 0.0, None))
    inside = (energy > 0.0) & (energy < q_mev) & (p > 0.0)
    fermi = fermi_function(total, daughter_z, positron=True)
    return np.where(inside, energy**2 * total * p * fermi, 0.0)


@cache
def _norm(q_mev: float, daughter_z: int) -> float:
    """Integral of the unnormalised shape over 0 < E < Q (Gauss-Legendre in E = Q(1 - t^2))."""
    t, w = unit_gauss_legendre(400)
    energy = q_mev * (1.0 - t**2)
    return float(np.sum(w * 2.0 * q_mev * t * allowed_beta_plus_shape(energy, q_mev, daughter_z)))


@cache
def _table() -> dict:
    text = resources.files("xhf.physics").joinpath("data/solar_neutrinos.json").read_text()
    return parse_json(text, "xhf/physics/data/solar_neutrinos.json")


#: The flux models xhf knows, by the names the command line uses.
FLUX_MODELS: tuple[str, ...] = ("shp11-gs98", "b16-gs98", "b16-agss09met")
#: The sources, in the order of the flux table (docs/physics.md, section 3).
SOURCE_NAMES: tuple[str, ...] = ("pp", "pep", "hep", "7Be", "8B", "13N", "15O", "17F")


def solar_sources() -> dict[str, SolarSource]:
    """The eight solar-neutrino sources with their spectral data (see the module docstring)."""
    out = {}
    for name, entry in _table()["sources"].items():
        out[name] = SolarSource(
            name=name,
            kind=entry["kind"],
            lines=tuple((float(e), float(b)) for e, b in entry.get("lines", ())),
            q_mev=float(entry.get("q_mev", 0.0)),
            daughter_z=int(entry.get("daughter_z", 0)),
            electron_density_na=float(entry["electron_density_na"]),
        )
    return out


def flux_model(name: str) -> dict[str, Flux]:
    """Total fluxes of a solar model: ``{source: Flux(flux_cm2_s, fractional_uncertainty)}``.

    Args:
        name: one of :data:`FLUX_MODELS`.
    """
    models = _table()["flux_models"]
    if name not in models:
        raise InvalidParameterError(
            f"unknown flux model {name!r}; choose one of {', '.join(FLUX_MODELS)}"
        )
    return {src: Flux(float(v[0]), float(v[1])) for src, v in models[name].items()}
