"""The closed-form model is pyhf's model: same yields, same likelihood, exact derivatives."""

import numpy as np
import pyhf
import pytest

from xhf.infer import FitOptions, Fitter, upper_limit
from xhf.infer.compiled import CompiledModel
from xhf.infer.dark_photon import PatchedModels
from xhf.infer.exceptions import UnsupportedModelError
from xhf.workspace.compat import quiet_pyhf
from xhf.workspace.interpolation import code4


def random_points(cm, rng, n=4):
    for _ in range(n):
        pars = cm.init + rng.normal(0.0, 0.8, cm.npars) * ~cm.fixed
        pars[cm.profiled] = 1.0 + rng.normal(0.0, 0.03, cm.profiled.sum())
        yield np.clip(pars, cm.bounds[:, 0], cm.bounds[:, 1])


def models(small_analysis, dark_photon):
    comp = PatchedModels(
        dark_photon["bkg_only"], dark_photon["components"], dark_photon["components_meta"]
    )
    yield small_analysis.model, small_analysis.data
    a = comp.analysis(comp.names[0])
    yield a.model, a.data


def test_likelihood_and_yields_equal_pyhf(small_analysis, dark_photon):
    rng = np.random.default_rng(1)
    for model, data in models(small_analysis, dark_photon):
        cm = CompiledModel(model)
        for pars in random_points(cm, rng):
            expected = float(np.ravel(pyhf.infer.mle.twice_nll(pars, data, model))[0])
            assert cm.twice_nll(pars, data) == pytest.approx(expected, rel=1e-12, abs=1e-9)
            np.testing.assert_allclose(
                cm.expected_data(pars), model.expected_data(pars), rtol=1e-12
            )


def test_gradients_and_profiled_gammas(small_analysis):
    cm = CompiledModel(small_analysis.model)
    data = small_analysis.data
    pars = np.clip(cm.init + 0.3 * (~cm.fixed & ~cm.profiled), cm.bounds[:, 0], cm.bounds[:, 1])
    value, grad, full = cm.profiled_twice_nll(pars, data)
    assert value == pytest.approx(cm.twice_nll(full, data), rel=1e-13)
    for i in np.flatnonzero(cm.profiled):  # the gammas sit at their conditional minimum
        for step in (1e-4, -1e-4):
            moved = full.copy()
            moved[i] += step
            assert cm.twice_nll(moved, data) > value
    rows = np.flatnonzero(~cm.profiled & ~cm.fixed)
    v2, g2, hess, _ = cm.profiled_newton_terms(pars, data, rows)
    assert v2 == pytest.approx(value)
    np.testing.assert_allclose(g2, grad[rows], rtol=1e-10, atol=1e-10)
    assert np.all(np.linalg.eigvalsh(hess) > 0)
    for i in rows:
        h = 1e-6
        up, dn = pars.copy(), pars.copy()
        up[i] += h
        dn[i] -= h
        numeric = (cm.profiled_twice_nll(up, data)[0] - cm.profiled_twice_nll(dn, data)[0]) / (
            2 * h
        )
        assert grad[i] == pytest.approx(numeric, rel=1e-5, abs=1e-5)
    _, jac = cm.yields_and_jacobian(pars)
    for i in range(cm.npars):
        up, dn = pars.copy(), pars.copy()
        up[i] += 1e-6
        dn[i] -= 1e-6
        numeric = (cm.expected_main(up) - cm.expected_main(dn)) / 2e-6
        np.testing.assert_allclose(jac[i], numeric, rtol=1e-5, atol=1e-6)


def test_code4_matches_pyhf():
    alpha = np.array([-2.5, -1.0, -0.4, 0.0, 0.3, 1.0, 1.7])
    ours, _ = code4(alpha, np.full(7, 1.2), np.full(7, 0.85))
    interp = pyhf.interpolators.code4([[[[0.85], [1.0], [1.2]]]], subscribe=False)
    theirs = [float(np.ravel(interp(pyhf.tensorlib.astensor([[a]])))[0]) for a in alpha]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_unsupported_modifier_falls_back_to_pyhf(small):
    spec, _ = small
    spec["channels"][0]["samples"][1]["modifiers"].append(
        {"name": "shape", "type": "shapesys", "data": [5.0] * 6}
    )
    with quiet_pyhf():
        model = pyhf.Workspace(spec).model()
    with pytest.raises(UnsupportedModelError, match="shapesys"):
        CompiledModel(model)
    assert Fitter(model).backend == "pyhf"


def test_pyhf_backend_gives_the_same_limit(small_analysis):
    compiled = upper_limit(small_analysis.fitter(), small_analysis.data)
    generic = upper_limit(
        small_analysis.fitter(FitOptions(backend="pyhf")), small_analysis.data, rtol=1e-3
    )
    assert generic.fit_status["backend"] == "pyhf"
    assert generic.observed == pytest.approx(compiled.observed, rel=2e-3)
    assert generic.expected["0"] == pytest.approx(compiled.expected["0"], rel=2e-3)


def test_batched_newton_terms_are_the_one_vector_terms_row_by_row(small_analysis):
    """One evaluation for one vector and for T vectors (toys): the same numbers."""
    cm = CompiledModel(small_analysis.model)
    rng = np.random.default_rng(5)
    pars = np.array(list(random_points(cm, rng, n=3)))
    data = np.array([small_analysis.data * f for f in (0.9, 1.0, 1.2)])
    rows = np.flatnonzero(~cm.profiled & ~cm.fixed)
    value, grad, hess, full = cm.profiled_newton_terms(pars, data, rows)
    assert value.shape == (3,) and hess.shape == (3, rows.size, rows.size)
    for t in range(3):
        v, g, h, f = cm.profiled_newton_terms(pars[t], data[t], rows)
        assert isinstance(v, float)
        assert value[t] == pytest.approx(v, rel=1e-12)
        np.testing.assert_allclose(grad[t], g, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(hess[t], h, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(full[t], f, rtol=1e-14)


def test_public_accessors_are_read_only_and_describe_the_constraints(small_analysis):
    cm = CompiledModel(small_analysis.model)
    config = small_analysis.model.config
    names = [cm.par_names[i] for i in cm.constrained_pars]
    assert len(names) == len(config.auxdata)
    widths = cm.constraint_widths
    for name, width in zip(names, widths, strict=True):
        base = name.split("[")[0]
        k = int(name.split("[")[1][:-1]) if "[" in name else 0
        assert width == pytest.approx(config.param_set(base).width()[k])
    gammas = cm.staterror_pars[cm.staterror_pars >= 0]
    assert all(cm.par_names[i].startswith(cm.par_names[gammas[0]].split("[")[0]) for i in gammas)
    for array in (cm.constrained_pars, widths, cm.staterror_pars):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = array[0]


def test_no_module_reads_private_attributes_of_a_compiled_model(small_analysis):
    """Only compiled.py knows the layout of CompiledModel; the others use its public API."""
    import re
    from pathlib import Path

    import xhf

    private = sorted(k for k in vars(CompiledModel(small_analysis.model)) if k.startswith("_"))
    assert {"_gauss_par", "_gauss_sigma", "_gamma_par", "_has_gamma"} <= set(private)
    pattern = re.compile(r"\.(" + "|".join(map(re.escape, private)) + r")\b")
    root = Path(xhf.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{n}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "compiled.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
