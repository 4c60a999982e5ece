"""SIGINT during a command leaves earlier results intact and no partial files (issue 9).

The command runs as a subprocess into a directory that already holds an earlier result; SIGINT
arrives part-way through. The CLI must exit 130 with the single line ``Aborted: ...``, the
earlier files must keep their bytes, and no staging directory or temporary file may remain.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def xhf_command() -> list[str]:
    """The venv's ``xhf`` console script, beside the running interpreter."""
    script = Path(sys.executable).with_name("xhf")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from xhf.cli import cli; sys.exit(cli())"]


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` (hidden ones included) -> its bytes (None for a directory)."""
    return {
        str(p.relative_to(root)): (None if p.is_dir() else p.read_bytes())
        for p in sorted(root.rglob("*"))
    }


def interrupt(args: list[str], cwd: Path, delay_s: float) -> tuple[int, str]:
    """Start ``xhf *args``, send SIGINT after ``delay_s``; return the exit code and stderr."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.Popen(
        [*xhf_command(), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay_s)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def message_lines(stderr: str) -> list[str]:
    """The lines of stderr that are not progress-bar redraws (tqdm and click bars use \\r)."""
    lines = [line.split("\r")[-1].strip() for line in stderr.split("\n")]
    return [line for line in lines if line and not line.startswith(("reproduce:", "replica"))]


@pytest.mark.parametrize("delay_s", [2.0, 8.0], ids=["while-fitting", "while-drawing"])
def test_sigint_during_reproduce_keeps_earlier_results(tmp_path, delay_s):
    results = tmp_path / "results"
    (results / "figures").mkdir(parents=True)
    (results / "results.json").write_text('{"earlier": true}\n')
    (results / "summary.md").write_text("# earlier\n")
    (results / "figures" / "fig.png").write_bytes(b"\x89PNG earlier")
    before = snapshot(tmp_path)
    args = ["reproduce", "-o", "results", "--masses-mev", "0.001", "--method", "chi2", "--force"]
    code, err = interrupt(args, tmp_path, delay_s)
    assert code == 130, err
    assert "Traceback" not in err
    assert message_lines(err) == ["Aborted: outputs already completed are intact."], err
    assert snapshot(tmp_path) == before


def test_sigint_during_templates_force_keeps_earlier_templates(tmp_path):
    out = tmp_path / "out"
    replica = out / "xmass1_replica"
    replica.mkdir(parents=True)
    (replica / "templates.json").write_text('{"earlier": true}\n')
    (replica / "low_energy.csv").write_text("earlier\n")
    before = snapshot(tmp_path)
    code, err = interrupt(
        ["templates", "-o", "out", "--format", "csv", "--no-plots", "--force"], tmp_path, 2.0
    )
    assert code == 130, err
    assert "Traceback" not in err
    assert message_lines(err) == ["Aborted: outputs already completed are intact."], err
    assert snapshot(tmp_path) == before
