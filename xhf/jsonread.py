"""Strict reading of JSON inputs: the one JSON parser of xhf's inputs.

Python's :func:`json.loads` keeps the last of two equal keys, recurses without a bound and
reads integers of any size; a likelihood input must not depend on such choices. Every problem
is one line naming the file and the JSON path (see docs/reliability.md). Writing JSON is
:mod:`xhf.jsonio`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from xhf.ceilings import MAX_JSON_BYTES, MAX_JSON_DEPTH
from xhf.exceptions import InvalidInputError, MissingFileError
from xhf.yamlio import format_path, read_input_text

__all__ = ["parse_json", "read_json"]


def __dir__() -> list[str]:
    return __all__


#: Largest finite float; an integer beyond it cannot become a number of a likelihood.
_FLOAT_MAX = int(np.finfo(np.float64).max)


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
