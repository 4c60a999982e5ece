"""Published tables as a card takes them: columns by name, bin centres, rates and bands.

Experiments publish histograms at bin centres or between bin edges, efficiencies from 0 keV
in multi-column files with their uncertainty band, background models per component and the
observed spectrum as a rate in events/(tonne year keV). A card names such a table with a
*table spec* (:class:`TableSpec`): a file name alone (the historic two-column form), or
``{file, column, binning, lower_column, upper_column}``. This module reads the specs and turns
the tables into what the card needs, per bin of the card:

- a rate given at points (``binning: points``) is linear between rows and integrated exactly
  (:func:`integrate_linear`); a histogram (``centres`` or ``edges``) is constant in each of its
  bins, whose edges must fall on the card's bin edges (:func:`tile`), so that a card bin is a
  union of table bins and its yield the sum of rate x width over them;
- a binned rate of observed events becomes counts, rate x width x exposure, each of which
  must be a whole number to within a tolerance (:func:`rate_counts`).

Every error is one line naming the card, the field, the file and, where there is one, its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from xhf.combine.tables import (
    Column,
    Table,
    check_increasing,
    read_columns,
    read_table,
)
from xhf.templates.templateset import MAX_EVENTS

__all__ = [
    "BINNINGS",
    "DEFAULT_COUNT_TOLERANCE",
    "BackgroundComponent",
    "Histogram",
    "TableSpec",
    "efficiency_curves",
    "histogram",
    "integrate_linear",
    "rate_counts",
    "rate_yields",
    "read_spec",
    "tile",
]


def __dir__() -> list[str]:
    return __all__


#: How the energies of a table are given: points of a curve, bin centres, or bin edges.
BINNINGS: tuple[str, ...] = ("points", "centres", "edges")
#: Largest distance of rate x width x exposure from a whole number of events (default).
DEFAULT_COUNT_TOLERANCE = 0.05
#: Histogram edges agree with the card's to this fraction of the table's bin width (centres
#: printed to a few digits, 0.167, 0.5, 0.833 keV, give edges a little off the exact ones).
_TILE_TOLERANCE = 1e-2
#: Bin centres are equally spaced to this fraction of their mean spacing.
_SPACING_TOLERANCE = 1e-2


def integrate_linear(
    energy_kev: NDArray[np.float64], values: NDArray[np.float64], edges_kev: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Exact integral over each bin of the piecewise-linear function through the table rows.

    >>> integrate_linear(np.array([0.0, 10.0]), np.array([0.0, 10.0]), np.array([0.0, 1.0, 3.0]))
    array([0.5, 4. ])
    """
    inside = energy_kev[(energy_kev > edges_kev[0]) & (energy_kev < edges_kev[-1])]
    points = np.union1d(edges_kev, inside)
    y = np.interp(points, energy_kev, values)
    cumulative = np.concatenate([[0.0], np.cumsum(np.diff(points) * 0.5 * (y[1:] + y[:-1]))])
    return np.diff(cumulative[np.searchsorted(points, edges_kev)])


@dataclass(frozen=True)
class TableSpec:
    """How a card names a table: the file, the value column(s) and the binning.

    Attributes:
        file: the file name (relative to the card).
        column: the value column, a header name or a 1-based position; ``None``: the column
            after the energies.
        binning: ``points``, ``centres`` or ``edges`` (two energy columns, low and high).
        lower, upper: the columns of an uncertainty band (efficiency only).
        plain: the card gave a file name only: exactly the historic columns are read.
    """

    file: str
    column: Column | None = None
    binning: str = "points"
    lower: Column | None = None
    upper: Column | None = None
    plain: bool = True

    @classmethod
    def parse(cls, value: str | dict[str, Any], binning: str = "points") -> TableSpec:
        """A spec from the card's value (schema-valid: a string or a table object)."""
        if isinstance(value, str):
            return cls(value, binning=binning)
        return cls(
            str(value["file"]),
            value.get("column"),
            str(value.get("binning", binning)),
            value.get("lower_column"),
            value.get("upper_column"),
            plain=False,
        )

    @property
    def band(self) -> bool:
        """The spec names lower and upper columns."""
        return self.lower is not None


def read_spec(path: Path, spec: TableSpec, field: str, card: str) -> Table:
    """The table of ``spec``: energy column(s), the value column and the band columns, if any.

    A plain spec reads exactly the historic columns (energy and value; low, high and value for
    edges), so that old cards give the same errors.
    """
    energy = 2 if spec.binning == "edges" else 1
    if spec.plain:
        table = read_table(path, energy + 1, field, card)
    else:
        columns = [spec.column] + ([spec.lower, spec.upper] if spec.band else [])
        table = read_columns(path, field, card, energy, columns)
    if spec.binning == "points":
        check_increasing(table)
    return table


