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
from xhf.templates.io.checks import check_values, reason
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

    Errors name the file and the array (and the bin for NaN or negative contents); the result
    passes ``TemplateSet.validate(source=<file>)``.
    """
    src = Path(path)
    source = str(src)
    if not src.is_file():
        raise MissingFileError(f"{src}: no such file")
    if not zipfile.is_zipfile(src):
        raise InvalidInputError(f"{src}: not an NPZ archive (not a zip file, or truncated)")
    with open(src, "rb") as handle:  # np.load leaks its own handle when the zip is corrupt
        try:
            npz = np.load(handle, allow_pickle=False)
        except Exception as exc:  # zipfile and numpy raise many kinds on damaged bytes
            raise InvalidInputError(f"{src}: not a readable NPZ archive ({reason(exc)})") from None
        return _read_archive(npz, source)


def _read_archive(npz: Any, source: str) -> TemplateSet:
    with npz:
        text = _member(npz, source, METADATA_KEY)
        if text.shape != () or text.dtype.kind != "U":
            raise InvalidInputError(f"{source}: {METADATA_KEY!r} is not a 0-d string array")
        doc = decode_document(str(text[()]), f"{source}: {METADATA_KEY}")
        arrays: dict[str, dict[str, NDArray[np.float64]]] = {}
        edges: dict[str, NDArray[np.float64]] = {}
        for table in tables(doc, source):
            if table.kind == "channel":
                key = f"{table.path}/{_EDGES}"
                edges[table.name] = check_values(
                    _member(npz, source, key), f"{source}: array {key!r}", negative=True
                )
            cols = {}
            for col in table.columns:
                for name, negative in ((col.name, col.negative), (col.stat, False)):
                    if name is not None:
                        key = f"{table.path}/{name}"
                        where = f"{source}: array {key!r}"
                        cols[name] = check_values(
                            _member(npz, source, key), where, negative=negative
                        )
            arrays[table.path] = cols
    return from_document(doc, arrays, edges, source)


def _member(npz: Any, source: str, key: str) -> NDArray[Any]:
    if key not in npz.files:
        raise InvalidInputError(f"{source}: no array {key!r}")
    try:
        return npz[key]
    except Exception as exc:  # bad CRC, header, flags: zipfile and numpy raise many kinds
        raise InvalidInputError(f"{source}: cannot read array {key!r} ({reason(exc)})") from None
