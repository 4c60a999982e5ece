"""Eq. (3) folding: conservation, line shapes, threshold, energy scale, reuse and errors."""

import itertools
import math

import numpy as np
import pytest
from scipy import integrate

from xhf.detector import (
    Efficiency,
    EnergyScale,
    Exposure,
    Resolution,
    ResponseMatrix,
    default_true_edges,
    fold_response,
)
from xhf.exceptions import InvalidInputError
from xhf.physics import differential_rate, load_target

EXPOSURE = Exposure()
PERFECT = Efficiency.constant(1.0)
K_EDGE_KEV = max(shell.binding_kev for shell in load_target("xenon").shells)


def magnetic_moment(t_kev):
    return differential_rate(t_kev, "magnetic-moment", mu_nu=1e-10)


def _gauss_legendre(func, lo, hi, n=96):
    x, w = np.polynomial.legendre.leggauss(n)
    t = 0.5 * (hi - lo) * x + 0.5 * (hi + lo)
    return 0.5 * (hi - lo) * float(np.sum(w * func(t)))


def _moments(edges, counts):
    centres = 0.5 * (edges[1:] + edges[:-1])
    mean = np.sum(counts * centres) / np.sum(counts)
    var = np.sum(counts * (centres - mean) ** 2) / np.sum(counts)
    return mean, var


@pytest.fixture(scope="module")
def full_window():
    """The 2-200 keV, 2 keV binning of the paper's magnetic-moment and dark-photon fits."""
    return ResponseMatrix(np.arange(2.0, 202.0, 2.0))


def test_folding_conserves_counts():
    # Efficiency 1, no threshold, reconstructed window wide compared to sigma (5.4 keV at 150).
    true_edges = np.union1d(np.arange(20.0, 150.0 + 1e-9, 0.05), [K_EDGE_KEV])
    response = ResponseMatrix(
        np.arange(0.0, 300.0 + 1e-9, 2.0), true_edges, efficiency=PERFECT, threshold_kev=0.0
    )
    counts = response.fold(magnetic_moment)
    # Independent integral of the true rate, split at the K edge where the FEA rate steps.
    integral = _gauss_legendre(magnetic_moment, 20.0, K_EDGE_KEV) + _gauss_legendre(
        magnetic_moment, K_EDGE_KEV, 150.0
    )
    assert counts.sum() == pytest.approx(EXPOSURE.kg_day * integral, rel=1e-3)
    # every true node is fully contained: the response rows are probabilities summing to one
    np.testing.assert_allclose(response.probability.sum(axis=1), 1.0, rtol=1e-9)


def test_resolution_is_four_percent_at_122_kev_in_the_folded_line():
    edges = np.arange(80.0, 164.0 + 1e-9, 0.25)
    response = ResponseMatrix(edges, efficiency=PERFECT, true_step_kev=1.0)
    counts = response.fold_lines(122.0, 1.0)
    mean, var = _moments(edges, counts)
    assert mean == pytest.approx(122.0, rel=1e-4)
    # Sheppard's correction for the bin width, then sigma/E = 4 %.
    assert math.sqrt(var - 0.25**2 / 12) / 122.0 == pytest.approx(0.04, rel=2e-3)
    assert counts.sum() == pytest.approx(EXPOSURE.kg_day, rel=1e-6)


def test_narrow_true_peak_folds_to_a_gaussian_of_the_right_mean_and_width():
    centre, width = 60.0, 0.1
    edges = np.arange(30.0, 90.0 + 1e-9, 0.5)
    response = ResponseMatrix(edges, efficiency=PERFECT)
    t = response.true_energy_kev
    peak = np.exp(-0.5 * ((t - centre) / width) ** 2) / (math.sqrt(2 * math.pi) * width)
    counts = response.fold(peak)
    mean, var = _moments(edges, counts)
    expected_var = float(Resolution()(centre)) ** 2 + width**2 + 0.5**2 / 12
    assert mean == pytest.approx(centre, rel=1e-4)
    assert var == pytest.approx(expected_var, rel=2e-3)
    # bin by bin: a Gaussian of that width
    sigma = math.sqrt(expected_var - 0.5**2 / 12)
    cdf = np.array([0.5 * (1 + math.erf((e - centre) / (math.sqrt(2) * sigma))) for e in edges])
    np.testing.assert_allclose(counts, EXPOSURE.kg_day * np.diff(cdf), rtol=2e-3, atol=1e-3)


