"""Hostile inputs made at test time: too large to commit, or needing a lowered ceiling.

Deep nesting (100000 levels), integers of 5000 digits, models of 20000 bins, more patches,
samples or modifiers than the ceilings of ``xhf.ceilings`` (lowered here so that the inputs
stay small), files above the size ceilings, and a fit that fails in ``xhf diagnostics``. Each
case exits 2 with one ``Error:`` line naming the file and the field, no traceback, and writes
nothing (an output directory that did not exist is not created).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad"
GOOD_WS = json.loads((CORPUS / "workspaces" / "good_workspace.json").read_text())
GOOD_PS = json.loads((CORPUS / "workspaces" / "ps_good.json").read_text())
DEEP_LIST = "[" * 100_000
DEEP_OBJECT = '{"a":' * 100_000
DIGITS = "1" * 5000
DEEP_MESSAGE = "(top level): nested deeper than 100 levels"
DIGITS_MESSAGE = "(top level): an integer of more than 4300 digits"


def _text(obj) -> str:
    return json.dumps(obj, indent=1, sort_keys=True)


def _with_digits(obj) -> str:
    """``obj`` as JSON with a 5000-digit integer as its last field."""
    return _text(obj)[:-1] + f', "extra": {DIGITS}}}'


def _wide(bins_per_channel: list[int]) -> dict:
    """A valid-looking workspace with channels of the given numbers of bins."""
    ws = copy.deepcopy(GOOD_WS)
    channel, observation = ws["channels"][0], ws["observations"][0]
    ws["channels"], ws["observations"] = [], []
    for k, n in enumerate(bins_per_channel):
        ch = copy.deepcopy(channel)
        ch["name"] = f"c{k}"
        for sample in ch["samples"]:
            sample["data"] = [1.0] * n
        ws["channels"].append(ch)
        ws["observations"].append({**observation, "name": f"c{k}", "data": [1.0] * n})
    return ws


def _patch_to(bins: int) -> dict:
    ps = copy.deepcopy(GOOD_PS)
    ps["patches"][0]["patch"][0]["value"] = [1.0] * bins
    return ps


def _many_patches(n: int) -> dict:
    ps = copy.deepcopy(GOOD_PS)
    ps["patches"] = [
        {**copy.deepcopy(GOOD_PS["patches"][0]), "metadata": {"name": f"m{i}", "values": [i]}}
        for i in range(1, n + 1)
    ]
    return ps


def _non_converging() -> dict:
    """The fit pulls a histosys into negative yields: cabinetry's fit fails."""
    ws = copy.deepcopy(GOOD_WS)
    ws["channels"][0]["samples"][1]["modifiers"].append(
        {
            "name": "shape",
            "type": "histosys",
            "data": {"hi_data": [1000.0, 1000.0], "lo_data": [-1000.0, -1000.0]},
        }
    )
    ws["observations"][0]["data"] = [0.0, 0.0]
    return ws


GOOD_TEXT = _text(GOOD_WS)
PS_ARGS = ["--patchset", "ps.json", "--patch", "m1"]

