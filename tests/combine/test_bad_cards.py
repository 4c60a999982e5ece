"""The bad-card corpus (tests/data/bad/cards): exit 2, one line naming the card and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from xhf.cli import cli

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad" / "cards"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_the_corpus_covers_the_issue():
    names = {p.stem for p in CORPUS.glob("bad_*.yml")}
    required = {
        "bad_missing_file",
        "bad_efficiency_above_one",
        "bad_nonmonotonic_energies",
        "bad_negative_exposure",
        "bad_unknown_key",
        "bad_wrong_type",
    }
    assert required <= names and len(names) >= 30


@pytest.mark.parametrize("path", sorted(CORPUS.glob("bad_*.yml")), ids=lambda p: p.stem)
def test_bad_cards_exit_2_with_one_line_and_write_nothing(tmp_path, path):
    card = tmp_path / path.name
    shutil.copy(path, card)
    shutil.copytree(CORPUS / "tables", tmp_path / "tables")
    out = tmp_path / "out"
    out.mkdir()
    (out / "existing.json").write_text("untouched\n")
    result = run("experiment", card, "--model", "magnetic-moment", "-o", out / "ws.json")
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ")
    assert lines[0].startswith(f"Error: {path.name}: "), lines[0]
    assert expected in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["existing.json"]
    result = run(
        "experiment", card, "--model", "magnetic-moment", "-o", out / "existing.json", "--force"
    )
    assert result.exit_code == 2
    assert (out / "existing.json").read_text() == "untouched\n"


def test_missing_card_exits_2(tmp_path):
    result = run("experiment", tmp_path / "nothing.yml", "--model", "millicharge")
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {tmp_path / 'nothing.yml'}: no such card file"