def test_nothing_below_the_threshold_contributes():
    reco = np.arange(0.0, 10.0 + 1e-9, 0.5)
    true_edges = np.arange(0.2, 30.0 + 1e-9, 0.05)
    response = ResponseMatrix(reco, true_edges, efficiency=PERFECT, threshold_kev=1.0)
    t = response.true_energy_kev
    below_only = np.where(t < 1.0, magnetic_moment(t), 0.0)
    assert np.all(response.fold(below_only) == 0.0)
    assert np.all(response.fold_lines([0.5, 0.99], [1.0, 1.0]) == 0.0)
    assert np.all(response.matrix[t < 1.0] == 0.0)
    # Cutting the rate at 1 keV by hand changes nothing, and neither does starting the grid there.
    full = response.fold(magnetic_moment)
    cut = response.fold(np.where(t >= 1.0, magnetic_moment(t), 0.0))
    np.testing.assert_array_equal(full, cut)
    from_threshold = ResponseMatrix(
        reco, true_edges[true_edges >= 1.0 - 1e-9], efficiency=PERFECT, threshold_kev=1.0
    )
    np.testing.assert_allclose(from_threshold.fold(magnetic_moment), full, rtol=1e-12)
    # Lowering the threshold adds counts (the rate is positive below 1 keV).
    assert (
        ResponseMatrix(reco, true_edges, efficiency=PERFECT, threshold_kev=0.5)
        .fold(magnetic_moment)
        .sum()
        > full.sum()
    )


def test_cells_straddling_the_threshold_keep_only_their_upper_part():
    response = ResponseMatrix([0.0, 5.0], [0.9, 1.2, 1.5], threshold_kev=1.0)
    np.testing.assert_allclose(response.true_widths_kev, [0.2, 0.3])
    np.testing.assert_allclose(response.true_energy_kev, [1.1, 1.35])


@pytest.mark.parametrize("line_kev", [1.65, 10.0, 60.0])
@pytest.mark.parametrize("shift", [1.0, -1.0])
def test_energy_scale_shifts_a_line_by_the_stated_fraction(line_kev, shift):
    sigma = float(Resolution()(line_kev))
    edges = np.arange(line_kev - 10 * sigma, line_kev * 1.2 + 10 * sigma, 0.02 * line_kev)
    nominal = ResponseMatrix(edges, efficiency=PERFECT, threshold_kev=0.0, true_step_kev=1.0)
    varied = nominal.with_energy_scale(shift)
    up, down = varied.energy_scale.uncertainty(line_kev)
    expected = 1.0 + float(up) if shift > 0 else 1.0 - float(down)
    mean_nominal, _ = _moments(edges, nominal.fold_lines(line_kev))
    mean_varied, _ = _moments(edges, varied.fold_lines(line_kev))
    assert mean_varied / mean_nominal == pytest.approx(expected, rel=1e-4)
    np.testing.assert_array_equal(varied.true_energy_kev, nominal.true_energy_kev)


def test_energy_scale_variations_of_the_paper_at_1_and_1p65_kev():
    edges = np.arange(-6.0, 12.0, 0.05)
    nominal = ResponseMatrix(edges, efficiency=PERFECT, threshold_kev=0.0, true_step_kev=1.0)
    for line_kev, up, down in [(1.0, 0.07, 0.04), (1.65, 0.04, 0.04)]:
        base, _ = _moments(edges, nominal.fold_lines(line_kev))
        high, _ = _moments(edges, nominal.with_energy_scale(+1).fold_lines(line_kev))
        low, _ = _moments(edges, nominal.with_energy_scale(-1).fold_lines(line_kev))
        assert high / base == pytest.approx(1 + up, rel=1e-4)
        assert low / base == pytest.approx(1 - down, rel=1e-4)


def test_efficiency_applies_in_reconstructed_energy():
    # Independent double integral of Eq. (3) for the turn-on bins, with an analytic rate.
    eff = Efficiency()
    res = Resolution()
    edges = np.array([2.0, 3.0, 4.0, 6.0])
    response = ResponseMatrix(edges, efficiency=eff, exposure=1.0)

    def rate(t):
        return 1.0 / np.asarray(t) ** 2

    counts = response.fold(rate)
    e, w = np.polynomial.legendre.leggauss(200)
    for i, (lo, hi) in enumerate(itertools.pairwise(edges)):
        x = 0.5 * (hi - lo) * e + 0.5 * (hi + lo)

        def inner(t, x=x, lo=lo, hi=hi):
            s = float(res(t))
            gauss = np.exp(-0.5 * ((x - t) / s) ** 2) / (math.sqrt(2 * math.pi) * s)
            return rate(t) * 0.5 * (hi - lo) * np.sum(w * eff(x) * gauss)

        expected, _ = integrate.quad(inner, 1.0, 30.0, limit=200, epsabs=0, epsrel=1e-10)
        assert counts[i] == pytest.approx(expected, rel=2e-4)


