"""Round trip: the published files give the same CLs and limits as xhf on the shipped ones.

- unpack an archive from the submission, apply a patch with pyhf (CLI and Python API), and
  ``pyhf cls`` / ``pyhf.infer.hypotest`` at a test POI equals xhf's CLs on the workspace that
  was published;
- ``xhf limit`` on the published files gives the physical-unit limits that xhf.infer computes
  on the shipped workspaces (what ``xhf reproduce`` reports), for both methods.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from xhf.cli import cli
from xhf.infer import build_analysis, limit, load_analysis
from xhf.infer.cls import AsymptoticCLs
from xhf.jsonread import read_json
from xhf.workspace.compat import quiet_pyhf

#: (analysis, published patchset, patch, test POI)
POINTS = [
    ("magnetic_moment", "patchset.json", "magnetic_moment", 2.0),
    ("millicharge", "patchset.json", "millicharge", 0.7),
    ("dark_photon", "patchset.json", "dark_photon_m1e_03_g1e_06", 1.0),
]


def _shipped_analysis(main_job, analysis, patch):
    if analysis != "dark_photon":
        return load_analysis(main_job["paths"][analysis])
    return load_analysis(
        main_job["paths"]["background_only"], patchset=main_job["paths"]["patchset"], patch=patch
    )


@pytest.mark.parametrize(("analysis", "patchset", "patch", "poi"), POINTS)
def test_pyhf_hypotest_equals_xhf(unpacked, main_job, analysis, patchset, patch, poi):
    """Unpack, apply the patch with pyhf, hypotest at a test POI: xhf's CLs."""
    import pyhf

    directory = unpacked[analysis]
    with quiet_pyhf():
        background = pyhf.Workspace(read_json(directory / "BkgOnly.json"))
        patched = pyhf.PatchSet(read_json(directory / patchset)).apply(background, patch)
        model = patched.model()
        cls_obs, cls_exp = pyhf.infer.hypotest(
            poi, patched.data(model), model, test_stat="qtilde", return_expected_set=True
        )
    shipped = _shipped_analysis(main_job, analysis, patch)
    xhf_obs, xhf_exp = AsymptoticCLs(shipped.fitter(), shipped.data).cls(poi)
    assert float(cls_obs) == pytest.approx(xhf_obs, rel=1e-4, abs=1e-7)
    assert [float(c) for c in cls_exp] == pytest.approx(list(xhf_exp), rel=1e-4, abs=1e-7)
    assert 0.0 < xhf_obs < 1.0


def test_pyhf_cli_cls_equals_xhf(unpacked, main_job, tmp_path):
    """`pyhf patchset apply ... && pyhf cls --test-poi` on the archive: xhf's CLs."""
    from pyhf.cli import cli as pyhf_cli

    directory = unpacked["millicharge"]
    runner = CliRunner()
    workspace = tmp_path / "workspace.json"
    with quiet_pyhf():
        applied = runner.invoke(
            pyhf_cli,
            [
                "patchset",
                "apply",
                str(directory / "BkgOnly.json"),
                str(directory / "patchset.json"),
                "--name",
                "millicharge",
                "--output-file",
                str(workspace),
            ],
        )
        assert applied.exit_code == 0, applied.output
        cls = runner.invoke(pyhf_cli, ["cls", str(workspace), "--test-poi", "0.7"])
    assert cls.exit_code == 0, cls.output
    from_cli = json.loads(cls.output)
    shipped = load_analysis(main_job["paths"]["millicharge"])
    xhf_obs, xhf_exp = AsymptoticCLs(shipped.fitter(), shipped.data).cls(0.7)
    assert from_cli["CLs_obs"] == pytest.approx(xhf_obs, rel=1e-4)
    assert from_cli["CLs_exp"] == pytest.approx(list(xhf_exp), rel=1e-4)


def _xhf_limit(*args):
    with quiet_pyhf():
        result = CliRunner().invoke(cli, ["limit", *map(str, args), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("method", ["cls", "chi2"])
@pytest.mark.parametrize("analysis", ["magnetic_moment", "millicharge"])
def test_xhf_limit_on_published_files(unpacked, main_job, analysis, method):
    directory = unpacked[analysis]
    published = _xhf_limit(
        directory / "BkgOnly.json",
        "--patchset",
        directory / "patchset.json",
        "--patch",
        analysis,
        "--method",
        method,
    )
    shipped = limit(load_analysis(main_job["paths"][analysis]), method=method)
    assert published["parameter"] == shipped.parameter and published["unit"] == shipped.unit
    assert published["observed"] == pytest.approx(shipped.observed, rel=1e-6)
    for band, value in shipped.expected.items():
        assert published["expected"][band] == pytest.approx(value, rel=1e-6)
    results = read_json(main_job["results"] / "results.json")
    entry = next(
        e
        for e in results["limits"]
        if (e["analysis"], e["method"], e["flavor"]) == (analysis, method, "all")
    )
    assert published["observed"] == pytest.approx(entry["observed"], rel=1e-6)
    assert published["expected"]["0"] == pytest.approx(entry["expected"], rel=1e-6)


@pytest.mark.parametrize("method", ["cls", "chi2"])
def test_xhf_limit_on_the_published_dark_photon(unpacked, main_job, method):
    """The components patch of the archive gives the shipped exclusion curve's limit in g."""
    directory = unpacked["dark_photon"]
    published = _xhf_limit(
        directory / "BkgOnly.json",
        "--patchset",
        directory / "components_patchset.json",
        "--patch",
        "dark_photon_m1e_03",
        "--method",
        method,
    )
    shipped = build_analysis(
        read_json(main_job["paths"]["background_only"]),
        patchset=read_json(main_job["paths"]["components_patchset"]),
        patch="dark_photon_m1e_03",
        patchset_meta=read_json(
            main_job["workspaces"] / "xmass1_dark_photon_components_patchset.meta.json"
        ),
    )
    expected = limit(shipped, method=method)
    assert published["observed"] == pytest.approx(expected.observed, rel=1e-6)
    assert published["expected"]["0"] == pytest.approx(expected.expected["0"], rel=1e-6)
    assert published["mass_mev"] == 1e-3
