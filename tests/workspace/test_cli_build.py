"""``xhf build CONFIG [-o PATH] [--force]``: all or nothing, exit 2 naming the YAML path."""

import json
import shutil
from pathlib import Path

import pyhf
import pytest
import yaml
from click.testing import CliRunner

from tests.support.files import expected_message
from tests.support.templates import make_templates, write_analysis, write_corpus_histograms
from xhf.cli import cli

CORPUS = Path(__file__).parents[1] / "data" / "bad" / "configs"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def analysis(tmp_path):
    """The reference config of the bad-config corpus, with its histograms, in tmp_path."""
    write_corpus_histograms(tmp_path / "histograms.root")
    shutil.copy(CORPUS / "good.yml", tmp_path / "good.yml")
    return tmp_path / "good.yml"


def test_build_writes_a_valid_workspace_and_its_sidecar(tmp_path, analysis):
    out = tmp_path / "out" / "ws.json"
    result = run("build", analysis, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [str(out), str(out.with_name("ws.meta.json"))]
    spec = json.loads(out.read_text())
    pyhf.schema.validate(spec, "workspace.json")
    meta = json.loads(out.with_name("ws.meta.json").read_text())
    assert meta["digest"]["workspace"] == "sha256:" + pyhf.utils.digest(spec)
    assert meta["measurement"] == "xmass1_magnetic_moment" and meta["poi_bounds"] == [0.0, 20.0]
    assert meta["data"] == {"label": "observed", "pseudo_data": False}
    assert meta["signal"]["parts"] == [{"normfactor": "mu", "power": 2, "sample": "signal"}]
    assert out.read_text().endswith("}\n")


def test_building_twice_gives_identical_bytes(tmp_path, analysis):
    run("build", analysis, "-o", tmp_path / "a.json")
    run("build", analysis, "-o", tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    first = json.loads((tmp_path / "a.meta.json").read_text())
    second = json.loads((tmp_path / "b.meta.json").read_text())
    assert first == second


def test_default_output_name_and_no_overwrite_without_force(tmp_path, analysis, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("build", analysis).exit_code == 0
    out = tmp_path / "xmass1_magnetic_moment.json"
    out.write_text("keep me\n")
    result = run("build", analysis)
    assert result.exit_code == 2
    assert "--force" in result.output and "xmass1_magnetic_moment.json" in result.output
    assert out.read_text() == "keep me\n"
    result = run("build", analysis, "--force")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["version"] == "1.0.0"


def test_an_existing_sidecar_blocks_the_whole_build(tmp_path, analysis):
    (tmp_path / "ws.meta.json").write_text("old\n")
    result = run("build", analysis, "-o", tmp_path / "ws.json")
    assert result.exit_code == 2
    assert not (tmp_path / "ws.json").exists()  # nothing written
    assert (tmp_path / "ws.meta.json").read_text() == "old\n"


def test_help_has_an_example():
    result = run("build", "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output and "xhf build analysis.yml -o" in result.output


def test_dark_photon_config_writes_background_only_and_patchsets(tmp_path):
    ts = make_templates()
    document = write_analysis(ts, tmp_path)
    document["signals"] = [s for s in document["signals"] if s["name"].startswith("dark")]
    document["signals"][0]["couplings"] = [1e-6, 1.3e-6]
    document["signals"][1]["couplings"] = [2e-6]
    document["measurement"] = {"data": "pseudo_poisson"}
    (tmp_path / "dp.yml").write_text(yaml.safe_dump(document))
    out = tmp_path / "workspaces" / "xmass1_dark_photon_BkgOnly.json"
    result = run("build", tmp_path / "dp.yml", "-o", out)
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.parent.iterdir())
    assert written == sorted(
        f"xmass1_dark_photon_{kind}{ext}"
        for kind in ("BkgOnly", "patchset", "components_patchset")
        for ext in (".json", ".meta.json")
    )
    bkg = pyhf.Workspace(json.loads(out.read_text()))
    grid = pyhf.PatchSet(json.loads(out.with_name("xmass1_dark_photon_patchset.json").read_text()))
    grid.verify(bkg)
    assert [p.name for p in grid.patches] == [
        "dark_photon_m1e_03_g1e_06",
        "dark_photon_m1e_03_g1p3e_06",
        "dark_photon_m1e01_g2e_06",
    ]


@pytest.mark.parametrize("path", sorted(CORPUS.glob("bad_*.yml")), ids=lambda p: p.stem)
def test_bad_configs_exit_2_with_one_line_and_write_nothing(tmp_path, path):
    write_corpus_histograms(tmp_path / "histograms.root")
    shutil.copy(path, tmp_path / path.name)
    out = tmp_path / "out"
    out.mkdir()
    (out / "existing.json").write_text("untouched\n")
    result = run("build", tmp_path / path.name, "-o", out / "ws.json")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"Error: {path.name}: ")
    assert expected_message(path) in lines[0]
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["existing.json"]
    # an existing output is not overwritten either
    result = run("build", tmp_path / path.name, "-o", out / "existing.json", "--force")
    assert result.exit_code == 2
    assert (out / "existing.json").read_text() == "untouched\n"


def test_output_must_be_json(tmp_path, analysis):
    result = run("build", analysis, "-o", tmp_path / "ws.yaml")
    assert result.exit_code == 2 and ".json" in result.output
