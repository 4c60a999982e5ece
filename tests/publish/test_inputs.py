"""results.json and workspace inputs: the shapes accepted and one-line errors naming the field."""

from __future__ import annotations

import shutil

import pytest

from xhf.exceptions import InvalidInputError, InvalidParameterError, MissingFileError
from xhf.publish import check_hepdata_id, load_analysis_inputs, load_results, parse_results
from xhf.replica.publication import ANALYSES

BAND = [1.0, 2.0, 4.0, 5.0]


def _limit(**changes):
    entry = {
        "analysis": "magnetic_moment",
        "method": "chi2",
        "flavor": "all",
        "mass_mev": None,
        "unit": "mu_B",
        "expected": 3.0,
        "expected_band": BAND,
        "observed": 2.5,
        "paper": 1.8e-10,
    }
    entry.update(changes)
    return entry


def test_the_main_jobs_results_parse(main_job):
    results = load_results(main_job["results"])
    assert len(results.limits) == 14
    assert results.methods() == ["chi2", "cls"]
    entry = results.find("millicharge", "cls", "e")
    assert entry.unit == "e" and entry.paper == 7.3e-12
    assert results.find("dark_photon", "chi2", "all", 10.0).mass_mev == 10.0
    assert [p.mass_mev for p in results.curve_for("cls")] == [1e-3, 10.0]


@pytest.mark.parametrize(
    "curve",
    [
        {"cls": [{"mass_mev": 1.0, "expected": 3.0, "band": BAND, "observed": 2.0}]},
        {"cls": {"points": [{"mass_mev": 1.0, "expected": 3.0, "band": BAND, "observed": 2.0}]}},
        {
            "cls": {
                "mass_mev": [1.0],
                "expected": [3.0],
                "band": {"-2": [1.0], "-1": [2.0], "+1": [4.0], "+2": [5.0]},
                "observed": [2.0],
            }
        },
        {"cls": {"mass_mev": [1.0], "expected": [3.0], "expected_band": [BAND], "observed": [2.0]}},
        [
            {
                "method": "cls",
                "mass_mev": 1.0,
                "expected": 3.0,
                "expected_band": BAND,
                "observed": 2.0,
            }
        ],
        [{"mass_mev": 1.0, "cls": {"expected": 3.0, "band": BAND, "observed": 2.0}}],
        [
            {
                "mass_mev": 1.0,
                "cls": {
                    "expected": {"-2": 1.0, "-1": 2.0, "0": 3.0, "+1": 4.0, "+2": 5.0},
                    "observed": 2.0,
                },
            }
        ],
    ],
)
def test_every_shape_of_the_exclusion_curve(curve):
    results = parse_results({"limits": [_limit()], "exclusion_curve": curve})
    (point,) = results.curve
    assert point == ("cls", 1.0, 3.0, tuple(BAND), 2.0)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "must be a JSON object"),
        ({"limits": []}, "field 'limits' must be a non-empty list"),
        ({"limits": [_limit(expected="x")]}, r"'limits\[0\]'.expected must be a finite number"),
        ({"limits": [_limit(expected_band=[1, 2])]}, r"expected_band must list the -2"),
        ({"limits": [_limit(expected_band=[5, 4, 2, 1])]}, "must increase"),
        ({"limits": [_limit(expected=9.0)]}, "outside its"),
        ({"limits": [_limit(method=None)]}, r"'limits\[0\]'.method must be a string"),
        ({"limits": [_limit(observed=float("nan"))]}, "observed must be a finite number"),
        ({"limits": [_limit()], "exclusion_curve": 3}, "exclusion_curve' must be an object"),
        (
            {
                "limits": [_limit()],
                "exclusion_curve": {"cls": [{"mass_mev": 1.0, "expected": 3.0}]},
            },
            r"exclusion_curve'.cls\[0\].band must list",
        ),
        ({"limits": [_limit()], "provenance": []}, "field 'provenance' must be an object"),
    ],
)
def test_bad_results_name_the_field(document, message):
    with pytest.raises(InvalidInputError, match=message) as info:
        parse_results(document, "res.json")
    assert str(info.value).startswith("res.json: ")
    assert "\n" not in str(info.value)


def test_missing_results(tmp_path):
    with pytest.raises(MissingFileError, match=r"results.json: no such file \(run `xhf reproduce`"):
        load_results(tmp_path)


@pytest.mark.parametrize("bad", ["123", "ins123", "INS1234567", "ins12345678", "ins1234567 "])
def test_hepdata_ids(bad):
    assert check_hepdata_id("ins1234567") == "ins1234567"
    assert check_hepdata_id(None) is None
    with pytest.raises(InvalidParameterError, match="must be an INSPIRE id like ins1234567"):
        check_hepdata_id(bad)


def test_workspaces_are_read_with_their_sidecars(main_job):
    inputs = load_analysis_inputs(main_job["workspaces"], ANALYSES)
    assert set(inputs) == {"magnetic_moment", "millicharge", "dark_photon"}
    assert inputs["magnetic_moment"].power_law and not inputs["dark_photon"].power_law
    assert inputs["dark_photon"].main[1]["background_only"] is True


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("xmass1_millicharge.json", "xmass1_millicharge.json: no such workspace file"),
        ("xmass1_magnetic_moment.meta.json", "xmass1_magnetic_moment.meta.json: no such sidecar"),
        ("xmass1_dark_photon_patchset.json", "xmass1_dark_photon_patchset.json: no such patchset"),
    ],
)
def test_missing_workspace_files(main_job, tmp_path, missing, message):
    copy = tmp_path / "ws"
    shutil.copytree(main_job["workspaces"], copy)
    (copy / missing).unlink()
    with pytest.raises(MissingFileError, match=message):
        load_analysis_inputs(copy, ANALYSES)


def test_an_invalid_workspace_is_one_line(main_job, tmp_path):
    copy = tmp_path / "ws"
    shutil.copytree(main_job["workspaces"], copy)
    (copy / "xmass1_millicharge.json").write_text('{"channels": 3}')
    with pytest.raises(InvalidInputError, match="not a valid pyhf workspace") as info:
        load_analysis_inputs(copy, ANALYSES)
    assert "\n" not in str(info.value)
