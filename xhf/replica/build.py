"""Assemble the XMASS-I-like replica TemplateSet: channels, backgrounds, signals, pseudo-data.

``build_replica()`` is deterministic: the same settings give the same arrays (the Poisson
pseudo-data come from a seeded generator). Everything it assumes is in
:mod:`xhf.replica.settings` and ``templates/README.md``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from xhf.physics import differential_rate
from xhf.replica import backgrounds as bkg
from xhf.replica.response import ChannelResponse, channel_response
from xhf.replica.settings import DEAD_PMT_CORRECTION, ReplicaSettings
from xhf.replica.signals import rate_inputs, signal_templates
from xhf.templates.signals import FLUX_SYSTEMATICS, source_variations
from xhf.templates.templateset import Channel, Sample, TemplateSet, Variation

__all__ = ["CHANNELS", "PSEUDO_DATA_LABELS", "background_rates", "build_replica"]


def __dir__() -> list[str]:
    return __all__


#: The replica's channels: the millicharge fit and the magnetic-moment / dark-photon fit.
CHANNELS: tuple[str, ...] = ("low_energy", "full_energy")
#: Dataset labels; both are pseudo-data, never XMASS-I data.
PSEUDO_DATA_LABELS: dict[str, str] = {
    "asimov": "pseudo-data: Asimov dataset of the background-only replica model",
    "pseudo_poisson": "pseudo-data: seeded Poisson draw of the background-only replica model",
}


def _window(settings: ReplicaSettings) -> tuple[float, float]:
    lo, hi, _ = settings.full_energy_edges_kev
    return (lo, hi)


def background_rates(settings: ReplicaSettings, full: ChannelResponse) -> dict[str, float]:
    """Integrated rate after cuts over the window, events/(kg day), for every component.

    Stated rates are taken as they are; 136Xe and the solar neutrinos follow from physics; the
    210Pb rate is what makes the total density at 5 keV equal the anchor.
    """
    rates: dict[str, float] = {}
    exposure = settings.exposure_kg_day
    for comp in settings.backgrounds:
        if comp.rate_per_kg_day is not None:
            rates[comp.name] = comp.rate_per_kg_day
        elif comp.name.startswith("Xe136"):
            spectrum = bkg.true_spectrum(comp)(full.grid_kev) * bkg.xe136_decays_per_kg_day(
                settings
            )
            rates[comp.name] = float(full.fold(spectrum).sum()) / exposure
        elif comp.origin == "solar":
            rate = differential_rate(full.grid_kev, "sm", inputs=rate_inputs(settings))
            rates[comp.name] = float(full.fold(rate).sum()) / exposure
    # 210Pb from the anchor: density at 5 keV of every other component, then the remainder.
    others = 0.0
    for comp in settings.backgrounds:
        if comp.name in rates:
            others += rates[comp.name] * _density_at(comp, 5.0, settings, full)
    anchor = next(c for c in settings.backgrounds if c.name not in rates)
    rates[anchor.name] = (settings.total_rate_at_5kev - others) / _density_at(
        anchor, 5.0, settings, full
    )
    if rates[anchor.name] <= 0:
        raise ValueError("replica: the other components already exceed the 5 keV anchor")
    return rates


def _density_at(comp, energy_kev: float, settings: ReplicaSettings, full: ChannelResponse) -> float:
    """Normalised reconstructed-energy density (per keV) of a component, averaged over the
    full channel's bin that contains ``energy_kev`` (4-6 keV for the 5 keV anchor)."""
    shape = _reco_shape(comp, settings, full)
    i = int(np.searchsorted(full.edges_kev, energy_kev) - 1)
    return float(shape[i] / full.widths_kev[i])


