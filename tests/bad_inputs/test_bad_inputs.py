"""The bad-input corpus tests/data/bad/{workspaces,atomic,targets} and bad CLI arguments.

Every case exits 2 with one ``Error:`` line naming the file (or option) and the field, no
traceback, and writes nothing. The other input types have their own directories and tests:
configs (tests/workspace/test_cli_build.py), cards (tests/combine/test_bad_cards.py) and
templates (tests/bad_inputs/test_bad_templates.py); tests/bad_inputs/test_corpus.py counts them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support import sidecar_corpus as SIDECARS
from xhf.cli import cli

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad"
GOOD = "workspaces/good_workspace.json"
SUBDIRS = ("workspaces", "atomic", "targets")

#: (case id, CLI arguments, text the error line must contain); file names are in CORPUS.
FILE_CASES = [
    (
        "ws_malformed",
        ["limit", "workspaces/ws_malformed.json"],
        "ws_malformed.json: not valid JSON",
    ),
    ("ws_empty", ["limit", "workspaces/ws_empty.json"], "ws_empty.json: not valid JSON"),
    ("ws_top_level_list", ["limit", "workspaces/ws_top_level_list.json"], "must be a JSON object"),
    ("ws_negative_observation", ["limit", "workspaces/ws_negative_observation.json"], "data[0]"),
    ("ws_nan_observation", ["limit", "workspaces/ws_nan_observation.json"], "data[1]: nan"),
    ("ws_huge_observation", ["limit", "workspaces/ws_huge_observation.json"], "data[0]: inf"),
    (
        "ws_short_observation",
        ["limit", "workspaces/ws_short_observation.json"],
        "observations[sr].data",
    ),
    (
        "ws_duplicated_channel",
        ["limit", "workspaces/ws_duplicated_channel.json"],
        "duplicated channel",
    ),
    (
        "ws_zero_background",
        ["limit", "workspaces/ws_zero_background.json"],
        "channel 'sr': bin 1: no background expected but 13 observed",
    ),
    (
        "ws_missing_observations",
        ["limit", "workspaces/ws_missing_observations.json"],
        "ws_missing_observations.json: not a valid pyhf workspace ('observations' is a required property",
    ),
    (
        "ws_text_yields",
        ["limit", "workspaces/ws_text_yields.json"],
        "ws_text_yields.json: not a valid pyhf workspace ('ten' is not of type 'number' (at channels[0].samples[1].data[0])",
    ),
    (
        "ws_nan_yields",
        ["limit", "workspaces/ws_nan_yields.json"],
        "ws_nan_yields.json: channels[sr].samples[background].data[0]: nan is not a finite number",
    ),
    (
        "ws_negative_yields",
        ["limit", "workspaces/ws_negative_yields.json"],
        "ws_negative_yields.json: channel 'sr': bin 1: the background adds up to -12 events",
    ),
    (
        "ws_huge_yields",
        ["limit", "workspaces/ws_huge_yields.json"],
        "ws_huge_yields.json: channels[sr].samples[background].data[1]: 1e+300 is more than 1e15 events",
    ),
    (
        "ws_mismatched_binning",
        ["limit", "workspaces/ws_mismatched_binning.json"],
        "ws_mismatched_binning.json: expected 2 size sample data but got 3",
    ),
    (
        "ws_duplicated_sample",
        ["limit", "workspaces/ws_duplicated_sample.json"],
        "ws_duplicated_sample.json: channels[sr]: duplicated sample 'background'",
    ),
    (
        "ps_wrong_digest",
        ["limit", GOOD, "--patchset", "workspaces/ps_wrong_digest.json", "--patch", "m1"],
        "patch 'm1' does not apply (the patchset was made for another workspace",
    ),
    (
        "ps_nan_value",
        ["limit", GOOD, "--patchset", "workspaces/ps_nan_value.json", "--patch", "m1"],
        "ps_nan_value.json [patch m1]: channels[sr].samples[signal].data[0]: nan is not",
    ),
    (
        "ps_bad_path",
        ["limit", GOOD, "--patchset", "workspaces/ps_bad_path.json", "--patch", "m1"],
        "patch 'm1' does not apply (index '5' is out of bounds)",
    ),
    (
        "ps_wrong_length",
        ["limit", GOOD, "--patchset", "workspaces/ps_wrong_length.json", "--patch", "m1"],
        "ps_wrong_length.json [patch m1]: observations[sr].data: 2 bins, the channel has 3",
    ),
    (
        "ps_duplicated_name",
        ["limit", GOOD, "--patchset", "workspaces/ps_duplicated_name.json", "--patch", "m1"],
        "ps_duplicated_name.json: patch name 'm1' is used twice in the patchset",
    ),
    ("ws_not_pyhf", ["limit", "workspaces/ws_not_pyhf.json"], "not a valid pyhf workspace"),
    (
        "ws_bad_sidecar",
        ["limit", "workspaces/ws_bad_sidecar.json"],
        "ws_bad_sidecar.meta.json: not valid",
    ),
    (
        "ws_sidecar_list",
        ["limit", "workspaces/ws_sidecar_list.json"],
        "ws_sidecar_list.meta.json: (top level): a sidecar must be a JSON object",
    ),
    (
        "ps_unknown_patch",
        ["limit", GOOD, "--patchset", "workspaces/ps_unknown_patch.json", "--patch", "nosuch"],
        "ps_unknown_patch.json: no patch 'nosuch'",
    ),
    (
        "ps_no_patches",
        ["limit", GOOD, "--patchset", "workspaces/ps_no_patches.json", "--patch", "m1"],
        "ps_no_patches.json: not a pyhf patchset: field 'patches[].metadata.name'",
    ),
    (
        "ps_malformed",
        ["limit", GOOD, "--patchset", "workspaces/ps_malformed.json", "--patch", "m1"],
        "ps_malformed.json: not valid JSON",
    ),
    (
        "ps_top_level_list",
        ["limit", GOOD, "--patchset", "workspaces/ps_top_level_list.json", "--patch", "m1"],
        "ps_top_level_list.json: a patchset must be a JSON object",
    ),
    *[
        (
            f"atomic_{kind}",
            ["spectrum", "--model", "millicharge", "--atomic", f"atomic/atomic_{kind}.csv"],
            f"atomic_{kind}.csv: {expected}",
        )
        for kind, expected in [
            ("nan", "line 3"),
            ("empty", "needs a header"),
            ("negative_energy", "line 2: energy_kev"),
            ("huge", "line 3"),
            ("text", "line 3: not a number"),
            ("header_only", "needs a header"),
            ("wrong_columns", "needs a header with columns energy_kev,ratio_to_fea"),
            ("binary", "not a CSV text file"),
            ("duplicated_energy", "line 4: energy_kev 2 does not exceed the previous row's 2"),
            ("unsorted", "line 4: energy_kev 3 does not exceed the previous row's 5"),
            ("negative_ratio", "line 3: energy_kev must be > 0 and ratio_to_fea >= 0"),
            ("wrong_unit", "needs a header with columns energy_kev,ratio_to_fea"),
            ("ragged", "line 2: 3 fields, the header has 2"),
            ("short_row", "line 3: 1 fields, the header has 2"),
            ("one_row", "needs at least 2 rows, has 1"),
        ]
    ],
    (
        "target_missing_z",
        ["spectrum", "--target", "targets/target_missing_z.json"],
        "target_missing_z.json: missing field 'z'",
    ),
    (
        "target_text_z",
        ["spectrum", "--target", "targets/target_text_z.json"],
        "target_text_z.json: field 'z': must be an atomic number",
    ),
    (
        "target_fractional_z",
        ["spectrum", "--target", "targets/target_fractional_z.json"],
        "target_fractional_z.json: field 'z': must be an atomic number 1-118, not 54.5",
    ),
    (
        "target_huge_z",
        ["spectrum", "--target", "targets/target_huge_z.json"],
        "target_huge_z.json: field 'z'",
    ),
    (
        "target_negative_molar_mass",
        ["spectrum", "--target", "targets/target_negative_molar_mass.json"],
        "target_negative_molar_mass.json: field 'molar_mass_g_mol'",
    ),
    (
        "target_nan_molar_mass",
        ["spectrum", "--target", "targets/target_nan_molar_mass.json"],
        "target_nan_molar_mass.json: field 'molar_mass_g_mol': must be in (0, 1000) g/mol, not nan",
    ),
    (
        "target_unknown_key",
        ["spectrum", "--target", "targets/target_unknown_key.json"],
        "target_unknown_key.json: unknown field 'density'",
    ),
    (
        "target_unknown_shells",
        ["spectrum", "--target", "targets/target_unknown_shells.json"],
        "target_unknown_shells.json: field 'shells': \"xraydb\" or a list",
    ),
    (
        "target_bad_occupancy",
        ["spectrum", "--target", "targets/target_bad_occupancy.json"],
        "target_bad_occupancy.json: field 'shells': occupancies do not add up to z",
    ),
    (
        "target_negative_binding",
        ["spectrum", "--target", "targets/target_negative_binding.json"],
        "target_negative_binding.json: field 'shells': binding energies must be positive",
    ),
    (
        "target_empty",
        ["spectrum", "--target", "targets/target_empty.json"],
        "target_empty.json: not",
    ),
    (
        "target_malformed",
        ["spectrum", "--target", "targets/target_malformed.json"],
        "not valid JSON",
    ),
    *[
        (case, ["limit", f"workspaces/{case}.json", *extra], f"{case}{suffix}: {expected}")
        for case, extra, suffix, expected in [
            ("ws_duplicated_key", [], ".json", "field 'measurements': duplicated key"),
            ("ws_huge_integer", [], ".json", "channels[0].samples[1].data[0]: an integer of 401"),
            ("ws_not_utf8", [], ".json", "line 46: not UTF-8 text"),
            (
                "ws_nan_bound",
                [],
                ".json",
                "measurements[meas].config.parameters[mu].bounds[0]: [0, nan] is not a finite [low, high]",
            ),
            (
                "ws_inverted_bound",
                [],
                ".json",
                "measurements[meas].config.parameters[mu].bounds[0]: [10, 0] is not a finite [low, high]",
            ),
            (
                "ws_lumi_without_config",
                [],
                ".json",
                "measurements[meas].config.parameters: the lumi modifier 'lumi' needs a parameter",
            ),
            (
                "ws_normsys_zero",
                [],
                ".json",
                "channels[sr].samples[background].modifiers[bkg_norm]: normsys hi and lo must be",
            ),
            (
                "ws_normsys_negative",
                [],
                ".json",
                "channels[sr].samples[background].modifiers[bkg_norm]: normsys hi and lo must be positive",
            ),
            (
                "ws_histosys_nan",
                [],
                ".json",
                "channels[sr].samples[background].modifiers[shape].data.hi_data[1]: nan is not",
            ),
            (
                "ws_staterror_inf",
                [],
                ".json",
                "channels[sr].samples[background].modifiers[stat].data[1]: inf is not a finite",
            ),
            (
                "ws_zero_sigma",
                [],
                ".json",
                "measurements[meas].config.parameters[lumi].sigmas: [0.0] must be positive",
            ),
            (
                "ws_nan_init",
                [],
                ".json",
                "measurements[meas].config.parameters[mu].inits[0]: nan is not a finite number",
            ),
            ("ws_no_signal", [], ".json", "the signal (mu) does not change the expected data"),
            ("ws_chi2_empty_bins", ["--method", "chi2"], ".json", "bin 0: D + sigma^2 is not"),
            ("ws_sidecar_duplicated_key", [], ".meta.json", "field 'signal': duplicated key"),
        ]
    ],
    *[
        (
            case,
            ["limit", GOOD, "--patchset", f"workspaces/{case}.json", "--patch", "m1"],
            f"{case}.json{where}: {expected}",
        )
        for case, where, expected in [
            ("ps_duplicated_key", "", "field 'patches': duplicated key"),
            ("ps_huge_integer", "", "patches[0].patch[0].value[0]: an integer of 401 digits"),
            ("ps_text_values", "", "patches[m1].metadata.values[0]: 'abc' is not a finite"),
            ("ps_nan_values", "", "patches[m1].metadata.values[0]: nan is not a finite"),
            ("ps_values_not_list", "", "patches[m1].metadata.values: must be a list"),
            ("ps_text_patch_value", "", "patch 'm1' does not apply ('abc' is not of type"),
            (
                "ps_normsys_zero",
                " [patch m1]",
                "channels[sr].samples[signal].modifiers[sig_norm]: normsys hi and lo",
            ),
        ]
    ],
    *[
        (case, ["spectrum", "--target", f"targets/{case}.json"], f"{case}.json: {expected}")
        for case, expected in [
            ("target_not_utf8", "line 7: not UTF-8 text"),
            ("target_duplicated_key", "field 'z': duplicated key"),
            ("target_huge_integer", "(top level): an integer of more than 4300 digits"),
            ("target_deep_nesting", "(top level): nested deeper than 100 levels"),
            ("target_bigint_mass", "molar_mass_g_mol: an integer of 401 digits"),
        ]
    ],
]


#: The sidecar cases (ws_sc_*, ps_sc_*, ws_sidecar_*), written by tests/support/sidecar_corpus.py.
FILE_CASES += [(case, SIDECARS.arguments(case), text) for case, _, text in SIDECARS.CASES]

#: CLI arguments without a file: the line names the option.
ARGUMENT_CASES = [
    ("negative_energy", ["spectrum", "--energies-kev", "-1,5"], "'--energies-kev'"),
    ("huge_energy", ["spectrum", "--energies-kev", "1e400"], "'--energies-kev'"),
    ("empty_energies", ["spectrum", "--energies-kev", ""], "'--energies-kev'"),
    ("text_energies", ["spectrum", "--energies-kev", "abc"], "'--energies-kev'"),
    ("zero_count_range", ["spectrum", "--energies-kev", "1:10:0"], "'--energies-kev'"),
    ("reversed_zero_range", ["spectrum", "--energies-kev", "1:0:5"], "'--energies-kev'"),
    ("negative_mu_nu", ["spectrum", "--model", "magnetic-moment", "--mu-nu", "-1"], "--mu-nu"),
    ("zero_charge", ["spectrum", "--model", "millicharge", "--charge", "0"], "--charge"),
    ("negative_mass", ["spectrum", "--model", "dark-photon", "--mass-mev", "-5"], "--mass-mev"),
    ("cl_above_one", ["limit", GOOD, "--cl", "1.5"], "'--cl'"),
    ("unknown_method", ["limit", GOOD, "--method", "bayes"], "'--method'"),
    ("too_few_toys", ["limit", GOOD, "--calculator", "toybased", "--ntoys", "-5"], "'--ntoys'"),
    ("cl_zero", ["limit", GOOD, "--cl", "0"], "'--cl'"),
    ("patch_without_patchset", ["limit", GOOD, "--patch", "m1"], "needs --patchset"),
    ("unknown_command", ["frobnicate"], "No such command 'frobnicate'"),
    ("unknown_model", ["spectrum", "--model", "axion"], "'--model'"),
    ("nan_mass", ["spectrum", "--model", "dark-photon", "--mass-mev", "nan"], "'--mass-mev'"),
    ("combine_one_input", ["combine", GOOD], "at least two inputs"),
    ("unknown_format", ["templates", "-o", "t", "--format", "xml"], "'--format'"),
    ("negative_masses", ["reproduce", "-o", "r", "--masses-mev", "-1"], "--masses-mev"),
    ("text_masses", ["reproduce", "-o", "r", "--masses-mev", "abc"], "--masses-mev"),
    *[
        (case, ["spectrum", *args], option)
        for case, args, option in [
            (
                "huge_mu_nu_json",
                ["--model", "magnetic-moment", "--mu-nu", "1e308", "--json"],
                "'--mu-nu'",
            ),
            ("inf_mu_nu", ["--model", "magnetic-moment", "--mu-nu", "inf"], "'--mu-nu'"),
            ("nan_mu_nu", ["--model", "magnetic-moment", "--mu-nu", "nan"], "'--mu-nu'"),
            ("huge_charge", ["--model", "millicharge", "--charge", "-2"], "'--charge'"),
            ("nan_charge", ["--model", "millicharge", "--charge", "nan"], "'--charge'"),
            ("huge_coupling", ["--model", "dark-photon", "--coupling", "10"], "'--coupling'"),
            ("huge_mass", ["--model", "dark-photon", "--mass-mev", "1e300"], "'--mass-mev'"),
            ("subnormal_energy", ["--energies-kev", "1e-320,1"], "'--energies-kev'"),
            ("energy_above_range", ["--energies-kev", "1,1e7"], "'--energies-kev'"),
            ("too_many_energies", ["--energies-kev", "1:2:200000000"], "ceiling of 1000000"),
            ("range_to_subnormal", ["--energies-kev", "1e-320:1:5"], "'--energies-kev'"),
        ]
    ],
    ("huge_reference", ["combine", GOOD, GOOD, "--reference", "1e300"], "--reference"),
    ("nan_reference", ["combine", GOOD, GOOD, "--reference", "nan"], "--reference"),
    ("negative_seed", ["limit", GOOD, "--seed", "-1"], "'--seed'"),
    ("huge_seed", ["limit", GOOD, "--seed", str(2**40)], "'--seed'"),
    ("text_seed", ["limit", GOOD, "--seed", "x"], "'--seed'"),
]


def check(tmp_path: Path, refused, args: list[str], expected: str) -> str:
    for sub in SUBDIRS:
        shutil.copytree(CORPUS / sub, tmp_path / sub)
    line = refused(tmp_path, args)
    assert expected in line, line
    return line


def test_the_corpus_files_are_all_used():
    used = {a for _, args, _ in FILE_CASES for a in args if a.endswith((".json", ".csv"))}
    used |= {
        str(Path(a).with_suffix(".meta.json"))
        for a in used
        if (CORPUS / Path(a).with_suffix(".meta.json")).is_file()
    }
    present = {str(p.relative_to(CORPUS)) for d in SUBDIRS for p in (CORPUS / d).iterdir()}
    assert used | {"workspaces/ps_good.json"} == present


def test_the_good_workspace_is_good(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["limit", str(CORPUS / GOOD), "--json"])
    assert result.exit_code == 0, result.output


def test_the_good_patchset_is_good(tmp_path, monkeypatch):
    """The ps_* cases each depart from this patchset in one place."""
    monkeypatch.chdir(tmp_path)
    args = ["limit", str(CORPUS / GOOD), "--patchset", str(CORPUS / "workspaces/ps_good.json")]
    result = CliRunner().invoke(cli, [*args, "--patch", "m1", "--json"])
    assert result.exit_code == 0, result.output


def test_a_workspace_without_sidecar_gives_a_labelled_limit_on_its_poi(tmp_path, monkeypatch):
    """A plain pyhf workspace is valid input: the limit is on its normfactor, and says so."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["limit", str(CORPUS / GOOD)])
    assert result.exit_code == 0, result.output
    assert "upper limit on mu\n" in result.output
    assert result.output.splitlines()[-1].startswith(
        "# no sidecar good_workspace.meta.json: the limit is on the normfactor 'mu' itself"
    )


