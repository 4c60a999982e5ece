"""The bad-card corpus (tests/data/bad/cards): exit 2, one line naming the card and the field.

Every ``bad_*.yml`` is ``good.yml`` (which builds) broken in one way; its first line is
``# expect: <text of the error line>``, except the empty file, which must say that it is empty.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from xhf.cli import cli

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad" / "cards"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def expected_message(path: Path) -> str:
    """The ``# expect:`` line (read as bytes: some cases are not UTF-8), or the empty-file
    message for a 0-byte card."""
    raw = path.read_bytes()
    if not raw:
        return "(top level): the file is empty"
    first = raw.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    assert first.startswith("# expect: "), path.name
    return first.removeprefix("# expect: ")


def test_the_corpus_covers_every_kind_of_bad_card():
    names = {p.stem for p in CORPUS.glob("bad_*.yml")}
    required = {
        # malformed syntax, empty files, encodings
        "bad_yaml_syntax",
        "bad_empty",
        "bad_only_comment",
        "bad_null",
        "bad_not_utf8",
        "bad_tag",
        # missing fields, wrong types, wrong units
        "bad_missing_name",
        "bad_missing_file",
        "bad_wrong_type",
        "bad_non_string_key",
        "bad_exposure_unit_kg_s",
        "bad_window_unit",
        # NaN/inf, huge values, negative counts, zero background, mismatched binning
        "bad_nan",
        "bad_nan_table",
        "bad_exposure_inf",
        "bad_exposure_huge",
        "bad_rate_huge",
        "bad_counts_huge",
        "bad_bin_width_tiny",
        "bad_negative_counts",
        "bad_negative_exposure",
        "bad_zero_background",
        "bad_counts_binning",
        "bad_counts_edges",
        # duplicated names
        "bad_duplicate_key",
        "bad_duplicated_background",
        # semantics
        "bad_efficiency_above_one",
        "bad_nonmonotonic_energies",
        "bad_unknown_key",
    }
    assert required <= names
    assert (CORPUS / "bad_empty.yml").stat().st_size == 0


def test_the_corpus_covers_published_tables():
    names = {p.stem for p in CORPUS.glob("bad_*.yml")}
    required = {
        "bad_centres_not_tiling",
        "bad_centres_uneven",
        "bad_edges_gap",
        "bad_column_unknown",
        "bad_column_out_of_range",
        "bad_column_no_header",
        "bad_data_rate_fraction",
        "bad_component_normsys_and_free",
        "bad_component_duplicated",
        "bad_band_lower_above",
        "bad_band_upper_below",
        "bad_band_and_flat_uncertainty",
    }
    assert required <= names


@pytest.mark.parametrize("name", ["good.yml", "good_published.yml"])
def test_the_reference_card_builds(tmp_path, name):
    shutil.copy(CORPUS / name, tmp_path / name)
    shutil.copytree(CORPUS / "tables", tmp_path / "tables")
    result = run(
        "experiment",
        tmp_path / name,
        "--model",
        "magnetic-moment",
        "-o",
        tmp_path / "ws.json",
    )
    assert result.exit_code == 0, result.output


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
    assert lines[0].startswith(f"Error: {path.name}: "), lines[0]
    assert expected_message(path) in lines[0], lines[0]
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
