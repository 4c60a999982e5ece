"""Outputs off the happy path: the file system refuses, a link dangles, an output is an input.

Every case of ``CASES`` runs one command in a copy of the session's inputs and must end with
exit code 2 and one line ``Error: <path>: <reason>``: no traceback, no new file, every existing
file (and link) with its bytes, and no staging or temporary file left behind. The file-system
failures are real: a full disk is a 64 KiB tmpfs filled to the last block, a read-only
directory a tmpfs remounted read-only (both need root; otherwise a directory without write
permission and, for the full disk, a skip), a long name has more than 255 bytes.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from xhf.cli import cli

LONG = "x" * 300

#: Commands that write, with ``{out}`` where the output goes (a file, or for scan/templates/
#: reproduce a directory).
BUILD = ["build", "good.yml", "-o", "{out}"]
EXPERIMENT = ["experiment", "ge/card.yml", "--model", "magnetic-moment", "-o", "{out}"]
COMBINE = ["combine", "mm.json", "tpc/card.yml", "-o", "{out}"]
SCAN = ["scan", "dark-photon", "dp.json", "--patchset", "dp_components_patchset.json"]
SCAN += ["--method", "chi2", "-o", "{out}"]
TEMPLATES = ["templates", "--format", "npz", "--no-plots", "-o", "{out}"]
REPRODUCE = ["reproduce", "--templates", "tpl", "--method", "chi2", "-o", "{out}"]
SCAN_ONTO_INPUT = ["scan", "dark-photon", "dark_photon_limits.json", "--patchset"]
SCAN_ONTO_INPUT += ["dp_components_patchset.json", "--method", "chi2", "-o", "{out}", "--force"]
LIMIT = ["limit", "mm.json", "--method", "chi2", "-o", "{out}"]
PUBLISH = ["publish", "--workspaces", ".", "--results", "tpl", "-o", "{out}"]

#: (case id, arguments, output, how the place is prepared, text the error line must contain).
#: Preparations: "" nothing; "dangling": ``{out}`` is a link to nothing; "dir": ``{out}`` is a
#: directory; "file": ``{out}`` is a file; "full"/"readonly": ``{out}`` lies in a full/read-only
#: file system; "yaml:<file>:<text>": ``<text>`` appended to ``<file>``.
CASES = [
    # a dangling symbolic link is an existing output (without --force)
    ("build-dangling-link", BUILD, "ws.json", "dangling", "ws.json: exists"),
    ("build-dangling-sidecar", BUILD, "ws.json", "dangling:ws.meta.json", "ws.meta.json: exists"),
    ("experiment-dangling-link", EXPERIMENT, "ws.json", "dangling", "ws.json: exists"),
    ("combine-dangling-link", COMBINE, "c.json", "dangling", "c.json: exists"),
    ("scan-dangling-link", SCAN, "s", "dangling:s/dark_photon_limits.csv", "csv: exists"),
    ("templates-dangling-link", TEMPLATES, "t", "dangling:t/xmass1_replica.npz", "npz: exists"),
    ("reproduce-dangling-link", REPRODUCE, "r", "dangling", "r: exists"),
    ("limit-dangling-link", LIMIT, "l.json", "dangling", "l.json: exists"),
    # a directory where a file goes (with --force too)
    (
        "build-output-is-directory",
        [*BUILD, "--force"],
        "ws.json",
        "dir",
        "'ws.json' is a directory",
    ),
    ("experiment-output-is-directory", [*EXPERIMENT, "--force"], "ws.json", "dir", "directory"),
    ("combine-output-is-directory", [*COMBINE, "--force"], "c.json", "dir", "is a directory"),
    ("scan-target-is-directory", [*SCAN, "--force"], "s", "dir:s/dark_photon_limits.json", "dir"),
    (
        "templates-target-is-directory",
        [*TEMPLATES, "--force"],
        "t",
        "dir:t/xmass1_replica.npz",
        "xmass1_replica.npz: is a directory",
    ),
    ("limit-output-is-directory", [*LIMIT, "--force"], "l.json", "dir", "'l.json' is a directory"),
    # a file where a directory goes
    ("reproduce-output-is-file", [*REPRODUCE, "--force"], "r", "file", "'r' is a file"),
    ("publish-output-is-file", [*PUBLISH, "--force"], "p", "file", "'p' is a file"),
    ("build-parent-is-file", BUILD, "f/ws.json", "file:f", "f is not a directory"),
    ("experiment-parent-is-file", EXPERIMENT, "f/ws.json", "file:f", "f is not a directory"),
    ("combine-parent-is-file", COMBINE, "f/c.json", "file:f", "f is not a directory"),
    ("scan-output-is-file", SCAN, "s", "file", "'s' is a file"),
    ("templates-output-is-file", TEMPLATES, "t", "file", "'t' is a file"),
    ("scan-parent-is-file", SCAN, "f/s", "file:f", "f is not a directory"),
    ("templates-parent-is-file", TEMPLATES, "f/t", "file:f", "f is not a directory"),
    # a name longer than 255 bytes
    ("build-name-too-long", BUILD, f"{LONG}.json", "", "File name too long"),
    ("experiment-name-too-long", EXPERIMENT, f"{LONG}.json", "", "File name too long"),
    ("combine-name-too-long", COMBINE, f"{LONG}.json", "", "File name too long"),
    ("scan-name-too-long", SCAN, LONG, "", "File name too long"),
    # a full disk (existing outputs replaced with --force keep their bytes)
    ("build-disk-full", [*BUILD, "--force"], "fs/ws.json", "full", "No space left"),
    ("experiment-disk-full", [*EXPERIMENT, "--force"], "fs/ws.json", "full", "No space left"),
    ("combine-disk-full", [*COMBINE, "--force"], "fs/c.json", "full", "No space left"),
    ("scan-disk-full", [*SCAN, "--force"], "fs/s", "full", "No space left"),
    ("limit-disk-full", [*LIMIT, "--force"], "fs/l.json", "full", "fs/l.json: cannot write"),
    # a read-only directory
    ("build-read-only", [*BUILD, "--force"], "fs/ws.json", "readonly", "fs/ws.json: "),
    ("experiment-read-only", [*EXPERIMENT, "--force"], "fs/ws.json", "readonly", "fs/ws.json: "),
    ("combine-read-only", [*COMBINE, "--force"], "fs/c.json", "readonly", "fs/c.json: "),
    ("scan-read-only", [*SCAN, "--force"], "fs/s", "readonly", "fs/s/dark_photon_limits.json: "),
    ("limit-read-only", [*LIMIT, "--force"], "fs/l.json", "readonly", "fs/l.json: cannot write"),
    ("limit-name-too-long", LIMIT, f"{LONG}.json", "", "File name too long"),
    # an output that is one of the inputs, refused with --force
    ("build-onto-config", [*BUILD, "--force"], "good.yml", "", "good.yml: is also an input"),
    ("experiment-onto-card", [*EXPERIMENT, "--force"], "ge/card.yml", "", "is also an input"),
    ("combine-onto-input", [*COMBINE, "--force"], "mm.json", "", "mm.json: is also an input"),
    ("limit-onto-workspace", [*LIMIT, "--force"], "mm.json", "", "mm.json: is also an input"),
    (
        "scan-onto-inputs",
        SCAN_ONTO_INPUT,
        ".",
        "rename:dp.json:dark_photon_limits.json",
        "dark_photon_limits.json: is also an input",
    ),
    ("reproduce-onto-templates", [*REPRODUCE, "--force"], "tpl", "", "tpl: is also an input"),
    ("reproduce-around-templates", [*REPRODUCE, "--force"], ".", "", ".: is also an input"),
    ("publish-onto-workspaces", [*PUBLISH, "--force"], ".", "", ".: is also an input"),
    # YAML tags that JSON cannot hold, refused when the config or card is read
    (
        "build-yaml-set",
        BUILD,
        "ws.json",
        "yaml:good.yml:    metadata: {k: !!set {a, b}}",
        "signals[0].metadata.k: the YAML tag !!set",
    ),
    (
        "build-yaml-binary",
        BUILD,
        "ws.json",
        "yaml:good.yml:    metadata: {k: !!binary aGk=}",
        "signals[0].metadata.k: the YAML tag !!binary",
    ),
    (
        "build-yaml-timestamp",
        BUILD,
        "ws.json",
        "yaml:good.yml:    metadata: {k: !!timestamp 2020-05-22}",
        "signals[0].metadata.k: the YAML tag !!timestamp",
    ),
    (
        "build-yaml-python",
        BUILD,
        "ws.json",
        "yaml:good.yml:    metadata: {k: !!python/tuple [1, 2]}",
        "signals[0].metadata.k: the YAML tag !!python/tuple",
    ),
    (
        "experiment-yaml-binary",
        EXPERIMENT,
        "ws.json",
        "yaml:ge/card.yml:extra: !!binary aGk=",
        "card.yml: extra: the YAML tag !!binary",
    ),
    (
        "experiment-yaml-set",
        EXPERIMENT,
        "ws.json",
        "yaml:ge/card.yml:extra: !!set {a}",
        "card.yml: extra: the YAML tag !!set",
    ),
    # a device is never replaced
    ("limit-onto-device", [*LIMIT, "--force"], "/dev/full", "", "/dev/full: is not a regular"),
]

_MOUNTS: list[Path] = []


def _tmpfs(path: Path) -> bool:
    """Mount a 64 KiB tmpfs at ``path``; False if this machine cannot."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    run = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "xhf-test", str(path)], capture_output=True
    )
    if run.returncode != 0:
        return False
    _MOUNTS.append(path)
    return True


