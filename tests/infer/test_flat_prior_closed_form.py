"""docs/physics.md, sections 9 and 10: the closed forms (P18)-(P20) of the flat-prior limit for a
chi2 quadratic in the signal strength, against the numerical posterior quantile of
xhf.infer.chi2, and the reading of the paper's numbers that singles out a flat prior on s."""

import math

import pytest
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.stats import norm

from xhf.infer.chi2 import flat_prior_upper_limit

#: The paper's fits with a best fit away from zero: (best fit x, chi2(0) - chi2_min, power p of
#: s = x^p, published 90 % CL limit).
PAPER = {
    "magnetic_moment": (1.3e-10, 88.2 - 85.9, 2, 1.8e-10),
    "dark_photon_1kev": (1.1e-6, 88.2 - 85.3, 4, 1.3e-6),
}


def closed_form(s_hat: float, sigma: float, cl: float = 0.9) -> float:
    """(P19): the cl quantile of a Gaussian in s, mean s_hat and width sigma, truncated at 0."""
    c = norm.cdf(-s_hat / sigma)
    return s_hat + sigma * norm.ppf(c + cl * (1.0 - c))


def flat_in_x(x_hat: float, dchi2: float, power: int, cl: float = 0.9) -> float:
    """The same chi2 with a flat prior on x instead of s = x^power (the rejected reading)."""
    s_hat = x_hat**power
    sigma = s_hat / math.sqrt(dchi2)
    density = lambda x: math.exp(-0.5 * ((x**power - s_hat) / sigma) ** 2)  # noqa: E731
    top = (s_hat + 12.0 * sigma) ** (1.0 / power)
    total = quad(density, 0.0, top, limit=200)[0]
    return brentq(lambda x: quad(density, 0.0, x, limit=200)[0] / total - cl, 1e-3 * top, top)


@pytest.mark.parametrize("s_hat, sigma", [(1.69e-20, 1.1e-20), (0.0, 2.0), (3.0, 1.0), (-1.0, 0.5)])
@pytest.mark.parametrize("cl", [0.9, 0.95])
def test_the_numerical_quantile_is_the_closed_form(s_hat, sigma, cl):
    chi2_min = 80.0
    out = flat_prior_upper_limit(
        lambda s: chi2_min + ((s - s_hat) / sigma) ** 2, cl, scale=max(abs(s_hat), sigma)
    )
    assert out["limit"] == pytest.approx(closed_form(s_hat, sigma, cl), rel=2e-3)


@pytest.mark.parametrize("name", sorted(PAPER))
def test_a_flat_prior_on_s_gives_the_published_limit(name):
    x_hat, dchi2, power, published = PAPER[name]
    s_hat = x_hat**power
    limit = closed_form(s_hat, s_hat / math.sqrt(dchi2)) ** (1.0 / power)
    assert float(f"{limit:.1e}") == published


def test_the_other_readings_miss_a_published_limit():
    """A flat prior on x, or chi2 - chi2_min = 2.71, reproduces at most one of the two limits."""
    flat_x = [flat_in_x(x, d, p) for x, d, p, _ in PAPER.values()]
    delta = [
        (x**p + x**p / math.sqrt(d) * math.sqrt(2.71)) ** (1 / p) for x, d, p, _ in PAPER.values()
    ]
    published = [limit for *_, limit in PAPER.values()]
    for reading in (flat_x, delta):
        assert [float(f"{v:.1e}") for v in reading] != published


def test_the_implied_expected_limits():
    """(P20): a best fit at zero with the curvature of the paper's own chi2."""
    implied = {}
    for name, (x_hat, dchi2, power, _) in PAPER.items():
        sigma = x_hat**power / math.sqrt(dchi2)
        implied[name] = (norm.ppf(0.95) * sigma) ** (1.0 / power)
    assert implied["magnetic_moment"] == pytest.approx(1.35e-10, rel=3e-3)
    assert implied["dark_photon_1kev"] == pytest.approx(1.09e-6, rel=3e-3)
