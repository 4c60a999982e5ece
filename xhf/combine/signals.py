"""Signal templates of an experiment card: the same physics and systematics as XMASS-I's.

The true-energy rate of Eq. (2) of XMASS-I (K. Abe et al., Phys. Lett. B 809 (2020) 135741)
comes from :func:`xhf.physics.differential_rate` for the card's target; Eq. (3) folds it with
the card's resolution, efficiency, threshold and exposure (:class:`xhf.detector.ResponseMatrix`).
By default the physics inputs are the paper's (SHP11-GS98 fluxes, fixed flavour fractions
54/23/23 %, FEA for the magnetic moment and the dark photon, EPA for the millicharge) and the
reference values are the replica's, so that a card and the XMASS-I likelihood describe the same
hypothesis with the same POI scale.

Signal systematics and their nuisance names:

- ``flux_pp``, ``flux_7Be`` (histosys, shared across experiments): the part of the rate from
  that source moves by its flux uncertainty (:func:`xhf.templates.signals.source_variations`,
  the same helper as the replica);
- ``atomic_model`` (normsys, shared): the card's ``atomic_model_uncertainty`` (default 5 %);
- ``<name>_efficiency`` (experiment-specific): a normsys from the card's flat
  ``efficiency_uncertainty``, or a histosys from the lower/upper band columns of its efficiency
  table: the signal folded (Eq. 3) with the lower and with the upper efficiency.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xhf.combine.card import Card
from xhf.detector import ResponseMatrix, default_true_edges
from xhf.exceptions import InvalidInputError, InvalidParameterError
from xhf.physics import (
    FLAVOR_CHOICES,
    XMASS_FRACTIONS,
    MSWOscillations,
    RateInputs,
    differential_rate,
)
from xhf.physics.fluxes import FLUX_MODELS
from xhf.templates.signals import (
    FLUX_SYSTEMATICS,
    PAPER_FLUXES,
    REFERENCE_VALUES,
    dark_photon_masses_mev,
    reference_coupling,
    source_variations,
)
from xhf.templates.templateset import Sample, Signal, Variation
from xhf.workspace.naming import format_value

__all__ = [
    "CARD_MODELS",
    "DEFAULT_FLUXES",
    "MAX_MASS_MEV",
    "MAX_REFERENCE",
    "MAX_RESPONSE_CELLS",
    "OSCILLATIONS",
    "SignalOptions",
    "card_response",
    "card_signals",
    "efficiency_nuisance",
]


def __dir__() -> list[str]:
    return __all__


#: Models a card can be built for.
CARD_MODELS: tuple[str, ...] = ("magnetic-moment", "millicharge", "dark-photon")
#: Flux model of the XMASS-I paper (and the replica): the default for cards.
DEFAULT_FLUXES = PAPER_FLUXES
#: Flavour content: the paper's fixed fractions (54/23/23 %) or MSW-LMA P_ee(E).
OSCILLATIONS: tuple[str, ...] = ("fixed", "msw")
#: Largest reference value per model (mu_B, e, g_BL): a magnetic moment of 1 mu_B or a charge
#: of 1 e is ten orders above the limits; g_BL above 1e3 makes g^4 rates overflow far sooner
#: than any detector could see them.
MAX_REFERENCE = {"magnetic-moment": 1.0, "millicharge": 1.0, "dark-photon": 1e3}
#: Largest dark-photon mass in MeV (the replica's grid ends at 1e3 MeV).
MAX_MASS_MEV = 1e6
_FLAVOR_SUFFIX = {"all": "", "e": "_nue", "mu": "_numu", "tau": "_nutau"}


def efficiency_nuisance(experiment: str) -> str:
    """Name of the experiment's signal-efficiency nuisance: ``<experiment>_efficiency``."""
    return f"{experiment}_efficiency"


