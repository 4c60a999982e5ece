"""Deterministic JSON and atomic writes: the only place xhf writes files.

The same inputs give the same bytes: keys are sorted, the indent is fixed (or, for large
machine-read documents such as patchsets, ``compact=True``: no whitespace at all), NumPy scalars
and arrays become plain Python floats and lists. Outputs are staged in a temporary directory
beside them and renamed into place, all the files of one command together
(:func:`atomic_outputs`), so an interrupted or failed command never leaves a half-written or
half-replaced output.
:func:`round_significant` shortens floats to a number of significant digits; apply it to a
document *before* computing its digest, so that the digest describes the bytes written.
Reading JSON inputs is :mod:`xhf.jsonread`.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np

from xhf.exceptions import (
    OutputError,
    OutputExistsError,
    XhfError,
)
from xhf.interrupts import reached, signals_deferred

__all__ = [
    "StagedOutputs",
    "atomic_directory",
    "atomic_outputs",
    "atomic_write",
    "check_outputs",
    "current_umask",
    "dumps",
    "plain",
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
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write one file atomically: staged beside it, then renamed into place.

    Args:
        path: destination.
        write: the text or bytes to write, or a callable that writes the temporary path
            it is given (for libraries that only write to a path).
        force: overwrite an existing file; without it an existing file (or any directory
            entry, a dangling symbolic link included) is an error.
        inputs: files the command reads; the destination may not be one of them.

    Returns:
        The destination path.
    """
    with atomic_outputs(force=force, inputs=inputs, stage=None) as out:
        out.add(path, write)
    return Path(path)


