"""Property test: any mutation of a valid build config -- of its parsed YAML or of its bytes --
loads and builds, or raises an XhfError whose message is one line naming the config; nothing
else. The config reads the corpus histograms (tests/workspace/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given

from tests.support import mutations as m
from tests.support.templates import write_corpus_histograms
from xhf.exceptions import XhfError
from xhf.workspace.config import load_config
from xhf.workspace.products import build_products

TESTS = Path(__file__).resolve().parents[1]
CORPUS = TESTS / "data" / "bad" / "configs"
GOOD_TEXT = (CORPUS / "good.yml").read_bytes()
GOOD = yaml.safe_load(GOOD_TEXT)
SETTINGS = m.SETTINGS
values = m.values([0, 1e-300, 0.5, 2, 1e300], (-5, 5))
edits = m.edits
corrupt = m.corrupt


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder with the corpus histograms (``histograms.root``) that good.yml reads."""
    path = tmp_path_factory.mktemp("config_property")
    write_corpus_histograms(path / "histograms.root")
    return path


def load_and_build_or_xhf_error(config: Path) -> None:
    """Load (and, if it loads, build in memory) or raise one line naming the config."""
    try:
        build_products(load_config(config), config.with_name("ws.json"))
    except XhfError as exc:
        message = str(exc)
        assert "\n" not in message, message
        assert message.startswith(f"{config.name}: "), message


def test_the_reference_config_builds(folder):
    config = folder / "config.yml"
    config.write_bytes(GOOD_TEXT)
    assert build_products(load_config(config), folder / "ws.json")


@SETTINGS
@given(m.mutations(GOOD, values))
def test_mutated_configs_load_or_raise_xhf_errors(folder, changes):
    document = m.apply(GOOD, changes)
    config = folder / "config.yml"
    config.write_text(yaml.safe_dump(document))
    load_and_build_or_xhf_error(config)


@SETTINGS
@given(edits)
def test_corrupted_config_text_loads_or_raises_xhf_errors(folder, changes):
    config = folder / "config.yml"
    config.write_bytes(corrupt(GOOD_TEXT, changes))
    load_and_build_or_xhf_error(config)
