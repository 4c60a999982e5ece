"""Experiment cards: one electron-recoil experiment described by its published tables.

A card (YAML, schema ``xhf/combine/schema/card-v1.json``, every field in docs/combination.md)
names the target, the exposure, the analysis window and binning, the observed spectrum, the
background model, the signal efficiency and the energy resolution; file paths are relative to
the card. :func:`read_card` reads it strictly (:mod:`xhf.yamlio`: no duplicated keys, YAML 1.2
numbers) and validates it in two layers -- the schema (structure, types, finite numbers), then
the semantics (files exist, energies increase, efficiencies lie in [0, 1], tables cover the
window, the bin width divides the window into at most MAX_BINS bins, at most
MAX_EVENTS expected background events or observed counts in a bin, a resolution no
wider than the energy at the window's top, a threshold below it) -- and returns a
:class:`Card` with the numbers read and the background integrated over the bins. Every error is
one line naming the card and the YAML field (and the file line where there is one).

The background yield of bin i is exposure x the integral of the tabulated rate over the bin
(linear between rows, integrated exactly; or, for a histogram at bin centres or edges, the sum
of rate x width over the table bins that make up the card bin): the rate is already in
reconstructed energy with the efficiency applied, as experiments publish their background
models -- as one total or by component, each with its own constraint. Tables are taken as
published (:mod:`xhf.combine.published`): columns by header name or position, bin centres,
efficiencies from 0 keV with a lower/upper band, observed data as a binned rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xhf.ceilings import MAX_BINS
from xhf.combine.card_tables import CardTables
from xhf.combine.published import BackgroundComponent, integrate_linear
from xhf.combine.resolution import LinearResolution
from xhf.detector import Efficiency, TabulatedEfficiency, TabulatedResolution
from xhf.detector.defaults import DAYS_PER_YEAR, SCINTILLATION_THRESHOLD_KEV
from xhf.exceptions import InvalidInputError, MissingFileError, XhfError
from xhf.jsonread import parse_json
from xhf.physics.target import Target, load_target

# The builder's schema-message formatter, shared so that configs and cards read alike.
from xhf.workspace.config_schema import check_numbers, check_schema, require_mapping
from xhf.yamlio import read_yaml

__all__ = [
    "CARD_VERSION",
    "DEFAULT_BIN_WIDTH_KEV",
    "DEFAULT_DATA_LABEL",
    "PSEUDO_DATA_PREFIXES",
    "RESERVED_DATA_LABEL",
    "BackgroundComponent",
    "Card",
    "card_schema",
    "integrate_linear",
    "read_card",
    "validate_card",
]


def __dir__() -> list[str]:
    return __all__


#: The card format version this module reads.
CARD_VERSION = 1
#: Bin width when the card gives none.
DEFAULT_BIN_WIDTH_KEV = 1.0
#: Label of the card's dataset when the card gives none.
DEFAULT_DATA_LABEL = "observed"
#: Dataset labels that say "pseudo-data" (``asimov`` is also the name of the Asimov dataset
#: xhf adds to every card's workspace, so a card's own data may never take it).
RESERVED_DATA_LABEL = "asimov"
PSEUDO_DATA_PREFIXES = ("asimov", "pseudo", "toy")
#: Default atomic-model uncertainty of the signal (XMASS-I: 5 %).
DEFAULT_ATOMIC_MODEL_UNCERTAINTY = 0.05


@cache
def card_schema(version: int = CARD_VERSION) -> dict[str, Any]:
    """The JSON schema of card format ``version``."""
    text = resources.files("xhf.combine").joinpath(f"schema/card-v{version}.json").read_text()
    return parse_json(text, f"xhf/combine/schema/card-v{version}.json")


def validate_card(document: Any, source: str) -> None:
    """Check a parsed card against the schema; one line ``<card>: <yaml path>: <problem>``.

    Raises:
        InvalidInputError: the first problem (jsonschema's best match), or a NaN/infinity.
    """
    require_mapping(document, source)
    check_schema(document, card_schema(), source)
    check_numbers(document, source)


@dataclass(frozen=True)
class Card:
    """A validated experiment card with its tables read.

    Attributes:
        name: experiment name (channel name and nuisance prefix).
        source: the card file name used in messages and sidecars (no folders).
        target: the target element.
        target_spec: the card's ``target`` value (a name or a file name).
        exposure_kg_day: exposure in kg day (>= 0).
        edges_kev: reconstructed-energy bin edges in keV.
        threshold_kev: true-energy threshold in keV.
        data: observed counts per bin.
        data_info: the dataset block of the sidecar (label, pseudo_data, seed, description).
        background_yields: expected background events per bin (all components).
        background_table: rows energy_kev, rate in events/(tonne year keV) (of the first
            component when the card gives components).
        normalization_uncertainty: fractional background normalisation constraint, or None
            (free normalisation, or components with their own constraints).
        efficiency: the signal efficiency versus reconstructed energy.
        efficiency_uncertainty: flat fractional uncertainty of the signal efficiency, or None.
        atomic_model_uncertainty: flat fractional atomic-model uncertainty of the signal.
        resolution: sigma(E) in keV (:class:`LinearResolution` or a table).
        description: free text.
        references: ``paper`` and ``hepdata`` of the card, if given.
        background_components: the components of ``background.components`` (empty: one
            background ``<name>_background``).
        efficiency_band: (lower, upper) efficiencies of the band columns, or None.
    """

    name: str
    source: str
    target: Target
    target_spec: str
    exposure_kg_day: float
    edges_kev: NDArray[np.float64]
    threshold_kev: float
    data: NDArray[np.float64]
    data_info: dict[str, Any]
    background_yields: NDArray[np.float64]
    background_table: NDArray[np.float64]
    normalization_uncertainty: float | None
    efficiency: Efficiency | TabulatedEfficiency
    efficiency_uncertainty: float | None
    atomic_model_uncertainty: float
    resolution: LinearResolution | TabulatedResolution
    description: str = ""
    references: dict[str, str] = field(default_factory=dict)
    background_components: tuple[BackgroundComponent, ...] = ()
    efficiency_band: tuple[TabulatedEfficiency, TabulatedEfficiency] | None = None

    @property
    def data_label(self) -> str:
        """Label of the card's dataset."""
        return str(self.data_info["label"])

    @property
    def exposure_tonne_year(self) -> float:
        """Exposure in tonne-years (365.25-day years)."""
        return self.exposure_kg_day / (1000.0 * DAYS_PER_YEAR)

    def describe(self) -> dict[str, Any]:
        """The sidecar's ``experiment`` block (plain JSON values)."""
        extra: dict[str, Any] = {}
        if self.background_components:
            extra["background_components"] = [c.describe() for c in self.background_components]
        if self.efficiency_band is not None:
            extra["efficiency_band"] = [band.describe() for band in self.efficiency_band]
        return extra | {
            "atomic_model_uncertainty": float(self.atomic_model_uncertainty),
            "background_normalization_uncertainty": self.normalization_uncertainty,
            "card": self.source,
            "description": self.description,
            "efficiency": self.efficiency.describe(),
            "efficiency_uncertainty": self.efficiency_uncertainty,
            "energy_window_kev": [float(self.edges_kev[0]), float(self.edges_kev[-1])],
            "bin_width_kev": float(self.edges_kev[1] - self.edges_kev[0]),
            "exposure_kg_day": float(self.exposure_kg_day),
            "name": self.name,
            "references": dict(self.references),
            "resolution": self.resolution.describe(),
            "target": self.target.name,
            "threshold_kev": float(self.threshold_kev),
        }


class _CardReader(CardTables):
    """Semantic checks of a schema-valid card (the binning, exposure, target and data labels;
    the tables are :class:`~xhf.combine.card_tables.CardTables`); errors name the card and the
    YAML field."""

    def edges(self) -> NDArray[np.float64]:
        low, high = (float(x) for x in self.doc["energy_window_kev"])
        if not high > low:
            raise self.fail("energy_window_kev", f"low {low:g} keV must be below high {high:g} keV")
        width = float(self.doc.get("bin_width_kev", DEFAULT_BIN_WIDTH_KEV))
        n = (high - low) / width
        where = "bin_width_kev" if "bin_width_kev" in self.doc else "energy_window_kev"
        if n > MAX_BINS:
            raise self.fail(
                where,
                f"{width:g} keV bins over {low:g}-{high:g} keV are {n:.3g} bins, above the "
                f"ceiling of {MAX_BINS}",
            )
        bins = round(n)
        if bins < 1 or abs(n - bins) > 1e-9 * max(n, 1.0):
            raise self.fail(where, f"{width:g} keV does not divide the window {low:g}-{high:g} keV")
        return np.round(low + width * np.arange(bins + 1), 9)

    def exposure_kg_day(self) -> float:
        exposure = self.doc["exposure"]
        value = float(exposure["value"])
        return value * 1000.0 * DAYS_PER_YEAR if exposure["unit"] == "tonne_year" else value

    def target(self) -> Target:
        spec = str(self.doc["target"])
        resolved = self.file(spec) if spec.endswith(".json") else spec
        try:
            return load_target(resolved)
        except XhfError as exc:
            kind = MissingFileError if isinstance(exc, MissingFileError) else InvalidInputError
            raise kind(f"{self.source}: target: {exc}") from None

    def data(
        self, edges: NDArray[np.float64], exposure_kg_day: float
    ) -> tuple[NDArray[np.float64], dict[str, Any]]:
        block = self.doc["data"]
        counts = self.observed(edges, exposure_kg_day)
        info = self.data_label_rule(
            str(block.get("label", DEFAULT_DATA_LABEL)), bool(block.get("pseudo_data", False))
        )
        for key in ("seed", "description"):
            if key in block:
                info[key] = block[key]
        return counts, info

    def data_label_rule(self, label: str, pseudo_data: bool) -> dict[str, Any]:
        """The label must say what the data are (docs/combination.md, "Data labels").

        A card's counts are real data unless ``pseudo_data: true``; a pseudo-data label
        (``asimov*``, ``pseudo*``, ``toy*``) needs that flag, the flag needs such a label
        (not ``observed``), and ``asimov`` itself is the dataset xhf generates.
        """
        pseudo_label = label.lower().startswith(PSEUDO_DATA_PREFIXES)
        if label.lower() == RESERVED_DATA_LABEL:
            raise self.fail(
                "data.label",
                f"{label!r} is reserved for the Asimov dataset xhf generates; name the card's "
                "data differently (e.g. observed, or pseudo_poisson with pseudo_data: true)",
            )
        if pseudo_label and not pseudo_data:
            raise self.fail(
                "data.label",
                f"{label!r} labels pseudo-data but the card's data are real "
                "(set data.pseudo_data: true if they were generated)",
            )
        if pseudo_data and label.lower() == DEFAULT_DATA_LABEL:
            raise self.fail(
                "data.pseudo_data",
                f"true, but the data are labelled {label!r}; give a pseudo-data label "
                "(e.g. pseudo_poisson)",
            )
        return {"label": label, "pseudo_data": pseudo_data}


def read_card(path: str | Path) -> Card:
    """Read and validate an experiment card (YAML) and the tables it names.

    Args:
        path: the card file; relative paths inside it are relative to its folder.

    Returns:
        The :class:`Card`, with the data histogrammed and the background integrated per bin.

    Raises:
        MissingFileError: the card or a file it names does not exist.
        InvalidInputError: anything else; one line naming the card and the YAML field.
    """
    card_path = Path(path)
    if not card_path.is_file():
        raise MissingFileError(f"{card_path}: no such card file")
    doc = read_yaml(card_path)
    validate_card(doc, card_path.name)
    reader = _CardReader(card_path, doc)
    edges = reader.edges()
    exposure = reader.exposure_kg_day()
    target = reader.target()
    data, data_info = reader.data(edges, exposure)
    yields, table, uncertainty, components = reader.background(edges, exposure)
    efficiency, band = reader.efficiency(edges)
    resolution = reader.resolution(edges)
    threshold = float(doc.get("threshold_kev", SCINTILLATION_THRESHOLD_KEV))
    if threshold >= edges[-1]:
        raise reader.fail(
            "threshold_kev" if "threshold_kev" in doc else "energy_window_kev",
            f"the threshold ({threshold:g} keV) is not below the window's top "
            f"({edges[-1]:g} keV): nothing in the window could be detected",
        )
    return Card(
        name=str(doc["name"]),
        source=card_path.name,
        target=target,
        target_spec=str(doc["target"]),
        exposure_kg_day=exposure,
        edges_kev=edges,
        threshold_kev=threshold,
        data=data,
        data_info=data_info,
        background_yields=yields,
        background_table=table,
        normalization_uncertainty=uncertainty,
        efficiency=efficiency,
        efficiency_uncertainty=doc.get("efficiency_uncertainty"),
        atomic_model_uncertainty=float(
            doc.get("atomic_model_uncertainty", DEFAULT_ATOMIC_MODEL_UNCERTAINTY)
        ),
        resolution=resolution,
        description=str(doc.get("description", "")),
        references={k: str(v) for k, v in doc.get("references", {}).items()},
        background_components=components,
        efficiency_band=band,
    )
