"""Property test: every format returns random finite templates bit for bit."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from xhf.templates import MAX_EVENTS, Channel, Sample, Signal, TemplateSet, Variation
from xhf.templates.io import read_templates, write_templates

# Contents are bounded by the contract of the formats: every value of a template, dataset,
# stat error or variation is finite and at most MAX_EVENTS (1e15) in size; larger values are
# refused on reading and writing (tests/bad_inputs/test_bad_templates.py). Within that range
# every float64 must come back bit for bit, subnormals included.
_counts = st.floats(min_value=0.0, max_value=MAX_EVENTS)
_signed = st.floats(min_value=-MAX_EVENTS, max_value=MAX_EVENTS)
#: ROOT stores variances: a stat error is exact when its square does not underflow.
_root_stat = st.just(0.0) | st.floats(1e-150, MAX_EVENTS)


@st.composite
def template_sets(draw, stat=_counts) -> TemplateSet:
    """One channel of 1-6 bins, a background (with or without stat error, one histosys and
    one normsys variation), a dataset and a two-part signal with any finite contents."""
    n = draw(st.integers(1, 6))
    widths = draw(arrays(np.float64, n, elements=st.floats(1e-3, 1e3)))
    edges = draw(st.floats(-1e3, 1e3)) + np.concatenate([[0.0], np.cumsum(widths)])

    def vector(elements):
        return draw(arrays(np.float64, n, elements=elements))

    background = Sample(
        name="bkg",
        yields=vector(_counts),
        stat_error=vector(stat) if draw(st.booleans()) else None,
        norm_uncertainty=draw(st.none() | st.floats(0.0, 0.99)),
        free=draw(st.booleans()),
        variations=(Variation("shape", vector(_counts), vector(_counts)),),
        norm_variations={"flat": (draw(st.floats(1.0, 2.0)), draw(st.floats(0.01, 1.0)))},
    )
    parts = (
        Sample(name="interference", yields=vector(_signed), stat_error=vector(stat)),
        Sample(name="pure", yields=vector(_signed)),
    )
    signal = Signal(
        name="sig",
        channel="ch",
        parts=parts,
        parameter="coupling",
        unit="g",
        reference=draw(st.floats(1e-30, 1e30)),
        powers=(2, 4),
    )
    return TemplateSet(
        (
            Channel(
                name="ch", bin_edges=edges, backgrounds=(background,), data={"obs": vector(_counts)}
            ),
        ),
        (signal,),
    )


# ``same`` is a stateless function, safe to share between examples
@pytest.mark.parametrize(
    ("name", "strategy"),
    [("t.npz", template_sets()), ("csv", template_sets()), ("t.root", template_sets(_root_stat))],
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_round_trip_of_random_finite_arrays(name, strategy, data, same):
    ts = data.draw(strategy)
    with tempfile.TemporaryDirectory() as tmp:
        same(ts, read_templates(write_templates(ts, Path(tmp) / name)))
