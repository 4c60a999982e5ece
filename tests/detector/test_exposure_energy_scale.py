"""Exposure bookkeeping and the energy-scale band of the paper."""

import math

import numpy as np
import pytest

from xhf.detector import EnergyScale, Exposure
from xhf.exceptions import InvalidInputError, InvalidParameterError


def test_exposure_of_the_paper_and_tonne_years():
    exposure = Exposure()
    assert exposure.kg_day == pytest.approx(711.0 * 97.0)
    again = Exposure.from_tonne_year(exposure.tonne_year)
    assert again.kg_day == pytest.approx(exposure.kg_day, rel=1e-12)
    assert Exposure.from_tonne_year(2.0, mass_kg=500.0).live_days == pytest.approx(4 * 365.25)
    with pytest.raises(InvalidParameterError, match="live_days"):
        Exposure(live_days=0.0)


def test_energy_scale_band_has_the_papers_numbers():
    up, down = EnergyScale().uncertainty([1.0, 1.65])
    np.testing.assert_allclose(up, [0.07, 0.04])
    np.testing.assert_allclose(down, [0.04, 0.04])


def test_energy_scale_shrinks_log_linearly_above_the_papers_points():
    scale = EnergyScale()
    (e0, u0, d0), (e1, u1, d1) = scale.anchors[-2], scale.anchors[-1]
    middle = math.sqrt(e0 * e1)
    up, down = scale.uncertainty([middle, 10 * e1])
    assert float(up[0]) == pytest.approx(0.5 * (u0 + u1))
    assert float(down[0]) == pytest.approx(0.5 * (d0 + d1))
    assert float(up[1]) == pytest.approx(u1)  # flat beyond the last anchor
    assert float(down[1]) == pytest.approx(d1)
    energies = np.geomspace(1.65, 122.0, 30)
    assert np.all(np.diff(scale.uncertainty(energies)[0]) < 0)


def test_shift_signs_and_nominal():
    energies = np.geomspace(0.5, 300.0, 20)
    scale = EnergyScale()
    up, down = scale.uncertainty(energies)
    np.testing.assert_array_equal(scale.factor(energies), 1.0)
    np.testing.assert_allclose(scale.shifted(1.0).factor(energies), 1.0 + up)
    np.testing.assert_allclose(scale.shifted(-1.0).factor(energies), 1.0 - down)
    np.testing.assert_allclose(scale.shifted(0.5).factor(energies), 1.0 + 0.5 * up)


def test_bad_energy_scales_raise():
    with pytest.raises(InvalidInputError, match=r"energy_kev\[1\]"):
        EnergyScale(anchors=((2.0, 0.05, 0.05), (1.0, 0.04, 0.04)))
    with pytest.raises(InvalidInputError, match=r"up_fraction\[0\]"):
        EnergyScale(anchors=((1.0, -0.05, 0.05), (2.0, 0.04, 0.04)))
    with pytest.raises(InvalidParameterError, match="non-positive"):
        EnergyScale(shift=-30.0)
