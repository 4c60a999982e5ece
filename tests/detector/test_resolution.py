"""Gaussian resolution: the XMASS-I default, the quadrature form and tables."""

import math

import numpy as np
import pytest

from xhf.detector import Resolution, TabulatedResolution
from xhf.exceptions import InvalidInputError, InvalidParameterError


def test_default_is_four_percent_at_the_57co_line():
    # XMASS detector paper, NIM A 716 (2013) 78: sigma/E = 4.0 % at 122 keV.
    assert Resolution().fraction(122.0) == pytest.approx(0.04, rel=1e-12)


def test_default_scales_with_sqrt_energy():
    res = Resolution()
    energies = np.array([1.0, 2.0, 5.0, 30.0, 122.0])
    np.testing.assert_allclose(res(4.0 * energies), 2.0 * res(energies), rtol=1e-12)


def test_constant_term_adds_in_quadrature():
    res = Resolution.from_fraction(0.05, 60.0, constant=0.02)
    energies = np.geomspace(1.0, 300.0, 7)
    expected = np.sqrt(res.stochastic**2 * energies + (0.02 * energies) ** 2)
    np.testing.assert_allclose(res(energies), expected, rtol=1e-12)
    assert res.fraction(60.0) == pytest.approx(0.05, rel=1e-12)
    # At high energy the constant term dominates: sigma/E -> b.
    assert res.fraction(1e7) == pytest.approx(0.02, rel=1e-3)


def test_invalid_parameters_raise():
    with pytest.raises(InvalidParameterError, match="exceeds the fraction"):
        Resolution.from_fraction(0.01, 100.0, constant=0.02)
    with pytest.raises(InvalidParameterError, match="stochastic"):
        Resolution(stochastic=-0.1)
    with pytest.raises(InvalidParameterError, match="both zero"):
        Resolution(stochastic=0.0, constant=0.0)


def test_table_reproduces_rows_and_interpolates_as_a_power_law():
    table = Resolution.from_table([2.0, 20.0, 200.0], [0.6, 1.8, 8.0])
    assert isinstance(table, TabulatedResolution)
    np.testing.assert_allclose(table([2.0, 20.0, 200.0]), [0.6, 1.8, 8.0], rtol=1e-12)
    # geometric mean of the energies -> geometric mean of the sigmas
    assert float(table(math.sqrt(2.0 * 20.0))) == pytest.approx(math.sqrt(0.6 * 1.8), rel=1e-12)
    # sqrt(E) beyond the table
    assert float(table(800.0)) == pytest.approx(8.0 * 2.0, rel=1e-12)
    assert float(table(0.5)) == pytest.approx(0.6 * 0.5, rel=1e-12)


def test_table_matches_the_analytic_form_it_samples():
    res = Resolution()
    energies = np.geomspace(1.0, 250.0, 12)
    table = Resolution.from_table(energies, res(energies))
    probe = np.geomspace(0.5, 500.0, 50)
    np.testing.assert_allclose(table(probe), res(probe), rtol=1e-12)


@pytest.mark.parametrize(
    ("energy", "sigma", "match"),
    [
        ([1.0, 2.0, 3.0], [0.5, 0.0, 0.8], r"sigma_kev\[1\] = 0"),
        ([1.0, 2.0, 3.0], [0.5, float("nan"), 0.8], r"sigma_kev\[1\] = nan"),
        ([1.0, 3.0, 2.0], [0.5, 0.6, 0.8], r"energy_kev\[2\] = 2 does not exceed"),
        ([-1.0, 2.0], [0.5, 0.6], r"energy_kev\[0\] = -1 must be positive"),
    ],
)
def test_bad_tables_name_field_and_row(energy, sigma, match):
    with pytest.raises(InvalidInputError, match=match):
        Resolution.from_table(energy, sigma)
