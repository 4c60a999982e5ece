"""From normfactors to physical units, as the sidecar says; the paper's flavour rule."""

import math

import pytest

from tests.support.synthetic import small_workspace
from xhf.exceptions import InvalidInputError
from xhf.infer import SignalInfo, build_analysis, flavor_limits, limit


def test_flavor_limits_are_the_common_limit_over_sqrt_fraction():
    out = flavor_limits(5.4e-12)
    assert out["e"] == pytest.approx(5.4e-12 / math.sqrt(0.54))
    assert out["mu"] == pytest.approx(5.4e-12 / math.sqrt(0.23))
    assert out["tau"] == out["mu"]
    # the paper's numbers: 7.3e-12, 1.1e-11, 1.1e-11
    assert out["e"] == pytest.approx(7.3e-12, rel=0.01)
    assert out["mu"] == pytest.approx(1.1e-11, rel=0.03)


def test_millicharge_result_carries_flavor_limits(small_analysis):
    result = limit(small_analysis)
    assert (result.parameter, result.unit) == ("delta", "e")
    assert result.observed == pytest.approx(1e-12 * math.sqrt(result.poi_limit), rel=1e-12)
    flavours = result.extras["flavor_limits"]
    for flavour, fraction in (("e", 0.54), ("mu", 0.23), ("tau", 0.23)):
        assert flavours[flavour]["observed"] == pytest.approx(result.observed / math.sqrt(fraction))
        for band in result.expected:
            expected = result.expected[band] / math.sqrt(fraction)
            assert flavours[flavour]["expected"][band] == pytest.approx(expected)


def test_sidecar_fractions_are_used():
    spec, meta = small_workspace()
    meta["signal"]["flavor_fractions"] = {"e": 0.5, "mu": 0.3, "tau": 0.2}
    result = limit(build_analysis(spec, meta))
    assert result.extras["flavor_limits"]["tau"]["observed"] == pytest.approx(
        result.observed / math.sqrt(0.2)
    )


def test_magnetic_moment_parameter_is_reference_times_sqrt_mu():
    spec, meta = small_workspace(model="magnetic-moment")
    result = limit(build_analysis(spec, meta))
    assert (result.parameter, result.unit) == ("mu_nu", "mu_B")
    assert result.observed == pytest.approx(1e-10 * math.sqrt(result.poi_limit))
    assert "flavor_limits" not in result.extras


def test_no_sidecar_means_the_poi_itself():
    spec, _ = small_workspace()
    result = limit(build_analysis(spec, None))
    assert (result.parameter, result.unit) == ("mu", "")
    assert result.observed == result.poi_limit


@pytest.mark.parametrize(
    ("signal", "field"),
    [
        ({"parts": []}, "signal.parts"),
        ({"parts": [{"sample": "signal"}]}, "signal.parts[0]"),
        ({"parts": [{"sample": "s", "normfactor": "mu", "power": -2}]}, "power"),
        (
            {"parts": [{"sample": "s", "normfactor": "mu", "power": 2}], "reference": "x"},
            "signal.reference",
        ),
    ],
)
def test_bad_sidecar_names_the_field(signal, field):
    with pytest.raises(InvalidInputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        SignalInfo.from_sidecar({"signal": signal}, "ws.meta.json")
