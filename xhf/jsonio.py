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
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from xhf.ceilings import MAX_JSON_BYTES, MAX_JSON_DEPTH
from xhf.exceptions import InvalidInputError, MissingFileError, OutputExistsError
from xhf.yamlio import format_path, read_input_text

__all__ = [
    "atomic_directory",
    "atomic_write",
    "current_umask",
    "dumps",
    "parse_json",
    "plain",
    "read_json",
    "round_significant",
    "write_json",
]


def __dir__() -> list[str]:
    return __all__


#: Largest finite float; an integer beyond it cannot become a number of a likelihood.
_FLOAT_MAX = int(np.finfo(np.float64).max)


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


def read_json(path: str | os.PathLike[str], source: str | None = None) -> Any:
    """Read a JSON input file with :func:`parse_json`; every problem is one line naming it.

    Args:
        path: the file.
        source: the name used in messages (default: ``path``).

    Raises:
        MissingFileError: ``path`` is not a file.
        InvalidInputError: larger than :data:`~xhf.ceilings.MAX_JSON_BYTES`, unreadable, not
            UTF-8, or any problem of :func:`parse_json`.
    """
    src = Path(path)
    source = source or str(src)
    if not src.is_file():
        raise MissingFileError(f"{src}: no such file")
    text = read_input_text(src, source, MAX_JSON_BYTES, "a JSON file")
    return parse_json(text, source)


def parse_json(text: str, source: str, *, constants: bool = True) -> Any:
    """Parse JSON text strictly: the one JSON parser of xhf's inputs.

    Beyond :func:`json.loads`: a key given twice in an object is an error (JSON parsers
    disagree on which value wins), and so are nesting deeper than
    :data:`~xhf.ceilings.MAX_JSON_DEPTH` and integers too large for a float (Python refuses
    to read integers of more than 4300 digits at all). ``NaN`` and ``Infinity`` are read, so
    that the checks of each field can name them, unless ``constants`` is false.

    Raises:
        InvalidInputError: ``<source>: <where>: <what>``, one line.

    >>> parse_json('{"a": 1, "b": [2.5]}', "x.json")
    {'a': 1, 'b': [2.5]}
    >>> parse_json('{"a": 1, "a": 2}', "x.json")
    Traceback (most recent call last):
    ...
    xhf.exceptions.InvalidInputError: x.json: field 'a': duplicated key (JSON readers would keep only one)
    """
    try:
        doc = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=None if constants else _no_constant,
        )
    except _NotANumber as exc:
        raise InvalidInputError(f"{source}: not valid JSON ({exc})") from None
    except _DuplicatedKey as exc:
        raise InvalidInputError(
            f"{source}: field {exc.args[0]!r}: duplicated key (JSON readers would keep only one)"
        ) from None
    except RecursionError:
        raise InvalidInputError(_too_deep(source)) from None
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{source}: not valid JSON ({exc})") from None
    except ValueError:  # an integer beyond sys.get_int_max_str_digits()
        raise InvalidInputError(
            f"{source}: (top level): an integer of more than {sys.get_int_max_str_digits()} "
            "digits, beyond the range of a number"
        ) from None
    if isinstance(doc, dict | list):
        _check_nesting(doc, source)
    return doc


class _DuplicatedKey(ValueError):
    """A key given twice in one JSON object (raised by :func:`_unique_keys`)."""


class _NotANumber(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity`` where JSON constants are refused."""


def _no_constant(name: str) -> Any:
    raise _NotANumber(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicatedKey(key)
            seen.add(key)
    return out


def _too_deep(source: str) -> str:
    return (
        f"{source}: (top level): nested deeper than {MAX_JSON_DEPTH} levels of arrays and "
        "objects (the ceiling of a JSON input)"
    )


def _check_nesting(doc: Any, source: str) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and integers beyond the float range,
    without recursion."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(doc, ())]
    while stack:
        node, path = stack.pop()
        if len(path) >= MAX_JSON_DEPTH:
            raise InvalidInputError(_too_deep(source))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            if isinstance(child, dict | list):
                stack.append((child, (*path, key)))
            elif type(child) is int and abs(child) > _FLOAT_MAX:
                raise InvalidInputError(
                    f"{source}: {format_path((*path, key))}: an integer of "
                    f"{len(str(abs(child)))} digits, beyond the range of a number"
                )
