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


def _modifier(name, kind, data=None):
    return {"name": name, "type": kind, "data": data}


def three_bin_workspace():
    """A hand-written 3-bin model: a signal (mu, staterror), two backgrounds with normsys
    (one asymmetric) and a symmetric histosys, one background with staterror."""
    shape = {"hi_data": [6.0, 10.0, 14.0], "lo_data": [4.0, 10.0, 16.0]}
    samples = [
        ("signal", [2.0, 5.0, 1.0], [_modifier("mu", "normfactor")], [0.5, 1.0, 0.2]),
        (
            "flat",
            [40.0, 30.0, 20.0],
            [_modifier("norm_flat", "normsys", {"hi": 1.2, "lo": 0.9})],
            [2.0, 1.5, 1.0],
        ),
        (
            "peak",
            [5.0, 10.0, 15.0],
            [
                _modifier("norm_peak", "normsys", {"hi": 1.5, "lo": 0.5}),
                _modifier("shape", "histosys", shape),
            ],
            None,
        ),
    ]
    channel = {"name": "toy", "samples": []}
    for name, data, modifiers, stat in samples:
        if stat is not None:
            modifiers = [*modifiers, _modifier("stat", "staterror", stat)]
        channel["samples"].append({"name": name, "data": data, "modifiers": modifiers})
    return {
        "channels": [channel],
        "observations": [{"name": "toy", "data": [50.0, 52.0, 33.0]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }


def test_eq4_by_hand_on_a_three_bin_model():
    """Eqs. 4-7 written out bin by bin, with pyhf's normsys beyond |theta| = 1 (p = hi^theta,
    lo^-theta: no polynomial) and the paper's pull (1 - p)^2 / sigma^2 in that p."""
    mu, t_flat, t_peak, q = 1.7, 1.6, -2.5, 0.6
    p_flat, p_peak = 1.2**t_flat, 0.5 ** (-t_peak)
    D = [50.0, 52.0, 33.0]
    S, S_err = [2.0, 5.0, 1.0], [0.5, 1.0, 0.2]
    flat, flat_err = [40.0, 30.0, 20.0], [2.0, 1.5, 1.0]
    peak, peak_up = [5.0, 10.0, 15.0], [6.0, 10.0, 14.0]
    expected_value = 0.0
    for i in range(3):
        peak_i = peak[i] + q * (peak_up[i] - peak[i])  # Eq. 5, linear in q
        nu = p_flat * flat[i] + p_peak * peak_i + mu * S[i]
        denominator = D[i] + flat_err[i] ** 2 + mu**2 * S_err[i] ** 2
        expected_value += (D[i] - nu) ** 2 / denominator
    expected_value += (1 - p_flat) ** 2 / 0.2**2  # above 1: sigma = hi - 1
    expected_value += (1 - p_peak) ** 2 / 0.5**2  # below 1: sigma = 1 - lo
    expected_value += q**2
    point = {"mu": mu, "norm_flat": t_flat, "norm_peak": t_peak, "shape": q}
    assert chi2_from_workspace(three_bin_workspace(), point) == pytest.approx(
        expected_value, rel=1e-12
    )
    # the pull is not theta^2 away from theta = 0, +-1: this point tells the two apart
    theta_form = expected_value - (1 - p_flat) ** 2 / 0.04 - (1 - p_peak) ** 2 / 0.25
    theta_form += t_flat**2 + t_peak**2
    assert abs(theta_form - expected_value) > 1.0


def test_the_limit_method_evaluates_the_same_chi2_on_the_three_bin_model():
    from xhf.infer import NeymanChi2
    from xhf.infer.fitter import POIMap

    spec = three_bin_workspace()
    model = pyhf.Workspace(spec).model()
    chi2 = NeymanChi2(model, POIMap.single(model))
    point = {"mu": 0.8, "norm_flat": -0.3, "norm_peak": 2.2, "shape": -1.4}
    pars = chi2.base_pars.copy()
    for name, value in point.items():
        pars[model.config.par_slice(name).start] = value
    data = np.asarray(pyhf.Workspace(spec).data(model), dtype=float)
    assert chi2.value(pars, data) == pytest.approx(chi2_from_workspace(spec, point), rel=1e-12)