def _reco_shape(comp, settings: ReplicaSettings, response: ChannelResponse) -> NDArray:
    """Fraction of the component's window rate per bin of ``response`` (folded, normalised)."""
    if comp.origin == "surface":
        _, scale, flat = comp.shape
        return bkg.surface_bin_fractions(response.edges_kev, scale, flat, _window(settings))
    full = response.full
    if comp.origin != "solar" and comp.shape[0] == "lines":
        folded_full = full.fold_lines(comp.shape[1])
        folded = response.fold_lines(comp.shape[1])
    else:
        if comp.origin == "solar":
            spectrum_full = differential_rate(full.grid_kev, "sm", inputs=rate_inputs(settings))
            spectrum = differential_rate(response.grid_kev, "sm", inputs=rate_inputs(settings))
        else:
            spectrum_full = bkg.true_spectrum(comp)(full.grid_kev)
            spectrum = bkg.true_spectrum(comp)(response.grid_kev)
        folded_full = full.fold(spectrum_full)
        folded = response.fold(spectrum)
    return folded / folded_full.sum()


def _dead_pmt_variations(settings: ReplicaSettings, edges: NDArray, nominal: NDArray) -> list:
    """One histosys per region of the paper's dead-PMT correction (uncertainty relative to the
    corrected nominal: sigma / (1 + c))."""
    centers = 0.5 * (edges[:-1] + edges[1:])
    out = []
    for lo, hi, central, sigma in settings.dead_pmt_correction:
        inside = (centers >= lo) & (centers < hi)
        if not np.any(inside):
            continue
        frac = np.where(inside, (sigma / 100.0) / (1.0 + central / 100.0), 0.0)
        name = f"dead_pmt_{lo:g}_{hi:g}kev"
        out.append(Variation(name, nominal * (1.0 + frac), nominal * (1.0 - frac)))
    return out


def _shape_variations(
    settings: ReplicaSettings, origin: str, edges: NDArray, nominal: NDArray
) -> list[Variation]:
    """One histosys per background systematic of the settings that reaches this sample."""
    centers = 0.5 * (edges[:-1] + edges[1:])
    out = []
    for syst in settings.background_systematics:
        if syst.samples != "all" and syst.samples != origin:
            continue
        inside = (centers >= syst.lo_kev) & (centers < syst.hi_kev)
        if not np.any(inside & (nominal > 0)):
            continue
        if syst.shape == "tilt":
            pivot = 0.5 * (syst.lo_kev + syst.hi_kev)
            slope = (centers - pivot) / (0.5 * (syst.hi_kev - syst.lo_kev))
            frac = np.where(inside, -syst.size * slope, 0.0)
        else:
            frac = np.where(inside, syst.size, 0.0)
        out.append(Variation(syst.name, nominal * (1.0 + frac), nominal * (1.0 - frac)))
    return out


def _channel_backgrounds(
    settings: ReplicaSettings, channel: str, response: ChannelResponse, rates: dict[str, float]
) -> tuple[Sample, ...]:
    samples = []
    exposure = settings.exposure_kg_day
    for comp in settings.backgrounds:
        nominal = rates[comp.name] * exposure * _reco_shape(comp, settings, response)
        if not np.any(nominal > 1e-9 * exposure * settings.total_rate_at_5kev):
            continue  # nothing of this component in the channel (133Xe below 81 keV)
        variations = []
        if settings.dead_pmt_samples == "all" or comp.origin == "surface":
            variations = _dead_pmt_variations(settings, response.edges_kev, nominal)
        variations += _shape_variations(settings, comp.origin, response.edges_kev, nominal)
        if comp.origin == "solar":
            per_source = {
                src: differential_rate(
                    response.grid_kev, "sm", inputs=rate_inputs(settings, (src,))
                )
                * rates[comp.name]
                * exposure
                / _solar_total(settings, response)
                for src in FLUX_SYSTEMATICS
            }
            variations += source_variations(settings.fluxes, per_source, response.fold, nominal)
        stat = np.sqrt(nominal / settings.mc_exposure_factor)
        norm, free = comp.norm_uncertainty, comp.norm_uncertainty is None
        if comp.origin == "solar":
            norm, free = None, False  # constrained through the flux nuisances only
        elif free and channel == "low_energy" and not comp.free_in_low_energy:
            # the paper frees 14C, 39Ar, 131mXe, 133Xe in the 2-200 keV fits only
            norm, free = settings.low_energy_constraint, False
        samples.append(
            Sample(
                name=comp.name,
                yields=nominal,
                stat_error=stat,
                norm_uncertainty=norm,
                free=free,
                variations=tuple(variations),
            )
        )
    return tuple(samples)


