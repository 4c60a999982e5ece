"""The exceptions xhf raises.

Every error a user can cause derives from :class:`XhfError` and from the matching built-in
exception, so ``except ValueError`` keeps working. Messages are one line and say what was
wrong and where (file, field, bin); the command-line interface prints them and exits with
code 2.
"""

from __future__ import annotations

__all__ = [
    "InvalidInputError",
    "InvalidParameterError",
    "InvalidTemplateError",
    "MissingFileError",
    "OutputError",
    "OutputExistsError",
    "XhfError",
]


def __dir__() -> list[str]:
    return __all__


class XhfError(Exception):
    """Root of every error raised by xhf."""


class InvalidParameterError(XhfError, ValueError):
    """A physics or command parameter is outside its allowed range."""


class InvalidInputError(XhfError, ValueError):
    """An input file or structure is malformed (the message names file and field)."""


class InvalidTemplateError(InvalidInputError):
    """A histogram template is inconsistent (the message names file, histogram and bin)."""


class MissingFileError(XhfError, FileNotFoundError):
    """An input file named by the user does not exist."""


class OutputExistsError(XhfError, FileExistsError):
    """An output would overwrite an existing file without ``--force``."""


class OutputError(XhfError, OSError):
    """An output cannot be written (or an input read) because of the file system: a read-only
    or full disk, a name too long, a directory where a file is expected, an output that is
    also an input. The message starts with the path."""
