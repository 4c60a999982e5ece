"""``xhf diagnostics``: spectra against energy in keV, and the tied signal's ranking refused early."""

from __future__ import annotations

import json

import pytest

from xhf.infer import load_analysis
from xhf.infer.diagnostics import diagnostics
from xhf.workspace.sidecar import sidecar_document


def _spy(monkeypatch, cabinetry) -> list:
    seen = []
    original = cabinetry.visualize.data_mc

    def spy(prediction, data, **kwargs):
        seen.append(kwargs.get("config"))
        return original(prediction, data, **kwargs)

    monkeypatch.setattr(cabinetry.visualize, "data_mc", spy)
    return seen


def test_spectra_are_drawn_in_kev_from_the_sidecar(files, tmp_path, monkeypatch):
    cabinetry = pytest.importorskip("cabinetry")
    sidecar = files["small"].with_name("xmass1_millicharge.meta.json")
    meta = json.loads(sidecar.read_text())
    nbins = len(json.loads(files["small"].read_text())["observations"][0]["data"])
    meta["bin_edges_kev"] = [2.0 + 1.5 * k for k in range(nbins + 1)]
    sidecar.write_text(json.dumps(sidecar_document(meta, sidecar.name)))  # edited, sealed again
    seen = _spy(monkeypatch, cabinetry)
    diagnostics(load_analysis(files["small"]), tmp_path / "diag")
    assert len(seen) == 2  # pre- and post-fit
    for config in seen:
        (region,) = config["Regions"]
        assert region["Name"] == meta["channel"]
        assert region["Binning"] == meta["bin_edges_kev"]
        assert "keV" in region["Variable"]


def test_without_bin_edges_the_spectra_use_the_bin_index(files, tmp_path, monkeypatch):
    cabinetry = pytest.importorskip("cabinetry")
    files["small"].with_name("xmass1_millicharge.meta.json").unlink()  # no sidecar, no edges
    seen = _spy(monkeypatch, cabinetry)
    diagnostics(load_analysis(files["small"]), tmp_path / "diag")
    assert seen == [None, None]


def test_ranking_of_a_tied_signal_is_refused_before_any_fit(files, tmp_path, monkeypatch):
    cabinetry = pytest.importorskip("cabinetry")

    def no_fit(*args, **kwargs):
        raise AssertionError("fitted before refusing")

    monkeypatch.setattr(cabinetry.fit, "fit", no_fit)
    analysis = load_analysis(files["bkg_only"], patch="dark_photon_m1e_03")
    out = tmp_path / "diag"
    with pytest.raises(ValueError, match=r"--ranking: .*tied.*mu_pure = mu_interference\*\*2"):
        diagnostics(analysis, out, ranking=True)
    assert not out.exists()
