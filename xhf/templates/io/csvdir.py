"""CSV directories: one CSV per channel and per signal, plus ``templates.json``.

Layout (column names as in :mod:`xhf.templates.io.layout`)::

    <dir>/templates.json          the JSON document (sorted keys, indent 2)
    <dir>/<channel>.csv           low_kev,high_kev,data_<label>,...,<sample>,<sample>_stat,
                                  <sample>__<variation>_up,<sample>__<variation>_down,...
    <dir>/signals/<signal>.csv    low_kev,high_kev,<part>,<part>_stat,<part>__<variation>_up,...

One row per bin; numbers are written with Python's ``repr`` (the shortest text that reads
back as the same float64), so the round trip is exact and the same TemplateSet gives the
same bytes. Lines end with ``\\n``. The files are meant to be read and edited by people: the
reader accepts quoted fields, blank lines and a byte-order mark, and rejects a column that
``templates.json`` does not describe, so that an added template is not silently ignored.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from xhf.ceilings import MAX_JSON_BYTES
from xhf.exceptions import InvalidInputError, MissingFileError, OutputExistsError
from xhf.filenames import refuse_links
from xhf.jsonio import atomic_write
from xhf.templates.io.checks import check_edges, check_same_binning, check_values
from xhf.templates.io.layout import (
    Table,
    decode_document,
    encode_document,
    from_document,
    table_arrays,
    tables,
    to_document,
)
from xhf.templates.templateset import TemplateSet
from xhf.yamlio import read_input_text

__all__ = ["INDEX_FILE", "read_csv", "write_csv"]


def __dir__() -> list[str]:
    return __all__


#: The JSON document of a CSV directory.
INDEX_FILE = "templates.json"
_LOW, _HIGH = "low_kev", "high_kev"
#: A bin-edge column with some unit: ``low_mev``, ``high_eV``, ``low_keV``.
_EDGE_COLUMN = re.compile(r"(low|high)_([A-Za-z]*ev)", re.IGNORECASE)


def write_csv(ts: TemplateSet, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write a TemplateSet as a directory of CSV files (layout in the module docstring).

    Args:
        ts: the templates; checked with ``ts.validate()`` first.
        path: the directory; created if needed.
        force: write into a directory that is not empty, overwriting the files of the
            layout (other files are left alone).

    Returns:
        The directory written.

    Raises:
        OutputExistsError: ``path`` exists, is not empty and ``force`` is false (nothing is
            written).
        InvalidInputError: ``path`` is a file.
        InvalidTemplateError: invalid templates or names.
    """
    ts.validate()
    dest = Path(path)
    if dest.exists() and not dest.is_dir():
        raise InvalidInputError(f"{dest}: is a file; CSV templates are a directory")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise OutputExistsError(f"{dest}: exists and is not empty; use --force to overwrite")
    doc = to_document(ts)
    text = encode_document(doc)
    arrays = table_arrays(ts)
    for table in tables(doc, "template set"):
        edges = np.asarray(ts.channel(table.channel).bin_edges, dtype=np.float64)
        atomic_write(
            dest / f"{table.path}.csv", _csv_text(table, arrays[table.path], edges), force=True
        )
    atomic_write(dest / INDEX_FILE, text, force=True)
    return dest


def read_csv(path: str | os.PathLike[str]) -> TemplateSet:
    """Read a TemplateSet from a CSV directory written by :func:`write_csv`.

    Args:
        path: the directory (or its ``templates.json``).

    Returns:
        The TemplateSet, checked with ``TemplateSet.validate(source=<directory>)``; errors
        in a table name its CSV file, column and bin.
    """
    src = Path(path)
    if src.name == INDEX_FILE:
        src = src.parent
    index = src / INDEX_FILE
    refuse_links(src, [index])  # no link inside the template directory (docs/reliability.md)
    if not index.is_file():
        raise MissingFileError(f"{index}: no such file")
    text = read_input_text(index, str(index), MAX_JSON_BYTES, "a JSON file")  # BOM dropped
    if not text.strip():
        raise InvalidInputError(f"{index}: empty file (no JSON document)")
    doc = decode_document(text, str(index))
    arrays: dict[str, dict[str, NDArray[np.float64]]] = {}
    edges: dict[str, NDArray[np.float64]] = {}
    first: dict[str, str] = {}
    for table in tables(doc, str(index)):  # channels first: signals check against them
        file = src / f"{table.path}.csv"
        refuse_links(src, [file])
        table_edges, cols = _read_table(file, table)
        if table.channel in edges:
            check_same_binning(
                table_edges,
                edges[table.channel],
                name=str(file),
                other_name=first[table.channel],
                source=str(src),
            )
        else:
            edges[table.channel], first[table.channel] = table_edges, str(file)
        arrays[table.path] = cols
    return from_document(doc, arrays, edges, str(src))


