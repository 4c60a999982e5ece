"""SIGINT or SIGTERM at any stage of a command leaves the earlier outputs exactly as they were.

Deterministic: the test hook ``XHF_TEST_SIGNAL_AT=<stage>:<signal>`` (xhf/interrupts.py) makes
the command send itself the signal when it enters the named stage, whatever the speed of the
machine; ``commit`` is the moment right before the staged outputs are moved into place. Each
case runs the command with ``--force`` as a subprocess in a copy of the session's inputs where
an earlier result already sits; it must exit 130 with the one line ``Aborted: ...``, leave
every file's bytes as they were, and leave no staging or temporary file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BUILD = ["build", "good.yml", "-o", "out/ws.json"]
EXPERIMENT = ["experiment", "ge/card.yml", "--model", "magnetic-moment", "-o", "out/ws.json"]
COMBINE = ["combine", "mm.json", "tpc/card.yml", "-o", "out/ws.json"]
SCAN = ["scan", "dark-photon", "dp.json", "--patchset", "dp_components_patchset.json"]
SCAN += ["--method", "chi2", "-o", "out"]
TEMPLATES = ["templates", "--format", "npz", "--format", "csv", "--no-plots", "-o", "out"]
REPRODUCE = ["reproduce", "--templates", "tpl", "--masses-mev", "0.001", "--method", "chi2"]
REPRODUCE += ["-o", "out"]

#: The earlier result each command would replace (relative to the case directory).
EARLIER = {
    "build": ["out/ws.json", "out/ws.meta.json"],
    "experiment": ["out/ws.json", "out/ws.meta.json"],
    "combine": ["out/ws.json", "out/ws.meta.json"],
    "scan": ["out/dark_photon_limits.json", "out/dark_photon_limits.csv"],
    "templates": ["out/xmass1_replica.npz", "out/xmass1_replica/templates.json"],
    "reproduce": ["out/results.json", "out/summary.md", "out/figures/fig.png"],
}

#: (command, arguments, stage, slow); every stage runs with SIGINT and with SIGTERM. The slow
#: ones (the whole replica or analysis runs before the stage) are marked ``slow``.
STAGES = [
    ("build", BUILD, "build", False),
    ("build", BUILD, "commit", False),
    ("experiment", EXPERIMENT, "build", False),
    ("experiment", EXPERIMENT, "commit", False),
    ("combine", COMBINE, "build", False),
    ("combine", COMBINE, "commit", False),
    ("scan", SCAN, "scan", False),
    ("scan", SCAN, "commit", False),
    ("templates", TEMPLATES, "replica", False),
    ("templates", TEMPLATES, "write", True),
    ("templates", TEMPLATES, "commit", True),
    ("reproduce", REPRODUCE, "workspaces", False),
    ("reproduce", REPRODUCE, "magnetic moment (chi2)", True),
    ("reproduce", REPRODUCE, "figures", True),
    ("reproduce", REPRODUCE, "commit", True),
]

#: The case table: every stage with each signal.
CASES = [
    pytest.param(
        command,
        args,
        stage,
        signal,
        marks=[pytest.mark.slow] if slow else [],
        id=f"{command}-{stage.split()[0]}-{signal}",
    )
    for command, args, stage, slow in STAGES
    for signal in ("SIGINT", "SIGTERM")
]


def xhf_command() -> list[str]:
    """The venv's ``xhf`` console script, beside the running interpreter."""
    script = Path(sys.executable).with_name("xhf")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from xhf.cli import cli; sys.exit(cli())"]


def message_lines(stderr: str) -> list[str]:
    """The lines of stderr that are not progress-bar redraws (tqdm and click bars use \\r)."""
    lines = [line.split("\r")[-1].strip() for line in stderr.split("\n")]
    return [line for line in lines if line and not line.startswith(("reproduce:", "replica"))]


@pytest.mark.parametrize(("command", "args", "stage", "signal"), CASES)
def test_a_signal_at_any_stage_changes_nothing(
    tmp_path, command_inputs, snapshot_of, command, args, stage, signal
):
    root = tmp_path / "case"
    shutil.copytree(command_inputs, root, symlinks=True)
    for name in EARLIER[command]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"earlier " + name.encode() + b"\n")
    before = snapshot_of(root)
    env = {**os.environ, "MPLBACKEND": "Agg", "XHF_TEST_SIGNAL_AT": f"{stage}:{signal}"}
    run = subprocess.run(
        [*xhf_command(), *args, "--force"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=600,
    )
    err = run.stderr.decode(errors="replace")
    assert run.returncode == 130, err
    assert "Traceback" not in err
    assert message_lines(err) == ["Aborted: outputs already completed are intact."], err
    assert snapshot_of(root) == before


def test_without_the_hook_the_same_command_writes(tmp_path, command_inputs, snapshot_of):
    """The control: the same build with an unmatched stage replaces the earlier files."""
    root = tmp_path / "case"
    shutil.copytree(command_inputs, root, symlinks=True)
    for name in EARLIER["build"]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"earlier\n")
    env = {**os.environ, "XHF_TEST_SIGNAL_AT": "no-such-stage:SIGINT"}
    run = subprocess.run(
        [*xhf_command(), *BUILD, "--force"], cwd=root, env=env, capture_output=True, timeout=600
    )
    assert run.returncode == 0, run.stderr.decode()
    assert all((root / name).read_bytes() != b"earlier\n" for name in EARLIER["build"])
    assert sorted(p.name for p in (root / "out").iterdir()) == ["ws.json", "ws.meta.json"]
