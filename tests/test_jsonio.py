"""Deterministic JSON: compact form for large documents, rounding to significant digits."""

import json

import numpy as np
import pytest

from xhf.exceptions import InvalidInputError
from xhf.jsonio import dumps, round_significant, write_json
from xhf.jsonread import parse_json, read_json


def test_compact_dumps_has_no_whitespace_and_sorted_keys():
    doc = {"b": [1.0, 2.5], "a": {"y": None, "x": True}}
    text = dumps(doc, compact=True)
    assert text == '{"a":{"x":true,"y":null},"b":[1.0,2.5]}\n'
    assert json.loads(text) == doc


def test_the_default_stays_indented():
    assert dumps({"a": [1.0]}) == '{\n  "a": [\n    1.0\n  ]\n}\n'


def test_write_json_compact_round_trips(tmp_path):
    doc = {"values": np.array([0.1, 1e-300, -3.0]), "n": np.int64(4)}
    path = write_json(tmp_path / "c.json", doc, compact=True)
    assert path.read_text().count("\n") == 1
    assert read_json(path) == {"values": [0.1, 1e-300, -3.0], "n": 4}


def test_round_significant_rounds_floats_only():
    doc = {"a": [123456.789, -0.000123456789, 0.0, -0.0], "i": 7, "b": False, "s": "1.23456"}
    rounded = round_significant(doc, 3)
    assert rounded == {"a": [123000.0, -0.000123, 0.0, -0.0], "i": 7, "b": False, "s": "1.23456"}
    assert isinstance(rounded["a"][0], float) and isinstance(rounded["i"], int)
    assert doc["a"][0] == 123456.789  # the input is not modified


def test_round_significant_is_idempotent_and_short():
    values = np.random.default_rng(1).lognormal(0.0, 5.0, 1000) * np.where(
        np.arange(1000) % 2, 1.0, -1.0
    )
    once = round_significant(values, 6)
    assert round_significant(once, 6) == once
    assert all(len(repr(abs(v)).replace("e-", "").replace("e+", "")) <= 12 for v in once)
    np.testing.assert_allclose(once, values, rtol=5e-6, atol=0.0)


@pytest.mark.parametrize("digits", [0, 18, 2.0, True])
def test_round_significant_needs_a_sensible_number_of_digits(digits):
    with pytest.raises(ValueError, match="digits"):
        round_significant([1.0], digits)


def test_atomic_outputs_commit_together_and_leave_no_temporaries(tmp_path):
    from xhf.jsonio import atomic_outputs

    with atomic_outputs() as out:
        out.add(tmp_path / "ws.json", dumps({"a": 1.0}))
        out.add(tmp_path / "sub" / "ws.meta.json", b"{}\n")
        assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == []
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "sub",
        "sub/ws.meta.json",
        "ws.json",
    ]


def test_atomic_outputs_restore_replaced_files_when_the_commit_fails_part_way(tmp_path):
    """With force, the first file is already in place when the second cannot be moved: the
    first is put back, the earlier files keep their bytes and nothing else remains."""
    from xhf.exceptions import OutputError
    from xhf.jsonio import atomic_outputs

    first, second = tmp_path / "ws.json", tmp_path / "ws.meta.json"
    first.write_text("earlier workspace\n")
    second.write_text("earlier sidecar\n")
    with pytest.raises(OutputError, match=r"ws\.meta\.json: cannot write"):
        with atomic_outputs(force=True) as out:
            out.add(first, "new workspace\n")
            out.add(second, "new sidecar\n")
            staged = list(out.staging.rglob("ws.meta.json"))
            assert len(staged) == 1
            staged[0].unlink()  # the second file vanishes from the staging directory
    assert first.read_text() == "earlier workspace\n"
    assert second.read_text() == "earlier sidecar\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws.json", "ws.meta.json"]


def test_an_interruption_before_the_commit_changes_nothing(tmp_path):
    from xhf.jsonio import atomic_outputs

    (tmp_path / "a.json").write_text("earlier\n")
    with pytest.raises(KeyboardInterrupt):
        with atomic_outputs(force=True) as out:
            out.add(tmp_path / "a.json", "new\n")
            out.add(tmp_path / "b.json", "new\n")
            raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    assert (tmp_path / "a.json").read_text() == "earlier\n"


def test_a_dangling_link_is_an_existing_output(tmp_path):
    """Without force it is refused; with force the link itself is replaced, not its target."""
    from xhf.exceptions import OutputExistsError

    link = tmp_path / "ws.json"
    link.symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(OutputExistsError, match=r"ws\.json: exists"):
        write_json(link, {"a": 1})
    assert link.is_symlink()
    write_json(link, {"a": 1}, force=True)
    assert not link.is_symlink() and json.loads(link.read_text()) == {"a": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws.json"]


# --------------------------------------------------------------------- the strict reader


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_up_to_the_ceiling_is_read_and_one_more_level_is_not():
    from xhf.ceilings import MAX_JSON_DEPTH

    assert parse_json(_nested(MAX_JSON_DEPTH), "x.json") is not None
    with pytest.raises(InvalidInputError, match=r"^x\.json: \(top level\): nested deeper"):
        parse_json(_nested(MAX_JSON_DEPTH + 1), "x.json")
    with pytest.raises(InvalidInputError, match="nested deeper"):
        parse_json('{"a":' * 100_000, "x.json")  # deeper than Python's recursion limit


def test_duplicated_keys_are_an_error_naming_the_key_at_any_depth():
    assert parse_json('{"a": {"b": 1}, "c": {"b": 2}}', "x.json") == {"a": {"b": 1}, "c": {"b": 2}}
    with pytest.raises(InvalidInputError, match=r"x\.json: field 'b': duplicated key"):
        parse_json('{"a": [{"b": 1, "b": 1}]}', "x.json")


def test_integers_beyond_a_float_are_refused_with_their_place():
    largest = int(np.finfo(np.float64).max)
    assert parse_json(f"[{largest}]", "x.json") == [largest]
    with pytest.raises(InvalidInputError, match=r"x\.json: a\[1\]: an integer of 310 digits"):
        parse_json(f'{{"a": [0, {largest * 10}]}}', "x.json")
    with pytest.raises(InvalidInputError, match="more than 4300 digits"):
        parse_json("1" * 5000, "x.json")


def test_constants_are_read_unless_refused():
    assert np.isnan(parse_json("[NaN]", "x.json")[0])
    with pytest.raises(InvalidInputError, match="NaN is not a JSON number"):
        parse_json("[NaN]", "x.json", constants=False)


def test_read_json_refuses_non_utf8_and_files_above_the_size_ceiling(tmp_path, monkeypatch):
    path = tmp_path / "x.json"
    path.write_bytes(b'{"a":\n "\xe9"}')
    with pytest.raises(InvalidInputError, match=r"x\.json: line 2: not UTF-8 text"):
        read_json(path)
    path.write_text('{"a": 1}')
    assert read_json(path) == {"a": 1}
    monkeypatch.setattr("xhf.jsonread.MAX_JSON_BYTES", 7)
    with pytest.raises(InvalidInputError, match="8 bytes, above the ceiling of 7 bytes"):
        read_json(path)
