"""End to end on the shipped XMASS-I-like replica: every analysis builds a valid workspace."""

from pathlib import Path

import pyhf
import pytest

from xhf.jsonio import dumps
from xhf.templates import read_templates
from xhf.workspace import (
    build_background_only,
    build_component_patchset,
    build_workspace,
    workspace_metadata,
)

REPLICA = Path(__file__).parents[2] / "templates" / "xmass1_replica.root"


@pytest.fixture(scope="module")
def replica():
    if not REPLICA.is_file():
        pytest.skip("the shipped replica is not in this checkout")
    return read_templates(REPLICA)


@pytest.mark.parametrize("signal", ["magnetic_moment", "millicharge"])
def test_replica_workspaces(replica, signal):
    ws = build_workspace(replica, signal, data="pseudo_poisson").workspace
    model = pyhf.Workspace(ws).model()
    assert model.config.poi_name == "mu"
    lower, upper = model.config.suggested_bounds()[model.config.poi_index]
    assert lower == 0.0 and upper > 0.0
    meta = workspace_metadata(ws, replica, signal, data="pseudo_poisson")
    assert meta["measurement"] == f"xmass1_{signal}"
    assert meta["data"]["pseudo_data"] is True and meta["data"]["seed"] == 20200522
    assert dumps(ws) == dumps(build_workspace(replica, signal, data="pseudo_poisson").workspace)


def test_replica_dark_photon_patchset(replica):
    signals = [s.name for s in replica.signals if s.name.startswith("dark_photon")][:3]
    bkg = build_background_only(replica, "full_energy", data="asimov", signals=signals)
    assert bkg["measurements"][0]["name"] == "xmass1_dark_photon"
    patchset = pyhf.PatchSet(build_component_patchset(bkg, replica, signals))
    patched = patchset.apply(pyhf.Workspace(bkg), signals[0])
    assert patched.model(poi_name="mu_interference").config.poi_name == "mu_interference"
