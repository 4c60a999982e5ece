"""Signal templates of the replica and their systematics (XMASS-I, PLB 809 (2020) 135741).

Signals are computed, not simulated: :func:`xhf.physics.differential_rate` with the paper's
inputs (SHP11-GS98 fluxes, fixed flavour fractions 54/23/23 %, FEA for the magnetic moment and
the dark photon; EPA standing in for the RRPA millicharge response), folded with the detector.

Systematics, as the paper lists them (docs/physics.md, section 11):
- ``flux_pp`` (0.6 %) and ``flux_7Be`` (7 %): the part of the rate from that source moves by its
  flux uncertainty, so the variation is energy dependent (histosys). The same nuisances act on the
  SM solar-neutrino background.
- ``atomic_model``: 5 % flat (normsys) for the FEA signals (the paper's number); for the EPA
  millicharge signals the spread of the EPA over its neutrino-mass regulator (0.001-1 eV around
  the adopted 0.01 eV) as a normsys, about +13/-27 % (see ``templates/README.md``).
- ``flavor_fraction_<f>``: single-flavour millicharge signals scale with the flavour fraction
  at Earth, 54 +- 2 % (e), 23 +- 1 % (mu, tau) (normsys).
- ``energy_scale``: the scintillation-efficiency / energy-scale uncertainty (+-4 % at 1.65 keV,
  +7/-4 % at 1 keV) through the shifted detector responses (histosys); about 15 % for the
  millicharge, as in the paper.
- ``rpe_cut`` (6 % above 30 keV), ``decay_time`` (2 % below 10 keV, 0.5 % above) and ``optical``
  (4 % below 10 keV, 0.5 % above): per-bin fractions (histosys).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from xhf.physics import FixedFractions, RateInputs, differential_rate
from xhf.replica.settings import ReplicaSettings
from xhf.templates.signals import (
    FLUX_SYSTEMATICS,
    dark_photon_masses_mev,
    reference_coupling,
    source_variations,
)
from xhf.templates.templateset import Sample, Signal, Variation
from xhf.workspace.naming import format_value

__all__ = ["rate_inputs", "signal_templates"]


def __dir__() -> list[str]:
    return __all__


Fold = Callable[[NDArray], NDArray]


def rate_inputs(settings: ReplicaSettings, sources: tuple[str, ...] | None = None) -> RateInputs:
    """The paper's physics inputs (fluxes, fixed fractions), optionally for some sources only."""
    return RateInputs(
        fluxes=settings.fluxes,
        oscillations=FixedFractions(*settings.fixed_fractions),
        sources=sources,
    )


def detector_variations(
    settings: ReplicaSettings,
    centers_kev: NDArray,
    nominal: NDArray,
    rate_on_grid: NDArray,
    scale_folds: tuple[Fold, Fold],
) -> list[Variation]:
    """Energy-scale and per-bin detector systematics of a signal template."""
    up_fold, down_fold = scale_folds
    out = [Variation("energy_scale", up_fold(rate_on_grid), down_fold(rate_on_grid))]
    for syst in settings.signal_systematics:
        frac = np.where(centers_kev < syst.boundary_kev, syst.below, syst.above)
        if np.any(frac > 0):
            out.append(Variation(syst.name, nominal * (1.0 + frac), nominal * (1.0 - frac)))
    return out


def _rates(settings: ReplicaSettings, rate: Callable[[RateInputs], NDArray]) -> tuple:
    """The rate with the paper's inputs, and the rate of each flux-systematic source alone."""
    per_source = {src: rate(rate_inputs(settings, (src,))) for src in FLUX_SYSTEMATICS}
    return rate(rate_inputs(settings)), per_source


def _part(
    name: str,
    settings: ReplicaSettings,
    on_grid: NDArray,
    per_source: Mapping[str, NDArray],
    response: Mapping,
    *,
    atomic_variants: tuple[NDArray, NDArray] | None = None,
    flavor: str = "all",
) -> Sample:
    nominal = response["fold"](on_grid)
    variations = source_variations(settings.fluxes, per_source, response["fold"], nominal)
    variations += detector_variations(
        settings, response["centers"], nominal, on_grid, response["scale_folds"]
    )
    norms = {}
    if atomic_variants is None:
        unc = settings.atomic_model_uncertainty
        norms["atomic_model"] = (1.0 + unc, 1.0 - unc)
    else:  # the spread of the model's variants over the channel (normsys: the log factor of the
        # EPA barely changes the shape, and an exponential interpolation cannot null the signal)
        up, down = (
            float(response["fold"](v).sum()) / float(nominal.sum()) for v in atomic_variants
        )
        norms["atomic_model"] = (up, down)
    if flavor != "all":
        # a single flavour's signal is proportional to its fraction at Earth (54 +- 2 %,
        # 23 +- 1 %, 23 +- 1 %): a constrained normalisation profiled in its limit. With all
        # flavours the fractions sum to one, and the common-charge signal does not depend on them.
        index = ("e", "mu", "tau").index(flavor)
        rel = settings.fraction_uncertainties[index] / settings.fixed_fractions[index]
        norms[f"flavor_fraction_{flavor}"] = (1.0 + rel, 1.0 - rel)
    return Sample(name=name, yields=nominal, variations=tuple(variations), norm_variations=norms)


