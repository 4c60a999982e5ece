"""Experiment cards: yields against an independent, hand-written expectation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from tests.support.cards import GERMANIUM_CARD, TPC_CARD, write_card
from xhf.combine import LinearResolution, build_experiment_workspace, load_card, read_card
from xhf.physics import XMASS_FRACTIONS, RateInputs, differential_rate


def test_tpc_card_reads_its_tables():
    card = read_card(TPC_CARD)
    assert card.name == "example_tpc" and card.target.name == "xenon"
    assert card.exposure_kg_day == pytest.approx(1000.0 * 365.25)
    np.testing.assert_allclose(card.edges_kev, np.arange(1.0, 31.0))
    events = np.loadtxt(TPC_CARD.parent / "events.txt")
    np.testing.assert_array_equal(card.data, np.histogram(events, bins=card.edges_kev)[0])
    assert card.data_info == {
        "label": "pseudo_poisson",
        "pseudo_data": True,
        "seed": 20240601,
        "description": "seeded Poisson draw of the background model (pseudo-data)",
    }
    # flat 15 events/(t yr keV) x 1 t yr x 1 keV
    np.testing.assert_allclose(card.background_yields, 15.0, rtol=1e-12)


def test_germanium_background_is_the_integral_of_its_rate_table():
    card = read_card(GERMANIUM_CARD)
    energy, rate = np.loadtxt(GERMANIUM_CARD.parent / "background.txt").T
    tonne_year = 365.25 / (1000.0 * 365.25)  # the card: 365.25 kg day
    expected = [
        tonne_year
        * integrate.quad(
            lambda e: np.interp(e, energy, rate),
            lo,
            hi,
            points=energy[(energy > lo) & (energy < hi)][:48],
            limit=400,
        )[0]
        for lo, hi in zip(card.edges_kev[:-1], card.edges_kev[1:], strict=True)
    ]
    np.testing.assert_allclose(card.background_yields, expected, rtol=1e-6)
    counts = np.loadtxt(GERMANIUM_CARD.parent / "counts.txt")[:, 2]
    np.testing.assert_array_equal(card.data, counts)


def test_resolution_terms_add_linearly_not_in_quadrature():
    res = LinearResolution(0.310, 0.0037)
    energy = np.array([1.0, 10.0, 100.0])
    np.testing.assert_allclose(res(energy), 0.310 * np.sqrt(energy) + 0.0037 * energy)
    assert float(res(10.0)) > float(np.hypot(0.310 * np.sqrt(10.0), 0.0037 * 10.0))


def _direct_signal(card, rate, step_kev=0.01):
    """Eq. (3) by brute force: counts_i = exposure int_bin dE eff(E) int dT R(T) N(E; T, sigma(T))."""
    eff_energy, eff_value = np.loadtxt(card.parent / "efficiency.txt").T
    a, b = 0.310, 0.0037
    lo, hi = 1.0, 30.0
    t = np.arange(1.0 + step_kev / 2, hi + 8.0, step_kev)  # true energies above the 1 keV threshold
    r = rate(t)
    sigma = a * np.sqrt(t) + b * t
    out = []
    for e_lo in np.arange(lo, hi):
        e = np.linspace(e_lo, e_lo + 1.0, 201)
        gauss = np.exp(-0.5 * ((e[None, :] - t[:, None]) / sigma[:, None]) ** 2) / (
            np.sqrt(2 * np.pi) * sigma[:, None]
        )
        inner = integrate.trapezoid(gauss * np.interp(e, eff_energy, eff_value), e, axis=1)
        out.append(np.sum(r * inner) * step_kev)
    return 365250.0 * np.array(out)


@pytest.mark.parametrize(
    ("model", "kwargs", "reference"),
    [
        ("magnetic-moment", {"mu_nu": 1e-10}, 1e-10),
        ("millicharge", {"charge": 5e-12, "atomic": "epa"}, 5e-12),
    ],
)
def test_tpc_signal_matches_a_direct_integration(model, kwargs, reference):
    ts = load_card(TPC_CARD, model)
    (signal,) = ts.signals
    assert signal.reference == reference and signal.powers == (2,)
    inputs = RateInputs(fluxes="shp11-gs98", oscillations=XMASS_FRACTIONS)
    expected = _direct_signal(
        TPC_CARD, lambda t: differential_rate(t, model, inputs=inputs, **kwargs)
    )
    # 3e-3: the brute-force grid straddles the xenon L edges (4.8-5.5 keV), where EPA steps
    np.testing.assert_allclose(signal.parts[0].yields, expected, rtol=3e-3)


def test_signal_systematics_use_the_shared_names():
    ts = load_card(GERMANIUM_CARD, "magnetic-moment")
    part = ts.signals[0].parts[0]
    assert [v.name for v in part.variations] == ["flux_pp", "flux_7Be"]
    assert part.norm_variations == {
        "atomic_model": (1.05, 0.95),
        "example_germanium_efficiency": (1.03, 0.97),
    }
    for var, size in zip(part.variations, (0.006, 0.07), strict=True):
        shift = (var.up - part.yields) / part.yields
        assert np.all(shift > 0) and np.all(shift < size)
        np.testing.assert_allclose(var.up - part.yields, part.yields - var.down)


def test_workspace_follows_the_xmass1_conventions():
    lh = build_experiment_workspace(TPC_CARD, "magnetic-moment")
    workspace, sidecar = lh.workspace, lh.sidecar
    (channel,) = workspace["channels"]
    assert channel["name"] == "example_tpc"
    samples = {s["name"]: s for s in channel["samples"]}
    assert list(samples) == ["example_tpc_background", "signal"]
    assert samples["example_tpc_background"]["modifiers"] == [
        {"name": "example_tpc_norm_background", "type": "normsys", "data": {"hi": 1.05, "lo": 0.95}}
    ]
    assert workspace["measurements"][0]["name"] == "example_tpc_magnetic_moment"
    assert workspace["observations"][0]["data"] == read_card(TPC_CARD).data.tolist()
    assert sidecar["measurement"] == "example_tpc_magnetic_moment"
    assert sidecar["signal"]["parts"] == [{"normfactor": "mu", "power": 2, "sample": "signal"}]
    assert sidecar["signal"]["parameter"] == "mu_nu" and sidecar["signal"]["unit"] == "mu_B"
    assert sidecar["data"]["pseudo_data"] is True
    assert sidecar["experiment"]["name"] == "example_tpc"
    assert sidecar["experiment"]["card"] == "card.yml"


def test_free_background_without_normalization_uncertainty(tmp_path):
    path = write_card(tmp_path, background={"rate_file": "background.txt"}, name="free_tpc")
    lh = build_experiment_workspace(path, "millicharge", data="asimov")
    workspace = lh.workspace
    background = workspace["channels"][0]["samples"][0]
    assert background["modifiers"] == [
        {"name": "free_tpc_free_background", "type": "normfactor", "data": None}
    ]
    assert workspace["observations"][0]["data"] == background["data"]


def test_zero_exposure_gives_empty_templates(tmp_path):
    path = write_card(
        tmp_path,
        exposure={"value": 0, "unit": "kg_day"},
        name="empty",
        data={"events_file": "none.txt"},
    )
    (tmp_path / "none.txt").write_text("# no events\n")
    ts = load_card(path, "magnetic-moment")
    assert not np.any(ts.channels[0].backgrounds[0].yields)
    assert not np.any(ts.signals[0].parts[0].yields)
    lh = build_experiment_workspace(path, "magnetic-moment")
    workspace, sidecar = lh.workspace, lh.sidecar
    assert sidecar["poi_bounds"] == [0.0, 10.0]
    assert workspace["observations"][0]["data"] == [0.0] * 29


def test_dark_photon_with_one_mass_is_a_two_part_workspace():
    lh = build_experiment_workspace(TPC_CARD, "dark-photon", mass_mev=1e-3)
    workspace, sidecar = lh.workspace, lh.sidecar
    names = [s["name"] for s in workspace["channels"][0]["samples"]]
    assert names == ["example_tpc_background", "signal_interference", "signal_pure"]
    assert [p["power"] for p in sidecar["signal"]["parts"]] == [2, 4]
    assert sidecar["signal"]["reference"] == 1e-6 and sidecar["signal"]["mass_mev"] == 1e-3