@pytest.fixture
def work(tmp_path, command_inputs, monkeypatch):
    """A copy of the session's inputs, the current directory of the case; mounts undone."""
    root = tmp_path / "work"
    shutil.copytree(command_inputs, root, symlinks=True)
    monkeypatch.chdir(root)
    yield root
    while _MOUNTS:
        subprocess.run(["umount", str(_MOUNTS.pop())], check=True)


def _prepare(root: Path, out: str, how: str) -> None:
    kind, _, where = how.partition(":")
    if kind == "rename":  # an input renamed to the name of an output
        source, _, target = where.partition(":")
        os.replace(root / source, root / target)
        return
    if kind == "yaml":
        file, _, text = where.partition(":")
        with open(root / file, "a") as handle:
            handle.write(text + "\n")
        return
    place = root / (where or out)
    if kind in ("full", "readonly"):
        fs = root / "fs"
        fs.mkdir()
        existing = root / out
        if not _tmpfs(fs):
            if kind == "full":
                pytest.skip("no tmpfs to fill on this machine (needs root)")
            fs.chmod(stat.S_IRUSR | stat.S_IXUSR)
            return
        if existing.suffix == ".json":  # an earlier output that --force would replace
            existing.write_text('{"earlier": true}\n')
        if kind == "full":
            with open(fs / "filler", "wb", buffering=0) as handle, pytest.raises(OSError):
                while True:
                    handle.write(b"\0" * 4096)
        else:
            subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)
        return
    place.parent.mkdir(parents=True, exist_ok=True)
    if kind == "dangling":
        place.symlink_to("nowhere")
    elif kind == "dir":
        place.mkdir()
        (place / "kept.txt").write_text("kept\n")
    elif kind == "file":
        place.write_text("earlier\n")


