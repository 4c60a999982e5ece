"""Determinism: every JSON that xhf writes is byte-identical across two runs.

Each command runs twice as a separate process, with different hash seeds and in different
working directories, and every ``*.json`` it writes (and its ``--json`` output) must have the
same bytes. The two runs of a command go in parallel to keep the file fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def xhf_command() -> list[str]:
    """The venv's ``xhf`` console script, beside the running interpreter."""
    script = Path(sys.executable).with_name("xhf")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from xhf.cli import cli; sys.exit(cli())"]


def run_twice(tmp_path: Path, args: list[str]) -> tuple[Path, Path, list[bytes]]:
    """Run ``xhf *args`` in ``tmp_path/run1`` and ``run2`` at once; return dirs and stdouts."""
    dirs = [tmp_path / "run1", tmp_path / "run2"]
    procs = []
    for seed, cwd in enumerate(dirs):
        cwd.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": str(seed + 1), "MPLBACKEND": "Agg"}
        procs.append(
            subprocess.Popen(
                [*xhf_command(), *args],
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        outputs.append(out)
    return dirs[0], dirs[1], outputs


def assert_same_json_files(first: Path, second: Path, *, minimum: int = 1) -> None:
    names = sorted(p.relative_to(first) for p in first.rglob("*.json"))
    assert names == sorted(p.relative_to(second) for p in second.rglob("*.json"))
    assert len(names) >= minimum, names
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_spectrum_json_is_deterministic(tmp_path):
    args = ["spectrum", "--model", "dark-photon", "--energies-kev", "1:100:7", "--json"]
    _, _, (one, two) = run_twice(tmp_path, args)
    assert one == two and one.startswith(b"{")


def test_build_is_deterministic(tmp_path):
    config = ROOT / "workspaces" / "configs" / "xmass1_millicharge.yml"
    first, second, _ = run_twice(tmp_path, ["build", str(config), "-o", "out/ws.json"])
    assert_same_json_files(first, second, minimum=2)


def test_limit_json_is_deterministic(tmp_path):
    workspace = ROOT / "workspaces" / "xmass1_millicharge.json"
    args = ["limit", str(workspace), "--json", "--output", "limit.json"]
    first, second, (one, two) = run_twice(tmp_path, args)
    assert one == two
    assert_same_json_files(first, second)


def test_experiment_is_deterministic(tmp_path):
    card = ROOT / "examples" / "xenon_tpc" / "card.yml"
    args = ["experiment", str(card), "--model", "magnetic-moment", "-o", "out/ws.json"]
    first, second, _ = run_twice(tmp_path, args)
    assert_same_json_files(first, second, minimum=2)


def test_combine_is_deterministic(tmp_path):
    workspace = ROOT / "workspaces" / "xmass1_millicharge.json"
    card = ROOT / "examples" / "xenon_tpc" / "card.yml"
    first, second, _ = run_twice(
        tmp_path, ["combine", str(workspace), str(card), "-o", "out/ws.json"]
    )
    assert_same_json_files(first, second, minimum=2)


def test_templates_csv_and_json_are_deterministic(tmp_path):
    args = ["templates", "-o", "out", "--format", "csv", "--no-plots"]
    first, second, _ = run_twice(tmp_path, args)
    assert_same_json_files(first, second)
    names = sorted(p.relative_to(first) for p in first.rglob("*.csv"))
    assert len(names) > 3
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_scan_json_and_csv_are_deterministic(tmp_path):
    shipped = ROOT / "workspaces"
    args = [
        "scan",
        "dark-photon",
        str(shipped / "xmass1_dark_photon_BkgOnly.json"),
        "--patchset",
        str(shipped / "xmass1_dark_photon_components_patchset.json"),
        "-o",
        "out",
    ]
    first, second, _ = run_twice(tmp_path, args)
    assert_same_json_files(first, second)
    table = Path("out") / "dark_photon_limits.csv"
    assert (first / table).read_bytes() == (second / table).read_bytes()


def test_diagnostics_json_is_deterministic(tmp_path):
    workspace = ROOT / "workspaces" / "xmass1_millicharge.json"
    first, second, _ = run_twice(tmp_path, ["diagnostics", str(workspace), "-o", "out"])
    assert_same_json_files(first, second)
    tables = sorted(p.relative_to(first) for p in (first / "out").glob("*.txt"))
    assert len(tables) >= 2
    for name in tables:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.slow
def test_reproduce_and_publish_are_deterministic(tmp_path):
    args = ["reproduce", "-o", "results", "--masses-mev", "0.001", "--method", "chi2"]
    first, second, _ = run_twice(tmp_path, args)
    assert_same_json_files(first, second)
    workspaces = str(ROOT / "workspaces")
    for cwd in (first, second):
        subprocess.run(
            [*xhf_command(), "publish", "-o", "hepdata", "--workspaces", workspaces],
            cwd=cwd,
            check=True,
            capture_output=True,
        )
    assert_same_json_files(first / "hepdata", second / "hepdata")
