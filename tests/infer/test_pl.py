"""The one-sided profile-likelihood limit, its power constraint, the significance and interval.

pyhf has no profile-likelihood limit; its q-tilde tail probability CLs+b (``hypotest(...,
return_tail_probs=True)``) must equal 1 - cl at xhf's limit. Injection tests recover a signal
put into pseudo-data; the coverage of the interval and of the limit is checked with toys (slow).
"""

import copy
from pathlib import Path

import numpy as np
import pyhf
import pytest

from tests.support.synthetic import small_workspace
from xhf.infer import AsymptoticCLs, build_analysis, limit, load_analysis
from xhf.infer.asymptotics import BANDS
from xhf.infer.pl import pl_upper_limit, power_constraint_sigma, profile_summary
from xhf.infer.toys import _sample, toy_cls

ROOT = Path(__file__).resolve().parents[2]
TAIL_TOLERANCE = 2e-4  # as for CLs: root-finding tolerance 1e-4 in x, turned into a p-value


def _clsb(model, data, x):
    """pyhf's CLs+b (observed) and its expected band at x."""
    _, tails = pyhf.infer.hypotest(
        x, data.tolist(), model, test_stat="qtilde", return_tail_probs=True
    )
    calc = pyhf.infer.calculators.AsymptoticCalculator(data.tolist(), model, test_stat="qtilde")
    calc.teststatistic(x)
    sb, b = calc.distributions(x)
    clsb_band, _, _ = calc.expected_pvalues(sb, b)
    return float(tails[0]), [float(v) for v in clsb_band]


@pytest.mark.parametrize("injected", [0.0, 0.5, 2.0])
def test_pl_limit_is_where_pyhfs_tail_probability_is_one_minus_cl(injected):
    analysis = build_analysis(*small_workspace(injected_mu=injected))
    result = pl_upper_limit(analysis.fitter(), analysis.data, cl=0.9)
    observed, _ = _clsb(analysis.model, analysis.data, result.observed)
    assert observed == pytest.approx(0.1, abs=TAIL_TOLERANCE)
    for k, band in enumerate(BANDS):
        x = result.expected[band]
        if x == 0.0:  # the -2 sigma band at 90 % CL: sqrt(q_A) = -0.72 has no positive root
            assert band == "-2"
            continue
        _, expected = _clsb(analysis.model, analysis.data, x)
        assert expected[k] == pytest.approx(0.1, abs=TAIL_TOLERANCE), band


