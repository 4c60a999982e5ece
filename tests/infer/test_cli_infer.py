"""``xhf limit``, ``xhf scan dark-photon`` and ``xhf diagnostics`` on the command line."""

import json

import pytest
from click.testing import CliRunner

from xhf.cli import cli

REQUIRED = {"parameter", "unit", "method", "cl", "observed", "expected"}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_limit_json_has_the_contract_keys(files):
    result = run("limit", files["small"], "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert REQUIRED <= set(out)
    assert set(out["expected"]) == {"-2", "-1", "0", "+1", "+2"}
    assert (out["parameter"], out["unit"], out["method"], out["cl"]) == ("delta", "e", "cls", 0.9)
    assert out["fit_status"]["converged"] is True
    assert set(out["flavor_limits"]) == {"e", "mu", "tau"}


def test_limit_text_and_chi2(files):
    result = run("limit", files["small"], "--method", "chi2", "--cl", "0.95")
    assert result.exit_code == 0, result.output
    assert "95% CL upper limit on delta [e]" in result.output
    assert "observed" in result.output and "nu_e only" in result.output and "chi2" in result.output


def test_limit_on_a_components_patch_finds_the_sibling_patchset(files):
    result = run("limit", files["bkg_only"], "--patch", "dark_photon_m1e_03", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["parameter"], out["poi"], out["mass_mev"]) == ("g", "mu_interference", 0.001)
    meta = json.loads(
        files["components"].with_name(files["components"].stem + ".meta.json").read_text()
    )
    reference = meta["signal"]["references"]["dark_photon_m1e_03"]  # one per mass
    assert out["observed"] == pytest.approx(reference * out["poi_limit"] ** 0.5)


def test_limit_writes_output_atomically_and_refuses_to_overwrite(files, tmp_path):
    target = tmp_path / "limit.json"
    assert run("limit", files["small"], "-o", target).exit_code == 0
    assert REQUIRED <= set(json.loads(target.read_text()))
    again = run("limit", files["small"], "-o", target)
    assert again.exit_code == 2 and "--force" in again.output
    assert run("limit", files["small"], "-o", target, "--force").exit_code == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["no_such.json"], "no_such.json"),
        (["{small}", "--cl", "1.2"], "--cl"),
        (["{small}", "--method", "bayes"], "--method"),
        (["{bkg_only}", "--patch", "nope"], "--patch nope"),
        (["{bkg_only}", "--patchset", "{components}", "--patch", "nope"], "no patch 'nope'"),
        (["{bkg_only}", "--patchset", "{components}"], "--patch"),
        (["{small}", "--ntoys", "3"], "--ntoys"),
        (["{bkg_only}"], "background-only"),
    ],
)
def test_limit_bad_input_is_one_line_and_exit_2(files, args, needle):
    result = run("limit", *[a.format(**{k: str(v) for k, v in files.items()}) for a in args])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 or lines[0].startswith("Usage:"), result.output
    assert needle in result.output
    assert "Traceback" not in result.output


def test_help_has_examples():
    for command in (["limit"], ["scan", "dark-photon"], ["diagnostics"], ["scan"]):
        result = run(*command, "--help")
        assert result.exit_code == 0
        assert "xhf " + command[0] in result.output


def test_scan_dark_photon_writes_deterministic_json_and_csv(files, tmp_path):
    out = tmp_path / "scan"
    args = ("scan", "dark-photon", files["bkg_only"], "--patchset", files["components"], "-o", out)
    result = run(*args)
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "dark_photon_limits.json").read_text())
    assert doc["parameter"] == "g" and len(doc["points"]) == 2
    first = (
        (out / "dark_photon_limits.json").read_bytes(),
        (out / "dark_photon_limits.csv").read_bytes(),
    )
    assert run(*args).exit_code == 2  # no overwrite without --force
    assert run(*args, "--force").exit_code == 0
    assert first == (
        (out / "dark_photon_limits.json").read_bytes(),
        (out / "dark_photon_limits.csv").read_bytes(),
    )


def test_diagnostics_writes_plots_and_tables(files, tmp_path):
    pytest.importorskip("cabinetry")
    out = tmp_path / "diag"
    result = run("diagnostics", files["small"], "-o", out)
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {
        "fit_results.json",
        "pulls.pdf",
        "low_energy_prefit.pdf",
        "low_energy_postfit.pdf",
    } <= names
    assert any(n.startswith("yields_per_bin") for n in names)
    assert run("diagnostics", files["small"], "-o", out).exit_code == 2
