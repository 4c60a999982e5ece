"""``xhf export hs3``: the HS3 likelihood equals pyhf's, for every shipped workspace and for the
tied dark photon; bad input is one line and exit code 2; the output is deterministic.

The HS3 document is read here by a small evaluator of its own (numpy, written from the HS3
standard's definitions of histfactory_dist, its modifiers and constraints, not from xhf's or
pyhf's code), so the comparison with ``pyhf.Model.logpdf`` (main Poisson terms plus the
auxiliary constraint terms) checks the export, not a shared implementation.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.special import gammaln

from xhf.cli import cli
from xhf.infer import load_analysis
from xhf.publish.hs3 import analysis_to_hs3, hs3_parameter_names
from xhf.workspace.sidecar import sidecar_document

WORKSPACES = Path(__file__).resolve().parents[2] / "workspaces"
BKG = WORKSPACES / "xmass1_dark_photon_BkgOnly.json"
COMPONENTS = WORKSPACES / "xmass1_dark_photon_components_patchset.json"
GRID = WORKSPACES / "xmass1_dark_photon_patchset.json"
#: A three-bin workspace with every pyhf modifier type (lumi, shapesys, shapefactor included).
TOY = Path(__file__).resolve().parents[1] / "data" / "hs3" / "toy_workspace.json"

#: (id, workspace, patchset, patch): every shipped workspace; the grid and components patches.
SHIPPED = [
    ("millicharge", WORKSPACES / "xmass1_millicharge.json", None, None),
    ("magnetic_moment", WORKSPACES / "xmass1_magnetic_moment.json", None, None),
    ("grid", BKG, GRID, "dark_photon_m1e_03_g5p9e_07"),
    ("components", BKG, COMPONENTS, "dark_photon_m1e_03"),
]


# --- an independent HS3 reader --------------------------------------------------------------


def _code4_coefficients(hi: float, lo: float) -> np.ndarray:
    """pyhf/ROOT code4: a degree-6 polynomial 1 + sum a_k x^k on |x| < 1 matching the
    exponential extrapolations (value, first and second derivative) at x = +-1."""
    rows, rhs = [], []
    for x, r in ((1.0, hi), (-1.0, lo)):
        ln = math.log(r) if x > 0 else -math.log(r)  # d/dx r^|x| at the boundary
        rows.append([x**k for k in range(1, 7)])
        rhs.append(r - 1.0)
        rows.append([k * x ** (k - 1) for k in range(1, 7)])
        rhs.append(ln * r)
        rows.append([k * (k - 1) * x ** (k - 2) for k in range(1, 7)])
        rhs.append(math.log(r) ** 2 * r)
    return np.linalg.solve(np.array(rows), np.array(rhs))


def _normsys(alpha: float, hi: float, lo: float, code: str) -> float:
    if code == "code1" or abs(alpha) >= 1:
        return hi**alpha if alpha >= 0 else lo ** (-alpha)
    assert code == "code4"
    a = _code4_coefficients(hi, lo)
    return 1.0 + sum(a[k - 1] * alpha**k for k in range(1, 7))


def _histosys(alpha: float, nom, hi, lo, code: str) -> np.ndarray:
    up, down = hi - nom, nom - lo
    if code == "code0" or abs(alpha) >= 1:
        return alpha * (up if alpha >= 0 else down)
    assert code == "code4p"
    s, a = 0.5 * (up + down), (up - down) / 16.0
    return alpha * (s + alpha * a * (15 + alpha**2 * (3 * alpha**2 - 10)))


def _log_normal(x, mean, sigma):
    return -0.5 * ((x - mean) / sigma) ** 2 - np.log(sigma) - 0.5 * math.log(2 * math.pi)


def _log_poisson(n, lam):
    return n * np.log(lam) - lam - gammaln(n + 1.0)


def _values(document: dict, point: dict[str, float]) -> dict[str, float]:
    values = dict(point)
    for fn in document.get("functions", []):
        if fn["type"] == "product":
            values[fn["name"]] = math.prod(
                values[f] if isinstance(f, str) else f for f in fn["factors"]
            )
        else:
            base, power = re.fullmatch(r"(\w+)\*\*(.+)", fn["expression"]).groups()
            values[fn["name"]] = values[base] ** float(power)
    return values


def hs3_logpdf(document: dict, point: dict[str, float]) -> float:
    """log L of an HS3 document's first analysis at ``point`` (parameter name -> value)."""
    v = _values(document, point)
    dists = {d["name"]: d for d in document["distributions"]}
    data = {d["name"]: d for d in document["data"]}
    likelihood = document["likelihoods"][0]
    total, constrained = 0.0, set()
    for dname, obs in zip(likelihood["distributions"], likelihood["data"], strict=True):
        dist = dists[dname]
        rate, stat_nom, stat_var, stat = 0.0, 0.0, 0.0, None
        for sample in dist["samples"]:
            nom = np.asarray(sample["data"]["contents"], float)
            shape, factor = nom.copy(), np.ones_like(nom)
            for mod in sample["modifiers"]:
                kind = mod["type"]
                if kind == "normfactor":
                    factor = factor * v[mod["parameter"]]
                elif kind == "normsys":
                    d = mod["data"]
                    factor = factor * _normsys(
                        v[mod["parameter"]], d["hi"], d["lo"], d.get("interpolation", "code1")
                    )
                elif kind == "histosys":
                    d = mod["data"]
                    hi, lo = np.asarray(d["hi"]["contents"]), np.asarray(d["lo"]["contents"])
                    shape = shape + _histosys(
                        v[mod["parameter"]], nom, hi, lo, d.get("interpolation", "code0")
                    )
                elif kind in ("staterror", "shapesys", "shapefactor"):
                    factor = factor * np.array([v[p] for p in mod["parameters"]])
                if kind in ("normsys", "histosys") and mod["parameter"] not in constrained:
                    constrained.add(mod["parameter"])
                    total += _log_normal(0.0, v[mod["parameter"]], 1.0)
                if kind == "staterror":
                    stat = mod
                    stat_nom = stat_nom + nom
                    stat_var = stat_var + np.asarray(sample["data"]["errors"], float) ** 2
                if kind == "shapesys":
                    tau = (nom / np.asarray(mod["data"]["vals"], float)) ** 2
                    gamma = np.array([v[p] for p in mod["parameters"]])
                    total += float(np.sum(_log_poisson(tau, gamma * tau)))
            rate = rate + shape * factor
        if stat is not None:  # Barlow-Beeston lite: one gamma per bin, the samples' errors added
            gamma = np.array([v[p] for p in stat["parameters"]])
            rel = np.sqrt(stat_var) / stat_nom
            total += float(np.sum(_log_normal(1.0, gamma, rel)))
        total += float(np.sum(_log_poisson(np.asarray(data[obs]["contents"], float), rate)))
    for name in likelihood.get("aux_distributions", []):
        aux = dists[name]
        assert aux["type"] == "gaussian_dist"
        total += float(_log_normal(aux["x"], v[aux["mean"]], aux["sigma"]))
    return total


