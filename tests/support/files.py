"""Directory snapshots, the expected messages of the bad-input corpus, and the one loader of
scripts that are not importable modules."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

#: What an empty (0-byte) corpus file must say; every other file's first line is
#: ``# expect: <text>``.
EMPTY_FILE_MESSAGE = "(top level): the file is empty"


def snapshot(root: Path) -> dict[str, bytes | str | None]:
    """Every entry under ``root`` (hidden ones included, links not followed) -> its bytes, its
    link target (``"-> target"``) for a symbolic link, None for a directory."""
    out: dict[str, bytes | str | None] = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                out[key] = "-> " + os.readlink(path)
            elif path.is_dir():
                out[key] = None
            else:
                out[key] = path.read_bytes()
    return dict(sorted(out.items()))


def expected_message(path: Path) -> str:
    """The message a bad-input corpus file must give: its ``# expect:`` line (read as bytes, so
    that files that are not UTF-8 have one too), or for an empty file the empty-file message."""
    raw = path.read_bytes()
    if not raw:
        return EMPTY_FILE_MESSAGE
    first = raw.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    assert first.startswith("# expect: "), path.name
    return first.removeprefix("# expect: ")


def load_script(path: Path) -> ModuleType:
    """The module of a script that lives beside what it writes rather than in a package
    (examples/make_examples.py, tests/data/bad/templates/make_bad_templates.py) or of a test
    module whose case table is counted (tests/bad_inputs/test_corpus.py), loaded under a name
    of its own so that it never replaces a module pytest imported."""
    spec = importlib.util.spec_from_file_location(f"_xhf_script_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
