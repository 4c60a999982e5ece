"""The root search returns a root or raises: never a bound, a NaN or the edge of a jump."""

import math

import pytest

from xhf.infer.roots import AboveRangeError, RootNotFoundError, increasing_root


def test_finds_the_root_of_a_smooth_function():
    assert increasing_root(lambda x: math.log(x**2 / 2.0), 1.0, 10.0) == pytest.approx(
        math.sqrt(2.0), rel=1e-4
    )


def test_a_step_is_a_jump_not_a_root():
    with pytest.raises(RootNotFoundError, match=r"jumps from -1 to 1 between x=1\.99"):
        increasing_root(lambda x: -1.0 if x < 2.0 else 1.0, 1.0, 10.0)


def test_a_steep_but_continuous_function_is_not_a_jump():
    root = increasing_root(lambda x: math.tanh(50.0 * math.log(x / 2.0)), 1.0, 10.0)
    assert root == pytest.approx(2.0, rel=1e-4)


def test_a_non_finite_value_stops_the_search():
    with pytest.raises(RootNotFoundError, match="nan at x="):
        increasing_root(lambda x: math.nan if x > 1.5 else x - 3.0, 1.0, 10.0)


def test_positive_down_to_the_lower_end_is_not_a_root():
    with pytest.raises(RootNotFoundError, match="still positive"):
        increasing_root(lambda x: 1.0, 1.0, 10.0, lower=1e-3)


def test_too_many_evaluations():
    with pytest.raises(RootNotFoundError, match="no root after 3 evaluations"):
        increasing_root(lambda x: math.log(x / 7.0), 1.0, 10.0, step=0.01, max_evals=3)


def test_above_the_range():
    with pytest.raises(AboveRangeError):
        increasing_root(lambda x: x - 20.0, 1.0, 10.0)
