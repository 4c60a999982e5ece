"""The corpus README (tests/data/bad/README.md) tells the truth about the corpus: its counts
per input type match the files and case tables the tests run, and they reach the issue's 60."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad"


def _files(directory: str, patterns: tuple[str, ...], exclude: tuple[str, ...] = ()) -> int:
    names = {p.name for pattern in patterns for p in (CORPUS / directory).glob(pattern)}
    return len({n for n in names if n not in exclude and not n.endswith(".meta.json")})


def _table(module_file: str, table: str) -> int:
    """The number of entries of a case table (a module-level list) of a test module."""
    path = Path(__file__).with_name(module_file)
    spec = importlib.util.spec_from_file_location(f"_{path.stem}_table", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return len(getattr(module, table))


def counted() -> dict[str, int]:
    return {
        "configs/": _files("configs", ("bad_*.yml",)),
        "cards/": _files("cards", ("bad_*.yml",)),
        # + the empty CSV directory the test makes (git keeps no empty directory)
        "templates/": _files("templates", ("root_*", "npz_*", "csv_*", "build_*")) + 1,
        "workspaces/": _files("workspaces", ("ws_*.json", "ps_*.json"), ("ps_good.json",)),
        "atomic/": _files("atomic", ("atomic_*.csv",)),
        "targets/": _files("targets", ("target_*.json",)),
        "(in the test)": _table("test_bad_inputs.py", "ARGUMENT_CASES"),
        "(made by the test)": _table("test_hostile.py", "CASES"),
    }


def stated() -> dict[str, int]:
    rows = re.findall(
        r"^\| [^|]+ \| `?([^|`]+)`? \| (\d+) \|", (CORPUS / "README.md").read_text(), re.M
    )
    return {directory.strip(): int(count) for directory, count in rows}


def test_the_readme_counts_are_the_corpus():
    assert stated() == counted()


def test_the_total_is_stated_and_reaches_sixty_per_the_issue():
    total = sum(counted().values())
    assert f"| **total** | | **{total}** |" in (CORPUS / "README.md").read_text()
    assert total >= 60
    assert all(count > 0 for count in counted().values())


def test_every_input_type_has_its_own_directory():
    directories = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert directories == {"configs", "cards", "templates", "workspaces", "atomic", "targets"}