class SignalOptions:
    """Model options of a card's signal, with the replica's defaults.

    Args:
        model: ``magnetic-moment``, ``millicharge`` or ``dark-photon``.
        reference: parameter value of the templates (mu_nu in mu_B, delta in e, g_BL); default
            the replica's (1e-10 mu_B, 5e-12 e, and per dark-photon mass
            :func:`~xhf.templates.signals.reference_coupling`).
        mass_mev: dark-photon masses in MeV (default the replica's grid, 7 per decade).
        flavor: flavours that carry the interaction.
        atomic: atomic model (``fea``, ``epa``, a table path); default ``epa`` for the
            millicharge, ``fea`` otherwise.
        fluxes: solar model (default the paper's SHP11-GS98).
        oscillations: ``fixed`` (the paper's 54/23/23 %) or ``msw``.
    """

    def __init__(
        self,
        model: str,
        *,
        reference: float | None = None,
        mass_mev: float | Sequence[float] | None = None,
        flavor: str = "all",
        atomic: str | None = None,
        fluxes: str = DEFAULT_FLUXES,
        oscillations: str = "fixed",
    ) -> None:
        if model not in CARD_MODELS:
            raise InvalidParameterError(
                f"unknown model {model!r}; choose one of {', '.join(CARD_MODELS)}"
            )
        if flavor not in FLAVOR_CHOICES:
            raise InvalidParameterError(f"unknown flavor {flavor!r}; use {FLAVOR_CHOICES}")
        if fluxes not in FLUX_MODELS:
            raise InvalidParameterError(f"unknown fluxes {fluxes!r}; use {FLUX_MODELS}")
        if oscillations not in OSCILLATIONS:
            raise InvalidParameterError(
                f"unknown oscillations {oscillations!r}; use {OSCILLATIONS}"
            )
        if reference is not None and not (np.isfinite(reference) and reference > 0):
            raise InvalidParameterError(f"reference must be positive, got {reference!r}")
        if reference is not None and reference > MAX_REFERENCE[model]:
            raise InvalidParameterError(
                f"reference {reference:g} is above {MAX_REFERENCE[model]:g}: far beyond what "
                f"any detector can test for the {model}"
            )
        if mass_mev is not None and model != "dark-photon":
            raise InvalidParameterError("mass_mev is a dark-photon option")
        masses = None
        if model == "dark-photon":
            masses = (
                dark_photon_masses_mev()
                if mass_mev is None
                else tuple(float(m) for m in np.atleast_1d(mass_mev))
            )
            if not masses or any(not (np.isfinite(m) and m > 0) for m in masses):
                raise InvalidParameterError(f"dark-photon masses must be positive: {mass_mev!r}")
            if max(masses) > MAX_MASS_MEV:
                raise InvalidParameterError(
                    f"dark-photon mass {max(masses):g} MeV is above {MAX_MASS_MEV:g} MeV"
                )
        self.model, self.reference, self.masses = model, reference, masses
        self.flavor, self.fluxes, self.oscillations = flavor, fluxes, oscillations
        self.atomic = atomic or ("epa" if model == "millicharge" else "fea")

    def rate_inputs(self, sources: tuple[str, ...] | None = None) -> RateInputs:
        """Physics inputs of Eq. (2), optionally for some solar sources only."""
        osc = XMASS_FRACTIONS if self.oscillations == "fixed" else MSWOscillations()
        return RateInputs(fluxes=self.fluxes, oscillations=osc, sources=sources)

    def metadata(self) -> dict[str, Any]:
        """Physics inputs recorded with each signal (and in the sidecar)."""
        meta: dict[str, Any] = {
            "atomic": str(self.atomic),
            "flavor": self.flavor,
            "fluxes": self.fluxes,
            "model": self.model,
            "oscillations": self.oscillations,
        }
        if self.oscillations == "fixed":
            meta["fractions"] = [XMASS_FRACTIONS.e, XMASS_FRACTIONS.mu, XMASS_FRACTIONS.tau]
        return meta


#: Ceiling on (true-energy cells x reconstructed bins) of a card's response matrix: at the
#: ceiling it takes ~10 s and ~1 GB (1 keV bins up to 1 MeV need 2.2e7); the examples need 3e4.
MAX_RESPONSE_CELLS = 30_000_000


def card_response(card: Card, efficiency: Any = None) -> ResponseMatrix:
    """Eq. (3) for the card's bins, resolution, efficiency and threshold, per kg day.

    ``efficiency`` replaces the card's (an edge of its band).

    The matrix is built for 1 kg day and the card's exposure multiplies the folded counts, so
    that a zero exposure gives zero templates. The target's shell binding energies are edges of
    the true-energy grid (the FEA and EPA rates step there).
    """
    true = default_true_edges(
        card.edges_kev,
        card.resolution,
        card.threshold_kev,
        breakpoints_kev=np.array(sorted(s.binding_kev for s in card.target.shells)),
    )
    cells = (true.size - 1) * (card.edges_kev.size - 1)
    if cells > MAX_RESPONSE_CELLS:
        raise InvalidInputError(
            f"{card.source}: energy_window_kev: the response matrix would have {cells:.3g} "
            f"cells ({true.size - 1} true-energy cells up to {true[-1]:g} keV x "
            f"{card.edges_kev.size - 1} bins), above the ceiling of {MAX_RESPONSE_CELLS:g}; "
            "use wider bins or a narrower window"
        )
    return ResponseMatrix(
        card.edges_kev,
        true,
        resolution=card.resolution,
        efficiency=card.efficiency if efficiency is None else efficiency,
        exposure=1.0,
        threshold_kev=card.threshold_kev,
    )


