"""NPZ archives: a TemplateSet as float64 arrays plus its JSON document, in one ``.npz``.

Layout (``np.load`` keys; column names as in :mod:`xhf.templates.io.layout`)::

    xhf_metadata                 0-d unicode array: the JSON document
    <channel>/bin_edges          bin edges in keV
    <channel>/<column>           data_<label>, <sample>, <sample>_stat,
                                 <sample>__<variation>_up|_down
    signals/<signal>/<column>    <part>, <part>_stat, <part>__<variation>_up|_down

The archive is a plain zip readable by ``np.load(path, allow_pickle=False)``. Members are
stored uncompressed, in the order above, with a fixed timestamp (1980-01-01) and fixed
permissions, so the same TemplateSet gives the same bytes on every machine.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xhf.exceptions import InvalidInputError, MissingFileError
from xhf.jsonio import atomic_write
from xhf.templates.io.checks import check_edges, check_values, reason
from xhf.templates.io.layout import (
    METADATA_KEY,
    decode_document,
    encode_document,
    from_document,
    table_arrays,
    tables,
    to_document,
)
from xhf.templates.templateset import TemplateSet

__all__ = ["read_npz", "write_npz"]


def __dir__() -> list[str]:
    return __all__


_EDGES = "bin_edges"
_EPOCH = (1980, 1, 1, 0, 0, 0)
#: The first bytes of a zip archive (a local file header, or the end record of an empty zip).
_ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")


def write_npz(ts: TemplateSet, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write a TemplateSet to one ``.npz`` archive (layout in the module docstring).

    Args:
        ts: the templates; checked with ``ts.validate()`` first.
        path: the archive to write (atomically).
        force: overwrite an existing file.

    Returns:
        The path written.

    Raises:
        OutputExistsError: ``path`` exists and ``force`` is false (the file is left intact).
        InvalidTemplateError: invalid templates or names.
    """
    ts.validate()
    doc = to_document(ts)
    members: list[tuple[str, NDArray[Any]]] = [(METADATA_KEY, np.array(encode_document(doc)))]
    arrays = table_arrays(ts)
    for table in tables(doc, "template set"):
        if table.kind == "channel":
            edges = np.asarray(ts.channel(table.name).bin_edges, dtype=np.float64)
            members.append((f"{table.path}/{_EDGES}", edges))
        cols = arrays[table.path]
        for col in table.columns:
            members.append((f"{table.path}/{col.name}", cols[col.name]))
            if col.stat is not None:
                members.append((f"{table.path}/{col.stat}", cols[col.stat]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, array in members:
            npy = io.BytesIO()
            np.lib.format.write_array(npy, np.asarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            archive.writestr(info, npy.getvalue())
    return atomic_write(path, buffer.getvalue(), force=force)


def read_npz(path: str | os.PathLike[str]) -> TemplateSet:
    """Read a TemplateSet written by :func:`write_npz`.

    Errors name the file and the array (and the bin, with its energy range, for NaN, huge or
    negative contents); an array that is not numbers (text, booleans, complex), stored twice,
    or under a channel or signal without being described in the document is refused. The
    result passes ``TemplateSet.validate(source=<file>)``.
    """
    src = Path(path)
    source = str(src)
    if not src.is_file():
        raise MissingFileError(f"{src}: no such file")
    if src.stat().st_size == 0:
        raise InvalidInputError(f"{src}: empty file (0 bytes), not an NPZ archive")
    if not zipfile.is_zipfile(src):
        raise InvalidInputError(f"{src}: not an NPZ archive (not a zip file, or truncated)")
    with open(src, "rb") as handle:  # np.load leaks its own handle when the zip is corrupt
        if handle.read(4) not in _ZIP_STARTS:  # np.load would take it for a pickle
            raise InvalidInputError(f"{src}: not an NPZ archive (does not start as a zip file)")
        handle.seek(0)
        try:
            npz = np.load(handle, allow_pickle=False)
        except Exception as exc:  # zipfile and numpy raise many kinds on damaged bytes
            raise InvalidInputError(f"{src}: not a readable NPZ archive ({reason(exc)})") from None
        return _read_archive(npz, source)


def _read_archive(npz: Any, source: str) -> TemplateSet:
    with npz:
        _no_duplicates(npz, source)
        text = _member(npz, source, METADATA_KEY)
        if text.shape != () or text.dtype.kind != "U":
            raise InvalidInputError(f"{source}: {METADATA_KEY!r} is not a 0-d string array")
        doc = decode_document(str(text[()]), f"{source}: {METADATA_KEY}")
        arrays: dict[str, dict[str, NDArray[np.float64]]] = {}
        edges: dict[str, NDArray[np.float64]] = {}
        described = {METADATA_KEY}
        layout = tables(doc, source)
        for table in layout:
            if table.kind == "channel":
                key = f"{table.path}/{_EDGES}"
                described.add(key)
                edges[table.name] = check_edges(
                    _member(npz, source, key), f"{source}: array {key!r}"
                )
            cols = {}
            for col in table.columns:
                for name, negative in ((col.name, col.negative), (col.stat, False)):
                    if name is not None:
                        key = f"{table.path}/{name}"
                        described.add(key)
                        values = _member(npz, source, key)
                        cols[name] = check_values(
                            values,
                            f"{source}: array {key!r}",
                            negative=negative,
                            edges=_edges_for(edges[table.channel], values),
                        )
            arrays[table.path] = cols
        # as for a CSV column: a template added to a table must not be silently ignored
        prefixes = tuple(f"{table.path}/" for table in layout)
        extra = [k for k in npz.files if k not in described and k.startswith(prefixes)]
        if extra:
            raise InvalidInputError(
                f"{source}: array {extra[0]!r} is not described in {METADATA_KEY} "
                "(add it there, or remove it)"
            )
    return from_document(doc, arrays, edges, source)


def _edges_for(edges: NDArray[np.float64], values: Any) -> NDArray[np.float64] | None:
    """The channel's edges when they fit ``values`` (a wrong length is reported later)."""
    return edges if np.shape(values) == (edges.size - 1,) else None


def _no_duplicates(npz: Any, source: str) -> None:
    seen = set()
    for key in npz.files:
        if key in seen:
            raise InvalidInputError(
                f"{source}: array {key!r} is stored twice (the zip has two members {key}.npy)"
            )
        seen.add(key)


def _member(npz: Any, source: str, key: str) -> NDArray[Any]:
    if key not in npz.files:
        raise InvalidInputError(f"{source}: no array {key!r}")
    try:
        value = npz[key]
    except Exception as exc:  # bad CRC, header, flags: zipfile and numpy raise many kinds
        raise InvalidInputError(
            f"{source}: cannot read array {key!r}, the archive is damaged ({reason(exc)})"
        ) from None
    if not isinstance(value, np.ndarray):  # np.load returns other members as raw bytes
        raise InvalidInputError(f"{source}: member {key!r} is not a NumPy array (.npy)")
    return value
