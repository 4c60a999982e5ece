"""A realistic small TemplateSet and an exact comparison, shared by the format tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from xhf.templates import Channel, Sample, Signal, TemplateSet, Variation


def _bits(values) -> tuple[tuple[int, ...], bytes]:
    arr = np.asarray(values)
    assert arr.dtype == np.float64
    return arr.shape, arr.tobytes()


def _assert_same_sample(a: Sample, b: Sample) -> None:
    assert a.name == b.name
    assert _bits(a.yields) == _bits(b.yields), a.name
    assert (a.stat_error is None) == (b.stat_error is None), a.name
    if a.stat_error is not None:
        assert _bits(a.stat_error) == _bits(b.stat_error), a.name
    assert a.norm_uncertainty == b.norm_uncertainty
    assert type(a.norm_uncertainty) is type(b.norm_uncertainty)
    assert a.free == b.free
    assert [v.name for v in a.variations] == [v.name for v in b.variations]
    for va, vb in zip(a.variations, b.variations, strict=True):
        assert _bits(va.up) == _bits(vb.up) and _bits(va.down) == _bits(vb.down), va.name
    assert list(a.norm_variations.items()) == list(b.norm_variations.items())


def assert_same_templates(a: TemplateSet, b: TemplateSet) -> None:
    """Every name, order, flag and bit of the two TemplateSets agrees."""
    assert [c.name for c in a.channels] == [c.name for c in b.channels]
    for ca, cb in zip(a.channels, b.channels, strict=True):
        assert _bits(ca.bin_edges) == _bits(cb.bin_edges), ca.name
        assert list(ca.data) == list(cb.data)
        for label in ca.data:
            assert _bits(ca.data[label]) == _bits(cb.data[label]), label
        assert [s.name for s in ca.backgrounds] == [s.name for s in cb.backgrounds]
        for sa, sb in zip(ca.backgrounds, cb.backgrounds, strict=True):
            _assert_same_sample(sa, sb)
    assert [s.name for s in a.signals] == [s.name for s in b.signals]
    for sa, sb in zip(a.signals, b.signals, strict=True):
        assert (sa.channel, sa.parameter, sa.unit) == (sb.channel, sb.parameter, sb.unit)
        assert sa.reference == sb.reference and tuple(sa.powers) == tuple(sb.powers)
        assert dict(sa.metadata) == dict(sb.metadata)
        for pa, pb in zip(sa.parts, sb.parts, strict=True):
            _assert_same_sample(pa, pb)
        assert len(sa.parts) == len(sb.parts)
    assert dict(a.metadata) == dict(b.metadata)


def make_templates(seed: int = 20200522) -> TemplateSet:
    """Two channels, constrained and free backgrounds with MC-stat errors, shared histosys
    variations, a flat (normsys) variation, two datasets, a one-part and a two-part signal
    whose interference part is negative in some bins, and nested metadata."""
    rng = np.random.default_rng(seed)

    def spectrum(n: int, scale: float) -> np.ndarray:
        return scale * rng.gamma(2.0, size=n)

    def background(name: str, n: int, scale: float, *, stat: bool = True, **kw) -> Sample:
        yields = spectrum(n, scale)
        return Sample(
            name=name,
            yields=yields,
            stat_error=np.sqrt(yields) * rng.uniform(0.01, 0.1, n) if stat else None,
            **kw,
        )

    def shifted(sample: Sample, name: str, size: float) -> Variation:
        shift = size * rng.uniform(0.5, 1.5, sample.yields.size) * sample.yields
        return Variation(name, sample.yields + shift, sample.yields - shift)

    low_edges = np.array([2.0, 3.0, 4.0, 5.0, 7.5, 10.0, 15.0])
    full_edges = np.concatenate([np.arange(2.0, 20.0, 2.0), [30.0, 50.0, 100.0, 200.0]])
    n_low, n_full = len(low_edges) - 1, len(full_edges) - 1

    pb210 = background("pb210", n_low, 40.0, norm_uncertainty=0.2)
    pb210 = replace(pb210, variations=(shifted(pb210, "dead_pmt_2_5", 0.1),))
    c14 = background("c14", n_low, 25.0, free=True)
    kr85 = background("kr85", n_low, 3.0, stat=False, norm_uncertainty=0.5)
    kr85 = replace(kr85, norm_variations={"flux": (1.05, 0.95), "a": (1.2, 0.9)})
    asimov = pb210.yields + c14.yields + kr85.yields
    low = Channel(
        name="low_energy",
        bin_edges=low_edges,
        backgrounds=(pb210, c14, kr85),
        data={"asimov": asimov, "pseudo_poisson": rng.poisson(asimov).astype(float)},
    )

    xe136 = background("xe136", n_full, 10.0, norm_uncertainty=0.03)
    xe136 = replace(xe136, variations=(shifted(xe136, "dead_pmt_2_5", 0.05),))
    ar39 = background("ar39", n_full, 2.0, free=True)
    full = Channel(
        name="full_energy",
        bin_edges=full_edges,
        backgrounds=(xe136, ar39),
        data={"asimov": xe136.yields + ar39.yields},
    )

    mm_part = background("signal", n_full, 0.5)
    mm_part = replace(
        mm_part,
        variations=(shifted(mm_part, "atomic_model", 0.2),),
        norm_variations={"solar_flux": (1.06, 0.94)},
    )
    magnetic_moment = Signal(
        name="magnetic_moment",
        channel="full_energy",
        parts=(mm_part,),
        parameter="mu_nu",
        unit="mu_B",
        reference=1e-10,
        powers=(2,),
        metadata={"model": "magnetic-moment", "flavor": "all", "atomic": "fea", "mass_mev": None},
    )
    interference = Sample(name="interference", yields=rng.normal(0.0, 1.0, n_low))
    interference = replace(interference, variations=(shifted(interference, "atomic_model", 0.1),))
    pure = background("pure", n_low, 0.2)
    dark_photon = Signal(
        name="dark_photon_m1e_03",
        channel="low_energy",
        parts=(interference, pure),
        parameter="coupling",
        unit="g_BL",
        reference=1.3e-6,
        powers=(2, 4),
        metadata={"model": "dark-photon", "mass_mev": 1e-3, "note": "\u00b5 and \u03bd survive"},
    )
    return TemplateSet(
        (low, full),
        (magnetic_moment, dark_photon),
        {
            "experiment": "xmass1",
            "pseudo_data": True,
            "seed": seed,
            "exposure_kg_day": 97.0 * 711.0,
            "provenance": {"built_by": "tests", "inputs": ["paper", 1, 2.5, None]},
        },
    )


@pytest.fixture
def templates() -> TemplateSet:
    ts = make_templates()
    assert any(np.any(p.yields < 0) for s in ts.signals for p in s.parts)
    ts.validate()
    return ts


@pytest.fixture
def same() -> Callable[[TemplateSet, TemplateSet], None]:
    return assert_same_templates


@pytest.fixture
def make() -> Callable[..., TemplateSet]:
    return make_templates
