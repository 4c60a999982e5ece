"""``xhf templates``: the shipped replica is exactly what a fresh regeneration writes."""

import filecmp
from pathlib import Path

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


def test_shipped_csv_templates_are_byte_identical(regenerated):
    shipped, fresh = SHIPPED / "xmass1_replica", regenerated / "xmass1_replica"
    assert _tree(shipped) == _tree(fresh)
    for rel in _tree(fresh):
        assert filecmp.cmp(shipped / rel, fresh / rel, shallow=False), rel


def test_shipped_root_file_has_the_same_contents(regenerated):
    a = read_templates(SHIPPED / "xmass1_replica.root")
    b = read_templates(regenerated / "xmass1_replica.root")
    assert dict(a.metadata) == dict(b.metadata)
    for ca, cb in zip(a.channels, b.channels, strict=True):
        np.testing.assert_array_equal(ca.bin_edges, cb.bin_edges)
        for label in ca.data:
            np.testing.assert_array_equal(ca.data[label], cb.data[label])
        for sa, sb in zip(ca.backgrounds, cb.backgrounds, strict=True):
            np.testing.assert_array_equal(sa.yields, sb.yields)
            np.testing.assert_array_equal(sa.stat_error, sb.stat_error)
    assert [s.name for s in a.signals] == [s.name for s in b.signals]


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
