"""The dark photon: the tied one-parameter profile in g vs the (mass, coupling) patch grid."""

import math

import numpy as np
import pytest

from xhf.infer import PatchedModels, exclusion_curve, grid_limit, limit
from xhf.infer.dark_photon import curve_csv, curve_document
from xhf.templates import Channel, Sample, Signal, TemplateSet
from xhf.workspace import (
    background_only_metadata,
    build_background_only,
    build_component_patchset,
    build_patchset,
    patchset_metadata,
)

MASSES = (1e-3, 10.0)  # as in conftest.py


@pytest.fixture(scope="module")
def curve(dark_photon):
    return exclusion_curve(
        dark_photon["bkg_only"], dark_photon["components"], dark_photon["components_meta"]
    )


def test_tied_profile_agrees_with_the_patch_grid_within_5_percent(dark_photon, curve):
    grid = PatchedModels(dark_photon["bkg_only"], dark_photon["grid"], dark_photon["grid_meta"])
    assert [r.mass_mev for r in curve] == list(MASSES)
    for result in curve:
        crossed = grid_limit(grid, result.mass_mev, cl=0.9)
        assert result.observed == pytest.approx(crossed["observed"], rel=0.05)
        for band in ("-1", "0", "+1"):
            assert result.expected[band] == pytest.approx(crossed["expected"][band], rel=0.05)


def test_tied_profile_is_in_the_coupling(dark_photon, curve):
    first = curve[0]
    assert (first.parameter, first.poi) == ("g", "mu_interference")
    g_ref = dark_photon["components_meta"]["signal"]["references"]["dark_photon_m1e_03"]
    assert first.observed == pytest.approx(g_ref * math.sqrt(first.poi_limit))
    assert first.extras["tied"] == {
        "mu_interference": "mu_interference^1",
        "mu_pure": "mu_interference^2",
    }
    # a heavier mediator needs a larger coupling
    assert curve[1].observed > 10 * curve[0].observed


def test_chi2_method_on_the_tied_signal(dark_photon, curve):
    models = PatchedModels(
        dark_photon["bkg_only"], dark_photon["components"], dark_photon["components_meta"]
    )
    result = limit(models.analysis(models.names[0]), method="chi2")
    assert result.extras["chi2"]["prior"] == "flat in mu_interference^2"  # flat in g^4
    assert result.observed == pytest.approx(curve[0].observed, rel=0.1)


def test_curve_outputs_are_deterministic(curve):
    doc = curve_document(curve, source={"patchset": "p.json"})
    assert [p["mass_mev"] for p in doc["points"]] == list(MASSES)
    assert set(doc["points"][0]["expected"]) == {"-2", "-1", "0", "+1", "+2"}
    csv = curve_csv(curve)
    assert csv.splitlines()[0].startswith("mass_mev,observed,expected_-2")
    assert len(csv.splitlines()) == 1 + len(MASSES)
    assert curve_csv(curve) == csv


def builder_templates():
    """A tiny TemplateSet for xhf's own builder: two dark-photon masses, one channel."""
    edges = np.array([2.0, 4.0, 6.0, 8.0, 10.0, 12.0])
    pb = np.array([500.0, 420.0, 350.0, 300.0, 260.0])
    flat = np.full(5, 80.0)
    backgrounds = (
        Sample(name="pb210", yields=pb, stat_error=0.02 * pb, norm_uncertainty=0.1),
        Sample(name="ar39", yields=flat, stat_error=0.02 * flat, norm_uncertainty=0.2),
    )
    channel = Channel(
        name="low_energy", bin_edges=edges, backgrounds=backgrounds, data={"asimov": pb + flat}
    )
    signals = []
    for k, mass in enumerate((1e-3, 10.0)):
        inter = np.array([4.0, 3.0, 2.0, 1.5, 1.0]) * (k + 1)
        pure = np.array([30.0, 12.0, 6.0, 3.0, 2.0]) / (k + 1)
        signals.append(
            Signal(
                name=f"dark_photon_m{['1e_03', '1e01'][k]}",
                channel="low_energy",
                parts=(
                    Sample(name="interference", yields=inter, stat_error=0.01 * inter),
                    Sample(name="pure", yields=pure, stat_error=0.01 * pure),
                ),
                parameter="coupling",
                unit="g_BL",
                reference=1e-6,
                powers=(2, 4),
                metadata={"model": "dark-photon", "mass_mev": mass, "flavor": "all"},
            )
        )
    return TemplateSet((channel,), tuple(signals), {"experiment": "xmass1"})


def test_reads_what_the_builder_writes():
    templates = builder_templates()
    names = [s.name for s in templates.signals]
    grid = {
        names[0]: list(np.geomspace(4e-7, 3e-6, 12)),
        names[1]: list(np.geomspace(4e-7, 3e-6, 12)),
    }
    bkg = build_background_only(
        templates, "low_energy", data="asimov", signals=names, couplings=grid
    )
    components = build_component_patchset(bkg, templates, names)
    grid_ps = build_patchset(bkg, templates, names, grid)
    meta_c = patchset_metadata(components, bkg, templates, names, data="asimov")
    meta_g = patchset_metadata(grid_ps, bkg, templates, names, data="asimov")
    assert background_only_metadata(bkg, templates, "low_energy", data="asimov")["signal"] is None
    results = exclusion_curve(bkg, components, meta_c)
    by_grid = PatchedModels(bkg, grid_ps, meta_g)
    for result in results:
        assert result.parameter == "coupling" and result.unit == "g_BL"
        crossed = grid_limit(by_grid, result.mass_mev)
        assert result.expected["0"] == pytest.approx(crossed["expected"]["0"], rel=0.05)


@pytest.mark.slow
def test_tied_profile_with_pyhf_fits_agrees(dark_photon, curve):
    """The generic backend (pyhf fits with fixed_params, a 1-D search for s-hat) agrees."""
    from xhf.infer import FitOptions

    models = PatchedModels(
        dark_photon["bkg_only"], dark_photon["components"], dark_photon["components_meta"]
    )
    generic = limit(models.analysis(models.names[0]), options=FitOptions(backend="pyhf"))
    assert generic.fit_status["backend"] == "pyhf"
    assert generic.poi_limit == pytest.approx(curve[0].poi_limit, rel=1e-3)
    assert generic.poi_expected["0"] == pytest.approx(curve[0].poi_expected["0"], rel=1e-3)
