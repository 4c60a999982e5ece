"""The HEPData submission: tables, qualifiers, keywords, figures, resources, validation,
determinism, and the command's behaviour on existing outputs and bad inputs."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from click.testing import CliRunner

from xhf.cli import cli
from xhf.exceptions import OutputExistsError
from xhf.publish import (
    InvalidSubmissionError,
    build_submission,
    load_analysis_inputs,
    load_results,
    read_tar_gz,
    validate_submission,
    write_submission,
)
from xhf.publish.compat import quiet_hepdata
from xhf.replica.publication import ANALYSES, replica_publication

TABLES = [
    "magnetic_moment_upper_limit.yaml",
    "millicharge_upper_limits.yaml",
    "dark_photon_upper_limits_at_the_paper_masses.yaml",
    "dark_photon_exclusion_curve_chi2.yaml",
    "dark_photon_exclusion_curve_cls.yaml",
    "magnetic_moment_fit_spectrum.yaml",
    "millicharge_fit_spectrum.yaml",
    "dark_photon_fit_spectrum.yaml",
    "signal_efficiency.yaml",
    "detection_probability.yaml",
]


@pytest.fixture(scope="module")
def documents(published):
    directory = published / "submission"
    with (directory / "submission.yaml").open() as handle:
        header, *tables = list(yaml.safe_load_all(handle))
    data = {
        t["data_file"]: yaml.safe_load((directory / t["data_file"]).read_text()) for t in tables
    }
    return header, tables, data


def test_validates_as_directory_and_archive(published):
    validate_submission(published / "submission")
    validate_submission(archive=published / "submission.tar.gz")
    with quiet_hepdata():
        from hepdata_validator.full_submission_validator import FullSubmissionValidator

        assert FullSubmissionValidator().validate(archive=str(published / "submission.tar.gz"))


def test_the_archive_holds_the_directory(published):
    directory = published / "submission"
    files = read_tar_gz((published / "submission.tar.gz").read_bytes())
    assert files == {p.name: p.read_bytes() for p in directory.iterdir()}


def test_tables_in_order_with_units(documents):
    _, tables, data = documents
    assert [t["data_file"] for t in tables] == TABLES
    spectrum = data["magnetic_moment_fit_spectrum.yaml"]
    energy = spectrum["independent_variables"][0]
    assert energy["header"] == {"name": "Reconstructed energy", "units": "keV"}
    assert energy["values"][0] == {"low": 2.0, "high": 6.0}
    names = [v["header"]["name"] for v in spectrum["dependent_variables"]]
    assert names[:4] == [
        "Events (pseudo-data)",
        "Background model (nominal, pre-fit)",
        "Signal at the observed limit (chi2)",
        "Signal at the observed limit (cls)",
    ]
    assert "Background: Pb210_surface" in names
    limits = data["magnetic_moment_upper_limit.yaml"]["dependent_variables"]
    assert limits[0]["header"] == {
        "name": "Expected 90% CL upper limit on $\\mu_{\\nu}$",
        "units": "mu_B",
    }
    labels = [e["label"] for e in limits[0]["values"][0]["errors"]]
    assert labels == ["expected 1 sigma", "expected 2 sigma"]
    curve = data["dark_photon_exclusion_curve_cls.yaml"]
    assert curve["independent_variables"][0]["header"]["units"] == "MeV"
    # plain-text units, and one for the (dimensionless) coupling too
    for doc in data.values():
        for var in doc.get("independent_variables", []) + doc.get("dependent_variables", []):
            assert "$" not in var["header"].get("units", ""), var["header"]
    assert {v["header"]["units"] for v in curve["dependent_variables"]} == {"dimensionless"}
    assert [v["value"] for v in curve["independent_variables"][0]["values"]] == [0.001, 10.0]


def test_limits_match_results(documents, main_job):
    _, _, data = documents
    results = load_results(main_job["results"])
    table = data["millicharge_upper_limits.yaml"]
    flavours = [v["value"] for v in table["independent_variables"][0]["values"]]
    methods = [v["value"] for v in table["independent_variables"][1]["values"]]
    assert (
        flavours
        == ["all flavours"] * 2 + ["nu_e only"] * 2 + ["nu_mu only"] * 2 + ["nu_tau only"] * 2
    )
    assert methods[:2] == [
        "chi2 (paper's Eq. 4, flat prior, 90% quantile)",
        "CLs (pyhf, q-tilde, asymptotic)",
    ]
    expected, observed, paper = table["dependent_variables"]
    entry = results.find("millicharge", "cls", "e")
    assert expected["values"][3]["value"] == pytest.approx(entry.expected, rel=1e-4)
    minus, plus = (expected["values"][3]["errors"][1]["asymerror"][k] for k in ("minus", "plus"))
    assert entry.expected + minus == pytest.approx(entry.band[0], rel=1e-3)
    assert entry.expected + plus == pytest.approx(entry.band[3], rel=1e-3)
    assert observed["values"][3]["value"] == pytest.approx(entry.observed, rel=1e-4)
    assert paper["values"][2]["value"] == 7.3e-12


def test_every_table_says_pseudo_data(documents):
    _, tables, data = documents
    for table in tables:
        assert "PSEUDO-DATA" in table["description"] and "NOT XMASS-I data" in table["description"]
        keywords = {k["name"]: k["values"] for k in table["keywords"]}
        assert set(keywords) == {"observables", "reactions", "phrases"}
        assert "Pseudo-data" in keywords["phrases"]
        for variable in data[table["data_file"]]["dependent_variables"]:
            qualifiers = {q["name"]: q["value"] for q in variable["qualifiers"]}
            if variable["header"]["name"].startswith("XMASS-I published"):
                assert qualifiers["DATA"].startswith("XMASS-I data, published")
            else:
                assert (
                    qualifiers["DATA"]
                    == "pseudo-data of the XMASS-I-like replica (NOT XMASS-I data)"
                )


def test_reactions_per_flavour(documents):
    _, tables, _ = documents
    millicharge = next(t for t in tables if t["data_file"] == "millicharge_upper_limits.yaml")
    reactions = next(k["values"] for k in millicharge["keywords"] if k["name"] == "reactions")
    assert reactions == [
        "NU E- --> NU E-",
        "NUE E- --> NUE E-",
        "NUMU E- --> NUMU E-",
        "NUTAU E- --> NUTAU E-",
    ]


def test_figures_attached_to_their_tables(documents, published):
    """The figure names of ``xhf reproduce`` go to their tables; the rest to the record."""
    header, tables, _ = documents
    images = {
        t["data_file"]: [r["location"] for r in t.get("additional_resources", [])] for t in tables
    }
    expected = {
        "magnetic_moment_upper_limit.yaml": "fig3_fit_magnetic_moment.png",
        "millicharge_upper_limits.yaml": "fig4_flavor_limits.png",
        "dark_photon_upper_limits_at_the_paper_masses.yaml": "fig6_dark_photon_exclusion.png",
        "dark_photon_exclusion_curve_chi2.yaml": "fig6_dark_photon_exclusion.png",
        "dark_photon_exclusion_curve_cls.yaml": "fig6_dark_photon_exclusion.png",
        "magnetic_moment_fit_spectrum.yaml": "fig3_fit_magnetic_moment.png",
        "millicharge_fit_spectrum.yaml": "fig3_fit_millicharge.png",
        "dark_photon_fit_spectrum.yaml": "fig3_fit_dark_photon_1kev.png",
        "signal_efficiency.yaml": None,
        "detection_probability.yaml": None,
    }
    for table, figure in expected.items():
        assert images[table] == ([figure, f"thumb_{figure}"] if figure else [])
    descriptions = {r["description"] for t in tables for r in t.get("additional_resources", [])}
    assert descriptions == {"Image file", "Thumbnail image file"}
    from PIL import Image

    with Image.open(published / "submission" / "thumb_fig6_dark_photon_exclusion.png") as thumb:
        assert thumb.size[0] <= 240 and thumb.size[1] <= 179
    extra = [r["location"] for r in header["additional_resources"]]
    for name in (
        "fig1_signal_spectra",
        "fig2_background_model",
        "fig2_background_model_low_energy",
    ):
        assert f"{name}.png" in extra
    assert not any(name.endswith(".pdf") for name in extra)


def test_likelihoods_are_histfactory_resources(documents):
    header, _, _ = documents
    resources = [r for r in header["additional_resources"] if r.get("type") == "HistFactory"]
    assert [r["location"] for r in resources] == [
        "xmass1_magnetic_moment_likelihood.tar.gz",
        "xmass1_millicharge_likelihood.tar.gz",
        "xmass1_dark_photon_likelihood.tar.gz",
    ]
    assert all("PSEUDO-DATA" in r["description"] for r in resources)
    assert header["record_ids"] == [{"id": 1234567, "type": "inspire"}]
    assert "PSEUDO-DATA" in header["comment"]


def test_hs3_likelihoods_are_resources_beside_the_pyhf_ones(documents, published, main_job):
    import json

    from xhf.infer import load_analysis
    from xhf.publish import read_tar_gz
    from xhf.publish.hs3 import analysis_to_hs3

    header, _, _ = documents
    resources = [r for r in header["additional_resources"] if r.get("type") == "HS3"]
    assert [r["location"] for r in resources] == [
        "xmass1_magnetic_moment_hs3.tar.gz",
        "xmass1_millicharge_hs3.tar.gz",
        "xmass1_dark_photon_hs3.tar.gz",
    ]
    assert all("PSEUDO-DATA" in r["description"] for r in resources)
    folder = published / "submission"
    power = read_tar_gz((folder / "xmass1_millicharge_hs3.tar.gz").read_bytes())
    ws = main_job["workspaces"] / "xmass1_millicharge.json"
    # the resource holds exactly what `xhf export hs3` writes for the workspace
    assert json.loads(power["xmass1_millicharge_hs3/xmass1_millicharge.hs3.json"]) == (
        json.loads(json.dumps(analysis_to_hs3(load_analysis(ws))))
    )
    dark = read_tar_gz((folder / "xmass1_dark_photon_hs3.tar.gz").read_bytes())
    components = json.loads(
        (main_job["workspaces"] / "xmass1_dark_photon_components_patchset.json").read_text()
    )
    patches = [p["metadata"]["name"] for p in components["patches"]]
    names = {name.split("/", 1)[1] for name in dark}
    assert names == {f"{p}.hs3.json" for p in patches} | {"README.md", "SHA256SUMS"}
    for patch in patches:
        doc = json.loads(dark[f"xmass1_dark_photon_hs3/{patch}.hs3.json"])
        # the exact tie: the pure part's scale is a function of the one POI
        assert doc["functions"] and doc["misc"]["xhf"]["patch"] == patch
        assert doc["analyses"][0]["parameters_of_interest"] == ["mu_interference"]


def test_deterministic(main_job, published, settings, tmp_path):
    results = load_results(main_job["results"])
    inputs = load_analysis_inputs(main_job["workspaces"], ANALYSES)
    kwargs = {
        "figures_dir": main_job["results"] / "figures",
        "results_json": (main_job["results"] / "results.json").read_bytes(),
        "hepdata": "ins1234567",
        "publication": replica_publication(settings),
    }
    first = build_submission(results, inputs, **kwargs)
    assert first == build_submission(results, inputs, **kwargs)
    write_submission(first, tmp_path / "again")
    assert (tmp_path / "again" / "submission.tar.gz").read_bytes() == (
        published / "submission.tar.gz"
    ).read_bytes()


def test_existing_output_needs_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    files = {"a.txt": b"x"}
    with pytest.raises(OutputExistsError, match="exists; use --force"):
        write_submission(files, out)
    assert (out / "keep.txt").read_text() == "mine"


def test_invalid_submission_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(InvalidSubmissionError, match="hepdata-validator"):
        write_submission({"not_a_submission.txt": b"x"}, out, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_force_replaces_the_whole_directory(published, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(published, out)
    (out / "stale.txt").write_text("old")
    files = read_tar_gz((published / "submission.tar.gz").read_bytes())
    write_submission(files, out, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["submission", "submission.tar.gz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _run(*args):
    return CliRunner().invoke(cli, ["publish", *map(str, args)])


def test_cli_publishes(main_job, tmp_path):
    out = tmp_path / "hepdata"
    with quiet_hepdata():
        result = _run(
            "-o", out, "--results", main_job["results"], "--workspaces", main_job["workspaces"]
        )
    assert result.exit_code == 0, result.output
    assert "validated with hepdata-validator" in result.output
    assert "10 tables, 3 likelihoods (pyhf and HS3)" in result.output
    assert (out / "submission.tar.gz").is_file()
    header = next(yaml.safe_load_all((out / "submission" / "submission.yaml").read_text()))
    assert "record_ids" not in header
    again = _run(
        "-o", out, "--results", main_job["results"], "--workspaces", main_job["workspaces"]
    )
    assert again.exit_code == 2
    assert again.output.strip() == f"Error: {out}: exists; use --force to overwrite"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no_results", "results.json: no such file"),
        ("no_workspace", "xmass1_magnetic_moment.json: no such workspace file"),
        ("bad_id", "--hepdata-id 'ins12': must be an INSPIRE id"),
        ("bad_results", "field 'limits[0]'.expected must be a finite number"),
    ],
)
def test_cli_bad_input_is_one_line(main_job, tmp_path, change, message):
    results, workspaces = tmp_path / "results", tmp_path / "workspaces"
    shutil.copytree(main_job["results"], results)
    shutil.copytree(main_job["workspaces"], workspaces)
    args = ["-o", tmp_path / "out", "--results", results, "--workspaces", workspaces]
    if change == "no_results":
        (results / "results.json").unlink()
    elif change == "no_workspace":
        (workspaces / "xmass1_magnetic_moment.json").unlink()
    elif change == "bad_id":
        args += ["--hepdata-id", "ins12"]
    else:
        document = json.loads((results / "results.json").read_text())
        document["limits"][0]["expected"] = "soon"
        (results / "results.json").write_text(json.dumps(document))
    result = _run(*args)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert not (tmp_path / "out").exists()


def test_cli_help_has_an_example():
    result = CliRunner().invoke(cli, ["publish", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "--hepdata-id" in result.output


def test_missing_hepdata_lib_is_one_line(monkeypatch):
    import sys

    from xhf.publish.compat import MissingDependencyError, import_publish

    monkeypatch.setitem(sys.modules, "hepdata_lib", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'xhf\[publish\]'"):
        import_publish("hepdata_lib")
