"""Fixtures of the workspace tests; the builders themselves are in tests/support/templates.py."""

from __future__ import annotations

import pytest

from tests.support.templates import make_templates
from xhf.templates import TemplateSet


@pytest.fixture
def templates() -> TemplateSet:
    """A small XMASS-I-shaped TemplateSet with every feature the builder uses."""
    return make_templates()
