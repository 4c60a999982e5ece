"""POI bounds from the expected signal size: pyhf's upper_limit(scan=None) never hits them."""

import numpy as np
import pyhf
import pytest

from xhf.exceptions import InvalidTemplateError
from xhf.templates import Channel, Sample, Signal, TemplateSet
from xhf.workspace import build_workspace
from xhf.workspace.poi import N_SIGMA, part_bounds, poi_sigma, poi_upper_bound, round_sig


def test_rounding_keeps_two_significant_digits():
    assert round_sig(37.21) == 38.0 and round_sig(37.21, up=False) == 37.0
    assert round_sig(0.0123) == 0.013 and round_sig(99.5) == 100.0 and round_sig(20.0) == 20.0


def test_sigma_is_the_asimov_uncertainty():
    flat = {"name": "b", "data": [100.0, 400.0], "modifiers": []}
    signal = np.array([10.0, 10.0])
    assert poi_sigma([flat], signal) == pytest.approx(1 / np.sqrt(100 / 100 + 100 / 400))
    # a free normalisation of the same shape as the signal makes mu unmeasurable
    free = {**flat, "modifiers": [{"name": "n", "type": "normfactor", "data": None}]}
    with pytest.raises(InvalidTemplateError, match="cannot be told apart"):
        poi_sigma([free], np.array([1.0, 4.0]))
    # a constraint widens it
    constrained = {
        **flat,
        "modifiers": [{"name": "n", "type": "normsys", "data": {"hi": 1.5, "lo": 0.5}}],
    }
    assert poi_sigma([constrained], np.array([1.0, 4.0])) > poi_sigma([flat], np.array([1.0, 4.0]))


def test_negative_signal_keeps_the_expectation_positive():
    low = {"name": "b", "data": [10.0, 100.0], "modifiers": []}
    signal = np.array([-5.0, 5.0])
    assert poi_upper_bound([low], signal) == 2.0  # 10 / 5: B + mu S >= 0
    assert N_SIGMA * poi_sigma([low], signal) > 6.0  # what the rule alone would give
    flat = {"name": "b", "data": [100.0, 100.0], "modifiers": []}
    with pytest.raises(InvalidTemplateError, match="no events"):
        poi_upper_bound([flat], np.zeros(2))


def test_part_bounds_reach_the_criterion_with_the_summed_excess():
    flat = {"name": "b", "data": [100.0, 100.0, 100.0], "modifiers": []}
    inter, pure = np.array([-3.0, 2.0, 1.0]), np.array([1.0, 1.0, 0.5])
    upper_i, upper_p = part_bounds([flat], [inter, pure], [2, 4])
    t2 = upper_i  # mu_interference = (g/g_ref)^2
    assert upper_p == pytest.approx(t2**2, rel=0.05)
    excess = t2 * inter + t2**2 * pure
    assert 1.0 >= N_SIGMA * poi_sigma([flat], excess) * 0.999


def _tiny(free: bool) -> TemplateSet:
    edges = np.array([2.0, 4.0, 6.0, 8.0, 10.0])
    flat = Sample(name="flat", yields=np.full(4, 50.0), norm_uncertainty=0.1)
    falling = Sample(
        name="falling",
        yields=np.array([40.0, 20.0, 10.0, 5.0]),
        free=free,
        norm_uncertainty=None if free else 0.3,
    )
    data = np.array([95.0, 66.0, 63.0, 52.0])
    channel = Channel(
        name="c", bin_edges=edges, backgrounds=(flat, falling), data={"observed": data}
    )
    signal = Signal(
        name="mm",
        channel="c",
        parts=(Sample(name="mm", yields=np.array([6.0, 3.0, 2.0, 1.0])),),
        parameter="mu_nu",
        unit="mu_B",
        reference=1e-10,
        powers=(2,),
    )
    return TemplateSet((channel,), (signal,))


def test_upper_limit_scan_none_stays_inside_the_bounds():
    """With a free background shaped like the signal (the case a stat-only rule gets wrong)."""
    ws = build_workspace(_tiny(free=True), "mm", data="observed").workspace
    upper = ws["measurements"][0]["config"]["parameters"][0]["bounds"][0][1]
    workspace = pyhf.Workspace(ws)
    model = workspace.model()
    observed, expected = pyhf.infer.intervals.upper_limits.upper_limit(
        workspace.data(model), model, scan=None, level=0.1
    )
    assert 0 < float(observed) < upper / 2
    assert float(expected[-1]) < upper / 2  # the +2 sigma band too