# --- helpers ---------------------------------------------------------------------------------


def _point(analysis, pars: np.ndarray) -> dict[str, float]:
    names = hs3_parameter_names(analysis.model)
    config = analysis.model.config
    return {
        n: float(x)
        for par in config.par_order
        for n, x in zip(names[par], pars[config.par_slice(par)], strict=True)
    }


def _random_points(analysis, document, n: int, seed: int):
    """pyhf parameter vectors: the initial values, then ``n`` points drawn uniformly inside the
    HS3 domain (the POI inside its tied range; the tied normfactors follow it)."""
    rng = np.random.default_rng(seed)
    config = analysis.model.config
    init = np.asarray(config.suggested_init(), float)
    bounds = {a["name"]: (a["min"], a["max"]) for a in document["domains"][0]["axes"]}
    names = hs3_parameter_names(analysis.model)
    yield init.copy()
    for _ in range(n):
        pars = init.copy()
        for par in config.par_order:
            sl = config.par_slice(par)
            if par in analysis.poi_map.names[1:]:
                continue
            lo_hi = np.array([bounds[m] for m in names[par]])
            pars[sl] = rng.uniform(lo_hi[:, 0], lo_hi[:, 1])
        analysis.poi_map.apply(pars, pars[analysis.poi_map.indices[0]])
        yield pars


@pytest.fixture(scope="module", params=SHIPPED, ids=[case[0] for case in SHIPPED])
def exported(request):
    _, workspace, patchset, patch = request.param
    analysis = load_analysis(workspace, patchset=patchset, patch=patch)
    return request.param[0], analysis, analysis_to_hs3(analysis)


# --- the likelihood --------------------------------------------------------------------------


def test_hs3_logpdf_equals_pyhf_at_nominal_and_random_points(exported):
    """1e-8 relative at the initial values and 5 random points inside the bounds (pyhf's
    logpdf includes the auxiliary-data constraint terms; so does the HS3 likelihood)."""
    _, analysis, document = exported
    for pars in _random_points(analysis, document, 5, seed=20200522):
        expected = float(analysis.model.logpdf(pars, analysis.data)[0])
        got = hs3_logpdf(document, _point(analysis, pars))
        assert got == pytest.approx(expected, rel=1e-8, abs=0.0)