def _solar_total(settings: ReplicaSettings, response: ChannelResponse) -> float:
    full = response.full
    rate = differential_rate(full.grid_kev, "sm", inputs=rate_inputs(settings))
    return float(full.fold(rate).sum())


def _pseudo_data(settings: ReplicaSettings, channels: dict[str, Channel]) -> dict[str, NDArray]:
    """A seeded Poisson draw of the background-only model, consistent across channels.

    The full channel is drawn first; each of its counts is then split multinomially into the
    finer low-energy bins it contains (probabilities: expected yields), so that both channels
    see the same pseudo-events where they overlap.
    """
    rng = np.random.default_rng(settings.pseudo_data_seed)
    low, full = channels["low_energy"], channels["full_energy"]
    low_exp, full_exp = low.total_background(), full.total_background()
    full_draw = rng.poisson(full_exp).astype(float)
    low_draw = np.zeros(low.n_bins)
    low_centers = 0.5 * (low.bin_edges[:-1] + low.bin_edges[1:])
    owner = np.searchsorted(full.bin_edges, low_centers) - 1
    for k in range(full.n_bins):
        inside = np.flatnonzero(owner == k)
        if inside.size == 0:
            continue
        probs = np.clip(low_exp[inside] / full_exp[k], 0.0, None)
        probs = probs / max(1.0, probs.sum())
        counts = rng.multinomial(int(full_draw[k]), [*probs, max(0.0, 1.0 - probs.sum())])
        low_draw[inside] = counts[:-1]
    return {"low_energy": low_draw, "full_energy": full_draw}


def build_replica(settings: ReplicaSettings | None = None) -> TemplateSet:
    """The XMASS-I-like replica (see ``templates/README.md``): both channels, all backgrounds
    with their constraints and systematics, every signal, Asimov and Poisson pseudo-data."""
    settings = settings or ReplicaSettings()
    responses = {name: channel_response(settings, name) for name in CHANNELS}
    rates = background_rates(settings, responses["full_energy"])
    channels = {
        name: Channel(
            name=name,
            bin_edges=settings.edges(name),
            backgrounds=_channel_backgrounds(settings, name, resp, rates),
        )
        for name, resp in responses.items()
    }
    poisson = _pseudo_data(settings, channels)
    channels = {
        name: Channel(
            name=ch.name,
            bin_edges=ch.bin_edges,
            backgrounds=ch.backgrounds,
            data={"asimov": ch.total_background(), "pseudo_poisson": poisson[name]},
        )
        for name, ch in channels.items()
    }
    signals = signal_templates(
        settings,
        {
            name: {
                "grid": resp.grid_kev,
                "fold": resp.fold,
                "scale_folds": (resp.scale_up.fold, resp.scale_down.fold),
                "centers": resp.centers_kev,
            }
            for name, resp in responses.items()
        },
    )
    metadata = {
        "name": "xmass1_replica",
        "description": "XMASS-I-like replica built from published numbers; NOT XMASS-I data or MC",
        "exposure_kg_day": settings.exposure_kg_day,
        "live_days": settings.live_days,
        "fiducial_mass_kg": settings.fiducial_mass_kg,
        "datasets": {**PSEUDO_DATA_LABELS, "seed": settings.pseudo_data_seed},
        "background_rates_per_kg_day": {k: rates[k] for k in sorted(rates)},
        "fluxes": settings.fluxes,
        "flavor_fractions": list(settings.fixed_fractions),
        "dead_pmt_regions_kev": [list(r) for r in DEAD_PMT_CORRECTION],
        "mc_exposure_factor": settings.mc_exposure_factor,
        "format_version": 1,
    }
    ts = TemplateSet(tuple(channels[n] for n in CHANNELS), signals, metadata)
    ts.validate("replica")
    return ts