def _part(
    name: str,
    card: Card,
    options: SignalOptions,
    rate: Callable[[RateInputs], NDArray[np.float64]],
    fold: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    band: tuple[Callable[[NDArray[np.float64]], NDArray[np.float64]], ...] = (),
) -> Sample:
    true_rate = rate(options.rate_inputs())
    nominal = fold(true_rate)
    per_source = {src: rate(options.rate_inputs((src,))) for src in FLUX_SYSTEMATICS}
    variations = source_variations(options.fluxes, per_source, fold, nominal)
    if band:
        low, high = (edge(true_rate) for edge in band)
        variations = [*variations, Variation(efficiency_nuisance(card.name), high, low)]
    flat = {"atomic_model": card.atomic_model_uncertainty}
    if card.efficiency_uncertainty:
        flat[efficiency_nuisance(card.name)] = float(card.efficiency_uncertainty)
    return Sample(
        name=name,
        yields=nominal,
        variations=tuple(variations),
        norm_variations={k: (1.0 + u, 1.0 - u) for k, u in flat.items() if u > 0},
    )


def card_signals(card: Card, options: SignalOptions) -> tuple[Signal, ...]:
    """The signal templates of ``card`` for the model of ``options``, in the card's channel.

    Returns:
        One signal for the magnetic moment (``magnetic_moment``, parameter ``mu_nu`` in mu_B,
        power 2) or the millicharge (``millicharge[_nue|_numu|_nutau]``, ``charge`` in e,
        power 2); one per mass for the dark photon (``dark_photon_m<mass>``, ``coupling``
        g_BL, interference and pure parts with powers 2 and 4).
    """
    response = card_response(card)
    grid = response.true_energy_kev
    exposure = card.exposure_kg_day

    def fold(rate: NDArray[np.float64]) -> NDArray[np.float64]:
        return exposure * response.fold(rate)

    def folder(matrix: ResponseMatrix) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
        return lambda rate: exposure * matrix.fold(rate)

    band = tuple(folder(card_response(card, edge)) for edge in card.efficiency_band or ())

    common = {"flavor": options.flavor, "atomic": options.atomic, "target": card.target}
    meta = {**options.metadata(), "experiment": card.name, "target": card.target.name}
    if options.model == "magnetic-moment":
        ref = options.reference or REFERENCE_VALUES["magnetic-moment"]
        part = _part(
            "magnetic_moment",
            card,
            options,
            lambda inp: differential_rate(grid, "magnetic-moment", mu_nu=ref, inputs=inp, **common),
            fold,
            band,
        )
        meta["mass_mev"] = None
        return (
            Signal(
                name="magnetic_moment",
                channel=card.name,
                parts=(part,),
                parameter="mu_nu",
                unit="mu_B",
                reference=ref,
                powers=(2,),
                metadata=meta,
            ),
        )
    if options.model == "millicharge":
        ref = options.reference or REFERENCE_VALUES["millicharge"]
        name = f"millicharge{_FLAVOR_SUFFIX[options.flavor]}"
        part = _part(
            name,
            card,
            options,
            lambda inp: differential_rate(grid, "millicharge", charge=ref, inputs=inp, **common),
            fold,
            band,
        )
        meta["mass_mev"] = None
        return (
            Signal(
                name=name,
                channel=card.name,
                parts=(part,),
                parameter="charge",
                unit="e",
                reference=ref,
                powers=(2,),
                metadata=meta,
            ),
        )
    masses = np.array(options.masses)
    refs = np.array([options.reference or reference_coupling(m) for m in masses])
    pieces = {}
    for piece in ("interference", "pure"):
        pieces[piece] = _rates_per_mass(grid, masses, refs, piece, options, common)
    signals = []
    for i, (mass, ref) in enumerate(zip(masses.tolist(), refs.tolist(), strict=True)):
        parts = tuple(
            _part(
                f"dark_photon_{piece}",
                card,
                options,
                lambda inp, piece=piece, i=i: pieces[piece](inp)[i],
                fold,
                band,
            )
            for piece in ("interference", "pure")
        )
        signals.append(
            Signal(
                name=f"dark_photon_m{format_value(mass)}",
                channel=card.name,
                parts=parts,
                parameter="coupling",
                unit="g_BL",
                reference=ref,
                powers=(2, 4),
                metadata={**meta, "mass_mev": mass},
            )
        )
    return tuple(signals)


def _rates_per_mass(grid, masses, refs, piece, options, common):
    """A cached rate function of the inputs: (n_mass, n_grid) for one part of the excess."""
    cache: dict[tuple[str, ...] | None, NDArray[np.float64]] = {}

    def rate(inputs: RateInputs) -> NDArray[np.float64]:
        if inputs.sources not in cache:
            cache[inputs.sources] = differential_rate(
                grid,
                "dark-photon",
                coupling=refs,
                mass_mev=masses,
                part=piece,
                inputs=inputs,
                **common,
            )
        return cache[inputs.sources]

    return rate
