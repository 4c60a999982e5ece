"""Property test: any mutation of a valid build config loads or raises an XhfError, nothing else."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xhf.exceptions import XhfError
from xhf.workspace.config import load_config

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad" / "configs"
GOOD = yaml.safe_load((CORPUS / "good.yml").read_text())

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
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
    import copy

    doc = copy.deepcopy(document)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if action == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(ALL_PATHS), st.sampled_from(["delete", "replace"]), values),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_configs_load_or_raise_xhf_errors(mutations):
    document = GOOD
    for path, action, value in mutations:
        try:
            document = mutate(document, path, action, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
    with tempfile.TemporaryDirectory() as tmp:
        for item in CORPUS.iterdir():
            if item.is_dir():
                shutil.copytree(item, Path(tmp) / item.name)
            elif item.suffix != ".yml":
                shutil.copy(item, Path(tmp) / item.name)
        config = Path(tmp) / "config.yml"
        config.write_text(yaml.safe_dump(document))
        try:
            load_config(config)
        except XhfError:
            pass
