"""Results that depend on the minimiser agree between xhf, pyhf with SciPy and pyhf with MINUIT.

xhf's fits (closed-form model, damped Newton, converged to a change of 1e-9 in -2 log L) are
the reference. pyhf 0.7.6's optimizers are used with their defaults: SciPy's SLSQP
(``pyhf.set_backend("numpy", "scipy")``) and MINUIT's Migrad (``minuit_optimizer()``,
``tolerance=0.1``, so Migrad stops once the estimated distance to the minimum is below
0.002 x 0.1 = 2e-4 in -2 log L). Stated tolerances, with the largest differences measured on
the small 6-bin workspace (signal injected at mu = 0, 0.5, 2) and on the shipped millicharge
workspace (32 parameters, 44 bins):

====================================  ============  =============  ======================
quantity                              pyhf + SciPy  pyhf + MINUIT  measured SciPy / MINUIT
====================================  ============  =============  ======================
twice-NLL of the same fit (free and   1e-5          1e-3           4.9e-7 / 1.6e-4
at fixed x), absolute
best-fit x, in standard errors        3.2e-3        0.032          6.2e-5 / 3.2e-3
sigma_x (sqrt of the line above)
pyhf's CLs at xhf's limits (observed  2e-4          2e-4           8.3e-6 / 3.3e-5
and five bands), abs(CLs - 0.1)
limits (observed and bands), xhf vs   1e-3          1e-3           1.9e-5 / 1.2e-4
pyhf, relative
====================================  ============  =============  ======================

The limit differences are measured two ways: pyhf's CLs at xhf's limits converted to a shift
of the limit with the slope of xhf's CLs (``delta x / x = delta CLs / (d CLs / d ln x)``), and
xhf's own limit search run on pyhf's fits (``FitOptions(backend="pyhf")``) with each optimizer.
sigma_x is the Asimov standard error, ``x_median / sqrt(q_A)`` at the expected median.
docs/inference.md (Numerical robustness) states the same tolerances.
"""

from pathlib import Path

import numpy as np
import pyhf
import pytest

from tests.support.synthetic import small_workspace
from xhf.infer import AsymptoticCLs, FitOptions, Fitter, build_analysis, load_analysis
from xhf.infer.asymptotics import BANDS, expected_sqrt_qa
from xhf.infer.cls import upper_limit

W = Path(__file__).resolve().parents[2] / "workspaces"

#: absolute tolerance on twice-NLL per optimizer; best-fit x within sqrt(.) standard errors.
TWICE_NLL_TOLERANCE = {"scipy": 1e-5, "minuit": 1e-3}
#: |CLs - alpha| of pyhf's hypotest at xhf's limits.
CLS_TOLERANCE = 2e-4
#: relative agreement of limits (observed and every band).
LIMIT_RTOL = 1e-3
ALPHA = 0.1


@pytest.fixture(params=["scipy", "minuit"])
def optimizer(request):
    """pyhf's numpy backend with one optimizer; the previous backend is restored afterwards."""
    tensorlib, previous = pyhf.get_backend()
    chosen = "scipy" if request.param == "scipy" else pyhf.optimize.minuit_optimizer()
    pyhf.set_backend("numpy", chosen)
    yield request.param
    pyhf.set_backend(tensorlib, previous)


@pytest.fixture(scope="module")
def small_signal():
    """The 6-bin workspace with a signal injected at mu = 0.5 (best fit inside the range)."""
    return build_analysis(*small_workspace(injected_mu=0.5), source="small")


@pytest.fixture(scope="module")
def reference(small_signal):
    return upper_limit(small_signal.fitter(), small_signal.data, cl=1 - ALPHA)


def sigma_x(limit) -> float:
    """Asimov standard error of x: x / sqrt(q_A) at the expected median."""
    return limit.expected["0"] / expected_sqrt_qa(ALPHA)[2]


def injected(analysis, mu: float, seed: int = 7) -> np.ndarray:
    """Poisson pseudo-data of the model at x = mu (nuisances at their background-only fit)."""
    fitter = analysis.fitter()
    pars = fitter.poi_map.apply(fitter.fit(analysis.data, 0.0).pars.copy(), mu)
    expected = fitter.expected_data(pars)
    nmain = fitter.compiled.nmain
    main = np.random.default_rng(seed).poisson(expected[:nmain]).astype(float)
    return np.concatenate([main, analysis.data[nmain:]])


def compare_fits(analysis, data, optimizer, sigma, xs):
    """pyhf's free and conditional fits against xhf's; returns the largest differences."""
    model, tol = analysis.model, TWICE_NLL_TOLERANCE[optimizer]
    fitter = analysis.fitter()
    free = fitter.fit(data, None)
    pars, value = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
    d_poi = abs(float(pars[model.config.poi_index]) - free.poi) / sigma
    d_nll = [abs(float(value) - free.twice_nll)]
    for x in xs:
        _, value = pyhf.infer.mle.fixed_poi_fit(x, data, model, return_fitted_val=True)
        d_nll.append(abs(float(value) - fitter.fit(data, x).twice_nll))
    assert max(d_nll) <= tol, (optimizer, d_nll)
    assert d_poi <= tol**0.5, (optimizer, d_poi)
    return d_poi, max(d_nll)


