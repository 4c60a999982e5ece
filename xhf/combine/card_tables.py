"""The tables of an experiment card, read against the card's binning.

:class:`CardTables` reads the files a card names -- the observed data (events, counts or a
binned rate), the background rate tables (one or by component), the signal efficiency (with
its band) and the energy resolution -- and checks each against the card's energy window and
bins: rows cover the window, rates are not negative, no bin exceeds
:data:`~xhf.ceilings.MAX_EVENTS` events, the resolution is no wider than the energy at the
window's top. Every error is one line naming the card, the YAML field and, where there is one,
the table's file and line. The card itself (schema, defaults, :class:`~xhf.combine.card.Card`)
is :mod:`xhf.combine.card`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xhf.ceilings import MAX_EVENTS
from xhf.combine.published import (
    DEFAULT_COUNT_TOLERANCE,
    BackgroundComponent,
    TableSpec,
    efficiency_curves,
    rate_counts,
    rate_yields,
    read_spec,
)
from xhf.combine.resolution import LinearResolution
from xhf.combine.tables import Table, check_increasing, read_events, read_table
from xhf.detector import Efficiency, TabulatedEfficiency, TabulatedResolution
from xhf.detector.defaults import DAYS_PER_YEAR
from xhf.exceptions import InvalidInputError

__all__ = ["CardTables"]


def __dir__() -> list[str]:
    return __all__


#: Edges of a data row must agree with the card's bins to this many keV.
_EDGE_TOLERANCE_KEV = 1e-6


class CardTables:
    """Reads and checks the tables a schema-valid card names; errors name the card and the
    YAML field (``fail``), or the table's file and line (:meth:`Table.fail`).

    Args:
        path: the card file (tables are relative to its folder).
        doc: the parsed, schema-valid card.
    """

    def __init__(self, path: Path, doc: dict[str, Any]) -> None:
        self.path, self.doc, self.source = path, doc, path.name

    def fail(self, where: str, message: str) -> InvalidInputError:
        """The one-line error ``<card>: <field>: <message>`` (raise it)."""
        return InvalidInputError(f"{self.source}: {where}: {message}")

    def file(self, name: str) -> Path:
        """A table file named in the card: absolute, or relative to the card's folder."""
        path = Path(name)
        return path if path.is_absolute() else self.path.parent / path

    def table(self, where: str, name: str, columns: int) -> Table:
        """The table ``name`` with ``columns`` columns (a two-column table must increase in x)."""
        table = read_table(self.file(name), columns, where, self.source)
        if columns == 2:
            check_increasing(table)
        return table

    def spec(self, where: str, value: Any, binning: str = "points") -> tuple[TableSpec, Table]:
        """A table named by a file name or a table object (:class:`TableSpec`)."""
        spec = TableSpec.parse(value, binning)
        return spec, read_spec(self.file(spec.file), spec, where, self.source)

    def covers(self, table: Table, edges: NDArray[np.float64], span=None) -> None:
        """Refuse a table that does not cover the card's energy window ``edges`` (or ``span``)."""
        first, last = span or (float(table.values[0, 0]), float(table.values[-1, 0]))
        if first > edges[0] + _EDGE_TOLERANCE_KEV or last < edges[-1] - _EDGE_TOLERANCE_KEV:
            raise table.fail(
                f"the table covers {first:g}-{last:g} keV, the window is "
                f"{edges[0]:g}-{edges[-1]:g} keV"
            )

    def observed(self, edges: NDArray[np.float64], exposure_kg_day: float) -> NDArray[np.float64]:
        """Observed counts per bin from the one of ``data.events_file`` (events histogrammed),
        ``data.counts_file`` (rows low, high, counts on the card's bins) and ``data.rate_file``
        (a binned rate times the exposure, whole counts within ``data.count_tolerance``)."""
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
        return counts

    def counts(self, edges: NDArray[np.float64], table: Table) -> NDArray[np.float64]:
        """Events per bin from a ``low, high, count`` table whose rows are the card's bins."""
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
        """Background component ``i`` of the card: its yields in ``edges`` and its constraint."""
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
        """The energy resolution of the card: ``a``/``b`` of sigma(E), or a table (``table_file``)."""
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
