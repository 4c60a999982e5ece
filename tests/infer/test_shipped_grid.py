"""The shipped dark-photon grid patchset reproduces the exact tied-coupling limits."""

from pathlib import Path

import pytest

from xhf.infer import PatchedModels, grid_limit, limit
from xhf.jsonread import read_json
from xhf.workspace.compat import quiet_pyhf

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

W = Path(__file__).resolve().parents[2] / "workspaces"


@pytest.fixture(scope="module")
def models():
    bkg = read_json(W / "xmass1_dark_photon_BkgOnly.json")
    with quiet_pyhf():
        grid = PatchedModels(
            bkg,
            read_json(W / "xmass1_dark_photon_patchset.json"),
            read_json(W / "xmass1_dark_photon_patchset.meta.json"),
            "grid",
        )
        comp = PatchedModels(
            bkg,
            read_json(W / "xmass1_dark_photon_components_patchset.json"),
            read_json(W / "xmass1_dark_photon_components_patchset.meta.json"),
            "components",
        )
    return grid, comp


@pytest.mark.parametrize("mass_label", ["1e_03", "5p18e_02", "1e01", "1e03"])
def test_grid_agrees_with_tied_profile_within_5_percent(models, mass_label):
    grid, comp = models
    name = f"dark_photon_m{mass_label}"
    exact = limit(comp.analysis(name), method="cls")
    crossed = grid_limit(grid, exact.mass_mev)
    assert crossed["observed"] == pytest.approx(exact.observed, rel=0.05)
    for band, value in exact.expected.items():
        assert crossed["expected"][band] == pytest.approx(value, rel=0.05), band
