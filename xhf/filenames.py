"""File names that come from inputs, and input trees read without following links.

Some outputs are named after something an input file chose: ``xhf diagnostics`` writes
``<channel>_prefit.pdf`` for every channel of the workspace, ``xhf publish`` copies figures
under their own names. A hostile input could choose ``../../victim``, an absolute path, a name
with a NUL byte or a name longer than the file system allows. Every such name goes through
:func:`safe_file_name` (one rule, the same everywhere) and every path built from it through
:func:`confined` (resolved, and checked to stay inside the output directory).

Input directories are read without following symbolic links: :func:`refuse_links` rejects a
link anywhere inside an input tree, dangling or not, pointing inside the tree or out of it
(the top directory the user named may itself be a link). A link inside a results or
workspaces directory is never needed by xhf's own outputs, and refusing all of them is the
one rule that cannot be talked around (docs/reliability.md, "Security").
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from xhf.exceptions import InvalidInputError

__all__ = [
    "MAX_NAME_CHARS",
    "SAFE_NAME",
    "confined",
    "refuse_links",
    "safe_file_name",
    "shown_path",
]


def __dir__() -> list[str]:
    return __all__


#: A name that may become (part of) a file name: letters, digits, ``_ . + -`` and spaces,
#: starting with a letter, digit or underscore (so never ``.``, ``..``, a hidden file or an
#: option-like ``-x``); no path separator, NUL or control character.
SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+ -]*\Z")
#: Longest such name: leaves room for a suffix like ``_postfit.pdf`` within the 255 bytes
#: most file systems allow per path component.
MAX_NAME_CHARS = 100


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path for a one-line message: as is, or escaped if it holds a control character."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _shown(name: str) -> str:
    """The name for a one-line message (escaped, long names shortened)."""
    text = repr(name)
    return text if len(text) <= 60 else f"{text[:40]}...' ({len(name)} characters)"


def safe_file_name(name: object, where: str) -> str:
    """Return ``name`` if it can be used as (part of) a file name, else raise.

    Args:
        name: the name read from an input (a channel, a figure, an analysis).
        where: ``<file>: <field>`` for the message.

    Raises:
        InvalidInputError: one line naming ``where`` and the name.

    >>> safe_file_name("full_energy", "ws.json: channels[0].name")
    'full_energy'
    """
    if not isinstance(name, str):
        raise InvalidInputError(f"{where}: must be a string, got {type(name).__name__}")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInputError(
            f"{where}: {_shown(name)} is too long for a file name (at most {MAX_NAME_CHARS})"
        )
    if not SAFE_NAME.match(name):
        raise InvalidInputError(
            f"{where}: {_shown(name)} cannot be a file name (letters, digits, _ . + - and "
            "spaces only, no path separators)"
        )
    return name


def confined(directory: str | os.PathLike[str], name: str, where: str) -> Path:
    """``directory / name``, checked to resolve inside ``directory`` (links included).

    Raises:
        InvalidInputError: the path would leave ``directory`` (a ``..``, an absolute name or a
            symbolic link on the way).
    """
    root = Path(directory).resolve()
    target = Path(directory) / name
    resolved = target.resolve()
    if resolved == root or not resolved.is_relative_to(root):
        raise InvalidInputError(f"{where}: {_shown(name)} would be written outside {directory}")
    return target


def refuse_links(root: str | os.PathLike[str], paths: Iterable[str | os.PathLike[str]]) -> None:
    """Raise if any of ``paths`` (inside ``root``), or a directory between it and ``root``, is
    a symbolic link. ``root`` itself may be one (the user named it).

    Raises:
        InvalidInputError: ``<path>: is a symbolic link ...``.
    """
    top = Path(root)
    for path in paths:
        path = Path(path)
        try:
            parts = path.relative_to(top).parts
        except ValueError:
            raise InvalidInputError(f"{shown_path(path)}: is not inside {top}") from None
        current = top
        for part in parts:
            current = current / part
            if current.is_symlink():
                raise InvalidInputError(
                    f"{shown_path(current)}: is a symbolic link; xhf reads no links inside an input "
                    f"directory ({top})"
                )
