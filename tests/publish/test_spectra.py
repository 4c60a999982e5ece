"""The dark-photon signal at any coupling from a grid patchset alone (publish.spectra)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from xhf.exceptions import InvalidInputError
from xhf.publish.spectra import dark_photon_signal

GRID = Path(__file__).resolve().parents[2] / "workspaces" / "xmass1_dark_photon_patchset.json"


def _excesses(grid, mass):
    out = []
    for patch in grid["patches"]:
        values = patch["metadata"]["values"]
        if math.isclose(values[0], mass, rel_tol=1e-6):
            sample = next(op["value"] for op in patch["patch"] if isinstance(op.get("value"), dict))
            out.append((values[1], np.asarray(sample["data"], dtype=float)))
    return out


def _grid(masses_g_data, digits=None):
    patches = [
        {
            "metadata": {"name": f"p{i}", "values": [mass, g]},
            "patch": [{"op": "add", "path": "/x", "value": {"data": list(map(float, data))}}],
        }
        for i, (mass, g, data) in enumerate(masses_g_data)
    ]
    metadata = {} if digits is None else {"significant_digits": digits}
    return {"metadata": metadata, "patches": patches}


def test_the_shipped_grid_gives_back_each_patch_at_its_own_coupling():
    """Every mass of the shipped grid (numbers kept to 6 significant digits) is g^2 I + g^4 P
    to its rounding; the signal at a patch's coupling is that patch's excess."""
    grid = json.loads(GRID.read_text())
    assert grid["metadata"]["significant_digits"] == 6
    masses = sorted({p["metadata"]["values"][0] for p in grid["patches"]})
    assert len(masses) == 43 and 1e-3 in masses
    for mass in masses:
        points = _excesses(grid, mass)
        scale = max(np.abs(e).max() for _, e in points)
        for g, excess in points:
            signal = dark_photon_signal(grid, mass, g)
            np.testing.assert_allclose(signal, excess, rtol=0, atol=1e-5 * scale)


def test_a_grid_that_is_not_g2_i_plus_g4_p_is_refused():
    bins = np.linspace(1.0, 2.0, 5)
    interference, pure = -3.0 * bins, 50.0 / bins
    couplings = [1e-6, 2e-6, 3e-6, 4e-6]

    def grid(distortion, digits=None):  # the 3e-6 patch off by a relative ``distortion``
        points = [
            (
                1e-3,
                g,
                (1 + distortion * (g == 3e-6))
                * ((g / 1e-6) ** 2 * interference + (g / 1e-6) ** 4 * pure),
            )
            for g in couplings
        ]
        return _grid(points, digits)

    at = dark_photon_signal(grid(0.0), 1e-3, 2.5e-6)
    np.testing.assert_allclose(at, 2.5**2 * interference + 2.5**4 * pure, rtol=1e-12)
    message = r"at 0\.001 MeV is not g\^2 I \+ g\^4 P"
    for digits in (None, 6):  # 1e-3 off: beyond any rounding
        with pytest.raises(InvalidInputError, match=message):
            dark_photon_signal(grid(1e-3, digits), 1e-3, 2.5e-6)
    with pytest.raises(InvalidInputError, match=message):  # 2e-5 off: beyond 1e-6 ...
        dark_photon_signal(grid(2e-5), 1e-3, 2.5e-6)
    dark_photon_signal(grid(2e-5, 6), 1e-3, 2.5e-6)  # ... but within 6-digit rounding
