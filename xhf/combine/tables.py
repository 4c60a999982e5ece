"""The text tables an experiment card points at: rows of numbers, errors naming card, field and line.

Experiments publish their electron-recoil spectra, background models, efficiencies and
resolutions as small tables. A card file is plain text: one row per line, columns separated by
whitespace or commas, ``#`` starts a comment, blank lines are skipped and a first line that is
not numeric (``energy_kev,rate``) is taken as a header. Published tables often hold several
columns (efficiency with its lower and upper bands, a rate per background component):
:func:`read_columns` picks columns by header name or by position. Every error is one line naming the card,
the YAML field and the file line, e.g.
``card.yml: background.rate_file (bkg.txt): line 7: energies must increase strictly``.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "eff.txt"
>>> _ = path.write_text("energy_kev, efficiency\\n1, 0.5\\n10, 0.9  # plateau\\n")
>>> table = read_table(path, 2, "efficiency_file", "card.yml")
>>> table.values.tolist(), table.lines
([[1.0, 0.5], [10.0, 0.9]], (2, 3))
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from xhf.exceptions import InvalidInputError, MissingFileError

__all__ = [
    "Column",
    "Table",
    "TableError",
    "check_increasing",
    "read_columns",
    "read_events",
    "read_table",
]


def __dir__() -> list[str]:
    return __all__


_SPLIT = re.compile(r"[,\s]+")


class Table(NamedTuple):
    """Rows of a card file: the numbers (n, columns) and the file line of each row."""

    values: NDArray[np.float64]
    lines: tuple[int, ...]
    path: Path
    field: str
    card: str

    def fail(self, message: str, row: int | None = None) -> InvalidInputError:
        """The error for ``message``, at the file line of ``row`` (an index into the rows)."""
        return TableError(self.card, self.field, self.path)(
            message, None if row is None else self.lines[row]
        )


class TableError:
    """Builds the one-line messages of a card file: ``<card>: <field> (<file>): <what>``."""

    def __init__(self, card: str, field: str, path: Path) -> None:
        self.prefix = f"{card}: {field} ({path.name})"

    def __call__(self, message: str, line: int | None = None) -> InvalidInputError:
        where = f"line {line}: " if line is not None else ""
        return InvalidInputError(f"{self.prefix}: {where}{message}")


#: A column chosen by its header name or by its position (1 is the first column).
Column = str | int


def _rows(path: Path, field: str, card: str) -> list[tuple[int, list[str]]]:
    if not path.is_file():
        raise MissingFileError(f"{card}: {field}: no such file {str(path)!r}")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{card}: {field} ({path.name}): cannot read ({exc})") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if content:
            rows.append((number, [t for t in _SPLIT.split(content) if t]))
    return rows


def _header_names(path: Path, line: int) -> list[str]:
    """The names of a header line: comma-separated (quotes allowed) or whitespace-separated."""
    content = path.read_text().splitlines()[line - 1].split("#", 1)[0].strip()
    if "," in content:
        return [name.strip() for name in next(csv.reader([content], skipinitialspace=True))]
    return content.split()


def _number(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value


def read_table(path: Path, columns: int, field: str, card: str) -> Table:
    """Rows of ``columns`` finite numbers from a card file, with their line numbers.

    Args:
        path: the file (already resolved against the card's folder).
        columns: number of columns every row must have.
        field: the card field naming the file (``background.rate_file``), for messages.
        card: the card file name, for messages.

    Raises:
        MissingFileError: no such file.
        InvalidInputError: a row with another number of columns, a non-number, NaN or infinity
            (the message names card, field, file and line).
    """
    fail = TableError(card, field, path)
    rows = _rows(path, field, card)
    if rows and all(_number(t) is None for t in rows[0][1]):
        rows = rows[1:]  # a header line
    return Table(_numbers(rows, columns, fail), tuple(line for line, _ in rows), path, field, card)


def _numbers(rows: list[tuple[int, list[str]]], columns: int, fail: TableError) -> NDArray:
    out = np.empty((len(rows), columns))
    for i, (line, tokens) in enumerate(rows):
        if len(tokens) != columns:
            raise fail(f"expected {columns} columns, found {len(tokens)}", line)
        for j, token in enumerate(tokens):
            value = _number(token)
            if value is None or not math.isfinite(value):
                raise fail(f"column {j + 1} is {token!r}, not a finite number", line)
            out[i, j] = value
    return out


def _position(column: Column, names: list[str] | None, width: int, fail: TableError) -> int:
    """The 0-based position of ``column`` (a header name or a 1-based position)."""
    if isinstance(column, str):
        if names is None:
            raise fail(f"column {column!r} is chosen by name, but the file has no header line")
        if names.count(column) != 1:
            found = "twice" if column in names else "not"
            raise fail(f"column {column!r} is {found} in the header ({', '.join(names)})")
        return names.index(column)
    if not 1 <= column <= width:
        raise fail(f"column {column} is out of range: the rows have {width} columns (1-{width})")
    return column - 1


def read_columns(
    path: Path, field: str, card: str, energy: int, columns: Sequence[Column | None]
) -> Table:
    """The energy columns and the chosen value columns of a multi-column table.

    The first ``energy`` columns are energies (1: a point or a bin centre; 2: bin edges); each
    entry of ``columns`` is a header name, a 1-based position, or ``None`` for the column after
    the energies. Every row has as many columns as the first row (and as the header names).

    Returns:
        A :class:`Table` with the energy columns, then the chosen columns in order.

    Raises:
        InvalidInputError: a ragged row, a non-number, an unknown name, a position out of
            range or one that is an energy column.
    """
    fail = TableError(card, field, path)
    rows = _rows(path, field, card)
    names = None
    if rows and all(_number(t) is None for t in rows[0][1]):
        names = _header_names(path, rows[0][0])
        rows = rows[1:]
    width = len(rows[0][1]) if rows else (len(names) if names else energy + 1)
    if names is not None and len(names) != width:
        raise fail(f"the header names {len(names)} columns, the rows have {width}", rows[0][0])
    values = _numbers(rows, width, fail)
    picked = []
    for column in columns:
        index = energy if column is None else _position(column, names, width, fail)
        if index >= width:
            raise fail(f"has {width} columns; the value column {index + 1} is missing")
        if index < energy:
            raise fail(f"column {column!r} is the energy column; choose a value column")
        picked.append(index)
    chosen = values[:, list(range(energy)) + picked]
    return Table(chosen, tuple(line for line, _ in rows), path, field, card)


def read_events(path: Path, field: str, card: str) -> NDArray[np.float64]:
    """Reconstructed energies in keV, one per line (may be empty: an experiment without events).

    Raises:
        InvalidInputError: a line that is not one finite, non-negative number.
    """
    fail = TableError(card, field, path)
    values = []
    for line, tokens in _rows(path, field, card):
        value = _number(tokens[0]) if len(tokens) == 1 else None
        if value is None or not math.isfinite(value) or value < 0:
            raise fail(f"{' '.join(tokens)!r} is not one energy in keV (finite, >= 0)", line)
        values.append(value)
    return np.asarray(values, dtype=float)


def check_increasing(table: Table, *, minimum: int = 2) -> None:
    """The first column (energies in keV) must be >= 0 and increase strictly, >= ``minimum`` rows.

    The message names the file line that breaks the order.
    """
    energy = table.values[:, 0]
    if energy.size == 0:
        raise table.fail(f"has no rows (needs at least {minimum}); is the file empty?")
    if energy.size < minimum:
        raise table.fail(f"needs at least {minimum} rows, found {energy.size}")
    if energy[0] < 0:
        raise table.fail(f"energy {energy[0]:g} keV is negative", 0)
    bad = np.flatnonzero(np.diff(energy) <= 0)
    if bad.size:
        i = int(bad[0]) + 1
        raise table.fail(
            f"energy {energy[i]:g} keV does not exceed {energy[i - 1]:g} keV of the previous row "
            "(energies must increase strictly)",
            i,
        )
