"""``xhf templates``: the shipped replica is what a fresh regeneration writes.

Floating point differs in the last bits across machines (SIMD width, BLAS), so the shipped
files are compared with a relative tolerance of 1e-12, number by number; byte identity is
tested for two runs on the same machine (tests/test_determinism.py).
"""

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from xhf.cli import cli
from xhf.templates.io import read_templates

SHIPPED = Path(__file__).resolve().parents[1] / "templates"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("replica")
    result = CliRunner().invoke(cli, ["templates", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _tree(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


#: Largest relative difference allowed between the shipped and a regenerated number.
RTOL = 1e-12


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _close(a: Any, b: Any, where: str) -> None:
    """``a`` equals ``b``: structure and text exactly, numbers to ``RTOL`` (``where`` names
    the place in a failure)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b), where
        for key in a:
            _close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(a, bool):
        assert isinstance(b, float), where
        assert math.isclose(a, b, rel_tol=RTOL, abs_tol=0.0), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _csv_cells(path: Path) -> list[list[Any]]:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    return [[cell if _number(cell) is None else _number(cell) for cell in row] for row in rows]


def test_shipped_csv_templates_match_a_regeneration(regenerated):
    shipped, fresh = SHIPPED / "xmass1_replica", regenerated / "xmass1_replica"
    assert _tree(shipped) == _tree(fresh)
    for rel in _tree(fresh):
        if rel.suffix == ".json":
            a, b = json.loads((shipped / rel).read_text()), json.loads((fresh / rel).read_text())
        else:
            a, b = _csv_cells(shipped / rel), _csv_cells(fresh / rel)
        _close(a, b, str(rel))


def test_the_comparison_sees_a_change_beyond_the_tolerance(regenerated):
    rel = Path("full_energy.csv")
    cells = _csv_cells(regenerated / "xmass1_replica" / rel)
    changed = [row[:] for row in cells]
    changed[1][2] *= 1 + 1e-9
    with pytest.raises(AssertionError, match="full_energy"):
        _close(cells, changed, str(rel))


def test_shipped_root_file_has_the_same_contents(regenerated):
    a = read_templates(SHIPPED / "xmass1_replica.root")
    b = read_templates(regenerated / "xmass1_replica.root")
    _close(
        json.loads(json.dumps(dict(a.metadata))),
        json.loads(json.dumps(dict(b.metadata))),
        "metadata",
    )
    for ca, cb in zip(a.channels, b.channels, strict=True):
        np.testing.assert_array_equal(ca.bin_edges, cb.bin_edges)
        for label in ca.data:
            np.testing.assert_allclose(ca.data[label], cb.data[label], rtol=RTOL, atol=0)
        for sa, sb in zip(ca.backgrounds, cb.backgrounds, strict=True):
            np.testing.assert_allclose(sa.yields, sb.yields, rtol=RTOL, atol=0)
            np.testing.assert_allclose(sa.stat_error, sb.stat_error, rtol=RTOL, atol=0)
    assert [s.name for s in a.signals] == [s.name for s in b.signals]
    for sa, sb in zip(a.signals, b.signals, strict=True):
        for pa, pb in zip(sa.parts, sb.parts, strict=True):
            np.testing.assert_allclose(pa.yields, pb.yields, rtol=RTOL, atol=0)


def test_figures_written(regenerated):
    for channel in ("full_energy", "low_energy"):
        for suffix in (".png", ".pdf"):
            assert (
                regenerated / "figures" / f"background_model_{channel}{suffix}"
            ).stat().st_size > 1000


def test_existing_output_is_not_overwritten(regenerated):
    index = regenerated / "xmass1_replica" / "templates.json"
    before = index.read_bytes()
    result = CliRunner().invoke(cli, ["templates", "-o", str(regenerated), "--no-plots"])
    assert result.exit_code == 2
    assert "--force" in result.output
    assert index.read_bytes() == before