@pytest.mark.slow  # ~6 s: pyhf's hypotest with the numpy backend on 99 bins
def test_pl_limit_on_a_shipped_workspace_matches_pyhfs_tail_probability():
    analysis = load_analysis(ROOT / "workspaces" / "xmass1_millicharge.json")
    result = limit(analysis, method="pl", cl=0.9)
    observed, _ = _clsb(analysis.model, analysis.data, result.poi_limit)
    assert observed == pytest.approx(0.1, abs=TAIL_TOLERANCE)
    assert result.interval["lower"] <= result.best_fit <= result.interval["upper"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("injected", [0.0, 1.0])
def test_pl_is_never_weaker_than_cls_and_both_report_the_same_profile(seed, injected):
    analysis = build_analysis(*small_workspace(injected_mu=injected, seed=seed))
    cls = limit(analysis, method="cls")
    pl = limit(analysis, method="pl")
    assert pl.observed <= cls.observed * (1 + 1e-4)
    for band in BANDS:
        assert pl.expected[band] <= cls.expected[band] * (1 + 1e-4)
    assert pl.best_fit == pytest.approx(cls.best_fit, rel=1e-6, abs=1e-12)
    assert pl.significance == pytest.approx(cls.significance, abs=1e-6)
    assert pl.interval == pytest.approx(cls.interval)


@pytest.mark.parametrize("power", [0.16, 0.32, 0.5])
@pytest.mark.parametrize("seed", [1, 2, 5])
def test_power_constrained_limit_is_the_larger_of_limit_and_threshold(power, seed):
    analysis = build_analysis(*small_workspace(seed=seed))
    free = limit(analysis, method="pl")
    pcl = limit(analysis, method="pl", power_constraint=power)
    info = pcl.extras["power_constraint"]
    assert info["unconstrained"] == pytest.approx(free.observed, rel=1e-6)
    assert pcl.observed >= info["unconstrained"]
    assert pcl.observed >= info["expected_at_power"]
    assert pcl.observed == max(info["unconstrained"], info["expected_at_power"])
    assert info["applied"] == (info["expected_at_power"] > info["unconstrained"])
    # the threshold is the expected limit of band Phi^-1(P): between the -1 sigma and median
    # expected limits for P in [0.16, 0.5] (0.16 is -0.994 sigma, just above -1)
    assert free.expected["-1"] <= info["expected_at_power"] <= free.expected["0"] * (1 + 1e-4)
    if power == 0.5:
        assert info["expected_at_power"] == pytest.approx(free.expected["0"], rel=1e-3)
    assert pcl.to_dict()["power_constraint"]["unconstrained"] == info["unconstrained"]


def test_a_deficit_excluding_every_value_is_power_constrained():
    """A strong deficit: p_s+b < 1 - cl as x -> 0; pl gives 0 and the constraint a value."""
    spec, meta = small_workspace()
    spec["observations"][0]["data"] = [0.8 * d for d in spec["observations"][0]["data"]]
    analysis = build_analysis(spec, meta)
    free = limit(analysis, method="pl")
    pcl = limit(analysis, method="pl", power_constraint=0.16)
    assert free.observed == 0.0 and free.best_fit == 0.0 and free.significance == 0.0
    assert pcl.observed == pcl.extras["power_constraint"]["expected_at_power"] > 0
    assert pcl.extras["power_constraint"]["applied"]


@pytest.mark.parametrize("power", [0.0, 1.0, -0.1, 1.5])
def test_power_constraint_outside_zero_one_is_rejected(power):
    with pytest.raises(ValueError, match="power constraint"):
        power_constraint_sigma(power)


def test_power_constraint_needs_the_pl_method():
    analysis = build_analysis(*small_workspace())
    with pytest.raises(ValueError, match="pl method only"):
        limit(analysis, method="cls", power_constraint=0.16)


# ---------------------------------------------------------------------------- injection tests
def _asimov(analysis, x):
    fitter = analysis.fitter()
    pars = fitter.poi_map.apply(fitter.init.copy(), x)
    return fitter, fitter.expected_data(pars)


@pytest.mark.parametrize("strength", [0.5, 1.0, 2.0, 4.0])
def test_an_injected_signal_is_recovered_within_its_uncertainty(strength):
    analysis = build_analysis(
        *small_workspace(injected_mu=strength, seed=11, model="magnetic-moment")
    )
    one_sigma = profile_summary(analysis.fitter(), analysis.data, cl=0.6827)
    sigma = 0.5 * (one_sigma.upper - one_sigma.lower)
    assert abs(one_sigma.best_fit - strength) < 3.0 * sigma
    result = limit(analysis, method="pl")
    assert result.poi_best_fit == pytest.approx(one_sigma.best_fit, rel=1e-4)
    # the physical best fit is mu_ref sqrt(mu_hat) (power 2)
    assert result.best_fit == pytest.approx(1e-10 * np.sqrt(result.poi_best_fit), rel=1e-9)
    lower, upper = (v / 1e-10 for v in (result.interval["lower"], result.interval["upper"]))
    assert lower**2 <= result.poi_best_fit <= upper**2


def test_significance_grows_with_the_injected_signal():
    zs = []
    for strength in (0.0, 1.0, 2.0, 4.0):
        analysis = build_analysis(*small_workspace(injected_mu=strength, seed=11))
        zs.append(limit(analysis, method="pl").significance)
    assert zs == sorted(zs) and zs[-1] > 3.0


def test_asimov_significance_is_linear_in_a_small_signal():
    """Z_A ~ s / sqrt(b) for s << b (Cowan et al. 2011, Eq. 97): Z(4 s) / Z(s) -> 4."""
    analysis = build_analysis(*small_workspace(model="magnetic-moment"))
    z = {x: profile_summary(*_asimov(analysis, x)).significance for x in (0.05, 0.2)}
    assert z[0.2] / z[0.05] == pytest.approx(4.0, rel=0.02)


def _statistics_only(scale):
    """The small workspace without systematics, every yield multiplied by ``scale``."""
    spec, meta = small_workspace(model="magnetic-moment")
    spec = copy.deepcopy(spec)
    for sample in spec["channels"][0]["samples"]:
        sample["data"] = [scale * d for d in sample["data"]]
        sample["modifiers"] = [m for m in sample["modifiers"] if m["type"] == "normfactor"]
    spec["measurements"][0]["config"]["parameters"] = [
        p for p in spec["measurements"][0]["config"]["parameters"] if p["name"] == "mu"
    ]
    spec["observations"][0]["data"] = [scale * d for d in spec["observations"][0]["data"]]
    return build_analysis(spec, meta)


def test_asimov_significance_grows_like_the_square_root_of_the_exposure():
    """Signal and background both x 4 (four times the exposure): Z doubles (no systematics)."""
    z = [profile_summary(*_asimov(_statistics_only(k), 0.5)).significance for k in (1.0, 4.0)]
    assert z[1] / z[0] == pytest.approx(2.0, rel=0.01)


# ------------------------------------------------------------------------------- coverage
def _coverage(true_mu, ntoys, seed=3):
    analysis = build_analysis(*small_workspace(model="magnetic-moment"))
    fitter = analysis.fitter()
    pars = fitter.poi_map.apply(fitter.init.copy(), true_mu)
    toys = _sample(fitter, pars, ntoys, np.random.default_rng(seed))
    inside = below = 0
    for toy in toys:
        summary = profile_summary(fitter, toy, cl=0.9)
        inside += summary.lower <= true_mu <= summary.upper
        below += true_mu <= pl_upper_limit(fitter, toy, cl=0.9).observed
    return inside / ntoys, below / ntoys


def test_coverage_machinery_on_a_few_toys():
    interval, upper = _coverage(1.0, 20)
    assert 0.6 <= interval <= 1.0 and 0.6 <= upper <= 1.0


@pytest.mark.slow
def test_interval_and_pl_limit_cover_the_true_value_in_90_percent_of_toys():
    interval, upper = _coverage(1.0, 1000)
    assert interval == pytest.approx(0.9, abs=0.03)
    assert upper == pytest.approx(0.9, abs=0.03)


# ---------------------------------------------------------------------------------- toys
def _toy_pl(ntoys):
    analysis = build_analysis(*small_workspace(injected_mu=0.5))
    toys = limit(
        analysis,
        method="pl",
        calculator="toybased",
        ntoys=ntoys,
        seed=1,
        power_constraint=0.16,
    )
    return toys, limit(analysis, method="pl", power_constraint=0.16)


@pytest.mark.parametrize("x", [0.5, 1.5])
def test_toy_pvalue_of_pl_is_clsb_and_never_above_cls(x):
    """The same toys: p_s+b <= CLs = p_s+b / CLb, observed and at every expected percentile."""
    analysis = build_analysis(*small_workspace(injected_mu=0.5))
    calc = AsymptoticCLs(analysis.fitter(), analysis.data)
    obs_pl, exp_pl = toy_cls(calc, x, 40, 3, method="pl")
    obs_cls, exp_cls = toy_cls(calc, x, 40, 3)
    assert obs_pl <= obs_cls and np.all(exp_pl <= exp_cls)
    assert np.all(np.diff(exp_pl) >= 0)  # percentiles in increasing order
    assert 0.0 <= obs_pl <= 1.0


@pytest.mark.slow  # ~13 s
def test_toy_based_pl_limit_reports_the_pl_pvalues():
    toys, _ = _toy_pl(100)
    assert toys.method == "pl" and toys.calculator == "toybased"
    assert len(toys.extras["pvalue_sb_observed"]) == len(toys.extras["tested"])
    assert "cls_observed" not in toys.extras
    info = toys.extras["power_constraint"]
    assert toys.observed == max(info["unconstrained"], info["expected_at_power"])


@pytest.mark.slow
def test_toy_based_pl_limit_agrees_with_the_asymptotic_one():
    toys, asymptotic = _toy_pl(300)
    assert toys.poi_limit == pytest.approx(asymptotic.poi_limit, rel=0.1)
    assert toys.poi_expected["0"] == pytest.approx(asymptotic.poi_expected["0"], rel=0.1)
    threshold = toys.extras["power_constraint"]["poi_expected_at_power"]
    assert toys.poi_expected["-1"] <= threshold <= toys.poi_expected["0"]