def test_a_wrong_interpolation_code_would_be_caught(exported):
    """The check can fail: normsys exported as code1 (not pyhf's default code4) differs."""
    _, analysis, document = exported
    broken = json.loads(json.dumps(document))
    for dist in broken["distributions"]:
        for sample in dist.get("samples", []):
            for mod in sample["modifiers"]:
                if mod["type"] == "normsys":
                    mod["data"]["interpolation"] = "code1"
    pars = np.asarray(analysis.model.config.suggested_init(), float)
    config = analysis.model.config
    for par in config.par_order:
        if dict(config.modifiers).get(par) == "normsys":
            pars[config.par_slice(par)] = 0.5
    expected = float(analysis.model.logpdf(pars, analysis.data)[0])
    assert hs3_logpdf(document, _point(analysis, pars)) == pytest.approx(expected, rel=1e-8)
    assert hs3_logpdf(broken, _point(analysis, pars)) != pytest.approx(expected, rel=1e-8)


def test_the_tied_dark_photon_is_the_exact_interference():
    """One free signal parameter s = (g/g_ref)^2; mu_pure is s**2, so the signal is
    s I + s^2 P = (g/g_ref)^2 I + (g/g_ref)^4 P (Phys. Lett. B 809 (2020) 135741)."""
    analysis = load_analysis(BKG, patchset=COMPONENTS, patch="dark_photon_m1e_03")
    document = analysis_to_hs3(analysis)
    free = {a["name"] for a in document["domains"][0]["axes"]}
    assert "mu_interference" in free and "mu_pure" not in free
    assert document["functions"] == [
        {"type": "product", "name": "mu_pure", "factors": ["mu_interference"] * 2}
    ]
    assert document["analyses"][0]["parameters_of_interest"] == ["mu_interference"]
    s_axis = next(a for a in document["domains"][0]["axes"] if a["name"] == "mu_interference")
    config = analysis.model.config
    pure_max = config.suggested_bounds()[config.par_slice("mu_pure").start][1]
    assert s_axis["max"] == pytest.approx(math.sqrt(pure_max))  # mu_pure's bound, tied
    pars = np.asarray(analysis.model.config.suggested_init(), float)
    i, j = analysis.poi_map.indices
    pars[i], pars[j] = 3.0, 9.0
    expected = float(analysis.model.logpdf(pars, analysis.data)[0])
    point = _point(analysis, pars)
    assert hs3_logpdf(document, point) == pytest.approx(expected, rel=1e-10)
    untied = dict(point, mu_pure=3.0)  # mu_pure = s, not s^2: a different likelihood
    untied_doc = {k: v for k, v in document.items() if k != "functions"}
    assert hs3_logpdf(untied_doc, untied) != pytest.approx(expected, rel=1e-8)
    assert document["misc"]["xhf"]["reference"] == 1e-06
    assert document["misc"]["xhf"]["mass_mev"] == 1e-03


def test_names_axes_and_constraints_follow_root(exported):
    _, analysis, document = exported
    (dist,) = [d for d in document["distributions"] if d["type"] == "histfactory_dist"]
    channel = analysis.model.config.channels[0]
    assert dist["name"] == f"model_{channel}"
    edges = analysis.meta["bin_edges_kev"]
    assert dist["axes"] == [{"name": f"obs_x_{channel}", "edges": edges}]
    assert document["data"][0]["axes"] == dist["axes"]
    assert len(document["data"][0]["contents"]) == len(edges) - 1
    mods = [m for s in dist["samples"] for m in s["modifiers"]]
    for mod in mods:
        if mod["type"] == "normsys":
            assert mod["parameter"] == f"alpha_{mod['name']}"
            assert (mod["constraint"], mod["data"]["interpolation"]) == ("Gauss", "code4")
        if mod["type"] == "histosys":
            assert mod["parameter"] == f"alpha_{mod['name']}"
            assert (mod["constraint"], mod["data"]["interpolation"]) == ("Gauss", "code4p")
        if mod["type"] == "staterror":
            assert mod["constraint"] == "Gauss" and "data" not in mod
            assert mod["parameters"][3] == f"gamma_stat_{channel}_bin_3"
    with_stat = [
        s for s in dist["samples"] if any(m["type"] == "staterror" for m in s["modifiers"])
    ]
    assert with_stat and all(len(s["data"]["errors"]) == len(edges) - 1 for s in with_stat)
    points = {p["name"]: p["value"] for p in document["parameter_points"][0]["parameters"]}
    domain = {a["name"] for a in document["domains"][0]["axes"]}
    assert set(points) == domain
    poi = document["analyses"][0]["parameters_of_interest"]
    assert poi == [analysis.poi_map.names[0]] and poi[0] in domain


def test_without_a_sidecar_the_axis_counts_bins(tmp_path):
    source = WORKSPACES / "xmass1_millicharge.json"
    bare = tmp_path / "bare.json"
    bare.write_bytes(source.read_bytes())
    document = analysis_to_hs3(load_analysis(bare))
    axis = document["distributions"][0]["axes"][0]
    assert axis == {"name": "obs_x_low_energy", "min": 0.0, "max": 13.0, "nbins": 13}
    assert "bin_unit" not in document["misc"]["xhf"]


