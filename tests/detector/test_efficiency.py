"""Efficiency in reconstructed energy: the erf turn-on and validated tables."""

import math

import numpy as np
import pytest

from xhf.detector import Efficiency, TabulatedEfficiency
from xhf.exceptions import InvalidInputError, InvalidParameterError


def _erf_turn_on(e, plateau, threshold, width):
    return plateau * 0.5 * (1.0 + math.erf((e - threshold) / (math.sqrt(2.0) * width)))


def test_erf_turn_on_matches_its_definition():
    eff = Efficiency(plateau=0.8, threshold_kev=2.0, width_kev=0.5)
    energies = np.linspace(0.0, 6.0, 25)
    expected = [_erf_turn_on(e, 0.8, 2.0, 0.5) for e in energies]
    np.testing.assert_allclose(eff(energies), expected, rtol=1e-12, atol=1e-15)
    assert float(eff(2.0)) == pytest.approx(0.4)
    assert float(eff(100.0)) == pytest.approx(0.8)


def test_zero_width_is_a_step_and_constant_is_flat():
    step = Efficiency(plateau=1.0, threshold_kev=3.0, width_kev=0.0)
    np.testing.assert_array_equal(step([2.9, 3.0, 3.1]), [0.0, 1.0, 1.0])
    flat = Efficiency.constant(0.6)
    np.testing.assert_array_equal(flat([-1.0, 0.0, 500.0]), [0.6, 0.6, 0.6])
    assert flat.describe()["threshold_kev"] is None


@pytest.mark.parametrize(
    "kwargs",
    [{"plateau": 1.2}, {"plateau": -0.1}, {"width_kev": -1.0}, {"threshold_kev": math.nan}],
)
def test_bad_parameters_raise(kwargs):
    with pytest.raises(InvalidParameterError):
        Efficiency(**kwargs)


def test_table_is_linear_inside_and_flat_outside():
    table = Efficiency.from_table([1.0, 3.0, 5.0], [0.1, 0.5, 0.7])
    assert isinstance(table, TabulatedEfficiency)
    np.testing.assert_allclose(
        table([0.2, 1.0, 2.0, 4.0, 5.0, 50.0]), [0.1, 0.1, 0.3, 0.6, 0.7, 0.7]
    )


@pytest.mark.parametrize(
    ("energy", "values", "match"),
    [
        ([1.0, 2.0, 3.0, 4.0], [0.0, 0.5, 1.0, 1.2], r"efficiency\[3\] = 1.2 .* outside \[0, 1\]"),
        ([1.0, 2.0, 3.0], [0.0, -0.01, 1.0], r"efficiency\[1\] = -0.01 .* outside \[0, 1\]"),
        ([1.0, 2.0, 3.0], [0.0, math.nan, 1.0], r"efficiency\[1\] = nan is not a finite"),
        ([1.0, math.nan, 3.0], [0.0, 0.5, 1.0], r"energy_kev\[1\] = nan is not a finite"),
        ([1.0, 4.0, 3.0], [0.0, 0.5, 1.0], r"energy_kev\[2\] = 3 does not exceed energy_kev\[1\]"),
        ([1.0, 2.0, 2.0], [0.0, 0.5, 1.0], r"energy_kev\[2\] = 2 does not exceed"),
        ([1.0, 2.0], [0.5], r"'energy_kev' has 2 rows but 'efficiency' has 1"),
        ([1.0], [0.5], r"'energy_kev' needs at least 2 entries"),
        ([[1.0, 2.0]], [[0.5, 0.6]], r"'energy_kev' must be one-dimensional"),
        (["a", "b"], [0.5, 0.6], r"'energy_kev' is not a list of numbers"),
    ],
)
def test_bad_tables_name_field_and_row(energy, values, match):
    with pytest.raises(InvalidInputError, match=match) as info:
        Efficiency.from_table(energy, values, source="eff.csv")
    assert str(info.value).startswith("eff.csv: ")
    assert isinstance(info.value, ValueError)