@contextmanager
def atomic_directory(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Iterator[Path]:
    """Build a whole output directory in a staging sibling, then rename it into place.

    Yields the staging directory; when the block finishes without an exception, the staging
    directory replaces ``path`` as a whole (an existing ``path`` only with ``force``). On any
    error or interruption the staging directory is removed and ``path`` is left as it was.
    """
    with atomic_outputs(force=force, inputs=inputs) as out:
        yield out.directory(path)


def check_outputs(
    paths: Iterable[str | os.PathLike[str]],
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
    directory: bool = False,
) -> None:
    """Refuse destinations before any work is done: raise the first problem of ``paths``.

    A destination is refused when it exists (any directory entry, a dangling symbolic link
    included) and ``force`` is false. Even with ``force`` it is refused when it is a directory
    but a file is written there (or the other way round with ``directory``), a device, pipe or
    socket, under a folder that is a file, or one of ``inputs`` (for a directory: holds one).

    Raises:
        OutputExistsError: an existing destination without ``force``.
        OutputError: any other problem; the message starts with the destination.
    """
    sources = [Path(p) for p in inputs if p is not None]
    for path in map(Path, paths):
        for source in sources:
            if _same_or_inside(source, path, directory):
                raise OutputError(
                    f"{path}: is also an input ({source}); write the output elsewhere"
                )
        if os.path.lexists(path):
            if not (path.is_symlink() or path.is_file() or path.is_dir()):
                raise OutputError(f"{path}: is not a regular file or directory; not replaced")
            if path.is_dir() and not path.is_symlink() and not directory:
                raise OutputError(f"{path}: is a directory; give a file name")
            if directory and not (path.is_dir() and not path.is_symlink()) and force:
                raise OutputError(f"{path}: exists and is not a directory")
            if not force:
                raise OutputExistsError(f"{path}: exists; use --force to overwrite")
        for parent in path.absolute().parents:
            if os.path.lexists(parent):
                if not parent.is_dir():
                    raise OutputError(f"{path}: {parent} is not a directory")
                break


def _same_or_inside(source: Path, output: Path, directory: bool) -> bool:
    """True if ``source`` is ``output`` (the same file, or the same path once resolved), or
    lies inside ``output`` when that is a directory."""
    try:
        if os.path.lexists(source) and os.path.lexists(output) and source.samefile(output):
            return True
        resolved, target = source.resolve(), output.resolve()
    except OSError:
        return False
    return resolved == target or (directory and target in resolved.parents)


class StagedOutputs:
    """The outputs of one command, staged in one temporary directory and committed together.

    Made by :func:`atomic_outputs`; every :meth:`add` writes its file into the staging
    directory at once (so a serialisation error comes before anything is moved), and the
    commit moves them all into place.
    """

    def __init__(self, force: bool, inputs: Iterable[str | os.PathLike[str]]) -> None:
        self.force = force
        self.inputs = tuple(inputs)
        self.staging: Path | None = None
        self._entries: list[tuple[Path, Path]] = []
        self._directories: set[Path] = set()
        self._created: list[Path] = []

    @property
    def paths(self) -> list[Path]:
        """The destinations, in the order they were added."""
        return [dest for dest, _ in self._entries]

    def _slot(self, path: str | os.PathLike[str], directory: bool) -> tuple[Path, Path]:
        dest = Path(path)
        if dest in self.paths:
            raise ValueError(f"{dest}: added twice to one set of outputs")
        check_outputs([dest], force=self.force, inputs=self.inputs, directory=directory)
        with _reported(dest):
            if self.staging is None:
                self._created += _make_dirs(dest.parent)
                name = f".xhf-{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
                self.staging = dest.parent / name
                self.staging.mkdir()  # honours the umask, unlike mkdtemp
            slot = self.staging / "new" / str(len(self._entries))
            slot.mkdir(parents=True)
        self._entries.append((dest, slot / dest.name))
        if directory:
            self._directories.add(dest)
        return self._entries[-1]

    def add(
        self, path: str | os.PathLike[str], content: Callable[[Path], None] | str | bytes
    ) -> Path:
        """Stage the file ``path``: ``content`` is its text or bytes, or a callable that writes
        the staging path it is given. Returns ``path``."""
        dest, tmp = self._slot(path, directory=False)
        with _reported(dest):
            if callable(content):
                content(tmp)
            else:
                tmp.write_bytes(content.encode() if isinstance(content, str) else content)
            if tmp.is_file():
                os.chmod(tmp, 0o666 & ~current_umask())
        return dest

    def directory(self, path: str | os.PathLike[str]) -> Path:
        """Stage the directory ``path``: returns the empty staging directory to fill."""
        dest, tmp = self._slot(path, directory=True)
        with _reported(dest):
            tmp.mkdir()
        return tmp

    def commit(self) -> list[Path]:
        """Move every staged output into place, all or none (signals wait until it is done)."""
        for dest, _ in self._entries:  # the destinations may have changed meanwhile
            check_outputs(
                [dest], force=self.force, inputs=self.inputs, directory=dest in self._directories
            )
        done: list[tuple[Path, Path | None]] = []
        with signals_deferred():
            try:
                for i, (dest, tmp) in enumerate(self._entries):
                    with _reported(dest):
                        self._created += _make_dirs(dest.parent)
                        backup = None
                        if os.path.lexists(dest):
                            backup = self.staging / "old" / str(i)
                            backup.mkdir(parents=True)
                            backup = backup / dest.name
                            os.replace(dest, backup)
                        try:
                            os.replace(tmp, dest)
                        except BaseException:
                            if backup is not None:
                                os.replace(backup, dest)
                            raise
                        done.append((dest, backup))
            except BaseException:
                for dest, backup in reversed(done):
                    _remove(dest)
                    if backup is not None:
                        os.replace(backup, dest)
                raise
        self._created.clear()
        return self.paths

    def discard(self) -> None:
        """Remove the staging directory (and the folders made for the outputs, if unused)."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        for folder in reversed(self._created):
            with suppress(OSError):
                folder.rmdir()
        self._created.clear()


@contextmanager
def atomic_outputs(
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
    stage: str | None = "commit",
) -> Iterator[StagedOutputs]:
    """All the outputs of one command, written together or not at all.

    Every file added in the block is written into one staging directory beside the first
    output; when the block ends without an exception they are moved into place together.
    With ``force`` the files they replace are moved aside first and put back if the commit
    fails part-way. On any error or interruption nothing is moved and the staging directory
    is removed: no temporary file is left in any outcome. An ``OSError`` (full or read-only
    disk, a name too long) becomes :class:`~xhf.exceptions.OutputError` naming the output.

    Args:
        force: replace existing outputs.
        inputs: the files the command read; no output may be one of them.
        stage: the stage reported to :func:`xhf.interrupts.reached` right before the commit
            (the test hook), or None.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with atomic_outputs() as out:
    ...         _ = out.add(Path(tmp) / "a.json", dumps({"a": 1}))
    ...         _ = out.add(Path(tmp) / "b.txt", b"b")
    ...     sorted(p.name for p in Path(tmp).iterdir())
    ['a.json', 'b.txt']
    """
    out = StagedOutputs(force, inputs)
    try:
        yield out
        if stage is not None:
            reached(stage)
        out.commit()
    finally:
        out.discard()


def _make_dirs(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; the folders created, outermost first."""
    missing = []
    while not os.path.lexists(folder):
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return missing[::-1]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def _reported(dest: Path) -> Iterator[None]:
    """An ``OSError`` in the block becomes one :class:`OutputError` line naming ``dest``."""
    try:
        yield
    except XhfError:
        raise
    except OSError as exc:
        raise OutputError(f"{dest}: cannot write ({exc.strerror or exc})") from None


def current_umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(
    path: str | os.PathLike[str],
    obj: Any,
    *,
    force: bool = False,
    compact: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write ``obj`` as deterministic JSON (see :func:`dumps`), atomically (see
    :func:`atomic_write` for ``force`` and ``inputs``)."""
    return atomic_write(path, dumps(obj, compact=compact), force=force, inputs=inputs)
