"""Background-only workspace + patchsets for the dark photon, usable with plain pyhf."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyhf
import pytest
from click.testing import CliRunner
from pyhf.cli import cli as pyhf_cli

from xhf.exceptions import InvalidParameterError
from xhf.jsonio import dumps, write_json
from xhf.workspace import (
    build_background_only,
    build_component_patchset,
    build_patchset,
    patchset_metadata,
)
from xhf.workspace.naming import NAME_PATTERN, format_value

SIGNALS = ["dark_photon_m1e_03", "dark_photon_m1e01"]
GRID = {"dark_photon_m1e_03": [5e-7, 1e-6, 1.3e-6], "dark_photon_m1e01": [1e-6, 2e-6]}


@pytest.fixture
def dark_photon(templates):
    bkg = build_background_only(
        templates, "low_energy", data="asimov", signals=SIGNALS, couplings=GRID
    )
    grid = build_patchset(bkg, templates, SIGNALS, GRID)
    components = build_component_patchset(bkg, templates, SIGNALS)
    return bkg, grid, components


def test_background_only_builds_a_model_with_the_poi_on_a_zero_placeholder(templates, dark_photon):
    bkg, _, _ = dark_photon
    pyhf.schema.validate(bkg, "workspace.json")
    model = pyhf.Workspace(bkg).model()  # the POI exists: pyhf inspect and cls work
    assert model.config.poi_name == "mu"
    placeholder = bkg["channels"][0]["samples"][-1]
    assert placeholder == {
        "name": "signal",
        "data": [0.0] * 7,
        "modifiers": [{"name": "mu", "type": "normfactor", "data": None}],
    }
    expected = model.expected_actualdata(model.config.suggested_init())
    np.testing.assert_allclose(expected, templates.channel("low_energy").total_background())
    bounds = {p["name"]: p["bounds"][0] for p in bkg["measurements"][0]["config"]["parameters"]}
    assert set(bounds) == {"mu", "mu_interference", "mu_pure"}
    assert bounds["mu"][1] >= 10.0


def test_grid_patches_hold_the_exact_excess(templates, dark_photon):
    bkg, grid, _ = dark_photon
    patchset = pyhf.PatchSet(grid)
    patchset.verify(pyhf.Workspace(bkg))
    assert grid["metadata"]["labels"] == ["mass_mev", "coupling"]
    names = [p.name for p in patchset.patches]
    assert "dark_photon_m1e_03_g1p3e_06" in names and len(names) == 5
    assert all(NAME_PATTERN.match(n) for n in names)
    patch = patchset["dark_photon_m1e_03_g1p3e_06"]
    assert patch.values == (1e-3, 1.3e-6)
    model = pyhf.Workspace(bkg).model(patches=[patch])  # as `pyhf cls -p` does
    signal = templates.signal("dark_photon_m1e_03")
    background = templates.channel("low_energy").total_background()
    expected = model.expected_actualdata(model.config.suggested_init())
    np.testing.assert_allclose(expected, background + signal.expected(1.3e-6), rtol=1e-12)
    patched = patchset.apply(pyhf.Workspace(bkg), "dark_photon_m1e01_g2e_06")
    model = patched.model()
    expected = model.expected_actualdata(model.config.suggested_init())
    other = templates.signal("dark_photon_m1e01")
    np.testing.assert_allclose(expected, background + other.expected(2e-6), rtol=1e-12)


def test_grid_patch_keeps_the_signal_systematics(templates, dark_photon):
    _, grid, _ = dark_photon
    sample = pyhf.PatchSet(grid)["dark_photon_m1e_03_g1e_06"].patch[0]["value"]
    mods = {m["name"]: m for m in sample["modifiers"]}
    assert set(mods) == {"mu", "xmass1_energy_scale", "flux_pp", "xmass1_staterror_low_energy"}
    assert mods["flux_pp"]["data"] == {"hi": 1.06, "lo": 0.94}
    signal = templates.signal("dark_photon_m1e_03")
    up = sum(p.variation("energy_scale").up for p in signal.parts)  # g = g_ref: weights 1
    np.testing.assert_allclose(mods["xmass1_energy_scale"]["data"]["hi_data"], up, rtol=1e-12)


def test_components_patch_replaces_the_placeholder(templates, dark_photon):
    bkg, _, components = dark_photon
    patchset = pyhf.PatchSet(components)
    assert [p.name for p in patchset.patches] == SIGNALS
    assert components["metadata"]["labels"] == ["mass_mev"]
    patched = patchset.apply(pyhf.Workspace(bkg), "dark_photon_m1e_03")
    with pytest.raises(pyhf.exceptions.InvalidModel):
        patched.model()  # the dummy POI is gone: no silent CLs = 1
    model = patched.model(poi_name="mu_interference")
    s = (2e-6 / 1e-6) ** 2
    pars = list(model.config.suggested_init())
    pars[model.config.par_slice("mu_interference")] = [s]
    pars[model.config.par_slice("mu_pure")] = [s**2]
    signal = templates.signal("dark_photon_m1e_03")
    background = templates.channel("low_energy").total_background()
    np.testing.assert_allclose(
        model.expected_actualdata(pars), background + signal.expected(2e-6), rtol=1e-12
    )


def test_plain_pyhf_command_line_inspects_and_tests_a_patch(tmp_path, dark_photon):
    bkg, grid, _ = dark_photon
    write_json(tmp_path / "BkgOnly.json", bkg)
    write_json(tmp_path / "patchset.json", grid)
    runner = CliRunner()
    result = runner.invoke(pyhf_cli, ["inspect", str(tmp_path / "BkgOnly.json")])
    assert result.exit_code == 0, result.output
    assert "xmass1_dark_photon" in result.output and "xmass1_staterror_low_energy" in result.output
    result = runner.invoke(
        pyhf_cli,
        [
            "patchset",
            "extract",
            str(tmp_path / "patchset.json"),
            "--name",
            "dark_photon_m1e_03_g1e_06",
        ],
    )
    assert result.exit_code == 0, result.output
    (tmp_path / "patch.json").write_text(result.output)
    # the console script, as a user runs it (in-process, pyhf 0.7.6 leaves the -p file open)
    pyhf_script = Path(sys.executable).with_name("pyhf")
    command = [str(pyhf_script) if pyhf_script.exists() else shutil.which("pyhf")]
    command += ["cls", str(tmp_path / "BkgOnly.json"), "-p", str(tmp_path / "patch.json")]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    cls = json.loads(done.stdout)
    assert 0.0 < cls["CLs_obs"] < 1.0 and len(cls["CLs_exp"]) == 5
    result = runner.invoke(
        pyhf_cli,
        ["patchset", "verify", str(tmp_path / "BkgOnly.json"), str(tmp_path / "patchset.json")],
    )
    assert result.exit_code == 0, result.output


def test_patchset_sidecars_carry_physical_meaning(templates, dark_photon):
    bkg, grid, components = dark_photon
    meta = patchset_metadata(grid, bkg, templates, SIGNALS, data="asimov")
    assert meta["digest"]["workspace"] == "sha256:" + grid["metadata"]["digests"]["sha256"]
    assert meta["digest"]["patchset"] == "sha256:" + pyhf.utils.digest(grid)
    assert meta["signal"]["mass_mev"] == [1e-3, 10.0]
    assert meta["signal"]["parts"] == [{"normfactor": "mu", "power": None, "sample": "signal"}]
    assert meta["patches"]["dark_photon_m1e_03_g1p3e_06"] == [1e-3, 1.3e-6]
    meta = patchset_metadata(components, bkg, templates, SIGNALS, data="asimov")
    assert meta["poi"] == "mu_interference" and meta["form"] == "components"
    assert [p["power"] for p in meta["signal"]["parts"]] == [2, 4]


def test_patchsets_are_deterministic(templates, dark_photon):
    bkg, grid, components = dark_photon
    again = build_background_only(
        templates, "low_energy", data="asimov", signals=SIGNALS, couplings=GRID
    )
    assert dumps(again) == dumps(bkg)
    assert dumps(build_patchset(again, templates, SIGNALS, GRID)) == dumps(grid)
    assert dumps(build_component_patchset(again, templates, SIGNALS)) == dumps(components)


def test_patch_names_use_physical_values():
    assert format_value(1.3e-6) == "1p3e_06"
    assert format_value(8.8e-5) == "8p8e_05"
    assert format_value(1e-3) == "1e_03"
    with pytest.raises(InvalidParameterError):
        format_value(float("nan"))


def test_patchset_errors(templates, dark_photon):
    bkg, _, _ = dark_photon
    with pytest.raises(InvalidParameterError, match="no coupling grid"):
        build_patchset(bkg, templates, SIGNALS, {"dark_photon_m1e_03": [1e-6]})
    no_placeholder = json.loads(dumps(bkg))
    no_placeholder["channels"][0]["samples"].pop()
    with pytest.raises(InvalidParameterError, match="no zero-yield 'signal' sample"):
        build_patchset(no_placeholder, templates, SIGNALS, GRID)
