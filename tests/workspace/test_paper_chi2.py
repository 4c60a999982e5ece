"""The paper's chi2 (Eqs. 4-7) from the workspace's pyhf model equals the one from templates."""

import json

import numpy as np
import pyhf
import pytest

from xhf.exceptions import InvalidInputError, InvalidParameterError
from xhf.workspace import (
    build_background_only,
    build_patchset,
    build_workspace,
    chi2,
    chi2_from_templates,
    chi2_from_workspace,
)

pytestmark = pytest.mark.filterwarnings("ignore:jsonschema.RefResolver:DeprecationWarning")

# pyhf point -> paper point: code4 normsys at theta = 2 is (1 + sigma)^2, at -1 it is 1 - sigma;
# symmetric histosys are linear in q (code4p), as Eq. 5 is.
PYHF_POINT = {
    "xmass1_norm_pb210": 2.0,
    "xmass1_free_c14": 1.3,
    "xmass1_norm_kr85": -1.0,
    "xmass1_kr_flux": 1.0,
    "flux_pp": -1.0,
    "xmass1_dead_pmt_2_5kev": 0.7,
    "xmass1_energy_scale": -0.4,
}
NORMS = {"pb210": 1.1**2, "c14": 1.3, "kr85": 0.8}
SHIFTS = {"kr_flux": 1.0, "flux_pp": -1.0, "dead_pmt_2_5kev": 0.7, "energy_scale": -0.4}


def test_eq4_by_hand():
    # (10-12)^2/(10+2) + 0 + pull 1.5
    assert chi2([10.0, 20.0], [12.0, 20.0], [2.0, 0.0], 1.5) == pytest.approx(4 / 12 + 1.5)
    with pytest.raises(InvalidInputError, match="bin 1"):
        chi2([1.0, 0.0], [1.0, 1.0], [0.0, 0.0])


@pytest.mark.parametrize("alpha", [0.0, 2.5])
def test_power_law_workspace_gives_the_paper_chi2(templates, alpha):
    ws = build_workspace(templates, "magnetic_moment", data="pseudo_poisson").workspace
    from_model = chi2_from_workspace(ws, {"mu": alpha, **PYHF_POINT})
    direct = chi2_from_templates(
        templates, "magnetic_moment", data="pseudo_poisson", alpha=alpha, norms=NORMS, shifts=SHIFTS
    )
    assert from_model == pytest.approx(direct, rel=1e-12)
    assert direct > 0


def test_nominal_point_on_asimov_data_is_zero(templates):
    ws = build_workspace(templates, "magnetic_moment", data="asimov").workspace
    assert chi2_from_workspace(ws, {"mu": 0.0}) == pytest.approx(0.0, abs=1e-20)
    value = chi2_from_templates(templates, "magnetic_moment", data="asimov", alpha=0.0)
    assert value == pytest.approx(0.0, abs=1e-20)


def test_two_part_workspace_gives_the_paper_chi2(templates):
    ws = build_workspace(templates, "dark_photon_m1e_03", data="pseudo_poisson").workspace
    s = 1.8**2
    from_model = chi2_from_workspace(ws, {"mu_interference": s, "mu_pure": s**2, **PYHF_POINT})
    direct = chi2_from_templates(
        templates,
        "dark_photon_m1e_03",
        data="pseudo_poisson",
        alpha=[s, s**2],
        norms=NORMS,
        shifts=SHIFTS,
    )
    assert from_model == pytest.approx(direct, rel=1e-12)


def test_grid_patch_gives_the_paper_chi2_of_the_exact_excess(templates):
    signals = ["dark_photon_m1e_03"]
    bkg = build_background_only(templates, "low_energy", data="pseudo_poisson", signals=signals)
    patchset = pyhf.PatchSet(build_patchset(bkg, templates, signals, [1.3e-6]))
    patched = json.loads(
        json.dumps(patchset.apply(pyhf.Workspace(bkg), "dark_photon_m1e_03_g1p3e_06"))
    )
    t2 = (1.3e-6 / 1e-6) ** 2
    from_model = chi2_from_workspace(patched, {"mu": 1.0, **PYHF_POINT})
    direct = chi2_from_templates(
        templates,
        "dark_photon_m1e_03",
        data="pseudo_poisson",
        alpha=[t2, t2**2],
        norms=NORMS,
        shifts=SHIFTS,
    )
    assert from_model == pytest.approx(direct, rel=1e-12)


def test_parameter_errors(templates):
    ws = build_workspace(templates, "magnetic_moment", data="asimov").workspace
    with pytest.raises(InvalidParameterError, match="no parameter 'alpha'"):
        chi2_from_workspace(ws, {"alpha": 1.0})
    with pytest.raises(InvalidParameterError, match="staterror"):
        chi2_from_workspace(ws, {"xmass1_staterror_low_energy": [1.0] * 7})
    with pytest.raises(InvalidParameterError, match="fixed normalisation"):
        chi2_from_templates(templates, "magnetic_moment", data="asimov", norms={"fixed_bkg": 2.0})
    with pytest.raises(InvalidParameterError, match="unknown systematics"):
        chi2_from_templates(templates, "magnetic_moment", data="asimov", shifts={"nope": 1.0})
    assert np.isfinite(chi2_from_workspace(ws, {}))
