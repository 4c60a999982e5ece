"""The bad-input contract, asserted once for the tests of this folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.files import snapshot
from xhf.cli import cli


@pytest.fixture
def refused(monkeypatch) -> Callable[[Path, list[str]], str]:
    """``refused(root, args)`` runs ``xhf args`` in ``root`` and asserts the contract: exit
    code 2, one ``Error:`` line, no traceback, nothing under ``root`` written or changed.
    Returns the line."""

    def run(root: Path, args: list[str]) -> str:
        monkeypatch.chdir(root)
        before = snapshot(root)
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1, result.output
        assert lines[0].startswith("Error: "), lines[0]
        assert "Traceback" not in result.output
        assert snapshot(root) == before
        return lines[0]

    return run
