"""Fixtures of the combination tests; the helpers themselves are in tests/support/cards.py."""

from __future__ import annotations

import pytest

from tests.support import ROOT


@pytest.fixture(scope="session")
def replica():
    """The shipped XMASS-I-like replica (templates/xmass1_replica)."""
    from xhf.templates import read_templates

    return read_templates(ROOT / "templates" / "xmass1_replica")
