"""An experiment card as a TemplateSet and as pyhf workspaces, named as XMASS-I's are.

:func:`load_card` turns a card into a :class:`~xhf.templates.TemplateSet` with one channel
named after the experiment, one background sample ``<name>_background`` (normsys
``norm_<name>_background`` with the card's normalisation uncertainty, or a free normfactor) or,
for a card with ``background.components``, one sample ``<name>_<component>`` per component
(normsys ``norm_<name>_<component>`` or a free normfactor each),
the card's dataset (and an ``asimov`` dataset, the background expectation) and the signals of
the requested model. :func:`build_experiment_workspace` and :func:`experiment_products` then use
the very builder, names and sidecars of the XMASS-I workspaces (:mod:`xhf.workspace`,
``docs/workspace-conventions.md``), so ``xhf limit`` reads them unchanged: the measurement is
``<name>_<analysis>``, the POI ``mu`` scales the signal template made at the reference value
(XMASS-I, Phys. Lett. B 809 (2020) 135741, Eqs. 4-7).

Nuisance names: experiment-specific ones carry the experiment name (``norm_<name>_background``,
``<name>_efficiency``); physically shared ones keep the shared names (``flux_pp``,
``flux_7Be``, ``atomic_model``), so that :func:`xhf.combine.combine_workspaces` correlates them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from xhf.combine.card import BackgroundComponent, Card, read_card
from xhf.combine.signals import SignalOptions, card_signals
from xhf.exceptions import InvalidInputError, InvalidParameterError
from xhf.templates.templateset import MAX_EVENTS, Channel, Sample, Signal, TemplateSet
from xhf.workspace import build_workspace
from xhf.workspace.config import BuildConfig, log10_excess
from xhf.workspace.likelihood import Likelihood
from xhf.workspace.poi import N_SIGMA
from xhf.workspace.products import build_likelihood, default_output
from xhf.workspace.sidecar import sidecar_document

__all__ = [
    "ASIMOV_LABEL",
    "background_name",
    "build_experiment_workspace",
    "card_templates",
    "experiment_likelihood",
    "experiment_products",
    "load_card",
]


def __dir__() -> list[str]:
    return __all__


#: Label of the background-only expectation added to every card's datasets.
ASIMOV_LABEL = "asimov"

CardLike = Card | str | os.PathLike[str]


def background_name(experiment: str, component: str = "background") -> str:
    """A background sample of an experiment: ``<experiment>_background`` (one total
    background) or ``<experiment>_<component>``."""
    return f"{experiment}_{component}"


def _card(card: CardLike) -> Card:
    return card if isinstance(card, Card) else read_card(card)


def card_templates(card: Card, options: SignalOptions) -> TemplateSet:
    """The TemplateSet of a read card for the model of ``options`` (see :func:`load_card`)."""
    parts = card.background_components or (
        BackgroundComponent(
            "background",
            card.background_yields,
            card.background_table,
            card.normalization_uncertainty,
        ),
    )
    backgrounds = tuple(
        Sample(
            name=background_name(card.name, part.name),
            yields=part.yields,
            norm_uncertainty=part.normalization_uncertainty or None,
            free=part.normalization_uncertainty is None,
        )
        for part in parts
    )
    datasets = {card.data_label: card.data}
    if card.data_label != ASIMOV_LABEL:
        datasets[ASIMOV_LABEL] = card.background_yields.copy()
    channel = Channel(
        name=card.name, bin_edges=card.edges_kev, backgrounds=backgrounds, data=datasets
    )
    metadata = {
        "name": card.name,
        "experiment": card.name,
        "description": card.description,
        "exposure_kg_day": card.exposure_kg_day,
        "datasets": {
            card.data_label: {k: v for k, v in card.data_info.items() if k != "label"},
            ASIMOV_LABEL: {
                "pseudo_data": True,
                "description": "pseudo-data: Asimov dataset of the card's background model",
            },
        },
        "card": card.describe(),
    }
    if card.references.get("hepdata"):
        metadata["hepdata"] = card.references["hepdata"]
    signals = card_signals(card, options)
    _check_signal_size(card, signals)
    ts = TemplateSet((channel,), signals, metadata)
    ts.validate(card.source)
    return ts


def _check_signal_size(card: Card, signals: Sequence[Signal]) -> None:
    """No signal part expects more than MAX_EVENTS events in a bin at its reference."""
    for signal in signals:
        for part in signal.parts:
            size = np.abs(np.asarray(part.yields, dtype=float))
            above = np.flatnonzero(~(size <= MAX_EVENTS))
            if above.size:
                i = int(above[0])
                low, high = card.edges_kev[i], card.edges_kev[i + 1]
                raise InvalidInputError(
                    f"{card.source}: exposure.value: bin {i} ({low:g}-{high:g} keV): the "
                    f"{signal.name} signal expects {size[i]:.3g} events at its reference "
                    f"{signal.parameter} = {signal.reference:g} {signal.unit}, above the ceiling "
                    f"of {MAX_EVENTS:g} per bin (check the exposure and the reference)"
                )


def _check_grid(card: Card, ts: TemplateSet, grid: Mapping[str, Sequence[float]]) -> None:
    """No grid point scales a signal above MAX_EVENTS events in a bin."""
    signals = {s.name: s for s in ts.signals}
    for name, couplings in grid.items():
        if name not in signals:
            continue
        signal = signals[name]
        for coupling in couplings:
            if not (math.isfinite(coupling) and coupling > 0):
                raise InvalidParameterError(
                    f"couplings: {coupling!r} must be positive and finite ({name})"
                )
            exponent = log10_excess(coupling, signal.reference, signal.parts, signal.powers)
            if exponent > math.log10(MAX_EVENTS):
                raise InvalidParameterError(
                    f"{card.source}: couplings: {coupling:g} scales {name} to ~1e{exponent:.0f} "
                    f"events in a bin, above the ceiling of {MAX_EVENTS:g} per bin"
                )


@contextmanager
def _naming(source: str) -> Iterator[None]:
    """The builder's template errors (a bin without background, POI bounds) name the card."""
    try:
        yield
    except InvalidInputError as exc:
        message = str(exc)
        if message.startswith(f"{source}: "):
            raise
        raise InvalidInputError(f"{source}: {message}") from None


