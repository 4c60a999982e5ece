"""Inputs for every command that writes files, made once per session.

Used by tests/bad_inputs/test_hostile_outputs.py (file-system errors, links, an output that is
an input) and tests/test_interrupt.py (SIGINT/SIGTERM at each stage): each case copies this
directory and runs a command in the copy.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _synchronous_scheduler(monkeypatch):
    """Commands run their tasks in-process unless a test asks for a scheduler: a monkeypatched
    function reaches them, and no test starts a cluster by accident (tests/infer/test_execution.py
    starts the clusters it checks)."""
    monkeypatch.setenv("XHF_SCHEDULER", "synchronous")


def _corpus_histograms(path: Path) -> None:
    """The ROOT file the reference build config refers to (tests/workspace/conftest.py)."""
    spec = importlib.util.spec_from_file_location(
        "_workspace_conftest", ROOT / "tests" / "workspace" / "conftest.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_corpus_histograms(path)


@pytest.fixture(scope="session")
def command_inputs(tmp_path_factory) -> Path:
    """A directory with an input for each command that writes files.

    ``good.yml`` + ``histograms.root`` (build), ``ge/card.yml`` and ``tpc/card.yml``
    (experiment, combine), ``mm.json`` with its sidecar (the shipped magnetic-moment workspace;
    combine, limit), ``dp.json`` + ``dp_components_patchset.json`` with sidecars (a one-mass
    dark photon; scan) and ``tpl/`` (the shipped replica templates; reproduce).
    """
    from xhf.cli import cli

    root = tmp_path_factory.mktemp("command_inputs")
    shutil.copy(ROOT / "tests" / "data" / "bad" / "configs" / "good.yml", root / "good.yml")
    _corpus_histograms(root / "histograms.root")
    shutil.copytree(ROOT / "examples" / "germanium", root / "ge")
    shutil.copytree(ROOT / "examples" / "xenon_tpc", root / "tpc")
    for name in ("xmass1_magnetic_moment.json", "xmass1_magnetic_moment.meta.json"):
        shutil.copy(ROOT / "workspaces" / name, root / name.replace("xmass1_magnetic_moment", "mm"))
    shutil.copytree(ROOT / "templates" / "xmass1_replica", root / "tpl")
    cwd = Path.cwd()
    os.chdir(root)
    try:
        args = ["experiment", "ge/card.yml", "--model", "dark-photon", "--mass-mev", "0.001"]
        result = CliRunner().invoke(cli, [*args, "-o", "dp.json"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return root


def snapshot(root: Path) -> dict[str, bytes | str | None]:
    """Every entry under ``root`` (hidden ones included) -> its bytes, its link target for a
    symbolic link, None for a directory."""
    out: dict[str, bytes | str | None] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            out[key] = "-> " + os.readlink(path)
        elif path.is_dir():
            out[key] = None
        else:
            out[key] = path.read_bytes()
    return out


@pytest.fixture
def snapshot_of():
    """:func:`snapshot` as a fixture."""
    return snapshot
