"""The shipped example cards are what examples/make_examples.py writes; the published-style
card builds a workspace pyhf fits and combines with the XMASS-I magnetic-moment workspace."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyhf
from click.testing import CliRunner

from tests.support.cards import EXAMPLES
from tests.support.files import load_script
from xhf.cli import cli
from xhf.workspace.compat import quiet_pyhf


def test_examples_are_regenerated_byte_for_byte():
    files = load_script(EXAMPLES / "make_examples.py").example_files()
    assert set(files) == {
        "xenon_tpc/card.yml",
        "xenon_tpc/background.txt",
        "xenon_tpc/efficiency.txt",
        "xenon_tpc/events.txt",
        "germanium/card.yml",
        "germanium/background.txt",
        "germanium/efficiency.txt",
        "germanium/resolution.txt",
        "germanium/counts.txt",
        "xenon_tpc_published/card.yml",
        "xenon_tpc_published/efficiency.csv",
        "xenon_tpc_published/background_components.csv",
        "xenon_tpc_published/xe136.txt",
        "xenon_tpc_published/data_rate.csv",
    }
    for name, text in files.items():
        assert (EXAMPLES / name).read_text() == text, name


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_published_style_card_builds_fits_and_combines(tmp_path):
    card = EXAMPLES / "xenon_tpc_published" / "card.yml"
    out = tmp_path / "published_mm.json"
    result = _run("experiment", card, "--model", "magnetic-moment", "-o", out)
    assert result.exit_code == 0, result.output
    workspace = json.loads(out.read_text())
    pyhf.schema.validate(workspace, "workspace.json")
    samples = {s["name"]: s for s in workspace["channels"][0]["samples"]}
    assert set(samples) == {
        "example_published_radon",
        "example_published_materials",
        "example_published_krypton",
        "example_published_xe136",
        "signal",
    }
    kinds = {(m["name"], m["type"]) for s in samples.values() for m in s["modifiers"]}
    assert ("example_published_free_krypton", "normfactor") in kinds
    assert ("example_published_norm_radon", "normsys") in kinds
    assert ("example_published_efficiency", "histosys") in kinds
    # the observations are the counts behind the published rate (rate x 1 keV x 1.5 t yr)
    rate = np.loadtxt(card.parent / "data_rate.csv", delimiter=",", skiprows=2)[:, 1]
    observed = workspace["observations"][0]["data"]
    np.testing.assert_array_equal(observed, np.round(rate * 1.5))
    with quiet_pyhf():
        model = pyhf.Workspace(workspace).model()
        data = pyhf.Workspace(workspace).data(model)
        fitted = pyhf.infer.mle.fit(data, model)
    assert np.all(np.isfinite(fitted))
    # the free krypton normalisation absorbs nothing it should not: near its nominal 1
    krypton = float(fitted[model.config.par_slice("example_published_free_krypton")][0])
    assert 0.0 <= krypton < 10.0

    xmass = EXAMPLES.parent / "workspaces" / "xmass1_magnetic_moment.json"
    shutil.copy(xmass, tmp_path / xmass.name)
    shutil.copy(xmass.with_suffix(".meta.json"), tmp_path / xmass.with_suffix(".meta.json").name)
    combined = tmp_path / "combined.json"
    result = _run("combine", tmp_path / xmass.name, card, "-o", combined)
    assert result.exit_code == 0, result.output
    joined = json.loads(combined.read_text())
    with quiet_pyhf():
        joined_model = pyhf.Workspace(joined).model()
    assert "example_published" in joined_model.config.channels
    assert len(joined_model.config.channels) == 1 + len(json.loads(xmass.read_text())["channels"])
