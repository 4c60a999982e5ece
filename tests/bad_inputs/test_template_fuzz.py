"""Fuzzing the template readers: a damaged file is read, or refused with one line naming it.

Each test starts from a valid file of the bad-template corpus (tests/data/bad/templates/good.*)
and damages it at random: bytes flipped, overwritten, inserted, deleted or cut off (ROOT and
NPZ); arrays of the NPZ archive edited (another dtype, NaN, infinities, huge or negative
values, a wrong length or shape, a key deleted, duplicated or added); cells, header names and
lines of the CSV files edited; the JSON document (``templates.json``, ``xhf_metadata``) edited
as text or as a tree (a value replaced by another JSON value, a key deleted or renamed, a list
item duplicated). The property: ``read_templates`` returns a TemplateSet that validates and
can be written again, or raises an :class:`~xhf.exceptions.XhfError` whose message is one
line starting with the path it was given. Any other exception fails, and so does a warning
(pytest turns warnings into errors).

Each format gets 60 examples (NPZ: 25 damaged archives and 35 edited arrays; CSV: 30 edited
tables and 30 edited documents), derandomized so that every run draws the same ones, plus the
explicit ``@example`` cases that failed before the readers were fixed.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support.files import load_script
from xhf.exceptions import XhfError
from xhf.templates import read_templates, write_templates

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad" / "templates"


def fuzz(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


#: The corpus generator (its NPZ member reader and writer).
GEN = load_script(CORPUS / "make_bad_templates.py")


def reads_or_refuses(path: Path) -> None:
    """The property, for a damaged file or directory at ``path``."""
    try:
        ts = read_templates(path)
    except XhfError as exc:
        message = str(exc)
        assert len(message.splitlines()) == 1 and "\r" not in message, message
        assert message.startswith(f"{path}"), message
    else:
        ts.validate(source=str(path))
        with tempfile.TemporaryDirectory() as tmp:
            write_templates(ts, Path(tmp) / "again.npz")


# ---------------------------------------------------------------------------------------------
# bytes (ROOT and NPZ)


@st.composite
def damaged_bytes(draw, data: bytes) -> bytes:
    """``data`` with bytes flipped, overwritten, inserted or deleted, or the end cut off."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "overwrite", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        if kind == "flip" and out:
            out[at] ^= draw(st.integers(1, 255))
        elif kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            out[at : at + len(chunk)] = chunk
        elif kind == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del out[at : at + draw(st.integers(1, 64))]
        else:
            del out[at:]
    return bytes(out)


GOOD_ROOT = (CORPUS / "good.root").read_bytes()
GOOD_NPZ = (CORPUS / "good.npz").read_bytes()


@fuzz(60)
@given(data=damaged_bytes(GOOD_ROOT))
def test_damaged_root_files(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.root"
        path.write_bytes(data)
        reads_or_refuses(path)


@fuzz(25)
@given(data=damaged_bytes(GOOD_NPZ))
# np.load took a file that does not start as a zip for a pickle: the message said so
@example(data=b"XX" + GOOD_NPZ[2:])
def test_damaged_npz_archives(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.npz"
        path.write_bytes(data)
        reads_or_refuses(path)


# ---------------------------------------------------------------------------------------------
# the JSON document (every format)

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["bkg", "c", "signal", "magnetic_moment", "bkg\n", 10**400, 2.5, 0]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*path, i))
    return out


def _dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True)