# --- the command -----------------------------------------------------------------------------


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_writes_the_same_bytes_twice(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    args = [str(BKG), "--patchset", str(COMPONENTS), "--patch", "dark_photon_m1e_03"]
    assert _run("export", "hs3", *args, "-o", str(first)).exit_code == 0
    assert _run("export", "hs3", *args, "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text()
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"
    assert "/" + "work" not in text and str(WORKSPACES) not in text  # no paths of this machine


#: Bad input: (id, arguments after ``export hs3``, what the one-line message must name).
CASES = [
    ("no_such_patch", [str(BKG), "--patchset", str(COMPONENTS), "--patch", "nope"], "'nope'"),
    ("patchset_without_patch", [str(BKG), "--patchset", str(COMPONENTS)], "--patch"),
    ("background_only", [str(BKG)], "--patchset"),
    ("missing_workspace", [str(WORKSPACES / "missing.json")], "missing.json"),
    (
        "patch_without_patchset",
        [str(WORKSPACES / "xmass1_millicharge.json"), "--patch", "x"],
        "--patchset",
    ),
    ("no_output", [str(WORKSPACES / "xmass1_millicharge.json"), "-o", None], "-o"),
    ("sidecar_edges_wrong_length", ["EDGES"], "bin_edges_kev"),
]


@pytest.mark.parametrize(("case", "args", "named"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_leaves_the_output(tmp_path, case, args, named):
    out = tmp_path / "out.json"
    out.write_text("keep\n")
    if args == ["EDGES"]:
        ws = tmp_path / "ws.json"
        ws.write_bytes((WORKSPACES / "xmass1_millicharge.json").read_bytes())
        meta = json.loads((WORKSPACES / "xmass1_millicharge.meta.json").read_text())
        meta["bin_edges_kev"] = meta["bin_edges_kev"][:-1]
        resealed = sidecar_document(meta, "ws.meta.json")  # edited, then sealed again
        (tmp_path / "ws.meta.json").write_text(json.dumps(resealed))
        args = [str(ws)]
    if None in args:
        argv = ["export", "hs3", *args[:-2]]
    else:
        argv = ["export", "hs3", *args, "-o", str(out), "--force"]
    result = _run(*argv)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and named in lines[0]
    assert "Traceback" not in result.output
    assert out.read_text() == "keep\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_an_existing_output_needs_force(tmp_path):
    out = tmp_path / "out.json"
    out.write_text("keep\n")
    args = ["export", "hs3", str(WORKSPACES / "xmass1_millicharge.json"), "-o", str(out)]
    result = _run(*args)
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_text() == "keep\n"
    assert _run(*args, "--force").exit_code == 0
    assert json.loads(out.read_text())["metadata"]["hs3_version"] == "0.2"


def _toy_workspace() -> dict:
    """Three bins with every modifier type pyhf has, lumi and shapesys included."""
    return json.loads(TOY.read_text())


def test_lumi_shapesys_and_shapefactor_equal_pyhf():
    from xhf.infer.loading import build_analysis

    analysis = build_analysis(_toy_workspace(), source="toy.json")
    document = analysis_to_hs3(analysis)
    (dist, aux) = document["distributions"]
    kinds = {m["type"] for s in dist["samples"] for m in s["modifiers"]}
    assert kinds == {"normfactor", "normsys", "histosys", "staterror", "shapesys", "shapefactor"}
    assert aux == {
        "type": "gaussian_dist",
        "name": "lumiConstraint",
        "x": 1.0,
        "mean": "lumi",
        "sigma": 0.05,
    }
    assert document["likelihoods"][0]["aux_distributions"] == ["lumiConstraint"]
    shapesys = next(m for m in dist["samples"][1]["modifiers"] if m["type"] == "shapesys")
    assert shapesys["constraint"] == "Poisson" and shapesys["parameters"][2] == "gamma_shape_bin_2"
    for pars in _random_points(analysis, document, 5, seed=3):
        expected = float(analysis.model.logpdf(pars, analysis.data)[0])
        assert hs3_logpdf(document, _point(analysis, pars)) == pytest.approx(expected, rel=1e-8)


def test_two_staterror_modifiers_in_a_channel_are_refused():
    from xhf.exceptions import InvalidInputError
    from xhf.infer.loading import build_analysis

    spec = _toy_workspace()
    spec["channels"][0]["samples"][2]["modifiers"][1]["name"] = "stat_other"
    with pytest.raises(InvalidInputError, match=r"toy\.json: channel 'toy': 2 staterror"):
        analysis_to_hs3(build_analysis(spec, source="toy.json"))
