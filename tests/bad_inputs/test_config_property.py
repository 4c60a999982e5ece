"""Property test: any mutation of a valid build config -- of its parsed YAML or of its bytes --
loads and builds, or raises an XhfError whose message is one line naming the config; nothing
else. The config reads the corpus histograms (tests/workspace/conftest.py)."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xhf.exceptions import XhfError
from xhf.workspace.config import load_config
from xhf.workspace.products import build_products

TESTS = Path(__file__).resolve().parents[1]
CORPUS = TESTS / "data" / "bad" / "configs"
GOOD_TEXT = (CORPUS / "good.yml").read_bytes()
GOOD = yaml.safe_load(GOOD_TEXT)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1e-300, 0.5, 2, 1e300]),
    st.text(max_size=8),
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)

#: Bytes that matter to YAML, and any byte at all.
some_bytes = st.one_of(
    st.sampled_from([bytes([c]) for c in b":-[]{},#&*!|>'\"%@`\t\n .0123456789e"]),
    st.binary(min_size=1, max_size=3),
)
#: (where in the file as a fraction, what to do, the bytes to put there).
edits = st.lists(
    st.tuples(st.floats(0.0, 1.0), st.sampled_from(["replace", "insert", "delete"]), some_bytes),
    min_size=1,
    max_size=4,
)


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from paths(value, (*prefix, i))


ALL_PATHS = [p for p in paths(GOOD) if p]


def mutate(document, path, action, value):
    doc = copy.deepcopy(document)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if action == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


def corrupt(data: bytes, changes) -> bytes:
    """``data`` with byte edits at relative positions (each on the result of the previous)."""
    out = bytearray(data)
    for where, action, chunk in changes:
        i = min(int(where * len(out)), max(len(out) - 1, 0))
        if action == "insert":
            out[i:i] = chunk
        elif action == "delete":
            del out[i : i + len(chunk)]
        else:
            out[i : i + len(chunk)] = chunk
    return bytes(out)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder with the corpus histograms (``histograms.root``) that good.yml reads."""
    spec = importlib.util.spec_from_file_location(
        "workspace_conftest", TESTS / "workspace" / "conftest.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path_factory.mktemp("config_property")
    module.write_corpus_histograms(path / "histograms.root")
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
@given(
    st.lists(
        st.tuples(st.sampled_from(ALL_PATHS), st.sampled_from(["delete", "replace"]), values),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_configs_load_or_raise_xhf_errors(folder, mutations):
    document = GOOD
    for path, action, value in mutations:
        try:
            document = mutate(document, path, action, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
    config = folder / "config.yml"
    config.write_text(yaml.safe_dump(document))
    load_and_build_or_xhf_error(config)


@SETTINGS
@given(edits)
def test_corrupted_config_text_loads_or_raises_xhf_errors(folder, changes):
    config = folder / "config.yml"
    config.write_bytes(corrupt(GOOD_TEXT, changes))
    load_and_build_or_xhf_error(config)
