"""Fluxes, oscillations, atomic tables and bad inputs."""

import numpy as np
import pytest
from scipy.integrate import trapezoid

from xhf.exceptions import InvalidInputError, InvalidParameterError, MissingFileError
from xhf.physics import XMASS_FRACTIONS, FixedFractions, RateInputs, differential_rate
from xhf.physics.fluxes import FLUX_MODELS, flux_model, solar_sources
from xhf.physics.oscillations import survival_probability


@pytest.mark.parametrize("name", ["pp", "hep", "8B", "13N", "15O", "17F"])
def test_continuum_spectra_are_normalised(name):
    source = solar_sources()[name]
    energy = np.linspace(0.0, source.q_mev, 200001)
    assert trapezoid(source.spectrum(energy), energy) == pytest.approx(1.0, rel=1e-4)


def test_flux_models_have_every_source():
    for name in FLUX_MODELS:
        assert set(flux_model(name)) == set(solar_sources())
    assert flux_model("shp11-gs98")["7Be"].uncertainty == 0.07


def test_survival_probability_reference_points():
    assert float(survival_probability(0.3, 60.0)) == pytest.approx(0.544, abs=0.002)
    assert float(survival_probability(0.862, 60.0)) == pytest.approx(0.533, abs=0.002)
    # vacuum-averaged limit at low energy
    low = float(survival_probability(1e-4, 60.0))
    assert low == pytest.approx(
        (1 - 0.02195) ** 2 * (1 - 0.5 * 4 * 0.307 * 0.693) + 0.02195**2, rel=1e-3
    )


def test_fixed_fractions_change_rates_by_a_few_percent():
    msw = differential_rate([5.0], "sm")
    fixed = differential_rate([5.0], "sm", inputs=RateInputs(oscillations=XMASS_FRACTIONS))
    assert float(fixed[0] / msw[0]) == pytest.approx(1.0, abs=0.03)
    with pytest.raises(InvalidParameterError):
        FixedFractions(0.5, 0.3, 0.3)


def test_tree_level_is_a_few_percent_off():
    eff = differential_rate([5.0], "sm")
    tree = differential_rate([5.0], "sm", inputs=RateInputs(scheme="tree"))
    assert 0.01 < abs(float(tree[0] / eff[0]) - 1.0) < 0.06


def test_atomic_table_scales_fea(tmp_path):
    table = tmp_path / "rrpa.csv"
    table.write_text("energy_kev,ratio_to_fea\n1,5\n10,2\n100,1\n")
    fea = differential_rate([1.0, 10.0, 100.0], "magnetic-moment")
    tab = differential_rate([1.0, 10.0, 100.0], "magnetic-moment", atomic=table)
    np.testing.assert_allclose(tab / fea, [5.0, 2.0, 1.0], rtol=1e-12)
    with pytest.raises(InvalidInputError, match="range"):
        differential_rate([200.0], "magnetic-moment", atomic=table)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("energy_kev,ratio\n1,1\n2,1\n", "header"),
        ("energy_kev,ratio_to_fea\n1,1\n1,2\n", "increase"),
        ("energy_kev,ratio_to_fea\n1,x\n2,1\n", "line 2"),
        ("energy_kev,ratio_to_fea\n1,nan\n2,1\n", "line 2"),
        ("energy_kev,ratio_to_fea\n1,-1\n2,1\n", "line 2"),
    ],
)
def test_bad_atomic_tables(tmp_path, text, match):
    table = tmp_path / "bad.csv"
    table.write_text(text)
    with pytest.raises(InvalidInputError, match=match):
        differential_rate([5.0], "magnetic-moment", atomic=table)


def test_missing_table_and_bad_parameters():
    with pytest.raises(MissingFileError):
        differential_rate([5.0], "magnetic-moment", atomic="missing.csv")
    with pytest.raises(InvalidParameterError, match="model"):
        differential_rate([5.0], "axion")
    with pytest.raises(InvalidParameterError, match="energies"):
        differential_rate([0.0], "sm")
    with pytest.raises(InvalidParameterError, match="mass_mev"):
        differential_rate([5.0], "dark-photon", mass_mev=-1.0)
    with pytest.raises(InvalidParameterError, match="EPA"):
        differential_rate([5.0], "magnetic-moment", atomic="epa")
    with pytest.raises(InvalidParameterError, match="flux model"):
        differential_rate([5.0], "sm", inputs=RateInputs(fluxes="bp2000"))


def test_8b_spectrum_reaches_about_16_4_mev():
    # Through the broad 3.03 MeV level of 8Be the 8B neutrino spectrum reaches about 16.4 MeV
    # (Bahcall et al. 1996; Winter et al. 2006): beyond the level's nominal 13.93 MeV and below
    # the ground-state end point 16.96 MeV.
    source = solar_sources()["8B"]
    assert 16.2 < source.endpoint_mev < 16.6
    assert source.spectrum([16.0])[0] > 0.0 and source.spectrum([16.5])[0] == 0.0
