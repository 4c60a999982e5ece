"""One formatter for every value in a name: exact round trips, and the shipped names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from xhf.exceptions import InvalidParameterError
from xhf.templates.signals import dark_photon_masses_mev
from xhf.workspace.naming import NAME_PATTERN, format_value

ROOT = Path(__file__).resolve().parents[2]


def read_back(token: str) -> float:
    """The inverse of the name rule, written independently: ``p`` -> ``.``, ``e_`` -> ``e-``."""
    mantissa, exponent = token.split("e")
    sign = -1 if exponent.startswith("_") else 1
    return float(f"{mantissa.replace('p', '.')}e{sign * int(exponent.lstrip('_'))}")


def test_digits_are_never_dropped():
    """1.2345e-3 and 1.2346e-3 are two masses, so they are two names (a 3-digit rounding
    would have named both 1p23e_03)."""
    assert format_value(1.2345e-3) == "1p2345e_03"
    assert format_value(1.2346e-3) != format_value(1.2345e-3)


@pytest.mark.parametrize("decade", range(-12, 7))
def test_round_trip_is_exact(decade):
    rng = np.random.default_rng(1000 + decade)
    values = [10.0**decade, *(10.0**decade * rng.uniform(1.0, 10.0, 20))]
    values += [float(f"{v:.3g}") for v in values] + [float(f"{v:.2g}") for v in values]
    for value in values:
        token = format_value(value)
        assert NAME_PATTERN.match(token), token
        assert read_back(token) == value, (value, token)


def test_shortest_form():
    """No shorter mantissa reads back as the same value (the repr digits)."""
    for value in (0.1, 1.39e-3, 2.2e-6, 1e-3, 5.18e-2, 1.0 / 3.0):
        token = format_value(value)
        digits = len(token.split("e")[0].replace("p", ""))
        assert float(f"{value:.{digits - 1}e}") == value
        if digits > 1:
            assert float(f"{value:.{digits - 2}e}") != value


def test_the_shipped_names_are_its_output():
    """Every patch of the shipped dark-photon patchsets is named from its values by it."""
    grid = json.loads((ROOT / "workspaces" / "xmass1_dark_photon_patchset.json").read_text())
    parts = json.loads(
        (ROOT / "workspaces" / "xmass1_dark_photon_components_patchset.json").read_text()
    )
    for patch in grid["patches"]:
        mass, coupling = patch["metadata"]["values"]
        expected = f"dark_photon_m{format_value(mass)}_g{format_value(coupling)}"
        assert patch["metadata"]["name"] == expected
    names = [p["metadata"]["name"] for p in parts["patches"]]
    assert names == [f"dark_photon_m{format_value(m)}" for m in dark_photon_masses_mev()]
    assert "dark_photon_m1p39e_03" in names and "dark_photon_m5p18e_02" in names


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1e-3])
def test_refuses_what_cannot_be_a_name(value):
    with pytest.raises(InvalidParameterError, match="cannot name"):
        format_value(value)
