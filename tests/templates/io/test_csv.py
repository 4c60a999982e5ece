"""CSV directories: lossless and byte-stable round trip, readable layout, bad inputs."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest

from xhf.exceptions import (
    InvalidInputError,
    InvalidTemplateError,
    MissingFileError,
    OutputExistsError,
)
from xhf.jsonread import read_json
from xhf.templates.io import read_csv, write_csv


def _files(root):
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _edit(path, column, row, text):
    """Replace one cell of a CSV file (row 0 is the first bin)."""
    rows = list(csv.reader(path.read_text().splitlines()))
    rows[row + 1][rows[0].index(column)] = text
    path.write_text("\n".join(",".join(r) for r in rows) + "\n")


def test_round_trip_is_exact(tmp_path, templates, same):
    same(templates, read_csv(write_csv(templates, tmp_path / "csv")))


def test_bytes_are_deterministic(tmp_path, templates, make):
    first = _files(write_csv(templates, tmp_path / "a"))
    second = _files(write_csv(make(), tmp_path / "b"))
    assert first == second
    assert sorted(first) == sorted(
        ["templates.json"]
        + [f"{c.name}.csv" for c in templates.channels]
        + [f"signals/{s.name}.csv" for s in templates.signals]
    )


def test_columns_and_values_are_readable(tmp_path, templates):
    out = write_csv(templates, tmp_path / "csv")
    low = templates.channel("low_energy")
    with (out / "low_energy.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    expected = ["low_kev", "high_kev", *(f"data_{label}" for label in low.data)]
    for sample in low.backgrounds:
        expected.append(sample.name)
        if sample.stat_error is not None:
            expected.append(f"{sample.name}_stat")
        for var in sample.variations:
            expected += [f"{sample.name}__{var.name}_up", f"{sample.name}__{var.name}_down"]
    assert header == expected
    assert [float(r["low_kev"]) for r in rows] == low.bin_edges[:-1].tolist()
    assert [float(r["pb210_stat"]) for r in rows] == low.background("pb210").stat_error.tolist()
    assert read_json(out / "templates.json")["metadata"] == templates.metadata


def test_templates_json_path_is_accepted(tmp_path, templates, same):
    out = write_csv(templates, tmp_path / "csv")
    same(templates, read_csv(out / "templates.json"))


def test_missing_directory_or_file(tmp_path, templates):
    with pytest.raises(
        MissingFileError, match=re.escape(str(tmp_path / "none" / "templates.json"))
    ):
        read_csv(tmp_path / "none")
    out = write_csv(templates, tmp_path / "csv")
    (out / "full_energy.csv").unlink()
    with pytest.raises(MissingFileError, match=re.escape(str(out / "full_energy.csv"))):
        read_csv(out)


def test_mismatched_binning_names_both_files(tmp_path, templates):
    out = write_csv(templates, tmp_path / "csv")
    signal = templates.signal("dark_photon_m1e_03")
    path = out / "signals" / f"{signal.name}.csv"
    low = templates.channel(signal.channel).bin_edges
    _edit(path, "high_kev", len(low) - 2, repr(float(low[-1]) + 1.0))
    with pytest.raises(InvalidTemplateError) as err:
        read_csv(out)
    assert f"binning of '{path}' differs from '{out / 'low_energy.csv'}'" in str(err.value)


def test_gap_between_bins(tmp_path, templates):
    out = write_csv(templates, tmp_path / "csv")
    edges = templates.channel("low_energy").bin_edges
    _edit(out / "low_energy.csv", "low_kev", 2, repr(float(edges[2]) + 0.25))
    with pytest.raises(InvalidInputError, match=r"low_energy\.csv: bin 2 starts at"):
        read_csv(out)


@pytest.mark.parametrize(
    ("column", "text", "problem"),
    [("c14", "-1.5", "is negative"), ("pb210_stat", "nan", "is not finite")],
)
def test_bad_cells_name_file_column_and_bin(tmp_path, templates, column, text, problem):
    out = write_csv(templates, tmp_path / "csv")
    edges = templates.channel("low_energy").bin_edges
    row = len(edges) - 2
    _edit(out / "low_energy.csv", column, row, text)
    span = f"({edges[row]:g} to {edges[row + 1]:g})"
    expected = f"{out / 'low_energy.csv'}: column '{column}': bin {row} {span} "
    with pytest.raises(InvalidTemplateError, match=re.escape(expected) + problem):
        read_csv(out)


def test_interference_may_be_negative_but_must_be_a_number(tmp_path, templates, same):
    out = write_csv(templates, tmp_path / "csv")
    path = out / "signals" / "dark_photon_m1e_03.csv"
    _edit(path, "interference", 0, "-123.5")
    assert read_csv(out).signal("dark_photon_m1e_03").parts[0].yields[0] == -123.5
    _edit(path, "interference", 1, "many")
    with pytest.raises(
        InvalidInputError, match=r"column 'interference', bin 1: 'many' is not a number"
    ):
        read_csv(out)


def test_missing_and_undescribed_columns(tmp_path, templates):
    out = write_csv(templates, tmp_path / "csv")
    path = out / "full_energy.csv"
    text = path.read_text()
    path.write_text(text.replace("ar39_stat", "ar93_stat", 1))
    with pytest.raises(
        InvalidInputError, match=r"column 'ar93_stat' is not described in templates\.json"
    ):
        read_csv(out)
    lines = [line.split(",") for line in text.splitlines()]
    drop = lines[0].index("ar39_stat")
    path.write_text(
        "\n".join(",".join(v for i, v in enumerate(line) if i != drop) for line in lines)
    )
    with pytest.raises(InvalidInputError, match=re.escape(f"{path}: no column 'ar39_stat'")):
        read_csv(out)


def test_ragged_and_garbage_files(tmp_path, templates):
    out = write_csv(templates, tmp_path / "csv")
    path = out / "low_energy.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines[:3], lines[3].rsplit(",", 1)[0], *lines[4:]]))
    with pytest.raises(InvalidInputError, match=r"low_energy\.csv: line 4 has"):
        read_csv(out)
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InvalidInputError, match=re.escape(f"{path}: ")):
        read_csv(out)
    (out / "templates.json").write_text('{"format": "xhf-templates", "version": 1, "chan')
    with pytest.raises(InvalidInputError, match=r"templates\.json: not valid JSON"):
        read_csv(out)


def test_bad_document_field_is_named(tmp_path, templates):
    out = write_csv(templates, tmp_path / "csv")
    index = out / "templates.json"
    index.write_text(index.read_text().replace('"free": false', '"free": "no"', 1))
    with pytest.raises(
        InvalidInputError, match=r"field channels\[0\]\.backgrounds\[0\]\.free must be a bool"
    ):
        read_csv(out)


def test_no_overwrite_without_force(tmp_path, templates, make, same):
    out = write_csv(templates, tmp_path / "csv")
    before = _files(out)
    with pytest.raises(OutputExistsError, match=re.escape(str(out))):
        write_csv(make(seed=5), out)
    assert _files(out) == before
    write_csv(make(seed=5), out, force=True)
    same(make(seed=5), read_csv(out))
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidInputError, match="is a file"):
        write_csv(templates, tmp_path / "file", force=True)


def test_empty_existing_directory_is_fine(tmp_path, templates, same):
    (tmp_path / "empty").mkdir()
    same(templates, read_csv(write_csv(templates, tmp_path / "empty")))


def test_hand_edited_file_with_quotes_and_blank_lines(tmp_path, templates, same):
    out = write_csv(templates, tmp_path / "csv")
    path = out / "full_energy.csv"
    lines = path.read_text().splitlines()
    quoted = [",".join(f'"{cell}"' for cell in line.split(",")) for line in lines]
    path.write_text("\n".join(quoted) + "\n\n")
    same(templates, read_csv(out))
    assert np.array_equal(
        read_csv(out).channel("full_energy").bin_edges, templates.channel("full_energy").bin_edges
    )


def test_a_byte_order_mark_is_accepted(tmp_path, templates, same):
    out = write_csv(templates, tmp_path / "csv")
    for path in (out / "low_energy.csv", out / "templates.json"):
        path.write_text("\ufeff" + path.read_text(), encoding="utf-8")
    same(templates, read_csv(out))


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("low_MeV,high_MeV", "column 'low_MeV' gives bin edges in MeV"),
        ("low_ev,high_ev", "column 'low_ev' gives bin edges in ev"),
        ("low_keV,high_keV", "column 'low_keV': write it low_kev"),
    ],
)
def test_edge_columns_in_another_unit_are_refused(tmp_path, templates, header, problem):
    out = write_csv(templates, tmp_path / "csv")
    path = out / "low_energy.csv"
    path.write_text(path.read_text().replace("low_kev,high_kev", header, 1))
    with pytest.raises(InvalidInputError, match=re.escape(f"low_energy.csv: {problem}")):
        read_csv(out)


def test_huge_cells_are_refused(tmp_path, templates):
    out = write_csv(templates, tmp_path / "csv")
    edges = templates.channel("low_energy").bin_edges
    _edit(out / "low_energy.csv", "c14", 1, "1e16")
    span = f"({edges[1]:g} to {edges[2]:g})"
    with pytest.raises(
        InvalidTemplateError,
        match=re.escape(f"column 'c14': bin 1 {span} is 1e+16, more than 1e15 events"),
    ):
        read_csv(out)