@st.composite
def damaged_document(draw, doc: dict[str, Any]) -> str:
    """The document's text with characters replaced, or with one node of its tree replaced,
    deleted, renamed or duplicated."""
    text = _dumps(doc)
    if draw(st.integers(0, 3)) == 0:  # characters
        at = draw(st.integers(0, len(text) - 1))
        cut = draw(st.integers(0, 8))
        new = draw(st.text(alphabet='{}[],:"0123456789.eE+-aNIfinty \n', max_size=8))
        return text[:at] + new + text[at + cut :]
    doc = copy.deepcopy(doc)
    path = draw(st.sampled_from(_paths(doc)[1:]))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    action = draw(st.sampled_from(["replace", "replace", "delete", "rename", "duplicate"]))
    if action == "replace":
        parent[key] = draw(JSON_VALUES)
    elif action == "delete":
        del parent[key]
    elif action == "rename" and isinstance(parent, dict):
        parent[draw(st.text(max_size=6))] = parent.pop(key)
    elif isinstance(parent, list):
        parent.insert(key, copy.deepcopy(parent[key]))
    else:
        parent[key] = copy.deepcopy(parent)  # a dict copied one level into itself
    return _dumps(doc)


# ---------------------------------------------------------------------------------------------
# NPZ arrays

MEMBERS = GEN.npz_members(CORPUS / "good.npz")
KEYS = [key for key, _ in MEMBERS]
DOCUMENT = json.loads(str(dict(MEMBERS)["xhf_metadata"]))
ODD_VALUES = [np.nan, np.inf, -np.inf, 1e300, -1e300, 1.5e15, 1e15, -1.0, -0.0, 5e-324, 0.0]
DTYPES = ["int64", "uint8", "float32", "float16", ">f8", "<U8", "S4", "bool", "complex128"]


def _with(key: str, value: Any) -> list[tuple[str, Any]]:
    """The members of good.npz with ``key`` replaced."""
    return [(k, value if k == key else v) for k, v in MEMBERS]


@st.composite
def edited_members(draw) -> list[tuple[str, Any]]:
    members = [(key, np.array(value)) for key, value in MEMBERS]
    for _ in range(draw(st.integers(1, 2))):
        if not members:
            break
        i = draw(st.integers(0, len(members) - 1))
        key, value = members[i]
        edit = draw(
            st.sampled_from(
                ["value", "dtype", "length", "shape", "delete", "duplicate", "add", "document"]
            )
        )
        if edit == "document":
            text = np.array(draw(damaged_document(DOCUMENT)))
            keys = [k for k, _ in members]
            if "xhf_metadata" in keys:
                members[keys.index("xhf_metadata")] = ("xhf_metadata", text)
        elif edit == "value" and value.ndim == 1 and value.size and value.dtype.kind == "f":
            value = value.copy()
            value[draw(st.integers(0, value.size - 1))] = draw(st.sampled_from(ODD_VALUES))
            members[i] = (key, value)
        elif edit == "dtype" and value.dtype.kind == "f":
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                members[i] = (key, value.astype(draw(st.sampled_from(DTYPES))))
        elif edit == "length":
            members[i] = (key, np.resize(value, (draw(st.integers(0, value.size + 2)),)))
        elif edit == "shape" and value.size:
            members[i] = (key, value.reshape(1, -1) if draw(st.booleans()) else value.flat[0])
        elif edit == "delete":
            del members[i]
        elif edit == "duplicate":
            members.append((key, value))
        elif edit == "add":
            members.append((draw(st.sampled_from([*KEYS, "c/new", "signals/x/y"])), value))
    return members


@fuzz(35)
@given(members=edited_members())
# a complex array was cast to float64 with a ComplexWarning, dropping its imaginary part
@example(members=_with("c/bkg_stat", np.array([4.0, 3.5, 3.0, 2.5j])))
# a member that is not a .npy file came back from np.load as bytes: AttributeError
@example(members=_with("xhf_metadata", json.dumps(DOCUMENT).encode()))
# NaN in the metadata read, but made a TemplateSet that could not be written again
@example(members=_with("xhf_metadata", np.array(_dumps({**DOCUMENT, "metadata": {"x": np.nan}}))))
def test_edited_npz_arrays(members):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.npz"
        GEN.write_npz_members(path, members)
        reads_or_refuses(path)


# ---------------------------------------------------------------------------------------------
# CSV directories

