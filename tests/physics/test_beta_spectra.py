"""Background beta spectra: normalisation, end points, forbiddenness."""

import numpy as np
import pytest
from scipy.integrate import trapezoid

from xhf.physics.beta_spectra import beta_spectrum, double_beta_spectrum, fermi_function


@pytest.mark.parametrize(
    ("q", "z", "kind"),
    [(0.1565, 7, "allowed"), (0.687, 37, "unique-first"), (1.019, 83, "allowed")],
)
def test_beta_spectra_normalised_and_end_at_q(q, z, kind):
    t = np.linspace(0.0, q, 40001)
    assert trapezoid(beta_spectrum(t, q, z, kind), t) == pytest.approx(1.0, rel=1e-4)
    assert beta_spectrum([q * 1.0001, q * 2], q, z, kind).tolist() == [0.0, 0.0]
    assert beta_spectrum([q * 0.999], q, z, kind)[0] > 0.0


def test_unique_forbidden_is_harder_than_allowed():
    t = np.linspace(0.0, 0.687, 20001)
    mean_allowed = trapezoid(t * beta_spectrum(t, 0.687, 37), t)
    mean_forbidden = trapezoid(t * beta_spectrum(t, 0.687, 37, "unique-first"), t)
    assert mean_forbidden > mean_allowed


def test_double_beta_normalised_and_soft():
    q = 2.458
    t = np.linspace(0.0, q, 40001)
    spectrum = double_beta_spectrum(t, q)
    assert trapezoid(spectrum, t) == pytest.approx(1.0, rel=1e-6)
    mean = trapezoid(t * spectrum, t)
    assert 0.25 * q < mean < 0.45 * q  # the summed-energy spectrum peaks near Q/3


def test_fermi_function_signs():
    w = np.array([0.6, 1.0])
    assert np.all(fermi_function(w, 54) > 1.0)  # electrons are attracted
    assert np.all(fermi_function(w, 54, positron=True) < 1.0)  # positrons repelled


def test_relativistic_fermi_function_tends_to_the_non_relativistic_one_for_small_z():
    from xhf.physics.beta_spectra import relativistic_fermi_function

    w = np.linspace(0.52, 1.5, 7)
    ratio = relativistic_fermi_function(w, 1, 3) / fermi_function(w, 1)
    np.testing.assert_allclose(ratio, 1.0, atol=2e-3)
    # heavy daughters: the relativistic function is larger and rises faster towards p -> 0
    heavy = relativistic_fermi_function(w, 83, 214) / fermi_function(w, 83)
    assert np.all(heavy > 1.0) and np.all(np.diff(heavy) < 0.0)


def test_214pb_shape_with_the_relativistic_fermi_function():
    # The relativistic and non-relativistic 214Pb shapes (Q = 1019 keV, daughter 214Bi) differ by
    # about +9 / -8 % over 2-200 keV once both are normalised there.
    t = np.linspace(0.002, 0.2, 199)
    rel = beta_spectrum(t, 1.019, 83, mass_number=214)
    nonrel = beta_spectrum(t, 1.019, 83)
    ratio = (rel / rel.sum()) / (nonrel / nonrel.sum())
    assert ratio[0] == pytest.approx(ratio.max()) and ratio[-1] == pytest.approx(ratio.min())
    assert 0.06 < ratio.max() - 1.0 < 0.12 and 0.05 < 1.0 - ratio.min() < 0.11
    # still normalised and ending at Q
    tt = np.linspace(0.0, 1.019, 40001)
    full = beta_spectrum(tt, 1.019, 83, mass_number=214)
    assert trapezoid(full, tt) == pytest.approx(1.0, rel=1e-4)
    assert beta_spectrum([1.0195], 1.019, 83, mass_number=214)[0] == 0.0