def _arguments(args: list[str], out: str) -> list[str]:
    return [a.replace("{out}", out) for a in args]


def _no_temporaries(root: Path) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


@pytest.mark.parametrize(
    ("args", "out", "how", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_refused_in_one_line_and_nothing_changes(work, snapshot_of, args, out, how, expected):
    _prepare(work, out, how)
    args = _arguments(args, out)
    device = os.stat("/dev/full").st_mode if out == "/dev/full" else None
    before = snapshot_of(work)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert expected in lines[0], lines[0]
    assert snapshot_of(work) == before
    assert _no_temporaries(work) == []
    if device is not None:
        assert os.stat("/dev/full").st_mode == device


def test_the_case_ids_are_unique():
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_full_standard_output_is_one_line_too(tmp_path):
    """Printing into /dev/full (every write: no space left) is one line on stderr, exit 2."""
    import sys

    xhf = [sys.executable, "-c", "import sys; from xhf.cli import cli; sys.exit(cli())"]
    with open("/dev/full", "w") as full:
        run = subprocess.run(
            [*xhf, "spectrum", "--model", "sm", "--energies-kev", "1,5", "--json"],
            stdout=full,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            timeout=300,
        )
    lines = run.stderr.decode().splitlines()
    assert run.returncode == 2, lines
    assert lines == ["Error: (file system): No space left on device"]
    assert list(tmp_path.iterdir()) == []
