"""Failed fits and failed limit searches are reported, never returned as numbers.

Each test forces a failure in the real chain (the fitter's attempts, the chi2 profile, the
root search) and checks what reaches the user: an error naming the fit and the value of the
parameter, a bound to widen, or -- in a scan -- a point written as failed.
"""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from tests.support.synthetic import small_workspace
from xhf.cli import cli
from xhf.infer import (
    AsymptoticCLs,
    FitNotConvergedError,
    FitOptions,
    Fitter,
    LimitAtBoundError,
    PatchedModels,
    batched,
    build_analysis,
    exclusion_curve,
    limit,
    upper_limit,
)
from xhf.infer import dark_photon as dp
from xhf.infer.batched import batched_fit
from xhf.infer.chi2 import NeymanChi2
from xhf.jsonio import write_json


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def fail_fits(monkeypatch, when):
    """Make every attempt of a fit fail -- the closed-form ones and pyhf's fallback -- when
    ``when(fitter, data, poi)`` is true."""
    compiled, pyhf_fit = Fitter._fit_compiled, Fitter._fit_pyhf

    def failing_compiled(self, data, poi, start, xb, method="newton"):
        if when(self, data, poi):
            return None, "forced failure", None
        return compiled(self, data, poi, start, xb, method)

    def failing_pyhf(self, data, poi, start, xb):
        if when(self, data, poi):
            return None, "forced failure (pyhf)"
        return pyhf_fit(self, data, poi, start, xb)

    def failing_batch(fitter, data, poi, init, poi_bounds=None):
        fits = batched_fit(fitter, data, poi, init, poi_bounds)
        forced = np.array([bool(when(fitter, d, poi)) for d in data])
        return fits._replace(converged=fits.converged & ~forced)

    monkeypatch.setattr(Fitter, "_fit_compiled", failing_compiled)
    monkeypatch.setattr(Fitter, "_fit_pyhf", failing_pyhf)
    monkeypatch.setattr(batched, "batched_fit", failing_batch)


def signal_fits(fitter, data, poi):
    return poi is not None and poi > 0


def one_line_error(result):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


# ---------------------------------------------------------------------------- single limits
@pytest.mark.parametrize("method", ["cls", "chi2"])
def test_cli_limit_with_failing_fits_exits_2_naming_the_fit(files, monkeypatch, method):
    if method == "cls":
        fail_fits(monkeypatch, signal_fits)
        needle = r"fit at mu=[0-9.e+-]+ did not converge after 5 attempts \(forced failure"
    else:
        residuals = NeymanChi2.residuals

        def nan_above_zero(self, pars, data, x):
            r, j = residuals(self, pars, data, x)
            return (r * np.nan if x > 0 else r), j

        monkeypatch.setattr(NeymanChi2, "residuals", nan_above_zero)
        needle = r"chi2 profile at mu=[0-9.e+-]+ did not converge"
    line = one_line_error(run("limit", files["small"], "--method", method, "--json"))
    assert "xmass1_millicharge.json: " in line
    assert re.search(needle, line), line


def test_chi2_limit_with_a_failing_profile_raises(small_analysis, monkeypatch):
    profile = NeymanChi2.profile

    def failing(self, data, x, init=None):
        if x > 0.5:
            raise FitNotConvergedError(f"chi2 profile at mu={x:.6g} did not converge (forced)")
        return profile(self, data, x, init)

    monkeypatch.setattr(NeymanChi2, "profile", failing)
    with pytest.raises(
        FitNotConvergedError, match=r"small\.json: chi2 profile at mu=[0-9.]+ did not"
    ):
        limit(small_analysis, method="chi2")


@pytest.mark.parametrize("method", ["cls", "chi2", "pl"])
def test_cli_limit_beyond_the_poi_bound_says_which_bound_to_widen(tmp_path, method):
    spec, meta = small_workspace(poi_bounds=(0.0, 0.6))
    path = tmp_path / "narrow.json"
    write_json(path, spec)
    write_json(tmp_path / "narrow.meta.json", meta)
    line = one_line_error(run("limit", path, "--method", method, "--poi-bounds", "0,0.6"))
    assert "narrow.json: " in line and "limit" in line
    assert "upper bound 0.6 of 'mu'" in line and "widen its bounds" in line
    assert "e.g. to [0, 1.8]" in line


# ----------------------------------------------------------------------------- expected band
def test_failing_fits_in_the_expected_band_raise(small_analysis, monkeypatch):
    reference = upper_limit(small_analysis.fitter(), small_analysis.data)
    edge = 0.5 * (reference.expected["+1"] + reference.expected["+2"])
    observed = small_analysis.data

    def asimov_above_edge(fitter, data, poi):
        return poi is not None and poi > edge and not np.array_equal(data, observed)

    fail_fits(monkeypatch, asimov_above_edge)
    with pytest.raises(FitNotConvergedError, match=r"fit at mu=[0-9.]+ did not converge"):
        upper_limit(small_analysis.fitter(), small_analysis.data)


def test_a_jump_in_the_expected_band_is_not_a_limit(small_analysis, monkeypatch):
    """Fits that switch minima make q_A jump; the search must not return the jump as the limit."""
    reference = upper_limit(small_analysis.fitter(), small_analysis.data)
    jump_at = 0.9 * reference.expected["+1"]
    q_asimov = AsymptoticCLs.q_asimov

    def jumping(self, x):
        return q_asimov(self, x) * (4.0 if x > jump_at else 1.0)

    monkeypatch.setattr(AsymptoticCLs, "q_asimov", jumping)
    with pytest.raises(FitNotConvergedError, match=r"expected \(\+1 sigma\) limit.*jumps"):
        upper_limit(small_analysis.fitter(), small_analysis.data)