def load_card(path: CardLike, model: str = "magnetic-moment", **options: Any) -> TemplateSet:
    """Read an experiment card and compute its signal templates for ``model``.

    Args:
        path: the card (YAML) or an already read :class:`~xhf.combine.card.Card`.
        model: ``magnetic-moment``, ``millicharge`` or ``dark-photon``.
        **options: model options of :class:`~xhf.combine.signals.SignalOptions`
            (``reference``, ``mass_mev``, ``flavor``, ``atomic``, ``fluxes``, ``oscillations``).

    Returns:
        One channel named after the experiment with the background ``<name>_background``, the
        card's dataset and ``asimov``; the model's signals at their reference values.
    """
    return card_templates(_card(path), SignalOptions(model, **options))


def _poi_bounds(ts: TemplateSet, signal: str, poi_bounds: Sequence[float] | None):
    """The given bounds; for an experiment without signal (zero exposure) the placeholder
    ``[0, N_SIGMA]``, since the expected-size rule needs a signal."""
    if poi_bounds is not None:
        return poi_bounds
    if not any(np.any(p.yields) for p in ts.signal(signal).parts):
        return (0.0, N_SIGMA)
    return None


def build_experiment_workspace(
    card: CardLike,
    model: str = "magnetic-moment",
    *,
    data: str | None = None,
    poi_bounds: Sequence[float] | None = None,
    **options: Any,
) -> Likelihood:
    """The likelihood (pyhf workspace and sidecar) of one experiment card for one signal.

    Args:
        card: the card path or a read :class:`~xhf.combine.card.Card`.
        model: ``magnetic-moment``, ``millicharge`` or ``dark-photon`` (one mass: give
            ``mass_mev``; the workspace then holds the interference and pure parts with
            ``mu_interference`` and ``mu_pure``).
        data: dataset used as observations (default: the card's; ``asimov`` for the
            background expectation).
        poi_bounds: ``(lower, upper)`` of the POI (default: the builder's expected-size rule).
        **options: model options (see :func:`load_card`).

    Returns:
        A :class:`~xhf.workspace.likelihood.Likelihood` named after the card; its sidecar is
        the builder's with an ``experiment`` block describing the card.
    """
    read = _card(card)
    ts = load_card(read, model, **options)
    if len(ts.signals) != 1:
        raise InvalidParameterError(
            f"{read.source}: {len(ts.signals)} dark-photon masses give patchsets; give one "
            "mass_mev for a workspace, or use experiment_products"
        )
    signal = ts.signals[0].name
    label = data or read.data_label
    with _naming(read.source):
        built = build_workspace(
            ts, signal, data=label, poi_bounds=_poi_bounds(ts, signal, poi_bounds)
        )
    sidecar = {**built.sidecar, "experiment": read.describe()}
    return Likelihood(built.workspace, sidecar_document(sidecar), read.source)


