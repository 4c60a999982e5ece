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