@dataclass(frozen=True)
class BackgroundComponent:
    """One background component of a card (``background.components``).

    Attributes:
        name: the component name (sample ``<experiment>_<name>``).
        yields: expected events per bin.
        table: the rate table's rows as read (energies, rate).
        normalization_uncertainty: fractional normsys constraint, or None when free.
    """

    name: str
    yields: NDArray[np.float64]
    table: NDArray[np.float64]
    normalization_uncertainty: float | None

    def describe(self) -> dict[str, Any]:
        """The component in the sidecar's ``experiment`` block."""
        return {
            "free": self.normalization_uncertainty is None,
            "name": self.name,
            "normalization_uncertainty": self.normalization_uncertainty,
        }


class Histogram(NamedTuple):
    """A table read as a histogram: its bin edges, the values per bin and the source table."""

    edges: NDArray[np.float64]
    values: NDArray[np.float64]
    table: Table

    @property
    def widths(self) -> NDArray[np.float64]:
        """Bin widths in keV."""
        return np.diff(self.edges)


def histogram(table: Table, binning: str) -> Histogram:
    """The bins of a ``centres`` or ``edges`` table; values are the columns after the energies.

    Centres must be equally spaced (to a thousandth of the spacing; published histograms are)
    and the first bin may not start below 0 keV; edges must be contiguous, low < high, >= 0.
    """
    rows = table.values
    if binning == "centres":
        check_increasing(table)
        centres = rows[:, 0]
        step = (centres[-1] - centres[0]) / (centres.size - 1)
        bad = np.flatnonzero(np.abs(np.diff(centres) - step) > _SPACING_TOLERANCE * step)
        if bad.size:
            i = int(bad[0]) + 1
            raise table.fail(
                f"bin centres must be equally spaced: {centres[i]:g} keV follows "
                f"{centres[i - 1]:g} keV, the mean spacing is {step:g} keV",
                i,
            )
        edges = centres[0] - 0.5 * step + step * np.arange(centres.size + 1)
        if edges[0] < -_TILE_TOLERANCE * step:
            raise table.fail(
                f"the bin centred at {centres[0]:g} keV ({step:g} keV wide) starts below 0 keV", 0
            )
        return Histogram(np.maximum(np.round(edges, 9), 0.0), rows[:, 1:], table)
    if rows.shape[0] == 0:
        raise table.fail("has no rows (needs at least 1); is the file empty?")
    low, high = rows[:, 0], rows[:, 1]
    for i in range(rows.shape[0]):
        if not 0 <= low[i] < high[i]:
            raise table.fail(f"bin {low[i]:g}-{high[i]:g} keV: needs 0 <= low < high", i)
        if i and abs(low[i] - high[i - 1]) > _TILE_TOLERANCE * (high[i] - low[i]):
            raise table.fail(
                f"bin {low[i]:g}-{high[i]:g} keV does not start where the previous one ends "
                f"({high[i - 1]:g} keV); the bins must be contiguous",
                i,
            )
    return Histogram(np.append(low, high[-1]), rows[:, 2:], table)


def tile(hist: Histogram, edges_kev: NDArray[np.float64]) -> NDArray[np.intp]:
    """The index into ``hist.edges`` of every card bin edge: the table's bins must tile them.

    Raises:
        InvalidInputError: the table does not cover the window, or a card edge falls inside a
            table bin (naming the bin's file line).
    """
    table, bins = hist.table, hist.edges
    tolerance = _TILE_TOLERANCE * float(np.min(hist.widths))
    if bins[0] > edges_kev[0] + tolerance or bins[-1] < edges_kev[-1] - tolerance:
        raise table.fail(
            f"the table's bins cover {bins[0]:g}-{bins[-1]:g} keV, the window is "
            f"{edges_kev[0]:g}-{edges_kev[-1]:g} keV"
        )
    index = np.clip(np.searchsorted(bins, edges_kev), 1, bins.size - 1)
    nearest = np.where(
        np.abs(bins[index - 1] - edges_kev) <= np.abs(bins[index] - edges_kev), index - 1, index
    )
    off = np.flatnonzero(np.abs(bins[nearest] - edges_kev) > tolerance)
    if off.size:
        edge = float(edges_kev[off[0]])
        j = int(np.searchsorted(bins, edge)) - 1
        raise table.fail(
            f"the card's bin edge {edge:g} keV falls inside the table's bin {bins[j]:g}-"
            f"{bins[j + 1]:g} keV: the table's bins do not tile the card's bins "
            "(energy_window_kev, bin_width_kev)",
            j,
        )
    return nearest


