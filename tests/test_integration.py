"""The whole chain, read like a tutorial: physics -> detector -> templates -> workspace ->
limits -> the main job's outputs, on a reduced dark-photon grid."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from xhf.cli import cli
from xhf.detector import ResponseMatrix
from xhf.infer import build_analysis, limit
from xhf.physics import differential_rate
from xhf.templates import read_templates
from xhf.workspace import build_workspace, workspace_metadata

SHIPPED = "templates/xmass1_replica"


def test_tutorial_magnetic_moment(tmp_path):
    # 1. physics: the magnetic-moment signal in true energy, events/(kg day keV)
    energies = np.array([2.0, 10.0, 100.0])
    rate = differential_rate(energies, "magnetic-moment", mu_nu=1e-10)
    assert np.all(np.diff(rate) < 0)  # ~1/T

    # 2. detector: fold it into 2-200 keV bins (Eq. 3 of the paper)
    response = ResponseMatrix(np.arange(2.0, 202.0, 2.0))
    counts = response.fold(lambda t: differential_rate(t, "magnetic-moment", mu_nu=1e-10))
    assert counts.shape == (99,) and counts.sum() > 0

    # 3. templates: the shipped replica holds the same signal (with its own efficiency)
    replica = read_templates(SHIPPED)
    mm = replica.signal("magnetic_moment")
    assert mm.reference == 1e-10 and mm.parts[0].yields.shape == (99,)

    # 4. workspace: the paper's likelihood as a pyhf workspace with its sidecar
    ws = build_workspace(replica, "magnetic_moment", data="pseudo_poisson").workspace
    meta = workspace_metadata(ws, replica, "magnetic_moment", data="pseudo_poisson")
    assert meta["signal"]["parameter"] == "mu_nu" and meta["data"]["pseudo_data"] is True

    # 5. limits in physical units, both methods
    analysis = build_analysis(ws, meta, source="magnetic_moment")
    chi2 = limit(analysis, method="chi2")
    cls = limit(analysis, method="cls")
    assert chi2.unit == cls.unit == "mu_B"
    # the replica is calibrated to the paper-implied sensitivity (1.35e-10 mu_B) within 15 %
    assert chi2.expected["0"] == pytest.approx(1.35e-10, rel=0.15)
    assert cls.expected["0"] == pytest.approx(chi2.expected["0"], rel=0.15)


def test_main_job_on_a_reduced_grid(tmp_path):
    out = tmp_path / "results"
    args = ["reproduce", "-o", str(out), "--masses-mev", "0.001,10", "--jobs", "1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    keys = {
        "analysis",
        "method",
        "flavor",
        "mass_mev",
        "unit",
        "expected",
        "expected_band",
        "observed",
        "paper",
    }
    for entry in results["limits"]:
        assert keys <= set(entry)
        band = entry["expected_band"]
        assert band[0] < band[1] < entry["expected"] < band[2] < band[3]
    combos = {(e["analysis"], e["method"], e["flavor"], e["mass_mev"]) for e in results["limits"]}
    for method in ("chi2", "cls"):
        assert ("magnetic_moment", method, "all", None) in combos
        for flavor in ("all", "e", "mu", "tau"):
            assert ("millicharge", method, flavor, None) in combos
        assert ("dark_photon", method, "all", 0.001) in combos
        assert ("dark_photon", method, "all", 10.0) in combos
    # flavour limits: the common limit over sqrt(fraction)
    by = {
        (e["method"], e["flavor"]): e for e in results["limits"] if e["analysis"] == "millicharge"
    }
    for flavor, fraction in (("e", 0.54), ("mu", 0.23), ("tau", 0.23)):
        assert by[("chi2", flavor)]["expected"] == pytest.approx(
            by[("chi2", "all")]["expected"] / fraction**0.5, rel=1e-6
        )
    # calibration targets of the replica (paper-implied sensitivities, chi2 method)
    targets = {
        ("magnetic_moment", None): (1.35e-10, 0.15),
        ("millicharge", None): (5.4e-12, 0.15),
        ("dark_photon", 0.001): (1.09e-6, 0.15),
        ("dark_photon", 10.0): (8.8e-5, 0.15),
    }
    for entry in results["limits"]:
        key = (entry["analysis"], entry["mass_mev"])
        if entry["method"] == "chi2" and entry["flavor"] == "all" and key in targets:
            value, tolerance = targets[key]
            assert entry["expected"] == pytest.approx(value, rel=tolerance), key
    # fit quality as the paper reports it: chi2 of Eq. 4 over 98 dof for 2-200 keV
    fits = {
        (e["analysis"], e["mass_mev"]): e["fit_quality"]
        for e in results["limits"]
        if e["method"] == "chi2" and e["flavor"] == "all"
    }
    assert fits[("magnetic_moment", None)]["ndf"] == 98
    assert fits[("millicharge", None)]["ndf"] == 12
    for fit in fits.values():
        assert 0.0 < fit["chi2_min"] <= fit["chi2_null"] + 1e-6
    assert fits[("magnetic_moment", None)]["paper"]["chi2_min"] == 85.9
    assert not any("fit_quality" in e for e in results["limits"] if e["method"] == "cls")
    assert [p["mass_mev"] for p in results["exclusion_curve"]] == [0.001, 10.0]
    assert results["provenance"]["data"]["pseudo_data"] is True
    summary = (out / "summary.md").read_text()
    assert "pseudo-data" in summary and "| mu_nu [mu_B] |" in summary
    assert "## Fit quality" in summary and " / 98 |" in summary
    for name in (
        "fig1_signal_spectra",
        "fig2_background_model",
        "fig3_fit_magnetic_moment",
        "fig3_fit_millicharge",
        "fig4_flavor_limits",
        "fig6_dark_photon_exclusion",
    ):
        for suffix in (".png", ".pdf"):
            assert (out / "figures" / f"{name}{suffix}").stat().st_size > 1000

    # the same inputs give the same bytes; an existing output is kept without --force
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "--force" in again.output
    rerun = CliRunner().invoke(cli, [*args[:2], str(tmp_path / "again"), *args[3:]])
    assert rerun.exit_code == 0, rerun.output
    assert (tmp_path / "again" / "results.json").read_bytes() == (out / "results.json").read_bytes()