@pytest.mark.parametrize(
    ("args", "expected"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES]
)
def test_bad_files_exit_2_with_one_line(tmp_path, refused, args, expected):
    line = check(tmp_path, refused, args, expected)
    stems = [Path(a).stem for a in args if a.endswith((".json", ".csv"))]
    # the line names the bad file, its sidecar <stem>.meta.json or the workspace patched
    assert any(f"{stem}.{ext}" in line for stem in stems for ext in ("json", "meta.json", "csv"))


@pytest.mark.parametrize(
    ("args", "expected"), [c[1:] for c in ARGUMENT_CASES], ids=[c[0] for c in ARGUMENT_CASES]
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, refused, args, expected):
    check(tmp_path, refused, args, expected)


LIMIT_CASES = [c for c in FILE_CASES if c[1][0] == "limit"]


@pytest.mark.parametrize(
    ("args", "expected"), [c[1:] for c in LIMIT_CASES], ids=[c[0] for c in LIMIT_CASES]
)
def test_a_failing_limit_leaves_an_existing_output_alone(tmp_path, refused, args, expected):
    """``--output existing.json --force`` with bad input: the old file keeps its bytes."""
    (tmp_path / "existing.json").write_text('{"kept": true}\n')
    check(tmp_path, refused, [*args, "--output", "existing.json", "--force"], expected)
    assert (tmp_path / "existing.json").read_text() == '{"kept": true}\n'
