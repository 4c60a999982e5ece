"""Mutations of valid YAML inputs for the property tests of the config and card loaders.

Two kinds: structural (delete or replace the value at a path of the parsed document) and
textual (byte edits at relative positions of the file). Used by the property modules of
tests/bad_inputs/.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Reproducible in CI: the same 60 examples on every run.
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def values(specials: Sequence[float], integers: tuple[int, int]) -> st.SearchStrategy:
    """Any YAML value: null, booleans, numbers (``specials`` among them), text, lists, maps."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(list(specials)),
        st.text(max_size=8),
        st.lists(st.integers(*integers), max_size=3),
        st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    )


#: Bytes that matter to YAML and to the table readers, and any byte at all.
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


def paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path (tuple of keys and indices) of a parsed document, the root first."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from paths(value, (*prefix, i))


def mutations(document: Any, value_strategy: st.SearchStrategy) -> st.SearchStrategy:
    """Lists of 1-3 (path, "delete" | "replace", value) for :func:`apply`."""
    every = [p for p in paths(document) if p]
    return st.lists(
        st.tuples(st.sampled_from(every), st.sampled_from(["delete", "replace"]), value_strategy),
        min_size=1,
        max_size=3,
    )


def mutate(document: Any, path: tuple, action: str, value: Any) -> Any:
    """A copy of ``document`` with the value at ``path`` deleted or replaced."""
    doc = copy.deepcopy(document)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if action == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


def apply(document: Any, changes: Sequence[tuple]) -> Any:
    """``document`` after each mutation; one whose path an earlier one removed is skipped."""
    for path, action, value in changes:
        try:
            document = mutate(document, path, action, value)
        except (KeyError, IndexError, TypeError):
            continue
    return document


def corrupt(data: bytes, changes: Sequence[tuple]) -> bytes:
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