def test_too_many_failed_toys_raise(small_analysis, monkeypatch):
    observed = small_analysis.data
    nmain = small_analysis.fitter().compiled.nmain

    def toy(fitter, data, poi):  # toys have integer counts and differ from the data
        main = data[:nmain]
        return np.all(main == np.round(main)) and not np.array_equal(data, observed)

    fail_fits(monkeypatch, toy)
    with pytest.raises(FitNotConvergedError, match=r"20 of 20 toy fits .* did not converge"):
        limit(small_analysis, calculator="toybased", ntoys=20)


# ------------------------------------------------------------------------------------- scans
@pytest.fixture
def failing_mass(monkeypatch):
    """The fits with signal of the patch ``dark_photon_m1e_03`` (1 keV) fail."""
    analysis = PatchedModels.analysis

    def marked(self, name):
        out = analysis(self, name)
        out.model.xhf_test_fail = name == "dark_photon_m1e_03"
        return out

    monkeypatch.setattr(PatchedModels, "analysis", marked)
    fail_fits(
        monkeypatch,
        lambda fitter, data, poi: (
            getattr(fitter.model, "xhf_test_fail", False) and signal_fits(fitter, data, poi)
        ),
    )
    return "dark_photon_m1e_03"


def test_exclusion_curve_records_or_raises_a_failed_mass(dark_photon, failing_mass):
    args = (dark_photon["bkg_only"], dark_photon["components"], dark_photon["components_meta"])
    with pytest.raises(FitNotConvergedError, match=rf"{failing_mass}: fit at mu_interference="):
        exclusion_curve(*args)
    results = exclusion_curve(*args, on_failure="record")
    failed, done = results
    assert isinstance(failed, dp.FailedPoint) and failed.patch == failing_mass
    assert failed.mass_mev == pytest.approx(1e-3) and failed.error == "FitNotConvergedError"
    assert "did not converge" in failed.message
    assert done.observed > 0
    doc = dp.curve_document(results)
    assert doc["failed"] == 1
    point = doc["points"][0]
    assert point["observed"] is None and set(point["expected"].values()) == {None}
    assert point["error"].startswith("FitNotConvergedError: ")
    assert doc["points"][1]["error"] is None and doc["points"][1]["observed"] > 0
    rows = dp.curve_csv(results).splitlines()
    assert rows[0].endswith(",status") and rows[1] == "0.001,,,,,,,,,failed"
    assert rows[2].endswith(",ok") and "" not in rows[2].split(",")


def test_a_failed_point_survives_the_worker_round_trip(dark_photon, failing_mass):
    models = dp.PatchedModels(
        dark_photon["bkg_only"], dark_photon["components"], dark_photon["components_meta"], "ps"
    )
    task = dp._CurveTask(failing_mass, "cls", 0.9, None, True, None, "asymptotics", 1000, 0)
    out = dp._one(models, task)
    assert json.loads(json.dumps(out))["failed"]["patch"] == failing_mass
    assert dp._from_dict(out) == dp.FailedPoint(**out["failed"])
    with pytest.raises(FitNotConvergedError):
        dp._one(models, task._replace(record=False))


def test_cli_scan_writes_a_failed_mass_as_null_and_exits_1(files, tmp_path, failing_mass):
    out = tmp_path / "scan"
    result = run(
        "scan", "dark-photon", files["bkg_only"], "--patchset", files["components"], "-o", out
    )
    assert result.exit_code == 1, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and f"mass 0.001 MeV ({failing_mass})" in warnings[0]
    assert "did not converge" in warnings[0]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: 1 of 2 masses have no limit (0.001 MeV;"), last
    doc = json.loads((out / "dark_photon_limits.json").read_text())
    first, second = doc["points"]
    assert first["observed"] is None and "did not converge" in first["error"]
    assert second["observed"] > 0 and doc["failed"] == 1
    assert "failed" in (out / "dark_photon_limits.csv").read_text()
    assert "Traceback" not in result.output


def test_cli_scan_where_every_mass_fails_writes_nothing(files, tmp_path, monkeypatch):
    fail_fits(monkeypatch, signal_fits)
    out = tmp_path / "scan"
    result = run(
        "scan", "dark-photon", files["bkg_only"], "--patchset", files["components"], "-o", out
    )
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: no mass of the scan")
    assert not (out / "dark_photon_limits.json").exists()


# --------------------------------------------------------------------- the tied pyhf free fit
def test_tied_free_fit_with_pyhf_fails_if_a_conditional_fit_fails(dark_photon, monkeypatch):
    """The 1-D search over x must not return the best of the fits that happened to succeed."""
    models = PatchedModels(
        dark_photon["bkg_only"], dark_photon["components"], dark_photon["components_meta"]
    )
    analysis = models.analysis(models.names[0])
    fitter = Fitter(analysis.model, analysis.poi_map, FitOptions(backend="pyhf", attempts=1))
    fit_pyhf = fitter._fit_pyhf

    def failing(data, poi, start, xb):
        if poi is not None and poi > 0.5 * xb[1]:
            return None, "forced failure"
        return fit_pyhf(data, poi, start, xb)

    monkeypatch.setattr(fitter, "_fit_pyhf", failing)
    with pytest.raises(FitNotConvergedError, match="pyhf tied profile: conditional fit at"):
        fitter.fit(analysis.data, None)


def test_library_errors_start_with_the_analysis_source():
    spec, meta = small_workspace(poi_bounds=(0.0, 0.6))
    with pytest.raises(LimitAtBoundError, match=r"^narrow: the .* of 'mu'"):
        limit(build_analysis(spec, meta, source="narrow"), poi_bounds=(0.0, 0.6))
