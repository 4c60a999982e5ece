"""Toy-based CLs: seeded, reproducible, close to the asymptotic answer at large counts."""

import numpy as np
import pytest

from xhf.infer import AsymptoticCLs, limit, toy_upper_limit, upper_limit
from xhf.infer.toys import toy_cls


def test_toy_cls_is_reproducible_with_a_seed(small_analysis):
    calc = AsymptoticCLs(small_analysis.fitter(), small_analysis.data)
    first = toy_cls(calc, 1.4, 30, seed=3)
    again = toy_cls(calc, 1.4, 30, seed=3)
    assert first[0] == again[0]
    np.testing.assert_array_equal(first[1], again[1])
    assert toy_cls(calc, 1.4, 30, seed=4)[1].tolist() != first[1].tolist()


def test_toy_limit_with_few_toys(small_analysis):
    result = toy_upper_limit(
        small_analysis.fitter(), small_analysis.data, ntoys=40, seed=2, n_points=5
    )
    assert result.calculator == "toybased" and result.details["ntoys"] == 40
    assert result.expected["-2"] <= result.expected["0"] <= result.expected["+2"]
    assert result.observed == pytest.approx(result.details["asymptotic_observed"], rel=0.3)


@pytest.mark.slow
def test_toys_agree_with_asymptotics_at_large_counts(small_analysis):
    fitter = small_analysis.fitter()
    asym = upper_limit(fitter, small_analysis.data)
    calc = AsymptoticCLs(fitter, small_analysis.data)
    observed, expected = toy_cls(calc, asym.observed, 400, seed=3)
    assert observed == pytest.approx(0.1, abs=0.04)  # ~3 sigma of 400 toys
    assert expected[2] == pytest.approx(calc.cls(asym.observed)[1][2], abs=0.05)
    result = limit(small_analysis, calculator="toybased", ntoys=400, seed=1)
    assert result.poi_limit == pytest.approx(asym.observed, rel=0.1)
    assert result.poi_expected["0"] == pytest.approx(asym.expected["0"], rel=0.1)