def signal_templates(
    settings: ReplicaSettings, responses: Mapping[str, Mapping]
) -> tuple[Signal, ...]:
    """All replica signals.

    Args:
        responses: per channel, ``{"grid": true-energy grid (keV), "fold": grid rates ->
            counts per bin, "scale_folds": (up, down) folds with the energy-scale shifted,
            "centers": bin centres (keV)}``.
    """
    common = {"fluxes": settings.fluxes, "fractions": list(settings.fixed_fractions)}
    signals = []
    full, low = responses["full_energy"], responses["low_energy"]

    mu_ref = settings.mu_nu_reference
    on_grid, per_source = _rates(
        settings,
        lambda inp: differential_rate(full["grid"], "magnetic-moment", mu_nu=mu_ref, inputs=inp),
    )
    part = _part("magnetic_moment", settings, on_grid, per_source, full)
    meta = {"model": "magnetic-moment", "flavor": "all", "atomic": "fea", "mass_mev": None}
    signals.append(
        Signal(
            name="magnetic_moment",
            channel="full_energy",
            parts=(part,),
            parameter="mu_nu",
            unit="mu_B",
            reference=mu_ref,
            powers=(2,),
            metadata={**meta, **common},
        )
    )

    q_ref = settings.charge_reference
    for suffix, flavor, atomic in [
        ("", "all", "epa"),
        ("_nue", "e", "epa"),
        ("_numu", "mu", "epa"),
        ("_nutau", "tau", "epa"),
        ("_fea", "all", "fea"),
    ]:

        def rate(inp, flavor=flavor, atomic=atomic):
            return differential_rate(
                low["grid"], "millicharge", charge=q_ref, flavor=flavor, atomic=atomic, inputs=inp
            )

        variants = None
        if atomic == "epa":  # the EPA with the regulator's plausible range (up, down)
            variants = tuple(
                rate(replace(rate_inputs(settings), neutrino_mass_ev=m))
                for m in settings.epa_regulator_range_ev
            )
        part = _part(
            f"millicharge{suffix}",
            settings,
            *_rates(settings, rate),
            low,
            atomic_variants=variants,
            flavor=flavor,
        )
        meta = {"model": "millicharge", "flavor": flavor, "atomic": atomic, "mass_mev": None}
        signals.append(
            Signal(
                name=f"millicharge{suffix}",
                channel="low_energy",
                parts=(part,),
                parameter="charge",
                unit="e",
                reference=q_ref,
                powers=(2,),
                metadata={**meta, **common},
            )
        )

    masses = np.array(dark_photon_masses_mev(settings.dark_photon_per_decade))
    couplings = np.array([reference_coupling(m) for m in masses])
    pieces = {}
    for piece in ("interference", "pure"):

        def rate(inp, piece=piece):
            return differential_rate(
                full["grid"],
                "dark-photon",
                coupling=couplings,
                mass_mev=masses,
                part=piece,
                inputs=inp,
            )

        pieces[piece] = _rates(settings, rate)  # arrays of shape (n_mass, n_grid)
    for i, (mass, g_ref) in enumerate(zip(masses.tolist(), couplings.tolist(), strict=True)):
        parts = tuple(
            _part(
                f"dark_photon_{piece}",
                settings,
                pieces[piece][0][i],
                {src: rates[i] for src, rates in pieces[piece][1].items()},
                full,
            )
            for piece in ("interference", "pure")
        )
        meta = {"model": "dark-photon", "flavor": "all", "atomic": "fea", "mass_mev": mass}
        signals.append(
            Signal(
                name=f"dark_photon_m{format_value(mass)}",
                channel="full_energy",
                parts=parts,
                parameter="coupling",
                unit="g_BL",
                reference=g_ref,
                powers=(2, 4),
                metadata={**meta, **common},
            )
        )
    return tuple(signals)
