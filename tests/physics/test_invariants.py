"""Scaling laws, limits, signs, steps and end points of the rates."""

import numpy as np
import pytest

from xhf.physics import RateInputs, differential_rate, load_target
from xhf.physics.cross_sections import minimum_neutrino_energy, t_max
from xhf.physics.fluxes import solar_sources

T_KEV = np.geomspace(1.0, 200.0, 40)


def test_magnetic_moment_scales_with_mu_squared():
    r1 = differential_rate(T_KEV, "magnetic-moment", mu_nu=1e-11)
    r3 = differential_rate(T_KEV, "magnetic-moment", mu_nu=3e-11)
    np.testing.assert_allclose(r3, 9.0 * r1, rtol=1e-12)


@pytest.mark.parametrize("atomic", ["fea", "epa"])
def test_millicharge_pure_term_scales_with_delta_squared(atomic):
    r1 = differential_rate(T_KEV, "millicharge", charge=1e-12, atomic=atomic)
    r2 = differential_rate(T_KEV, "millicharge", charge=-2e-12, atomic=atomic)
    np.testing.assert_allclose(r2, 4.0 * r1, rtol=1e-12)


def test_dark_photon_contact_limit_pure_part_goes_as_g4_over_m4():
    kwargs = {"model": "dark-photon", "part": "pure"}
    heavy = differential_rate(T_KEV, coupling=1e-3, mass_mev=1000.0, **kwargs)
    lighter = differential_rate(T_KEV, coupling=1e-3, mass_mev=500.0, **kwargs)
    np.testing.assert_allclose(heavy / lighter, (500.0 / 1000.0) ** 4, rtol=1e-5)
    # Only g^2 / M^2 matters in the contact limit.
    scaled = differential_rate(T_KEV, coupling=2e-3, mass_mev=2000.0, **kwargs)
    np.testing.assert_allclose(scaled, heavy, rtol=1e-5)


def test_dark_photon_is_not_a_power_law_at_10_mev():
    both = differential_rate([5.0], "dark-photon", coupling=1e-4, mass_mev=10.0)
    inter = differential_rate(
        [5.0], "dark-photon", coupling=1e-4, mass_mev=10.0, part="interference"
    )
    pure = differential_rate([5.0], "dark-photon", coupling=1e-4, mass_mev=10.0, part="pure")
    np.testing.assert_allclose(both, inter + pure, rtol=1e-12)
    assert 0.1 < float(inter[0] / both[0]) < 0.9  # tens of percent of the excess


def test_dark_photon_interference_constructive_for_nue_destructive_for_numu():
    kwargs = {"model": "dark-photon", "coupling": 1e-4, "mass_mev": 10.0, "part": "interference"}
    assert np.all(differential_rate(T_KEV, flavor="e", **kwargs) > 0)
    mu = differential_rate(T_KEV, flavor="mu", **kwargs)
    tau = differential_rate(T_KEV, flavor="tau", **kwargs)
    assert np.all(mu < 0) and np.all(tau < 0)
    # "tiny": far below the nu_e interference per unit flux
    e = differential_rate(T_KEV, flavor="e", **kwargs)
    assert np.all(np.abs(mu) < 0.2 * e)


def test_millicharge_interference_sign_and_size():
    kwargs = {"model": "millicharge", "atomic": "fea", "interference": True}
    for t_kev, expected in [(5.0, 0.17), (10.0, 0.34)]:
        inter = differential_rate([t_kev], charge=5.4e-12, part="interference", **kwargs)
        pure = differential_rate([t_kev], charge=5.4e-12, part="pure", **kwargs)
        assert inter[0] < 0  # destructive for delta > 0
        assert abs(inter[0]) / pure[0] == pytest.approx(expected, rel=0.1)
        flipped = differential_rate([t_kev], charge=-5.4e-12, part="interference", **kwargs)
        np.testing.assert_allclose(flipped, -inter, rtol=1e-12)


def test_flavours_add_up():
    for model in ("sm", "magnetic-moment"):
        total = differential_rate(T_KEV, model)
        parts = sum(differential_rate(T_KEV, model, flavor=f) for f in ("e", "mu", "tau"))
        np.testing.assert_allclose(parts, total, rtol=1e-12)


def test_fea_steps_exactly_at_shell_edges():
    xenon = load_target("xenon")
    for shell in xenon.shells:
        below, above = shell.binding_kev * (1 - 1e-9), shell.binding_kev
        if below < 0.5:  # below the scintillation threshold nobody asks
            continue
        n_below = xenon.electrons_above(below)
        r = differential_rate([below, above], "sm")
        assert r[1] / r[0] == pytest.approx((n_below + shell.occupancy) / n_below, rel=1e-6)


def test_fea_electron_counts():
    xenon = load_target("xenon")
    np.testing.assert_array_equal(xenon.electrons_above([1.0, 5.0, 30.0, 40.0]), [40, 48, 52, 54])


@pytest.mark.parametrize("name", ["pp", "pep", "7Be", "13N", "15O", "17F"])
def test_kinematic_end_point_of_each_source(name):
    source = solar_sources()[name]
    end_kev = float(t_max(source.endpoint_mev)) * 1000.0
    rate = differential_rate(
        [end_kev * 0.999, end_kev * 1.001], "sm", inputs=RateInputs(sources=(name,))
    )
    assert rate[0] > 0.0
    assert rate[1] == 0.0


def test_minimum_energy_inverts_t_max():
    energy = np.array([0.1, 0.42341, 0.8618, 10.0])
    np.testing.assert_allclose(minimum_neutrino_energy(t_max(energy)), energy, rtol=1e-12)


def test_epa_over_fea_millicharge_ratio_at_5_kev():
    epa = differential_rate([5.0], "millicharge", charge=1e-12, atomic="epa")
    fea = differential_rate([5.0], "millicharge", charge=1e-12, atomic="fea")
    ratio = float(epa[0] / fea[0])
    assert 3.0 <= ratio <= 7.0  # XMASS-I: RRPA is about five times FEA at 5 keV


def test_mass_grid_matches_scalar_evaluation():
    masses = np.geomspace(1e-3, 1e3, 7)
    grid = differential_rate(T_KEV, "dark-photon", coupling=1e-5, mass_mev=masses)
    assert grid.shape == (7, T_KEV.size)
    for row, mass in zip(grid, masses, strict=True):
        np.testing.assert_allclose(
            row, differential_rate(T_KEV, "dark-photon", coupling=1e-5, mass_mev=mass), rtol=1e-12
        )


def test_another_target_is_a_data_change():
    xe = differential_rate([30.0], "sm", target="xenon")
    ar = differential_rate([30.0], "sm", target="argon")
    # per-electron physics identical; only electrons per kg differ (18 of 18 vs 52 of 54 free)
    expected = (18 / 52) * (131.293 / 39.948)
    assert float(ar[0] / xe[0]) == pytest.approx(expected, rel=1e-9)


def test_quadrature_converged():
    import xhf.physics.rates as rates

    base = differential_rate(T_KEV, "sm")
    try:
        rates.QUADRATURE_NODES = 512
        fine = differential_rate(T_KEV, "sm")
    finally:
        rates.QUADRATURE_NODES = 64
    np.testing.assert_allclose(base, fine, rtol=1e-6)