def experiment_products(
    card: CardLike,
    model: str = "magnetic-moment",
    output: str | os.PathLike[str] | None = None,
    **arguments: Any,
) -> dict[Path, Any]:
    """Every file ``xhf experiment`` writes, by path: the same products as ``xhf build``.

    A power-law model gives ``<output>`` and its sidecar; the dark photon gives the
    background-only workspace ``<base>_BkgOnly.json``, the components patchset (interference
    and pure parts per mass) and, with ``couplings``, the grid patchset of exact excesses,
    each with its sidecar (:func:`xhf.workspace.products.build_products`). The arguments are
    those of :func:`experiment_likelihood`.
    """
    likelihood = experiment_likelihood(card, model, output, **arguments)
    return likelihood.products(output if output is not None else likelihood.source)


def experiment_likelihood(
    card: CardLike,
    model: str = "magnetic-moment",
    output: str | os.PathLike[str] | None = None,
    *,
    data: str | None = None,
    poi_bounds: Sequence[float] | None = None,
    couplings: Sequence[float] | Mapping[str, Sequence[float]] | None = None,
    **options: Any,
) -> Likelihood:
    """The likelihood ``xhf experiment`` writes (:func:`experiment_products` names its files),
    named after its workspace file.

    Args:
        card: the card path or a read card.
        model: the signal model.
        output: the workspace path (default ``<name>_<analysis>.json`` or
            ``<name>_<analysis>_BkgOnly.json`` in the current folder).
        data: dataset used as observations (default: the card's).
        poi_bounds: ``(lower, upper)`` of the POI.
        couplings: dark photon: the coupling grid of the grid patchset (shared or per signal).
        **options: model options (see :func:`load_card`).
    """
    read = _card(card)
    ts = load_card(read, model, **options)
    names = tuple(s.name for s in ts.signals)
    if model == "dark-photon" and not any(np.any(p.yields) for s in ts.signals for p in s.parts):
        raise InvalidParameterError(
            f"{read.source}: exposure: the dark-photon patchsets need a signal; the exposure is 0"
        )
    bounds = _poi_bounds(ts, names[0], poi_bounds) if len(names) == 1 else poi_bounds
    grid: dict[str, tuple[float, ...]] = {}
    if couplings is not None:
        if isinstance(couplings, Mapping):
            grid = {k: tuple(float(g) for g in v) for k, v in couplings.items()}
        else:
            grid = {name: tuple(float(g) for g in couplings) for name in names}
    _check_grid(read, ts, grid)
    config = BuildConfig(
        templates=ts,
        signals=names,
        data=data or read.data_label,
        measurement=None,
        poi_bounds=None if bounds is None else (float(bounds[0]), float(bounds[1])),
        couplings=grid,
        hepdata=read.references.get("hepdata"),
        source=read.source,
    )
    target = Path(output or default_output(config))
    with _naming(read.source):
        built = build_likelihood(config, target)

    def stamped(meta: Mapping[str, Any]) -> dict[str, Any]:
        return sidecar_document({**meta, "experiment": read.describe()})

    patchsets = {form: (ps, stamped(meta)) for form, (ps, meta) in built.patchsets.items()}
    likelihood = Likelihood(
        built.workspace,
        stamped(built.sidecar),
        target.name,
        patchsets,
        None,
        built.patchset_sources,
    )
    return likelihood
