"""One entry point for every template format, chosen by the path.

==================  ========================================================
path                format
==================  ========================================================
``*.root``          ROOT file (:mod:`xhf.templates.io.root`)
``*.npz``           NPZ archive (:mod:`xhf.templates.io.npz`)
a directory         CSV directory (:mod:`xhf.templates.io.csvdir`); reading also accepts
                    its ``templates.json``; writing takes a path without suffix
==================  ========================================================
"""

from __future__ import annotations

import os
from pathlib import Path

from xhf.exceptions import InvalidInputError, MissingFileError
from xhf.templates.io.csvdir import INDEX_FILE, read_csv, write_csv
from xhf.templates.io.npz import read_npz, write_npz
from xhf.templates.io.root import read_root, write_root
from xhf.templates.templateset import TemplateSet

__all__ = ["read_templates", "template_format", "write_templates"]


def __dir__() -> list[str]:
    return __all__


_READERS = {"root": read_root, "npz": read_npz, "csv": read_csv}
_WRITERS = {"root": write_root, "npz": write_npz, "csv": write_csv}


def template_format(path: str | os.PathLike[str], *, writing: bool = False) -> str:
    """``"root"``, ``"npz"`` or ``"csv"`` for ``path``; anything else is an error.

    >>> template_format("mc.root"), template_format("out", writing=True)
    ('root', 'csv')
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".root", ".npz"):
        return suffix[1:]
    if p.is_dir() or p.name == INDEX_FILE or (writing and not suffix and not p.exists()):
        return "csv"
    if not writing and not p.exists():
        raise MissingFileError(f"{p}: no such file or directory")
    raise InvalidInputError(
        f"{p}: unknown template format {suffix or p.name!r} "
        "(use a .root file, an .npz file or a directory of CSV files)"
    )


def read_templates(path: str | os.PathLike[str]) -> TemplateSet:
    """Read a TemplateSet from a ROOT file, an NPZ archive or a CSV directory.

    The result passes ``TemplateSet.validate(source=<file name>)``; every error is an
    :class:`~xhf.exceptions.XhfError` naming the file (and the histogram and bin).
    """
    return _READERS[template_format(path)](path)


def write_templates(ts: TemplateSet, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write a TemplateSet as ROOT (``.root``), NPZ (``.npz``) or CSV (a directory).

    Without ``force`` an existing output raises :class:`~xhf.exceptions.OutputExistsError`
    and is left intact.
    """
    return _WRITERS[template_format(path, writing=True)](ts, path, force=force)