GOOD_CSV = CORPUS / "good_csv"
CSV_FILES = ["c.csv", "signals/magnetic_moment.csv"]
INDEX = (GOOD_CSV / "templates.json").read_text()
CELLS = (
    st.sampled_from(
        [
            *["", "nan", "inf", "-inf", "1e300", "-1", "-0.0", "1e15", "1.1e15", "abc", '"5"'],
            *[" 7 ", "1_0", "0x10", "\u221e", "5e-324", "4.0", "12", "2", '"', "a,b", "\ufeff1"],
        ]
    )
    | st.floats().map(repr)
    | st.text(max_size=6)
)


@st.composite
def edited_table(draw, text: str) -> str:
    """A CSV text with a cell, a header name or a line edited, or cut short."""
    rows = [line.split(",") for line in text.splitlines()]
    edit = draw(st.sampled_from(["cell", "cell", "header", "delete", "duplicate", "insert", "cut"]))
    if edit == "cell":
        r = draw(st.integers(1, len(rows) - 1))
        rows[r][draw(st.integers(0, len(rows[r]) - 1))] = draw(CELLS)
    elif edit == "header":
        j = draw(st.integers(0, len(rows[0]) - 1))
        how = draw(st.sampled_from(["rename", "drop", "copy"]))
        if how == "rename":
            names = st.sampled_from([*rows[0], "low_MeV", "high_ev", "low_keV", "x"])
            rows[0][j] = draw(names | st.text(max_size=6))
        elif how == "drop":
            rows = [row[:j] + row[j + 1 :] for row in rows]
        else:
            rows = [[*row, row[j]] for row in rows]
    elif edit == "delete":
        del rows[draw(st.integers(0, len(rows) - 1))]
    elif edit == "duplicate":
        r = draw(st.integers(0, len(rows) - 1))
        rows.insert(r, list(rows[r]))
    elif edit == "insert":
        rows.insert(draw(st.integers(0, len(rows))), draw(st.lists(CELLS, max_size=10)))
    else:
        joined = "\n".join(",".join(row) for row in rows)
        return joined[: draw(st.integers(0, len(joined)))]
    return "\n".join(",".join(row) for row in rows) + "\n"


@st.composite
def edited_tables(draw) -> dict[str, str]:
    """``{file: new text}`` for one or both CSV files of good_csv/."""
    names = draw(st.lists(st.sampled_from(CSV_FILES), min_size=1, max_size=2, unique=True))
    return {name: draw(edited_table((GOOD_CSV / name).read_text())) for name in names}


def _check_directory(edits: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "csv"
        shutil.copytree(GOOD_CSV, path)
        for name, text in edits.items():
            (path / name).write_text(text, encoding="utf-8")
        reads_or_refuses(path)


_SIGNAL_CSV = (GOOD_CSV / "signals" / "magnetic_moment.csv").read_text()


@fuzz(30)
@given(edits=edited_tables())
# a signal with other bins than its channel: the message did not start with the directory
@example(edits={"signals/magnetic_moment.csv": _SIGNAL_CSV.rsplit("\n", 2)[0] + "\n"})
def test_edited_csv_tables(edits):
    _check_directory(edits)


@fuzz(30)
@given(text=damaged_document(json.loads(INDEX)))
# an integer beyond float64: TypeError from np.isfinite in TemplateSet.validate
@example(text=INDEX.replace('"reference": 1e-10', f'"reference": {10**400}'))
# an integer of more than 4300 digits: ValueError from json.loads, not a JSONDecodeError
@example(text=INDEX.replace('"pseudo_data": true', f'"pseudo_data": {"1" * 5000}'))
# NaN (not JSON) was read as a float, and the TemplateSet could not be written again
@example(text=INDEX.replace('"pseudo_data": true', '"pseudo_data": NaN'))
def test_edited_csv_documents(text):
    _check_directory({"templates.json": text})


@pytest.mark.parametrize("name", ["good.root", "good.npz", "good_csv"])
def test_the_undamaged_files_read(name):
    reads_or_refuses(CORPUS / name)
