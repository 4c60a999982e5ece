"""Fixtures for the inference tests: small workspaces that follow the conventions, with sidecars."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.synthetic import small_dark_photon, small_workspace
from xhf.infer import build_analysis
from xhf.jsonio import write_json

#: Couplings of the grid patchset, in units of each mass's sensitivity estimate.
GRID_FACTORS = np.geomspace(0.5, 3.0, 11)
MASSES = (1e-3, 10.0)


@pytest.fixture
def small():
    """Six bins, millicharge-like sidecar, pseudo-data with a small injected signal."""
    return small_workspace(injected_mu=0.5)


@pytest.fixture
def small_analysis(small):
    spec, meta = small
    return build_analysis(spec, meta, source="small.json")


@pytest.fixture(scope="session")
def dark_photon():
    """12 bins, two masses; background-only workspace, components and grid patchsets."""
    return small_dark_photon(MASSES, grid_factors=GRID_FACTORS)


def write_workspace(directory, name, spec, meta=None):
    """Write ``<name>.json`` (and its sidecar) into ``directory``; returns the path."""
    path = directory / f"{name}.json"
    write_json(path, spec)
    if meta is not None:
        write_json(directory / f"{name}.meta.json", meta)
    return path


@pytest.fixture
def files(tmp_path, small, dark_photon):
    """The files ``xhf build`` would write, in a temporary directory."""
    out = {"small": write_workspace(tmp_path, "xmass1_millicharge", *small)}
    out["bkg_only"] = write_workspace(
        tmp_path,
        "xmass1_dark_photon_BkgOnly",
        dark_photon["bkg_only"],
        dark_photon["bkg_only_meta"],
    )
    out["components"] = write_workspace(
        tmp_path,
        "xmass1_dark_photon_components_patchset",
        dark_photon["components"],
        dark_photon["components_meta"],
    )
    out["grid"] = write_workspace(
        tmp_path, "xmass1_dark_photon_patchset", dark_photon["grid"], dark_photon["grid_meta"]
    )
    return out