def _per_card_bin(values: NDArray[np.float64], index: NDArray[np.intp]) -> NDArray[np.float64]:
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    return cumulative[index[1:]] - cumulative[index[:-1]]


def _snapped_widths(
    hist: Histogram, index: NDArray[np.intp], edges_kev: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The table's bin widths with its edges at the card's edges (within the tolerance) moved
    onto them, so that the table bins of a card bin add up to exactly its width."""
    edges = hist.edges.copy()
    edges[index] = edges_kev
    return np.diff(edges)


def rate_yields(
    table: Table, binning: str, edges_kev: NDArray[np.float64], tonne_year: float
) -> NDArray[np.float64]:
    """Expected events per card bin of a rate in events/(tonne year keV), exposure x integral.

    Points: the exact integral of the linear interpolation. Centres or edges: the sum of
    rate x width over the table bins that tile each card bin.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if binning == "points":
            return tonne_year * integrate_linear(table.values[:, 0], table.values[:, 1], edges_kev)
        hist = histogram(table, binning)
        index = tile(hist, edges_kev)
        widths = _snapped_widths(hist, index, edges_kev)
        return tonne_year * _per_card_bin(hist.values[:, 0] * widths, index)


def rate_counts(
    table: Table,
    binning: str,
    edges_kev: NDArray[np.float64],
    tonne_year: float,
    tolerance: float = DEFAULT_COUNT_TOLERANCE,
) -> NDArray[np.float64]:
    """Observed counts per card bin from a binned rate of events in events/(tonne year keV).

    Each table bin inside the window holds rate x width x exposure events, which must be
    >= 0 and within ``tolerance`` of a whole number (a rate that does not come from counts, or
    the wrong exposure, is refused naming the bin); the whole numbers are summed per card bin.
    """
    hist = histogram(table, binning)
    index = tile(hist, edges_kev)
    widths = _snapped_widths(hist, index, edges_kev)
    with np.errstate(over="ignore", invalid="ignore"):
        events = hist.values[:, 0] * widths * tonne_year
    for i in range(int(index[0]), int(index[-1])):
        low, high, rate = hist.edges[i], hist.edges[i + 1], hist.values[i, 0]
        where = (
            f"bin {low:g}-{high:g} keV: rate {rate:g} x {high - low:g} keV x {tonne_year:g} t yr"
        )
        if not 0 <= events[i] <= MAX_EVENTS:
            raise table.fail(f"{where} = {events[i]:.4g} events, not in [0, {MAX_EVENTS:g}]", i)
        if abs(events[i] - round(events[i])) > tolerance:
            raise table.fail(
                f"{where} = {events[i]:.4g} events, not a whole number (to within "
                f"{tolerance:g}; data.count_tolerance); is the exposure the data's?",
                i,
            )
    return _per_card_bin(np.round(events), index)


def efficiency_curves(table: Table, binning: str) -> tuple[NDArray[np.float64], NDArray]:
    """Energies and efficiency columns (nominal, then lower and upper if given) of a table.

    Every efficiency lies in [0, 1] and a band holds the nominal (lower <= nominal <= upper).
    At bin ``centres`` each value holds over its bin: the curve is extended, flat, to the
    histogram's outer edges.
    """
    columns = table.values[:, 1:]
    names = ("efficiency", "lower efficiency", "upper efficiency")
    for j in range(columns.shape[1]):
        bad = np.flatnonzero((columns[:, j] < 0) | (columns[:, j] > 1))
        if bad.size:
            i = int(bad[0])
            raise table.fail(f"{names[j]} {columns[i, j]:g} is outside [0, 1]", i)
    if columns.shape[1] == 3:
        for j, relation, bad in (
            (1, "above", np.flatnonzero(columns[:, 1] > columns[:, 0])),
            (2, "below", np.flatnonzero(columns[:, 2] < columns[:, 0])),
        ):
            if bad.size:
                i = int(bad[0])
                raise table.fail(
                    f"{names[j]} {columns[i, j]:g} is {relation} the nominal {columns[i, 0]:g}; "
                    "the band must hold the nominal",
                    i,
                )
    energy = table.values[:, 0]
    if binning == "centres":
        bins = histogram(table, "centres").edges
        energy = np.concatenate([[bins[0]], energy, [bins[-1]]])
        columns = np.concatenate([columns[:1], columns, columns[-1:]])
    return energy, columns
