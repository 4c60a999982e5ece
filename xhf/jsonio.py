"""Deterministic JSON and atomic writes: the only place xhf writes files.

The same inputs give the same bytes: keys are sorted, the indent is fixed (or, for large
machine-read documents such as patchsets, ``compact=True``: no whitespace at all), NumPy scalars
and arrays become plain Python floats and lists, and a file is written to a temporary sibling
and renamed into place, so an interrupted command never leaves a half-written output.
:func:`round_significant` shortens floats to a number of significant digits; apply it to a
document *before* computing its digest, so that the digest describes the bytes written.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from xhf.exceptions import InvalidInputError, MissingFileError, OutputExistsError

__all__ = [
    "atomic_directory",
    "atomic_write",
    "current_umask",
    "dumps",
    "plain",
    "read_json",
    "round_significant",
    "write_json",
]


def __dir__() -> list[str]:
    return __all__


def plain(obj: Any) -> Any:
    """Convert NumPy containers and scalars recursively to plain Python objects.

    Floats stay floats (``1.0`` is not turned into ``1``), so pyhf digests are stable.

    >>> plain({"a": np.arange(2.0), "b": np.int64(3)})
    {'a': [0.0, 1.0], 'b': 3}
    """
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


def round_significant(obj: Any, digits: int) -> Any:
    """A copy of ``obj`` with every float rounded to ``digits`` significant digits.

    Dicts and lists are copied recursively (NumPy objects become plain ones, as in
    :func:`plain`); integers, booleans, strings and ``None`` are kept. A rounded float is the
    double nearest to its ``digits``-digit decimal, so it prints short (``repr``) and the
    same input always gives the same output.

    >>> round_significant({"a": [1234.5678, -2.0 / 3.0, 7, True], "b": 1.23456789e-12}, 4)
    {'a': [1235.0, -0.6667, 7, True], 'b': 1.235e-12}
    """
    if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an integer in [1, 17], not {digits!r}")
    return _rounded(plain(obj), f".{digits}g")


def _rounded(obj: Any, spec: str) -> Any:
    if isinstance(obj, dict):
        return {k: _rounded(v, spec) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rounded(v, spec) for v in obj]
    if isinstance(obj, float):
        return float(format(obj, spec))
    return obj


def dumps(obj: Any, *, compact: bool = False) -> str:
    """Serialise ``obj`` deterministically: sorted keys, trailing newline.

    Args:
        obj: plain JSON data (NumPy objects are converted, see :func:`plain`).
        compact: no whitespace between items (``{"a":[1.0,2.0]}``), for large machine-read
            documents such as patchsets; the default is an indent of 2.

    >>> dumps({"b": [1.0, 2.0], "a": 1}, compact=True)
    '{"a":1,"b":[1.0,2.0]}\\n'
    """
    if compact:
        text = json.dumps(plain(obj), sort_keys=True, separators=(",", ":"), allow_nan=False)
    else:
        text = json.dumps(plain(obj), sort_keys=True, indent=2, allow_nan=False)
    return text + "\n"


def atomic_write(
    path: str | os.PathLike[str],
    write: Callable[[Path], None] | str | bytes,
    *,
    force: bool = False,
) -> Path:
    """Write a file atomically: into a temporary sibling, then rename into place.

    Args:
        path: destination.
        write: the text or bytes to write, or a callable that writes the temporary path
            it is given (for libraries that only write to a path).
        force: overwrite an existing file; without it an existing file is an error.

    Returns:
        The destination path.
    """
    dest = Path(path)
    if dest.exists() and not force:
        raise OutputExistsError(f"{dest}: exists; use --force to overwrite")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        if callable(write):
            os.close(fd)
            write(tmp)
        else:
            data = write.encode() if isinstance(write, str) else write
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


@contextmanager
def atomic_directory(path: str | os.PathLike[str], *, force: bool = False) -> Iterator[Path]:
    """Build a whole output directory in a staging sibling, then rename it into place.

    Yields the staging directory; when the block finishes without an exception, the staging
    directory replaces ``path`` as a whole (an existing ``path`` only with ``force``). On any
    error or interruption the staging directory is removed and ``path`` is left as it was.
    """
    dest = Path(path)
    if dest.exists() and not force:
        raise OutputExistsError(f"{dest}: exists; use --force to replace it")
    if dest.exists() and not dest.is_dir():
        raise OutputExistsError(f"{dest}: exists and is not a directory")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
    staging.mkdir()  # honours the umask, unlike mkdtemp
    try:
        yield staging
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=dest.parent))
            os.replace(dest, old / dest.name)
            os.replace(staging, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def current_umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(
    path: str | os.PathLike[str], obj: Any, *, force: bool = False, compact: bool = False
) -> Path:
    """Write ``obj`` as deterministic JSON (see :func:`dumps`), atomically."""
    return atomic_write(path, dumps(obj, compact=compact), force=force)


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file; a missing file or bad syntax is one clear error naming the file."""
    src = Path(path)
    if not src.is_file():
        raise MissingFileError(f"{src}: no such file")
    try:
        return json.loads(src.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{src}: not valid JSON ({exc})") from None
