"""Likelihood: a workspace, its sidecar and its patchsets, written and read in one place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from xhf.exceptions import InvalidInputError, MissingFileError, XhfError
from xhf.infer import likelihood_analysis, load_analysis
from xhf.workspace.likelihood import Likelihood
from xhf.workspace.sidecar import sidecar_path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "workspaces"
DARK_PHOTON = SHIPPED / "xmass1_dark_photon_BkgOnly.json"
DARK_PHOTON_FILES = [
    "xmass1_dark_photon_BkgOnly.json",
    "xmass1_dark_photon_BkgOnly.meta.json",
    "xmass1_dark_photon_patchset.json",
    "xmass1_dark_photon_patchset.meta.json",
    "xmass1_dark_photon_components_patchset.json",
    "xmass1_dark_photon_components_patchset.meta.json",
]


@pytest.fixture(scope="module")
def dark_photon() -> Likelihood:
    return Likelihood.load(DARK_PHOTON)


def test_background_only_round_trip_keeps_the_bytes(tmp_path, dark_photon):
    """Read with its sibling patchsets and saved again: the six shipped files, byte for byte,
    in the order xhf build writes them."""
    assert dark_photon.background_only
    assert set(dark_photon.patchsets) == {"grid", "components"}
    written = dark_photon.save(tmp_path / DARK_PHOTON.name)
    assert [p.name for p in written] == DARK_PHOTON_FILES
    for path in written:
        assert path.read_bytes() == (SHIPPED / path.name).read_bytes()


def test_products_name_the_patchsets_after_the_output(dark_photon):
    products = dark_photon.products(Path("out") / "combined_BkgOnly.json")
    assert [p.name for p in products] == [
        "combined_BkgOnly.json",
        "combined_BkgOnly.meta.json",
        "combined_patchset.json",
        "combined_patchset.meta.json",
        "combined_components_patchset.json",
        "combined_components_patchset.meta.json",
    ]
    again = Likelihood.from_products(products, "again")
    assert again.workspace is dark_photon.workspace
    assert again.patchsets["grid"][0] is dark_photon.patchsets["grid"][0]
    with pytest.raises(XhfError, match=r"must be a \.json file"):
        dark_photon.products("out.yaml")


def test_a_patch_is_looked_for_in_the_components_first(dark_photon):
    components = dark_photon.patchsets["components"][0]
    grid = dark_photon.patchsets["grid"][0]
    first = components["patches"][0]["metadata"]["name"]
    assert dark_photon.holding(first) == "components"
    assert dark_photon.holding(grid["patches"][0]["metadata"]["name"]) == "grid"
    assert dark_photon.holding("nope") is None
    assert dark_photon.patches[0] == first
    assert len(dark_photon.patches) == len(components["patches"]) + len(grid["patches"])


def test_the_analysis_of_a_likelihood_is_the_one_xhf_limit_reads(dark_photon):
    """likelihood_analysis(lh, patch) and load_analysis(path, patch=...) see the same model."""
    patch = dark_photon.patches[0]
    from_files = load_analysis(DARK_PHOTON, patch=patch)
    from_object = likelihood_analysis(dark_photon, patch)
    assert from_object.source == from_files.source
    assert from_object.form == from_files.form == "components"
    assert from_object.mass_mev == from_files.mass_mev
    assert list(from_object.data) == list(from_files.data)
    assert from_object.model.config.par_order == from_files.model.config.par_order


def test_a_sidecar_beside_another_workspace_is_refused(tmp_path):
    """The sidecar is bound to its workspace by digest: an edited workspace is one line."""
    source = SHIPPED / "xmass1_millicharge.json"
    target = tmp_path / "mc.json"
    spec = json.loads(source.read_text())
    spec["observations"][0]["data"][0] += 1.0
    target.write_text(json.dumps(spec))
    shutil.copy(sidecar_path(source), sidecar_path(target))
    with pytest.raises(InvalidInputError, match="describes another workspace"):
        Likelihood.load(target)


def test_a_required_sidecar_is_named(tmp_path):
    target = tmp_path / "bare.json"
    shutil.copy(SHIPPED / "xmass1_millicharge.json", target)
    assert Likelihood.load(target).sidecar is None
    with pytest.raises(MissingFileError, match=r"bare.json: no sidecar bare.meta.json .*units"):
        Likelihood.load(target, short=True, require_sidecar="units are needed")
    with pytest.raises(MissingFileError, match="no such workspace file"):
        Likelihood.load(tmp_path / "missing.json")