def test_efficiency_scales_counts_and_tables_agree_with_the_erf():
    edges = np.arange(2.0, 16.0, 1.0)
    half = ResponseMatrix(edges, efficiency=Efficiency.constant(0.5))
    full = ResponseMatrix(edges, efficiency=PERFECT)
    rates = magnetic_moment(full.true_energy_kev)
    np.testing.assert_allclose(half.fold(rates), 0.5 * full.fold(rates), rtol=1e-12)
    # a callable folds like its values on the nodes
    np.testing.assert_allclose(full.fold(magnetic_moment), full.fold(rates), rtol=1e-12)
    erf = Efficiency()
    grid = np.arange(0.0, 20.0, 0.01)
    table = Efficiency.from_table(grid[1:], erf(grid[1:]))
    np.testing.assert_allclose(
        ResponseMatrix(edges, efficiency=table).fold(rates),
        ResponseMatrix(edges, efficiency=erf).fold(rates),
        rtol=1e-4,
    )


def test_matrix_reuse_equals_direct_folding(full_window):
    masses = np.array([1e-3, 10.0, 1e3])
    t = full_window.true_energy_kev
    rates = differential_rate(t, "dark-photon", coupling=1e-6, mass_mev=masses)
    folded = full_window.fold(rates)
    assert folded.shape == (3, 99)
    for row, rate in zip(folded, rates, strict=True):
        direct = fold_response(rate, full_window.reco_edges_kev, full_window.true_edges_kev)
        np.testing.assert_allclose(row, direct, rtol=1e-12)
    np.testing.assert_allclose(folded, rates @ full_window.matrix, rtol=1e-12)
    mm_rate = magnetic_moment(t)
    mm = full_window.fold(mm_rate)
    # the energy-scale variations reuse the grid: same rates, shifted counts
    up = full_window.with_energy_scale(+1).fold(mm_rate)
    down = full_window.with_energy_scale(-1).fold(mm_rate)
    assert up[0] > mm[0] > down[0]  # more of the falling spectrum is pushed above 2 keV


def test_default_grid_covers_the_window(full_window):
    edges = full_window.true_edges_kev
    assert edges[0] == pytest.approx(1.0)
    top_sigma = float(Resolution()(200.0))
    assert edges[-1] > 200.0 + 5 * top_sigma
    far = default_true_edges([100.0, 120.0])
    assert far[0] > 1.0 and far[0] < 100.0 - 5 * float(Resolution()(100.0))
    assert np.all(np.diff(edges) > 0)


def test_counts_scale_with_exposure():
    edges = np.arange(2.0, 16.0, 1.0)
    base = ResponseMatrix(edges)
    double = ResponseMatrix(edges, exposure=Exposure(live_days=2 * 711.0))
    rates = magnetic_moment(base.true_energy_kev)
    np.testing.assert_allclose(double.fold(rates), 2 * base.fold(rates), rtol=1e-12)
    kg_day = ResponseMatrix(edges, exposure=Exposure().kg_day)
    np.testing.assert_allclose(kg_day.fold(rates), base.fold(rates), rtol=1e-12)


def test_bad_inputs_raise_with_a_message_naming_what():
    response = ResponseMatrix(np.arange(2.0, 16.0, 1.0))
    with pytest.raises(InvalidInputError, match="true_energy_kev"):
        response.fold(np.ones(7))
    rates = magnetic_moment(response.true_energy_kev)
    rates[100] = np.nan
    with pytest.raises(InvalidInputError, match=r"non-finite value at true energy .* \(node 100\)"):
        response.fold(rates)
    with pytest.raises(InvalidInputError, match=r"reco_edges_kev: edges\[2\] = 3"):
        ResponseMatrix([2.0, 4.0, 3.0])
    with pytest.raises(InvalidInputError, match="true_edges_kev"):
        ResponseMatrix([2.0, 4.0], [-1.0, 5.0])


def test_description_is_plain_json():
    import json

    text = json.dumps(ResponseMatrix([2.0, 4.0]).describe(), sort_keys=True)
    assert '"threshold_kev": 1.0' in text
    assert isinstance(repr(ResponseMatrix([2.0, 4.0], energy_scale=EnergyScale(1.0))), str)
