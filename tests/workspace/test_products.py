"""What ``xhf build`` writes: the grid patchset rounded (digests of the rounded numbers), and
patchsets in compact JSON, everything else indented."""

import json

import numpy as np
import pyhf
import pytest

from xhf.jsonio import dumps
from xhf.workspace import build_background_only, build_patchset
from xhf.workspace.config import BuildConfig
from xhf.workspace.products import (
    GRID_SIGNIFICANT_DIGITS,
    build_products,
    is_patchset,
    write_products,
)

SIGNALS = ("dark_photon_m1e_03", "dark_photon_m1e01")
GRID = {"dark_photon_m1e_03": (7e-7, 1e-6, 1.3e-6), "dark_photon_m1e01": (1e-6, 2e-6)}


@pytest.fixture
def products(tmp_path, templates):
    config = BuildConfig(templates, SIGNALS, "pseudo_poisson", None, None, GRID, None, "test")
    return build_products(config, tmp_path / "dp_BkgOnly.json")


def _floats(obj):
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in _floats(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in _floats(v)]
    return [obj] if isinstance(obj, float) else []


def test_grid_patches_are_rounded_before_their_digest(tmp_path, products):
    grid = products[tmp_path / "dp_patchset.json"]
    meta = products[tmp_path / "dp_patchset.meta.json"]
    assert grid["metadata"]["significant_digits"] == GRID_SIGNIFICANT_DIGITS == 6
    assert meta["significant_digits"] == 6
    numbers = _floats([p["patch"] for p in grid["patches"]])
    assert numbers and all(float(f"{x:.6g}") == x for x in numbers)
    assert meta["digest"]["patchset"] == "sha256:" + pyhf.utils.digest(grid)
    components = products[tmp_path / "dp_components_patchset.json"]
    assert "significant_digits" not in components["metadata"]


def test_rounding_changes_the_excess_by_at_most_5e_6(tmp_path, templates, products):
    background = products[tmp_path / "dp_BkgOnly.json"]
    exact = build_patchset(background, templates, SIGNALS, GRID)
    rounded = products[tmp_path / "dp_patchset.json"]
    a, b = np.array(_floats(exact["patches"])), np.array(_floats(rounded["patches"]))
    np.testing.assert_allclose(b, a, rtol=5e-6, atol=0.0)
    assert exact["metadata"]["digests"] == rounded["metadata"]["digests"]  # same BkgOnly


def test_patchsets_are_written_compact_and_the_rest_indented(tmp_path, products):
    written = write_products(products)
    for path in written:
        text = path.read_text()
        document = json.loads(text)
        assert text == dumps(document, compact=is_patchset(document)), path.name
        assert is_patchset(document) == path.name.endswith("_patchset.json"), path.name
    grid = tmp_path / "dp_patchset.json"
    assert grid.read_text().count("\n") == 1
    patchset = pyhf.PatchSet(json.loads(grid.read_text()))
    patchset.verify(pyhf.Workspace(json.loads((tmp_path / "dp_BkgOnly.json").read_text())))


def test_building_twice_gives_the_same_bytes(tmp_path, templates):
    config = BuildConfig(templates, SIGNALS, "pseudo_poisson", None, None, GRID, None, "test")
    first = build_products(config, tmp_path / "a_BkgOnly.json")
    second = build_products(config, tmp_path / "a_BkgOnly.json")
    for path in first:
        assert dumps(first[path], compact=True) == dumps(second[path], compact=True)


def test_the_rounding_option_of_build_patchset(templates):
    background = build_background_only(
        templates, "low_energy", data="asimov", signals=list(SIGNALS), couplings=GRID
    )
    coarse = build_patchset(background, templates, SIGNALS, GRID, significant_digits=2)
    assert coarse["metadata"]["significant_digits"] == 2
    assert all(float(f"{x:.2g}") == x for x in _floats(coarse["patches"]))
    pyhf.PatchSet(coarse).verify(pyhf.Workspace(background))
