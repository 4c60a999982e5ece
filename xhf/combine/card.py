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

from xhf.ceilings import MAX_BINS, MAX_EVENTS
from xhf.combine.published import (
    DEFAULT_COUNT_TOLERANCE,
    BackgroundComponent,
    TableSpec,
    efficiency_curves,
    integrate_linear,
    rate_counts,
    rate_yields,
    read_spec,
)
from xhf.combine.resolution import LinearResolution
from xhf.combine.tables import Table, check_increasing, read_events, read_table
from xhf.detector import Efficiency, TabulatedEfficiency, TabulatedResolution
from xhf.detector.defaults import DAYS_PER_YEAR, SCINTILLATION_THRESHOLD_KEV
from xhf.exceptions import InvalidInputError, MissingFileError, XhfError
from xhf.jsonio import parse_json
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
#: Edges of a data row must agree with the card's bins to this many keV.
_EDGE_TOLERANCE_KEV = 1e-6


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


class _CardReader:
    """Semantic checks of a schema-valid card; errors name the card and the YAML field."""

    def __init__(self, path: Path, doc: dict[str, Any]) -> None:
        self.path, self.doc, self.source = path, doc, path.name

    def fail(self, where: str, message: str) -> InvalidInputError:
        return InvalidInputError(f"{self.source}: {where}: {message}")

    def file(self, name: str) -> Path:
        path = Path(name)
        return path if path.is_absolute() else self.path.parent / path

    def table(self, where: str, name: str, columns: int) -> Table:
        table = read_table(self.file(name), columns, where, self.source)
        if columns == 2:
            check_increasing(table)
        return table

    def spec(self, where: str, value: Any, binning: str = "points") -> tuple[TableSpec, Table]:
        """A table named by a file name or a table object (:class:`TableSpec`)."""
        spec = TableSpec.parse(value, binning)
        return spec, read_spec(self.file(spec.file), spec, where, self.source)

    def covers(self, table: Table, edges: NDArray[np.float64], span=None) -> None:
        first, last = span or (float(table.values[0, 0]), float(table.values[-1, 0]))
        if first > edges[0] + _EDGE_TOLERANCE_KEV or last < edges[-1] - _EDGE_TOLERANCE_KEV:
            raise table.fail(
                f"the table covers {first:g}-{last:g} keV, the window is "
                f"{edges[0]:g}-{edges[-1]:g} keV"
            )

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
        given = [key for key in ("events_file", "counts_file", "rate_file") if key in block]
        if len(given) != 1:
            raise self.fail("data", "give exactly one of events_file, counts_file and rate_file")
        if "count_tolerance" in block and given[0] != "rate_file":
            raise self.fail("data.count_tolerance", "applies to data.rate_file only")
        if given[0] == "events_file":
            where = "data.events_file"
            events = read_events(self.file(block[given[0]]), where, self.source)
            counts = np.histogram(events, bins=edges)[0].astype(float)
        elif given[0] == "rate_file":
            spec, table = self.spec("data.rate_file", block["rate_file"], "edges")
            tolerance = float(block.get("count_tolerance", DEFAULT_COUNT_TOLERANCE))
            tonne_year = exposure_kg_day / (1000.0 * DAYS_PER_YEAR)
            counts = rate_counts(table, spec.binning, edges, tonne_year, tolerance)
        else:
            counts = self.counts(edges, self.table("data.counts_file", block["counts_file"], 3))
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

    def counts(self, edges: NDArray[np.float64], table: Table) -> NDArray[np.float64]:
        rows = table.values
        if rows.shape[0] != edges.size - 1:
            raise table.fail(f"has {rows.shape[0]} rows, the card's binning has {edges.size - 1}")
        for i, (low, high, count) in enumerate(rows):
            if abs(low - edges[i]) > _EDGE_TOLERANCE_KEV or abs(high - edges[i + 1]) > (
                _EDGE_TOLERANCE_KEV
            ):
                raise table.fail(
                    f"bin {low:g}-{high:g} keV is not the card's bin {edges[i]:g}-"
                    f"{edges[i + 1]:g} keV (energy_window_kev, bin_width_kev)",
                    i,
                )
            if count < 0:
                raise table.fail(f"counts {count:g} are negative", i)
            if count > MAX_EVENTS:
                raise table.fail(
                    f"counts {count:g} exceed the ceiling of {MAX_EVENTS:g} per bin", i
                )
        return rows[:, 2].copy()

    def background(self, edges: NDArray[np.float64], exposure_kg_day: float):
        """Total yields, the (first) rate table, the uncertainty and the components."""
        block = self.doc["background"]
        if "components" in block:
            for key in ("rate_file", "normalization_uncertainty"):
                if key in block:
                    raise self.fail(
                        f"background.{key}",
                        "give it per component with background.components, not both",
                    )
            parts = [
                self.component(i, c, edges, exposure_kg_day)
                for i, c in enumerate(block["components"])
            ]
            seen: dict[str, int] = {}
            for i, part in enumerate(parts):
                if part.name in seen:
                    raise self.fail(
                        f"background.components[{i}].name",
                        f"{part.name!r} is also components[{seen[part.name]}]; names must differ",
                    )
                seen[part.name] = i
            total = np.sum([part.yields for part in parts], axis=0)
            return total, parts[0].table, None, tuple(parts)
        if "rate_file" not in block:
            raise self.fail("background.rate_file", "is required (or give background.components)")
        yields, table = self.rate(
            "background.rate_file", block["rate_file"], edges, exposure_kg_day
        )
        uncertainty = block.get("normalization_uncertainty")
        return yields, table, None if uncertainty is None else float(uncertainty), ()

    def component(
        self, i: int, block: dict[str, Any], edges: NDArray[np.float64], exposure_kg_day: float
    ) -> BackgroundComponent:
        where = f"background.components[{i}]"
        given = [key for key in ("normalization_uncertainty", "free") if key in block]
        if len(given) != 1:
            raise self.fail(
                where,
                "give normalization_uncertainty (a normsys) or free: true (a normfactor)"
                + (", not both" if given else ""),
            )
        yields, table = self.rate(f"{where}.rate_file", block["rate_file"], edges, exposure_kg_day)
        uncertainty = block.get("normalization_uncertainty")
        return BackgroundComponent(
            str(block["name"]), yields, table, None if uncertainty is None else float(uncertainty)
        )

    def rate(self, where: str, value: Any, edges: NDArray[np.float64], exposure_kg_day: float):
        """Yields per bin of a rate table in events/(tonne year keV), and its rows."""
        spec, table = self.spec(where, value)
        negative = np.flatnonzero(table.values[:, -1] < 0)
        if negative.size:
            i = int(negative[0])
            raise table.fail(f"rate {table.values[i, -1]:g} is negative", i)
        if spec.binning == "points":
            self.covers(table, edges)
        tonne_year = exposure_kg_day / (1000.0 * DAYS_PER_YEAR)
        yields = rate_yields(table, spec.binning, edges, tonne_year)
        above = np.flatnonzero(~(yields <= MAX_EVENTS))
        if above.size:
            i = int(above[0])
            raise table.fail(
                f"bin {i} ({edges[i]:g}-{edges[i + 1]:g} keV): {yields[i]:.3g} expected events "
                f"(exposure {tonne_year:.3g} tonne-years x the rate's integral) exceed the "
                f"ceiling of {MAX_EVENTS:g} per bin"
            )
        return yields, table.values

    def efficiency(self, edges: NDArray[np.float64]):
        """The signal efficiency and the (lower, upper) band, or None."""
        if "efficiency_file" not in self.doc:
            return Efficiency.constant(1.0), None
        spec, table = self.spec("efficiency_file", self.doc["efficiency_file"])
        if spec.band and "efficiency_uncertainty" in self.doc:
            raise self.fail(
                "efficiency_uncertainty",
                "give either a flat efficiency_uncertainty or the band columns of "
                "efficiency_file, not both",
            )
        energy, columns = efficiency_curves(table, spec.binning)
        self.covers(table, edges, (float(energy[0]), float(energy[-1])))
        source = f"{self.source}: efficiency_file ({table.path.name})"
        curves = [
            TabulatedEfficiency(energy, columns[:, j], source + suffix)
            for j, suffix in enumerate(("", " lower", " upper")[: columns.shape[1]])
        ]
        return curves[0], (tuple(curves[1:]) if spec.band else None)

    def resolution(self, edges: NDArray[np.float64]) -> LinearResolution | TabulatedResolution:
        block = self.doc["resolution"]
        top = float(edges[-1])
        if "table_file" in block:
            if "a" in block or "b" in block:
                raise self.fail("resolution", "give either a and b, or table_file, not both")
            table = self.table("resolution.table_file", block["table_file"], 2)
            energy, sigma = table.values[:, 0], table.values[:, 1]
            bad = np.flatnonzero(sigma <= 0)
            if bad.size:
                raise table.fail(f"sigma {sigma[int(bad[0])]:g} keV must be positive", int(bad[0]))
            wide = np.flatnonzero((energy >= top) & (sigma > energy))
            if wide.size:
                i = int(wide[0])
                raise table.fail(
                    f"sigma {sigma[i]:g} keV at {energy[i]:g} keV is wider than the energy "
                    f"(at and above the window's top, {top:g} keV, sigma must not exceed E)",
                    i,
                )
            resolution = TabulatedResolution(energy, sigma, f"{self.source}: resolution.table_file")
            where = "resolution.table_file"
        else:
            if "a" not in block:
                raise self.fail("resolution.a", "is required (or give resolution.table_file)")
            a, b = float(block["a"]), float(block.get("b", 0.0))
            if a == 0 and b == 0:
                raise self.fail("resolution", "a and b are both zero; the width must be positive")
            resolution, where = LinearResolution(a, b), "resolution"
        with np.errstate(over="ignore"):
            width = float(resolution(top))
        if not width <= top:
            raise self.fail(
                where,
                f"sigma({top:g} keV) = {width:.3g} keV is wider than the energy at the window's "
                "top (a resolution above 100 % is not a detector's)",
            )
        return resolution


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