#: (case id, files to write {name: text}, CLI arguments, ceilings to lower
#:  {"module.NAME": value}, text the error line must contain).
CASES: list[tuple[str, dict[str, str], list[str], dict[str, int], str]] = [
    ("ws_deep_list", {"ws.json": DEEP_LIST}, ["limit", "ws.json"], {}, f"ws.json: {DEEP_MESSAGE}"),
    (
        "ws_deep_object",
        {"ws.json": DEEP_OBJECT},
        ["limit", "ws.json"],
        {},
        f"ws.json: {DEEP_MESSAGE}",
    ),
    (
        "ws_5000_digits",
        {"ws.json": _with_digits(GOOD_WS)},
        ["limit", "ws.json"],
        {},
        f"ws.json: {DIGITS_MESSAGE}",
    ),
    (
        "sidecar_deep",
        {"ws.json": GOOD_TEXT, "ws.meta.json": DEEP_OBJECT},
        ["limit", "ws.json"],
        {},
        f"ws.meta.json: {DEEP_MESSAGE}",
    ),
    (
        "sidecar_5000_digits",
        {"ws.json": GOOD_TEXT, "ws.meta.json": '{"signal": ' + DIGITS + "}"},
        ["limit", "ws.json"],
        {},
        f"ws.meta.json: {DIGITS_MESSAGE}",
    ),
    (
        "ps_deep",
        {"ws.json": GOOD_TEXT, "ps.json": DEEP_LIST},
        ["limit", "ws.json", *PS_ARGS],
        {},
        f"ps.json: {DEEP_MESSAGE}",
    ),
    (
        "ps_5000_digits",
        {"ws.json": GOOD_TEXT, "ps.json": _with_digits(GOOD_PS)},
        ["limit", "ws.json", *PS_ARGS],
        {},
        f"ps.json: {DIGITS_MESSAGE}",
    ),
    (
        "target_deep",
        {"t.json": DEEP_LIST},
        ["spectrum", "--target", "t.json"],
        {},
        f"t.json: {DEEP_MESSAGE}",
    ),
    (
        "target_5000_digits",
        {"t.json": '{"z": ' + DIGITS + "}"},
        ["spectrum", "--target", "t.json"],
        {},
        f"t.json: {DIGITS_MESSAGE}",
    ),
    (
        "results_deep",
        {"results/results.json": DEEP_OBJECT},
        ["publish", "-o", "out", "--results", "results"],
        {},
        f"results.json: {DEEP_MESSAGE}",
    ),
    (
        "results_5000_digits",
        {"results/results.json": '{"entries": ' + DIGITS + "}"},
        ["publish", "-o", "out", "--results", "results"],
        {},
        f"results.json: {DIGITS_MESSAGE}",
    ),
    (
        "scan_deep_patchset",
        {"ws.json": GOOD_TEXT, "ps.json": DEEP_LIST, "ps.meta.json": "{}"},
        ["scan", "dark-photon", "ws.json", "--patchset", "ps.json", "-o", "out"],
        {},
        f"ps.json: {DEEP_MESSAGE}",
    ),
    (
        "ws_20000_bins",
        {"ws.json": _text(_wide([20_000]))},
        ["limit", "ws.json"],
        {},
        "ws.json: channels: 20000 bins in total, above the ceiling of 10000",
    ),
    (
        "ws_3x4000_bins",
        {"ws.json": _text(_wide([4000, 4000, 4000]))},
        ["limit", "ws.json"],
        {},
        "ws.json: channels: 12000 bins in total, above the ceiling of 10000",
    ),
    (
        "diagnostics_20000_bins",
        {"ws.json": _text(_wide([20_000]))},
        ["diagnostics", "ws.json", "-o", "out"],
        {},
        "ws.json: channels: 20000 bins in total, above the ceiling of 10000",
    ),
    (
        "ps_patch_to_20000_bins",
        {"ws.json": GOOD_TEXT, "ps.json": _text(_patch_to(20_000))},
        ["limit", "ws.json", *PS_ARGS],
        {},
        "ws.json + ps.json [patch m1]: channels: 20000 bins in total, above the ceiling",
    ),
    (
        "too_many_patches",
        {"ws.json": GOOD_TEXT, "ps.json": _text(_many_patches(3))},
        ["limit", "ws.json", *PS_ARGS],
        {"xhf.workspace.spec_checks.MAX_PATCHES": 2},
        "ps.json: patches: 3 patches, above the ceiling of 2",
    ),
    (
        "too_many_samples",
        {"ws.json": GOOD_TEXT},
        ["limit", "ws.json"],
        {"xhf.workspace.spec_checks.MAX_SAMPLES": 1},
        "ws.json: channels: 2 samples in total, above the ceiling of 1",
    ),
    (
        "too_many_modifiers",
        {"ws.json": GOOD_TEXT},
        ["limit", "ws.json"],
        {"xhf.workspace.spec_checks.MAX_MODIFIERS": 1},
        "ws.json: channels: 2 modifiers in total, above the ceiling of 1",
    ),
    (
        "json_above_size_ceiling",
        {"ws.json": GOOD_TEXT},
        ["limit", "ws.json"],
        {"xhf.jsonread.MAX_JSON_BYTES": 100},
        f"ws.json: (top level): {len(GOOD_TEXT)} bytes, above the ceiling of 100 bytes",
    ),
    (
        "config_above_size_ceiling",
        {"c.yml": (CORPUS / "configs" / "good.yml").read_text()},
        ["build", "c.yml", "-o", "ws.json"],
        {"xhf.yamlio.MAX_YAML_BYTES": 100},
        "c.yml: (top level):",
    ),
    (
        "card_above_size_ceiling",
        {"card.yml": (CORPUS / "cards" / "good.yml").read_text()},
        ["experiment", "card.yml", "--model", "magnetic-moment", "-o", "ws.json"],
        {"xhf.yamlio.MAX_YAML_BYTES": 100},
        "card.yml: (top level):",
    ),
    (
        "diagnostics_fit_fails",
        {"ws.json": _text(_non_converging())},
        ["diagnostics", "ws.json", "-o", "out"],
        {},
        "ws.json: fit: the diagnostics fit failed",
    ),
]


@pytest.mark.parametrize(
    ("files", "args", "ceilings", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_hostile_inputs_exit_2_with_one_line(
    tmp_path, monkeypatch, refused, files, args, ceilings, expected
):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    for target, value in ceilings.items():
        monkeypatch.setattr(target, value)
    line = refused(tmp_path, args)
    assert expected in line, line


def test_the_ceilings_are_the_ones_the_readers_use():
    """The ceilings are defined once (xhf.ceilings) and the readers use those objects."""
    import xhf.ceilings as c
    import xhf.jsonread
    import xhf.workspace.config
    import xhf.workspace.spec_checks
    import xhf.yamlio
    from xhf.templates import MAX_EVENTS

    assert MAX_EVENTS is c.MAX_EVENTS
    assert xhf.workspace.config.MAX_BINS is c.MAX_BINS is xhf.workspace.spec_checks.MAX_BINS
    assert xhf.jsonread.MAX_JSON_BYTES is c.MAX_JSON_BYTES
    assert xhf.yamlio.MAX_NODES is c.MAX_YAML_NODES