def _csv_text(
    table: Table, cols: dict[str, NDArray[np.float64]], edges: NDArray[np.float64]
) -> str:
    names = [_LOW, _HIGH]
    for col in table.columns:
        names += [col.name] if col.stat is None else [col.name, col.stat]
    columns = [edges[:-1], edges[1:], *(cols[name] for name in names[2:])]
    lines = [",".join(names)]
    lines += [",".join(repr(float(c[i])) for c in columns) for i in range(len(edges) - 1)]
    return "\n".join(lines) + "\n"


def _read_table(
    file: Path, table: Table
) -> tuple[NDArray[np.float64], dict[str, NDArray[np.float64]]]:
    """Bin edges and columns of one CSV file, each checked; errors name file, column, bin."""
    if not file.is_file():
        raise MissingFileError(f"{file}: no such file (listed in {INDEX_FILE})")
    try:
        text = file.read_text(encoding="utf-8-sig")  # a spreadsheet may add a BOM
        rows = [row for row in csv.reader(io.StringIO(text)) if row]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInputError(f"{file}: not a readable CSV file ({exc})") from None
    if len(rows) < 2:
        raise InvalidInputError(f"{file}: needs a header and at least one row")
    header = [name.strip() for name in rows[0]]
    negative = {_LOW: True, _HIGH: True}
    for col in table.columns:
        negative[col.name] = col.negative
        if col.stat is not None:
            negative[col.stat] = False
    for name in header:
        if name not in negative:
            _check_edge_unit(file, name)
            raise InvalidInputError(f"{file}: column {name!r} is not described in {INDEX_FILE}")
        if header.count(name) > 1:
            raise InvalidInputError(f"{file}: column {name!r} appears twice")
    for name in negative:
        if name not in header:
            raise InvalidInputError(f"{file}: no column {name!r}")
    values: dict[str, list[float]] = {name: [] for name in header}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise InvalidInputError(
                f"{file}: line {line} has {len(row)} fields, the header has {len(header)}"
            )
        for name, cell in zip(header, row, strict=True):
            try:
                values[name].append(float(cell))
            except ValueError:
                raise InvalidInputError(
                    f"{file}: column {name!r}, bin {line - 2}: {cell.strip()!r} is not a number"
                ) from None
    low = check_values(values[_LOW], f"{file}: column {_LOW!r}", negative=True, ceiling=None)
    high = check_values(values[_HIGH], f"{file}: column {_HIGH!r}", negative=True, ceiling=None)
    gaps = high[:-1] != low[1:]
    if np.any(gaps):
        i = int(np.argmax(gaps))
        raise InvalidInputError(
            f"{file}: bin {i + 1} starts at {float(low[i + 1])!r} keV, "
            f"bin {i} ends at {float(high[i])!r} keV"
        )
    edges = check_edges(np.append(low, high[-1]), f"{file}: columns {_LOW!r}, {_HIGH!r}")
    cols = {
        name: check_values(values[name], f"{file}: column {name!r}", negative=neg, edges=edges)
        for name, neg in negative.items()
        if name not in (_LOW, _HIGH)
    }
    return edges, cols


def _check_edge_unit(file: Path, name: str) -> None:
    """Name the unit of a bin-edge column that is not ``low_kev``/``high_kev``."""
    match = _EDGE_COLUMN.fullmatch(name)
    if match is None:
        return
    side, unit = match.group(1).lower(), match.group(2)
    if unit.lower() == "kev":
        raise InvalidInputError(f"{file}: column {name!r}: write it {side}_kev (lower case)")
    raise InvalidInputError(
        f"{file}: column {name!r} gives bin edges in {unit}; the format wants keV in the "
        f"columns {_LOW}, {_HIGH} (convert the edges to keV)"
    )
