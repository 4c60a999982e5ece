"""Reference rates dR/dT in events/(kg day keV), FEA, B16-GS98 (docs/physics.md, section 7).

``REFERENCE`` is an evaluation of Eq. 2 made independently of xhf's code; the table in
docs/physics.md holds xhf's own values and is checked against the code here too.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from xhf.physics import differential_rate

ENERGIES_KEV = [1.0, 5.0, 30.0]

# T = 1, 5, 30 keV; independent of xhf (3 % allows for spectral-shape and P_ee details).
REFERENCE = {
    "sm": ([6.69e-06, 7.91e-06, 7.77e-06], {}),
    "mu_1e-11": ([2.57e-05, 6.06e-06, 9.55e-07], {"model": "magnetic-moment", "mu_nu": 1e-11}),
    "delta_1e-12_pure": (
        [2.61e-04, 1.20e-05, 2.81e-07],
        {"model": "millicharge", "charge": 1e-12, "atomic": "fea"},
    ),
    "bl_g1e-6_m1kev": (
        [3.15e-02, 1.55e-03, 5.06e-05],
        {"model": "dark-photon", "coupling": 1e-6, "mass_mev": 1e-3},
    ),
    "bl_g1e-4_m10mev": (
        [3.79e-04, 4.35e-04, 3.66e-04],
        {"model": "dark-photon", "coupling": 1e-4, "mass_mev": 10.0},
    ),
}


@pytest.mark.parametrize("case", sorted(REFERENCE))
def test_reference_table_within_3_percent(case):
    expected, kwargs = REFERENCE[case]
    kwargs = dict(kwargs)
    model = kwargs.pop("model", "sm")
    rate = differential_rate(ENERGIES_KEV, model, **kwargs)
    np.testing.assert_allclose(rate, expected, rtol=0.03)


DOCS = Path(__file__).resolve().parents[2] / "docs" / "physics.md"


def docs_table() -> list[list[float]]:
    """The rows (T, then one rate per column of REFERENCE's order) of docs/physics.md section 7."""
    section = DOCS.read_text(encoding="utf-8").split("## 7. Reference rates", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \|(.*)\|$", section, re.M)
    return [[float(t), *(float(x) for x in rest.split("|"))] for t, rest in rows]


def test_the_docs_table_is_what_xhf_computes():
    rows = docs_table()
    assert [row[0] for row in rows] == ENERGIES_KEV
    columns = ["sm", "mu_1e-11", "delta_1e-12_pure", "bl_g1e-6_m1kev", "bl_g1e-4_m10mev"]
    for j, case in enumerate(columns, start=1):
        kwargs = dict(REFERENCE[case][1])
        model = kwargs.pop("model", "sm")
        rate = differential_rate(ENERGIES_KEV, model, **kwargs)
        assert [f"{x:.2e}" for x in rate] == [f"{row[j]:.2e}" for row in rows], case
