"""Inputs for every command that writes files, made once per session.

Used by tests/bad_inputs/test_hostile_outputs.py (file-system errors, links, an output that is
an input) and tests/test_interrupt.py (SIGINT/SIGTERM at each stage): each case copies this
directory and runs a command in the copy.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support import ROOT
from tests.support.files import snapshot
from tests.support.templates import write_corpus_histograms


@pytest.fixture(autouse=True)
def _synchronous_scheduler(monkeypatch):
    """Commands run their tasks in-process unless a test asks for a scheduler: a monkeypatched
    function reaches them, and no test starts a cluster by accident (tests/infer/test_execution.py
    starts the clusters it checks)."""
    monkeypatch.setenv("XHF_SCHEDULER", "synchronous")


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
    write_corpus_histograms(root / "histograms.root")
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


@pytest.fixture
def snapshot_of():
    """:func:`tests.support.files.snapshot` as a fixture."""
    return snapshot