def test_best_fit_and_twice_nll_on_the_small_workspace(small_signal, reference, optimizer):
    xs = (0.0, reference.expected["0"], reference.observed)
    compare_fits(small_signal, small_signal.data, optimizer, sigma_x(reference), xs)


@pytest.fixture(scope="module")
def millicharge():
    return load_analysis(W / "xmass1_millicharge.json")


@pytest.mark.parametrize("mu", [None, 0.8], ids=["pseudo_data", "signal_injected"])
def test_best_fit_and_twice_nll_on_the_shipped_millicharge_workspace(millicharge, optimizer, mu):
    """The shipped pseudo-data (best fit at 0) and a draw with a signal injected at mu = 0.8
    (sigma_mu ~ 0.6 from the replica's expected limit, mu < 0.99 at 90 % CL)."""
    data = millicharge.data if mu is None else injected(millicharge, mu)
    compare_fits(millicharge, data, optimizer, 0.99 / expected_sqrt_qa(ALPHA)[2], (1.0,))


def cls_shift(calc: AsymptoticCLs, x: float, k: int | None, cls: float) -> float:
    """Relative shift of a limit that pyhf's CLs at xhf's limit implies (k: band, None: obs)."""
    h = 1e-3

    def at(y):
        obs, exp = calc.cls(y)
        return obs if k is None else exp[k]

    slope = (at(x * (1 + h)) - at(x * (1 - h))) / (2 * h)  # d CLs / d ln x
    return (cls - ALPHA) / slope


def test_pyhf_cls_at_xhfs_limits_with_each_optimizer(small_signal, reference, optimizer):
    calc = AsymptoticCLs(small_signal.fitter(), small_signal.data)
    tests = [(None, reference.observed)] + [(k, reference.expected[b]) for k, b in enumerate(BANDS)]
    for k, x in tests:
        obs, exp = pyhf.infer.hypotest(
            x, small_signal.data, small_signal.model, return_expected_set=True
        )
        cls = float(obs) if k is None else float(exp[k])
        assert cls == pytest.approx(ALPHA, abs=CLS_TOLERANCE), (optimizer, k)
        assert abs(cls_shift(calc, x, k, cls)) <= LIMIT_RTOL, (optimizer, k)


def test_xhf_limits_on_pyhf_fits_with_each_optimizer(small_signal, reference, optimizer):
    fitter = Fitter(small_signal.model, small_signal.poi_map, FitOptions(backend="pyhf"))
    result = upper_limit(fitter, small_signal.data, cl=1 - ALPHA)
    assert result.fit_status["backend"] == "pyhf" and result.fit_status["converged"]
    assert result.observed == pytest.approx(reference.observed, rel=LIMIT_RTOL)
    for band in BANDS:
        assert result.expected[band] == pytest.approx(reference.expected[band], rel=LIMIT_RTOL)
    tol = TWICE_NLL_TOLERANCE[optimizer] ** 0.5
    assert abs(result.best_fit - reference.best_fit) <= tol * sigma_x(reference)


@pytest.mark.slow
def test_shipped_millicharge_limits_with_each_optimizer(millicharge, optimizer):
    """pyhf's hypotest at xhf's limits and xhf's search on pyhf's fits (about a minute)."""
    ref = upper_limit(millicharge.fitter(), millicharge.data, cl=1 - ALPHA)
    calc = AsymptoticCLs(millicharge.fitter(), millicharge.data)
    tests = [(None, ref.observed)] + [(k, ref.expected[b]) for k, b in enumerate(BANDS)]
    for k, x in tests:
        obs, exp = pyhf.infer.hypotest(
            x, millicharge.data, millicharge.model, return_expected_set=True
        )
        cls = float(obs) if k is None else float(exp[k])
        assert cls == pytest.approx(ALPHA, abs=CLS_TOLERANCE), (optimizer, k)
        assert abs(cls_shift(calc, x, k, cls)) <= LIMIT_RTOL, (optimizer, k)
    fitter = Fitter(millicharge.model, millicharge.poi_map, FitOptions(backend="pyhf"))
    on_pyhf = upper_limit(fitter, millicharge.data, cl=1 - ALPHA)
    assert on_pyhf.observed == pytest.approx(ref.observed, rel=LIMIT_RTOL)
    for band in BANDS:
        assert on_pyhf.expected[band] == pytest.approx(ref.expected[band], rel=LIMIT_RTOL)


@pytest.mark.slow
def test_pyhf_root_finding_with_each_optimizer(small_signal, reference, optimizer):
    """pyhf's own limit search (TOMS748, level 0.1) with each optimizer finds xhf's limits."""
    obs, exp = pyhf.infer.intervals.upper_limits.toms748_scan(
        small_signal.data, small_signal.model, 0.0, 10.0, level=ALPHA, rtol=1e-6
    )
    assert float(obs) == pytest.approx(reference.observed, rel=LIMIT_RTOL)
    for band, value in zip(BANDS, exp, strict=True):
        assert float(value) == pytest.approx(reference.expected[band], rel=LIMIT_RTOL)
