"""Sidecars: digests as pyhf computes them, datasets labelled, physical meaning recorded."""

import json

import pyhf
import pytest

from xhf.jsonio import dumps
from xhf.templates import TemplateSet
from xhf.workspace import background_only_metadata, build_background_only, build_workspace
from xhf.workspace.metadata import dataset_info, digest, workspace_metadata


def test_workspace_sidecar(templates):
    ws = build_workspace(templates, "magnetic_moment", data="pseudo_poisson").workspace
    meta = workspace_metadata(ws, templates, "magnetic_moment", data="pseudo_poisson")
    assert meta["digest"]["workspace"] == "sha256:" + pyhf.utils.digest(ws)
    assert set(meta["digest"]) == {"sidecar", "workspace"} and meta["schema"] == "xhf-sidecar-v1"
    # the digest of the file as written and read back is the same
    assert digest(json.loads(dumps(ws))) == meta["digest"]["workspace"]
    assert meta["analysis"] == "magnetic_moment" and meta["channel"] == "low_energy"
    assert meta["measurement"] == "xmass1_magnetic_moment" and meta["poi"] == "mu"
    assert meta["data"] == {"label": "pseudo_poisson", "pseudo_data": True, "seed": 20200522}
    assert meta["interpolation"] == {"histosys": "code4p", "normsys": "code4"}
    assert meta["bin_edges_kev"][0] == 2.0 and len(meta["bin_edges_kev"]) == 8
    signal = meta["signal"]
    assert signal["parameter"] == "mu_nu" and signal["unit"] == "mu_B"
    assert signal["reference"] == 1e-10 and signal["model"] == "magnetic-moment"
    assert signal["parts"] == [{"normfactor": "mu", "power": 2, "sample": "signal"}]
    assert signal["mass_mev"] is None and signal["fluxes"] == "shp11-gs98"
    assert dumps(meta) == dumps(
        workspace_metadata(ws, templates, "magnetic_moment", data="pseudo_poisson")
    )


def test_background_only_sidecar(templates):
    bkg = build_background_only(
        templates, "low_energy", data="asimov", signals=["dark_photon_m1e_03"]
    )
    meta = background_only_metadata(
        bkg, templates, "low_energy", data="asimov", analysis="dark_photon"
    )
    assert meta["background_only"] is True and meta["signal"] is None
    assert meta["placeholder"] == {"normfactor": "mu", "sample": "signal"}
    assert set(meta["poi_bounds_all"]) == {"mu", "mu_interference", "mu_pure"}
    assert meta["data"] == {"label": "asimov", "pseudo_data": True}


@pytest.mark.parametrize(
    ("datasets", "label", "expected"),
    [
        ({}, "observed", {"label": "observed", "pseudo_data": False}),
        ({}, "asimov", {"label": "asimov", "pseudo_data": True}),
        (  # the replica's form: descriptions and one seed
            {"pseudo_poisson": "pseudo-data: seeded Poisson draw", "seed": 7},
            "pseudo_poisson",
            {
                "description": "pseudo-data: seeded Poisson draw",
                "label": "pseudo_poisson",
                "pseudo_data": True,
                "seed": 7,
            },
        ),
        (
            {"run2": {"pseudo_data": False, "description": "run 2"}},
            "run2",
            {"description": "run 2", "label": "run2", "pseudo_data": False},
        ),
    ],
)
def test_dataset_info(datasets, label, expected):
    assert dataset_info(TemplateSet((), (), {"datasets": datasets}), label) == expected
