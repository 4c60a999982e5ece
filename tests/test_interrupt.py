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
import threading
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


def interrupt(args: list[str], cwd: Path, marker: str, timeout_s: float = 240.0) -> tuple[int, str]:
    """Start ``xhf *args``; send SIGINT as soon as ``marker`` shows on stderr (the progress
    bar names the stage it is in), so the signal lands in that stage however loaded the
    machine is. Returns the exit code and the whole stderr."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.Popen(
        [*xhf_command(), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen = threading.Event()
    chunks: list[bytes] = []

    def read() -> None:
        while chunk := proc.stderr.read1(4096):
            chunks.append(chunk)
            if marker.encode() in b"".join(chunks[-3:]):
                seen.set()
        seen.set()  # the process ended without showing the marker

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert seen.wait(timeout_s), f"no {marker!r} within {timeout_s} s"
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)
    reader.join(timeout=10)
    proc.stderr.close()
    err = b"".join(chunks).decode(errors="replace")
    assert marker in err, f"the command ended before {marker!r}: {err}"
    return proc.returncode, err


def message_lines(stderr: str) -> list[str]:
    """The lines of stderr that are not progress-bar redraws (tqdm and click bars use \\r)."""
    lines = [line.split("\r")[-1].strip() for line in stderr.split("\n")]
    return [line for line in lines if line and not line.startswith(("reproduce:", "replica"))]


@pytest.mark.parametrize(
    "marker", ["magnetic moment (chi2)", "figures"], ids=["while-fitting", "while-drawing"]
)
def test_sigint_during_reproduce_keeps_earlier_results(tmp_path, marker):
    results = tmp_path / "results"
    (results / "figures").mkdir(parents=True)
    (results / "results.json").write_text('{"earlier": true}\n')
    (results / "summary.md").write_text("# earlier\n")
    (results / "figures" / "fig.png").write_bytes(b"\x89PNG earlier")
    before = snapshot(tmp_path)
    args = ["reproduce", "-o", "results", "--masses-mev", "0.001", "--method", "chi2", "--force"]
    code, err = interrupt(args, tmp_path, marker)
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
        ["templates", "-o", "out", "--format", "csv", "--no-plots", "--force"], tmp_path, "replica"
    )
    assert code == 130, err
    assert "Traceback" not in err
    assert message_lines(err) == ["Aborted: outputs already completed are intact."], err
    assert snapshot(tmp_path) == before
