"""The bad-template corpus tests/data/bad/templates/: ROOT files, NPZ archives, CSV directories.

Each case runs through the command line, ``xhf reproduce --templates F`` (ROOT, NPZ or a CSV
directory) or ``xhf build CONFIG`` (a config reading histograms of a bad ROOT file), and must
exit 2 with one ``Error:`` line naming the file, the field, histogram, array or column and the
bin where there is one; print no traceback; write nothing, neither a new output nor over an
existing one given with ``--force``. Every case fails while the files are read, before any
fit; the zero-background cases fail a moment later, when the builder turns the templates into
a likelihood (``check_background`` in xhf/workspace/builder.py). The files and what each is
are listed at the top of tests/data/bad/templates/make_bad_templates.py, which writes them.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.files import load_script, snapshot
from xhf.cli import cli
from xhf.templates import read_templates

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad" / "templates"
GENERATOR = "make_bad_templates.py"
GOOD = ("good.root", "good.npz", "good_csv")
#: Made by the test: git keeps no empty directory.
EMPTY_DIRECTORY = "csv_empty_directory"


def reproduce(path: str) -> list[str]:
    return ["reproduce", "--templates", path]


def build(config: str) -> list[str]:
    return ["build", config]


#: (case id, CLI arguments without the output, text the error line must contain).
CASES = [
    # ROOT, read by xhf reproduce
    ("root_garbage", reproduce("root_garbage.root"), "root_garbage.root: not a readable ROOT"),
    ("root_empty", reproduce("root_empty.root"), "root_empty.root: empty file (0 bytes)"),
    (
        "root_truncated",
        reproduce("root_truncated.root"),
        "root_truncated.root: cannot list the file, truncated or damaged",
    ),
    (
        "root_no_metadata",
        reproduce("root_no_metadata.root"),
        "root_no_metadata.root: no 'xhf_metadata' string, not an xhf template file",
    ),
    (
        "root_missing_histogram",
        reproduce("root_missing_histogram.root"),
        "root_missing_histogram.root: no histogram 'c/bkg2'",
    ),
    (
        "root_missing_key",
        reproduce("root_missing_key.root"),
        "root_missing_key.root: xhf_metadata: field channels[0].backgrounds[0].stat_error "
        "is missing",
    ),
    (
        "root_text_reference",
        reproduce("root_text_reference.root"),
        "root_text_reference.root: xhf_metadata: field signals[0].reference must be a number, "
        "not str",
    ),
    (
        "root_not_a_histogram",
        reproduce("root_not_a_histogram.root"),
        "root_not_a_histogram.root: 'c/bkg' is a TObjString, not a 1D histogram",
    ),
    (
        "root_mev_axis",
        reproduce("root_mev_axis.root"),
        "root_mev_axis.root: histogram 'c/data_asimov': the x axis 'energy [MeV]' is in MeV",
    ),
    (
        "root_nan",
        reproduce("root_nan.root"),
        "root_nan.root: histogram 'c/bkg' content: bin 1 (4 to 6) is not finite (nan)",
    ),
    (
        "root_inf_variance",
        reproduce("root_inf_variance.root"),
        "root_inf_variance.root: histogram 'c/bkg' variance: bin 2 (6 to 8) is not finite (inf)",
    ),
    (
        "root_negative_background",
        reproduce("root_negative_background.root"),
        "root_negative_background.root: histogram 'c/bkg2' content: bin 2 (6 to 8) is negative",
    ),
    (
        "root_mismatched_binning",
        reproduce("root_mismatched_binning.root"),
        "root_mismatched_binning.root: binning of 'c/bkg2' differs from 'c/data_asimov': "
        "edge 3 is 9.0, not 8.0",
    ),
    (
        "root_duplicated_sample",
        reproduce("root_duplicated_sample.root"),
        "root_duplicated_sample.root: channel 'c': duplicated background name 'bkg'",
    ),
    (
        "root_undescribed_histogram",
        reproduce("root_undescribed_histogram.root"),
        "root_undescribed_histogram.root: TH1D 'c/kr85' is not described in xhf_metadata",
    ),
    (
        "root_huge",
        reproduce("root_huge.root"),
        "root_huge.root: histogram 'c/bkg' content: bin 3 (8 to 10) is 1e+300, more than 1e15 "
        "events",
    ),
    ("root_zero_background", reproduce("root_zero_background.root"), "no background"),
    # ROOT histograms named by an xhf build config
    (
        "build_nan",
        build("build_nan.yml"),
        "build_nan.yml: backgrounds[0].histogram: root_nan.root: histogram 'c/bkg' content: "
        "bin 1 (4 to 6) is not finite",
    ),
    (
        "build_huge",
        build("build_huge.yml"),
        "build_huge.yml: backgrounds[0].histogram: root_huge.root: histogram 'c/bkg' content: "
        "bin 3 (8 to 10) is 1e+300, more than 1e15 events",
    ),
    (
        "build_mev_axis",
        build("build_mev_axis.yml"),
        "build_mev_axis.yml: channels[0].data.observed.histogram: root_mev_axis.root: "
        "histogram 'c/data_pseudo_poisson': the x axis 'energy [MeV]' is in MeV",
    ),
    (
        "build_mismatched_binning",
        build("build_mismatched_binning.yml"),
        "build_mismatched_binning.yml: backgrounds[1].histogram: binning of 'c/bkg2' differs "
        "from the channel's: edge 3 is 9.0 keV, not 8.0",
    ),
    ("build_zero_background", build("build_zero_background.yml"), "no background"),
    # NPZ
    ("npz_garbage", reproduce("npz_garbage.npz"), "npz_garbage.npz: not an NPZ archive"),
    ("npz_empty", reproduce("npz_empty.npz"), "npz_empty.npz: empty file (0 bytes)"),
    ("npz_truncated", reproduce("npz_truncated.npz"), "npz_truncated.npz: not an NPZ archive"),
    (
        "npz_missing_array",
        reproduce("npz_missing_array.npz"),
        "npz_missing_array.npz: no array 'c/bkg_stat'",
    ),
    (
        "npz_missing_key",
        reproduce("npz_missing_key.npz"),
        "npz_missing_key.npz: xhf_metadata: field signals is missing",
    ),
    (
        "npz_metadata_not_text",
        reproduce("npz_metadata_not_text.npz"),
        "npz_metadata_not_text.npz: 'xhf_metadata' is not a 0-d string array",
    ),
    (
        "npz_metadata_raw_json",
        reproduce("npz_metadata_raw_json.npz"),
        "npz_metadata_raw_json.npz: member 'xhf_metadata' is not a NumPy array",
    ),
    (
        "npz_text_array",
        reproduce("npz_text_array.npz"),
        "npz_text_array.npz: array 'c/bkg': holds text (<U32), not numbers",
    ),
    (
        "npz_list_unit",
        reproduce("npz_list_unit.npz"),
        "npz_list_unit.npz: xhf_metadata: field signals[0].unit must be a str, not list",
    ),
    (
        "npz_nan",
        reproduce("npz_nan.npz"),
        "npz_nan.npz: array 'c/data_pseudo_poisson': bin 0 (2 to 4) is not finite (nan)",
    ),
    (
        "npz_inf_stat",
        reproduce("npz_inf_stat.npz"),
        "npz_inf_stat.npz: array 'c/bkg_stat': bin 2 (6 to 8) is not finite (inf)",
    ),
    (
        "npz_negative_background",
        reproduce("npz_negative_background.npz"),
        "npz_negative_background.npz: array 'c/bkg': bin 1 (4 to 6) is negative (-3.0)",
    ),
    (
        "npz_wrong_length",
        reproduce("npz_wrong_length.npz"),
        "npz_wrong_length.npz: channel 'c', sample 'bkg2': has 5 bins, the channel has 4",
    ),
    (
        "npz_decreasing_edges",
        reproduce("npz_decreasing_edges.npz"),
        "npz_decreasing_edges.npz: array 'c/bin_edges': bin edges must increase (edge 3 is 6.0",
    ),
    (
        "npz_duplicated_array",
        reproduce("npz_duplicated_array.npz"),
        "npz_duplicated_array.npz: array 'c/bkg' is stored twice",
    ),
    (
        "npz_undescribed_array",
        reproduce("npz_undescribed_array.npz"),
        "npz_undescribed_array.npz: array 'c/kr85' is not described in xhf_metadata",
    ),
    (
        "npz_huge",
        reproduce("npz_huge.npz"),
        "npz_huge.npz: array 'c/bkg2': bin 3 (8 to 10) is 1e+300, more than 1e15 events",
    ),
    ("npz_zero_background", reproduce("npz_zero_background.npz"), "no background"),
    # CSV directories
    (
        EMPTY_DIRECTORY,
        reproduce(EMPTY_DIRECTORY),
        f"{EMPTY_DIRECTORY}/templates.json: no such file",
    ),
    ("csv_garbage", reproduce("csv_garbage"), "csv_garbage/c.csv: not a readable CSV file"),
    (
        "csv_garbage_index",
        reproduce("csv_garbage_index"),
        "csv_garbage_index/templates.json: line 1: not UTF-8 text",
    ),
    (
        "csv_truncated",
        reproduce("csv_truncated"),
        "csv_truncated/c.csv: line 5 has 3 fields, the header has 9",
    ),
    (
        "csv_truncated_index",
        reproduce("csv_truncated_index"),
        "csv_truncated_index/templates.json: not valid JSON",
    ),
    (
        "csv_empty_index",
        reproduce("csv_empty_index"),
        "csv_empty_index/templates.json: empty file",
    ),
    (
        "csv_empty_table",
        reproduce("csv_empty_table"),
        "csv_empty_table/c.csv: needs a header and at least one row",
    ),
    (
        "csv_missing_column",
        reproduce("csv_missing_column"),
        "csv_missing_column/c.csv: no column 'bkg_stat'",
    ),
    (
        "csv_missing_table",
        reproduce("csv_missing_table"),
        "csv_missing_table/signals/magnetic_moment.csv: no such file",
    ),
    (
        "csv_missing_key",
        reproduce("csv_missing_key"),
        "csv_missing_key/templates.json: field signals[0].reference is missing",
    ),
    (
        "csv_text_cell",
        reproduce("csv_text_cell"),
        "csv_text_cell/c.csv: column 'bkg', bin 1: 'fifty' is not a number",
    ),
    (
        "csv_text_norm_uncertainty",
        reproduce("csv_text_norm_uncertainty"),
        "csv_text_norm_uncertainty/templates.json: field "
        "channels[0].backgrounds[0].norm_uncertainty must be a number, not str",
    ),
    (
        "csv_mev_columns",
        reproduce("csv_mev_columns"),
        "csv_mev_columns/c.csv: column 'low_MeV' gives bin edges in MeV",
    ),
    (
        "csv_nan",
        reproduce("csv_nan"),
        "csv_nan/c.csv: column 'bkg2': bin 0 (2 to 4) is not finite (nan)",
    ),
    (
        "csv_inf",
        reproduce("csv_inf"),
        "csv_inf/signals/magnetic_moment.csv: column 'signal': bin 2 (6 to 8) is not finite",
    ),
    (
        "csv_negative_background",
        reproduce("csv_negative_background"),
        "csv_negative_background/c.csv: column 'bkg2': bin 2 (6 to 8) is negative (-5.0)",
    ),
    (
        "csv_mismatched_binning",
        reproduce("csv_mismatched_binning"),
        "csv_mismatched_binning: binning of 'csv_mismatched_binning/signals/magnetic_moment.csv' "
        "differs from 'csv_mismatched_binning/c.csv': edge 4 is 12.0, not 10.0",
    ),
    (
        "csv_gap",
        reproduce("csv_gap"),
        "csv_gap/c.csv: bin 2 starts at 6.5 keV, bin 1 ends at 6.0 keV",
    ),
    (
        "csv_duplicated_column",
        reproduce("csv_duplicated_column"),
        "csv_duplicated_column/c.csv: column 'bkg' appears twice",
    ),
    (
        "csv_huge",
        reproduce("csv_huge"),
        "csv_huge/c.csv: column 'bkg': bin 3 (8 to 10) is 1e+300, more than 1e15 events",
    ),
    ("csv_zero_background", reproduce("csv_zero_background"), "no background"),
]

#: Cases refused by the workspace builder after a correct read: its message names the channel
#: and the bin (keV), not the file, and it comes after xhf reproduce started its progress bar.
NO_BACKGROUND = {case for case, _, expected in CASES if expected == "no background"}


def error_lines(output: str, *, terminal: bool) -> list[str]:
    """The non-empty lines of ``output``; ``terminal``: as a terminal shows them, a progress
    bar redrawn with ``\\r`` replaced by what follows it (as in tests/test_interrupt.py)."""
    if terminal:
        lines = [line.split("\r")[-1] for line in output.split("\n")]
    else:
        lines = output.splitlines()  # splits at "\r" too: a progress bar is a line here
    return [line for line in lines if line.strip()]


def run_case(case: str, args: list[str], out: str, expected: str) -> str:
    result = CliRunner().invoke(
        cli, [*args, "-o", out] + (["--force"] if "existing" in out else [])
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = error_lines(result.output, terminal=case in NO_BACKGROUND)
    assert len(lines) == 1, result.output
    line = lines[0]
    assert line.startswith("Error: ") and expected in line, line
    if case not in NO_BACKGROUND:  # the line starts with the file the user gave
        assert line.startswith(f"Error: {args[-1]}"), line
    else:
        assert re.search(r"channel 'c': bin 3 \(8 to 10 keV\)", line), line
    return line


@pytest.mark.parametrize(("case", "args", "expected"), CASES, ids=[case for case, _, _ in CASES])
def test_bad_template_files_exit_2_with_one_line_and_write_nothing(
    tmp_path, monkeypatch, case, args, expected
):
    shutil.copytree(CORPUS, tmp_path, dirs_exist_ok=True)
    (tmp_path / EMPTY_DIRECTORY).mkdir()
    monkeypatch.chdir(tmp_path)
    is_build = args[0] == "build"
    existing = tmp_path / ("existing.json" if is_build else "existing")
    if is_build:
        existing.write_text("untouched\n")
    else:
        existing.mkdir()
        (existing / "results.json").write_text('{"earlier": true}\n')
    before = snapshot(tmp_path)
    # a new output is not created ...
    first = run_case(case, args, "new.json" if is_build else "new", expected)
    assert snapshot(tmp_path) == before
    # ... and an existing one, given with --force, is neither replaced nor truncated
    second = run_case(case, args, existing.name, expected)
    assert snapshot(tmp_path) == before
    assert first == second


def test_every_corpus_file_is_used_by_a_case():
    used = {args[-1] for _, args, _ in CASES} - {EMPTY_DIRECTORY}
    for config in [a[-1] for _, a, _ in CASES if a[0] == "build"]:
        used |= set(re.findall(r"file: (\S+?)[,}\s]", (CORPUS / config).read_text()))
    present = {p.name for p in CORPUS.iterdir()} - {GENERATOR, *GOOD, "__pycache__"}
    assert used == present
    for prefix in ("root_", "npz_", "csv_"):
        assert len([c for c, args, _ in CASES if c.startswith(prefix)]) >= 8, prefix


def test_the_generator_writes_the_committed_corpus(tmp_path):
    """Same names; same bytes for NPZ and CSV (ROOT files carry write times and a UUID)."""
    load_script(CORPUS / GENERATOR).main(tmp_path)
    written = snapshot(tmp_path)
    committed = snapshot(CORPUS)
    committed = {k: v for k, v in committed.items() if k != GENERATOR and "__pycache__" not in k}
    assert written.keys() == committed.keys()
    for name, data in written.items():
        if not name.endswith(".root"):
            assert data == committed[name], name


@pytest.mark.parametrize("name", GOOD)
def test_the_good_files_read_and_stop_reproduce_before_any_fit(tmp_path, monkeypatch, name):
    """The base of the corpus is valid: each bad file is bad because of its one damage. It has
    no millicharge signal, so xhf reproduce stops before any fit."""
    ts = read_templates(CORPUS / name)
    ts.validate()
    assert [s.name for s in ts.signals] == ["magnetic_moment"]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*reproduce(str(CORPUS / name)), "-o", "out"])
    assert result.exit_code == 2
    lines = error_lines(result.output, terminal=True)
    assert lines == ["Error: no signal 'millicharge' (signals: magnetic_moment)"], result.output
    assert not (tmp_path / "out").exists()
