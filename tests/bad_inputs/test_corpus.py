"""The corpus README (tests/data/bad/README.md) tells the truth about the corpus: its counts
per input type match the files and case tables the tests run, and the total is stated."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.files import load_script

TESTS = Path(__file__).resolve().parents[1]
CORPUS = TESTS / "data" / "bad"
#: Test modules (relative to tests/) whose module-level ``CASES`` table holds bad-input cases
#: made at test time (options, links, OS errors, signals, generated files).
CASE_TABLES = (
    "bad_inputs/test_hostile.py",
    "bad_inputs/test_bad_sidecars.py",
    "bad_inputs/test_security.py",
    "test_interrupt.py",
    "bad_inputs/test_hostile_outputs.py",
    "publish/test_hs3.py",
    "infer/test_cli_pl.py",
)


def _files(directory: str, patterns: tuple[str, ...], exclude: tuple[str, ...] = ()) -> int:
    names = {p.name for pattern in patterns for p in (CORPUS / directory).glob(pattern)}
    return len({n for n in names if n not in exclude and not n.endswith(".meta.json")})


def _table(path: Path, name: str) -> int:
    return len(getattr(load_script(path), name))


def _argument_cases() -> int:
    return _table(Path(__file__).with_name("test_bad_inputs.py"), "ARGUMENT_CASES")


def counted() -> dict[str, int]:
    return {
        "configs/": _files("configs", ("bad_*.yml",)),
        "cards/": _files("cards", ("bad_*.yml",)),
        # + the empty CSV directory the test makes (git keeps no empty directory)
        "templates/": _files("templates", ("root_*", "npz_*", "csv_*", "build_*")) + 1,
        "workspaces/": _files("workspaces", ("ws_*.json", "ps_*.json"), ("ps_good.json",)),
        "atomic/": _files("atomic", ("atomic_*.csv",)),
        "targets/": _files("targets", ("target_*.json",)),
        "(in the test)": _argument_cases(),
        **{f"({rel})": _table(TESTS / rel, "CASES") for rel in CASE_TABLES},
    }


def stated() -> dict[str, int]:
    rows = re.findall(
        r"^\| [^|]+ \| `?([^|`]+)`? \| (\d+) \|", (CORPUS / "README.md").read_text(), re.M
    )
    return {directory.strip(): int(count) for directory, count in rows}


def test_the_readme_counts_are_the_corpus():
    assert stated() == counted()


def test_the_total_is_stated():
    total = sum(counted().values())
    assert f"| **total** | | **{total}** |" in (CORPUS / "README.md").read_text()
    assert all(count > 0 for count in counted().values())


def test_every_input_type_has_its_own_directory():
    directories = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert directories == {"configs", "cards", "templates", "workspaces", "atomic", "targets"}
