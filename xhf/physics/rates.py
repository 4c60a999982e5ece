"""Differential event rates dR/dT of solar neutrinos scattering on a target, per kg day keV.

Eq. (2) of XMASS-I (K. Abe et al., Phys. Lett. B 809 (2020) 135741)::

    dR/dT = N_atoms sum_sources int dE Phi(E) sum_f P_f(E) [dsigma_f/dT](T, E) x (atomic factor)

The flux integrals are done once per energy grid (Gauss-Legendre in E = E_max - (E_max -
E_min(T)) t^2, which is smooth at the beta end point) for the three kernels of a vector-like
shift of g_V (SM, interference, pure; :mod:`xhf.physics.cross_sections`), the magnetic-moment
kernel and the EPA log kernel. Every model is then an algebraic combination, so a grid of
dark-photon masses costs one multiplication per mass.

>>> r = differential_rate([1.0, 5.0, 30.0], "sm")
>>> [f"{x:.2e}" for x in r]
['6.68e-06', '7.90e-06', '7.75e-06']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.exceptions import InvalidParameterError
from xhf.physics.atomic import (
    AtomicModel,
    AtomicResponseTable,
    EquivalentPhotonApproximation,
    FreeElectronApproximation,
    resolve_atomic_model,
)
from xhf.physics.constants import ALPHA, DAY_S, KEV_PER_MEV, PI_ALPHA2_OVER_ME2_CM2
from xhf.physics.cross_sections import (
    SM_PREFACTOR_CM2_PER_MEV,
    dark_photon_shift,
    millicharge_shift,
    minimum_neutrino_energy,
    vector_excess,
    vector_kernels,
)
from xhf.physics.fluxes import FLUX_MODELS, SolarSource, flux_model, solar_sources
from xhf.physics.oscillations import FLAVORS, FixedFractions, MSWOscillations
from xhf.physics.quadrature import unit_gauss_legendre
from xhf.physics.target import Target, load_target

__all__ = [
    "FLAVOR_CHOICES",
    "MODELS",
    "MODEL_UNITS",
    "REFERENCE_PARAMETERS",
    "FluxAverages",
    "RateInputs",
    "differential_rate",
    "flux_averages",
]


def __dir__() -> list[str]:
    return __all__


#: Models by their command-line names.
MODELS: tuple[str, ...] = ("sm", "magnetic-moment", "millicharge", "dark-photon")
#: The unit of each new-physics model's parameter: the magnetic moment mu_nu in Bohr magnetons,
#: the millicharge delta in units of the elementary charge, the B-L coupling g_BL (a pure
#: number, named by its symbol). A limit is printed and published in this unit.
MODEL_UNITS: dict[str, str] = {"magnetic-moment": "mu_B", "millicharge": "e", "dark-photon": "g_BL"}
#: Flavour selections: all flavours, or only one carries the interaction.
FLAVOR_CHOICES: tuple[str, ...] = ("all", "e", "mu", "tau")
#: Default parameter values (the reference rates, docs/physics.md, section 7).
REFERENCE_PARAMETERS = {"mu_nu": 1e-11, "charge": 1e-12, "coupling": 1e-6, "mass_mev": 1e-3}
#: Gauss-Legendre nodes per continuum integral; 64 agree with 512 to better than 1e-5.
QUADRATURE_NODES = 64

Oscillations = MSWOscillations | FixedFractions


class FluxAverages(NamedTuple):
    """Flux- and flavour-weighted kernels per recoil energy (arrays over T).

    ``sm``, ``interference``, ``pure``: sum_s int dE Phi P_f K_{0,1,2} in cm^-2 s^-1;
    ``magnetic``: sum_s int dE Phi P_f (1/T - 1/E) in cm^-2 s^-1 MeV^-1;
    ``epa_log``: sum_s int_{E > T} dE Phi P_f ln(E / m_nu) in cm^-2 s^-1.
    """

    sm: NDArray
    interference: NDArray
    pure: NDArray
    magnetic: NDArray
    epa_log: NDArray


@dataclass(frozen=True)
class RateInputs:
    """Everything besides the model parameters that a rate depends on."""

    fluxes: str = "b16-gs98"
    oscillations: Oscillations = field(default_factory=MSWOscillations)
    scheme: str = "effective"
    sources: tuple[str, ...] | None = None
    neutrino_mass_ev: float = 0.01

    def describe(self) -> dict:
        """Plain description recorded with results."""
        return {
            "fluxes": self.fluxes,
            "oscillations": self.oscillations.describe(),
            "couplings": self.scheme,
            "sources": list(self.sources or solar_sources()),
        }


def _source_points(source: SolarSource, flux: float, e_low: NDArray) -> tuple[NDArray, NDArray]:
    """Neutrino energies (n_T, n) and weights Phi(E) dE for E from e_low(T) to the end point."""
    if source.kind == "line":
        energy = np.array([[e for e, _ in source.lines]] * len(e_low))
        weight = np.array([[flux * b for _, b in source.lines]] * len(e_low))
        return energy, np.where(energy > e_low[:, None], weight, 0.0)
    t, w = unit_gauss_legendre(QUADRATURE_NODES)
    span = np.clip(source.q_mev - e_low, 0.0, None)[:, None]
    energy = source.q_mev - span * t**2
    weight = flux * source.spectrum(energy) * 2.0 * span * t * w
    return energy, weight


def flux_averages(
    energy_kev: ArrayLike, flavors: tuple[str, ...], inputs: RateInputs = RateInputs()
) -> FluxAverages:
    """Integrate the kernels over the solar spectrum for the selected flavours (Eq. 2)."""
    t_mev = np.atleast_1d(np.asarray(energy_kev, dtype=float)) / KEV_PER_MEV
    fluxes = flux_model(inputs.fluxes)
    sources = solar_sources()
    names = inputs.sources or tuple(sources)
    e_min = minimum_neutrino_energy(t_mev)
    totals = {key: np.zeros_like(t_mev) for key in FluxAverages._fields}
    for name in names:
        source = sources[name]
        energy, weight = _source_points(source, fluxes[name].flux, e_min)
        energy_epa, weight_epa = _source_points(source, fluxes[name].flux, t_mev)
        fractions = inputs.oscillations.fractions(energy, source.electron_density_na)
        fractions_epa = inputs.oscillations.fractions(energy_epa, source.electron_density_na)
        t2 = t_mev[:, None]
        p_sel = sum(fractions[f] for f in flavors)
        for flavor in flavors:
            k = vector_kernels(t2, energy, flavor, inputs.scheme)
            pw = fractions[flavor] * weight
            totals["sm"] += np.sum(pw * k.k0, axis=1)
            totals["interference"] += np.sum(pw * k.k1, axis=1)
            totals["pure"] += np.sum(pw * k.k2, axis=1)
        ok = energy > e_min[:, None]
        magnetic = np.where(ok, 1.0 / t2 - 1.0 / energy, 0.0)
        totals["magnetic"] += np.sum(p_sel * weight * magnetic, axis=1)
        p_epa = sum(fractions_epa[f] for f in flavors)
        log = np.log(np.maximum(energy_epa * 1e6 / inputs.neutrino_mass_ev, 1.0))
        totals["epa_log"] += np.sum(p_epa * weight_epa * log, axis=1)
    return FluxAverages(**totals)


def _flavors(flavor: str) -> tuple[str, ...]:
    if flavor == "all":
        return FLAVORS
    if flavor in FLAVORS:
        return (flavor,)
    raise InvalidParameterError(
        f"unknown flavor {flavor!r}; choose one of {', '.join(FLAVOR_CHOICES)}"
    )


def _positive(name: str, value: ArrayLike) -> NDArray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise InvalidParameterError(f"{name} must be positive and finite, got {value!r}")
    return arr


def _check_inputs(model: str, energy_kev: ArrayLike, inputs: RateInputs) -> NDArray:
    if model not in MODELS:
        raise InvalidParameterError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if inputs.fluxes not in FLUX_MODELS:
        flux_model(inputs.fluxes)  # raises the error naming the choices
    return _positive("energies", np.atleast_1d(energy_kev))


def differential_rate(
    energy_kev: ArrayLike,
    model: str = "sm",
    *,
    mu_nu: float | None = None,
    charge: float | None = None,
    coupling: ArrayLike | None = None,
    mass_mev: ArrayLike | None = None,
    flavor: str = "all",
    atomic: str | Path | AtomicModel | None = None,
    target: str | Path | Target = "xenon",
    inputs: RateInputs = RateInputs(),
    interference: bool = False,
    part: str = "both",
) -> NDArray[np.float64]:
    """dR/dT in events / (kg day keV) at true deposited energies (Eq. 2 of XMASS-I).

    For the SM this is the SM rate; for every other model it is the signal, the excess over the
    SM (for the dark photon and the millicharge with ``interference``: interference plus pure).

    Args:
        energy_kev: recoil energies T in keV (> 0).
        model: ``sm``, ``magnetic-moment``, ``millicharge`` or ``dark-photon``.
        mu_nu: magnetic moment in Bohr magnetons (default 1e-11).
        charge: millicharge delta in units of e (default 1e-12); its sign matters only with
            ``interference``.
        coupling: B-L coupling g (default 1e-6); broadcasts with ``mass_mev``.
        mass_mev: dark-photon mass in MeV (default 1e-3); an array gives one row per mass.
        flavor: ``all`` or the single flavour (``e``, ``mu``, ``tau``) that carries the interaction.
        atomic: ``fea``, ``epa`` (millicharge only), a CSV path with ``energy_kev,ratio_to_fea``,
            or an atomic-model object. Default: ``epa`` for the millicharge pure term, else ``fea``.
        target: a shipped target name or a target JSON file.
        inputs: flux model, oscillations, coupling scheme, sources.
        interference: millicharge only: add the sign-dependent interference term (FEA picture).
        part: dark photon (and millicharge with interference): ``both``, ``interference`` or ``pure``.

    Returns:
        Rates with the shape of ``energy_kev``, or (n_mass, n_energy) for an array of masses.

    >>> mm = differential_rate([5.0], "magnetic-moment", mu_nu=1e-11)
    >>> bool(np.allclose(differential_rate([5.0], "magnetic-moment", mu_nu=2e-11), 4 * mm))
    True
    """
    t_kev = _check_inputs(model, energy_kev, inputs)
    flavors = _flavors(flavor)
    tgt = target if isinstance(target, Target) else load_target(target)
    if atomic is None:
        atomic = "epa" if model == "millicharge" and not interference else "fea"
    atomic_model = resolve_atomic_model(atomic, tgt)
    if isinstance(atomic_model, EquivalentPhotonApproximation) and (
        model != "millicharge" or interference
    ):
        raise InvalidParameterError(
            "the EPA atomic model describes only the millicharge pure term; use fea or a table"
        )
    averages = flux_averages(t_kev, flavors, inputs)
    t_mev = t_kev / KEV_PER_MEV
    to_rate = tgt.atoms_per_kg * DAY_S / KEV_PER_MEV  # per atom per s per MeV -> per kg day keV

    if isinstance(atomic_model, EquivalentPhotonApproximation):
        delta = float(REFERENCE_PARAMETERS["charge"] if charge is None else charge)
        per_atom = (
            2.0
            * ALPHA
            / math.pi
            * delta**2
            * atomic_model.photoabsorption_cm2(t_kev)
            / t_mev
            * averages.epa_log
        )
        return to_rate * per_atom

    electrons = tgt.electrons_above(t_kev)
    if isinstance(atomic_model, AtomicResponseTable):
        electrons = electrons * atomic_model.ratio_to_fea(t_kev)
    elif not isinstance(atomic_model, FreeElectronApproximation):
        raise InvalidParameterError(f"unsupported atomic model {atomic_model!r}")

    if model == "sm":
        per_electron = SM_PREFACTOR_CM2_PER_MEV * averages.sm
    elif model == "magnetic-moment":
        mu = _positive("mu_nu", REFERENCE_PARAMETERS["mu_nu"] if mu_nu is None else mu_nu)
        per_electron = PI_ALPHA2_OVER_ME2_CM2 * mu**2 * averages.magnetic
    elif model == "millicharge":
        delta = np.asarray(REFERENCE_PARAMETERS["charge"] if charge is None else charge, float)
        if not np.isfinite(delta) or delta == 0:
            raise InvalidParameterError(f"charge must be non-zero and finite, got {charge!r}")
        shift = millicharge_shift(t_mev, delta)
        per_electron = vector_excess(
            shift, averages.interference, averages.pure, part if interference else "pure"
        )
    else:
        g = _positive(
            "coupling", REFERENCE_PARAMETERS["coupling"] if coupling is None else coupling
        )
        mass = _positive(
            "mass_mev", REFERENCE_PARAMETERS["mass_mev"] if mass_mev is None else mass_mev
        )
        g, mass = np.broadcast_arrays(g, mass)
        shift = dark_photon_shift(t_mev, g[..., None], mass[..., None])
        per_electron = vector_excess(shift, averages.interference, averages.pure, part)
    rate = to_rate * electrons * per_electron
    return rate
