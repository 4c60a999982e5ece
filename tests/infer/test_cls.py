"""CLs limits by root finding reproduce pyhf; bounds and failed fits are never silent."""

import numpy as np
import pyhf
import pytest

from tests.support.synthetic import small_workspace
from xhf.exceptions import InvalidInputError
from xhf.infer import (
    AsymptoticCLs,
    FitNotConvergedError,
    FitOptions,
    LimitAtBoundError,
    build_analysis,
    limit,
    profile_interval,
    upper_limit,
)
from xhf.infer.asymptotics import BANDS, cls_expected, cls_observed, expected_sqrt_qa


def hypotest(x, analysis):
    obs, exp = pyhf.infer.hypotest(x, analysis.data, analysis.model, return_expected_set=True)
    return float(obs), [float(e) for e in exp]


def test_limits_are_where_pyhf_finds_cls_equal_to_alpha(small_analysis):
    result = upper_limit(small_analysis.fitter(), small_analysis.data, cl=0.9)
    assert result.fit_status["converged"] and result.fit_status["backend"] == "compiled"
    assert hypotest(result.observed, small_analysis)[0] == pytest.approx(0.1, abs=2e-4)
    for k in (0, 2, 4):  # -2, median, +2 sigma
        band = BANDS[k]
        assert hypotest(result.expected[band], small_analysis)[1][k] == pytest.approx(0.1, abs=2e-4)
    assert result.expected["-2"] < result.expected["-1"] < result.expected["0"]
    assert result.expected["0"] < result.expected["+1"] < result.expected["+2"]
    assert 0.0 < result.best_fit < result.observed


@pytest.mark.slow
def test_agrees_with_pyhf_upper_limit(small_analysis):
    # pyhf 0.7.6's upper_limit(scan=None) ignores `level` (always 0.05): call toms748_scan
    obs, exp = pyhf.infer.intervals.upper_limits.toms748_scan(
        small_analysis.data, small_analysis.model, 0.0, 10.0, level=0.1, rtol=1e-6
    )
    result = upper_limit(small_analysis.fitter(), small_analysis.data, cl=0.9, rtol=1e-6)
    assert result.observed == pytest.approx(float(obs), rel=1e-4)
    for band, value in zip(BANDS, exp, strict=True):
        assert result.expected[band] == pytest.approx(float(value), rel=1e-4)


def test_asymptotic_formulae_are_pyhfs():
    for q, qa in [(0.0, 2.0), (1.0, 2.0), (3.0, 2.0), (9.0, 4.0)]:
        sqa = np.sqrt(qa)
        t = np.sqrt(q) - sqa if q <= qa else (q - qa) / (2 * sqa)
        sb = pyhf.infer.calculators.AsymptoticTestStatDistribution(-sqa)
        b = pyhf.infer.calculators.AsymptoticTestStatDistribution(0.0)
        assert cls_observed(q, qa) == pytest.approx(float(sb.pvalue(t) / b.pvalue(t)), rel=1e-10)
        expected = [float(sb.pvalue(n) / b.pvalue(n)) for n in (2, 1, 0, -1, -2)]
        np.testing.assert_allclose(cls_expected(qa), expected, rtol=1e-10)
    np.testing.assert_allclose(cls_expected(expected_sqrt_qa(0.1)[2] ** 2)[2], 0.1)


def test_limit_above_fixed_poi_bounds_raises():
    spec, meta = small_workspace()
    analysis = build_analysis(spec, meta)
    with pytest.raises(LimitAtBoundError, match=r"upper bound 0\.6 of 'mu'.*widen"):
        limit(analysis, poi_bounds=(0.0, 0.6))
    with pytest.raises(LimitAtBoundError, match="widen"):
        limit(analysis, method="chi2", poi_bounds=(0.0, 0.6))


@pytest.mark.parametrize("method", ["cls", "chi2", "pl"])
def test_a_bound_below_the_limit_is_widened_and_the_limit_redone(method):
    wide = limit(build_analysis(*small_workspace()), method=method)
    narrow = limit(build_analysis(*small_workspace(poi_bounds=(0.0, 0.6))), method=method)
    assert wide.poi_limit > 0.6  # the narrow workspace's bound is below the limit
    assert narrow.extras["poi_bounds_widened"] == 10.0
    assert narrow.extras["poi_bounds"] == [0.0, 6.0]
    assert narrow.observed == pytest.approx(wide.observed, rel=2e-3)
    assert narrow.interval["upper"] == pytest.approx(wide.interval["upper"], rel=2e-3)


def test_widening_stops_at_its_ceiling():
    spec, meta = small_workspace(poi_bounds=(0.0, 1e-4))
    with pytest.raises(LimitAtBoundError, match=r"after widening it 1000x"):
        limit(build_analysis(spec, meta))


def test_best_fit_at_the_bound_raises():
    spec, meta = small_workspace(injected_mu=4.0)
    with pytest.raises(LimitAtBoundError, match="'mu'"):
        limit(build_analysis(spec, meta), poi_bounds=(0.0, 3.0))


def test_a_signal_without_yields_is_an_input_error():
    spec, meta = small_workspace()
    spec["channels"][0]["samples"][-1]["data"] = [0.0] * 6
    with pytest.raises(InvalidInputError, match="does not change the expected data"):
        limit(build_analysis(spec, meta))


def test_lower_bound_must_be_zero():
    spec, meta = small_workspace(poi_bounds=(0.5, 10.0))
    with pytest.raises(LimitAtBoundError, match="lower bound"):
        limit(build_analysis(spec, meta))


def test_non_convergence_is_reported_not_returned(small_analysis):
    options = FitOptions(maxiter=1, attempts=2, pyhf_fallback=False)
    with pytest.raises(FitNotConvergedError, match=r"did not converge after 2 attempts"):
        limit(small_analysis, options=options)


def test_failed_attempts_are_retried_and_counted(small_analysis, monkeypatch):
    fitter = small_analysis.fitter()
    original = fitter._fit_compiled
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] % 3 == 1:
            return None, "forced failure", None
        return original(*args, **kwargs)

    monkeypatch.setattr(fitter, "_fit_compiled", flaky)
    result = upper_limit(fitter, small_analysis.data)
    reference = upper_limit(small_analysis.fitter(), small_analysis.data)
    assert result.fit_status["retried"] > 0 and result.fit_status["converged"]
    assert result.observed == pytest.approx(reference.observed, rel=1e-4)


def test_cls_matches_pyhf_hypotest_at_one_point(small_analysis):
    calc = AsymptoticCLs(small_analysis.fitter(), small_analysis.data)
    obs, exp = calc.cls(1.3)
    ref_obs, ref_exp = hypotest(1.3, small_analysis)
    assert obs == pytest.approx(ref_obs, rel=1e-4)
    np.testing.assert_allclose(exp, ref_exp, rtol=1e-4)


def test_profile_likelihood_interval(small_analysis):
    fitter = small_analysis.fitter()
    interval = profile_interval(fitter, small_analysis.data, cl=0.6827)
    assert interval.lower < interval.best_fit < interval.upper
    free = fitter.fit(small_analysis.data, None, poi_bounds=(0.0, 10.0))
    for end in (interval.lower, interval.upper):
        if end > 0:
            t = fitter.fit(small_analysis.data, end).twice_nll - free.twice_nll
            assert t == pytest.approx(1.0, abs=2e-3)
