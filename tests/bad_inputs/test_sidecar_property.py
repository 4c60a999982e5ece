"""Property test: a random valid workspace with its sidecar, ONE field of either changed, gives
the same limit as before or exit code 2 with one line -- never another number with exit 0.

The workspaces are small (one channel, 2-5 bins, a background with a normsys and optionally a
staterror, a signal with a normfactor) and their sidecars are written as xhf writes them
(:func:`xhf.workspace.sidecar_document`). A change of the physics (a count, a yield) changes the
workspace's digest, so the sidecar no longer describes it: exit 2. The limit before the change
is computed only when a changed pair is accepted (a pair written again with the same values
must be accepted), which keeps the test fast.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from tests.support import mutations as m
from tests.support.sidecar_corpus import sidecar_fields
from xhf.cli import cli
from xhf.workspace.sidecar import sidecar_document

SETTINGS = m.SETTINGS.__class__(parent=m.SETTINGS, max_examples=50)
values = m.values([0, 1e-308, 2, 1e12, float("nan"), float("inf")], (-3, 5))
MODELS = {"magnetic-moment": ("mu_nu", "mu_B"), "millicharge": ("delta", "e")}


@st.composite
def pairs(draw) -> tuple[dict, dict]:
    """A valid (workspace, sidecar) pair."""
    nbins = draw(st.integers(2, 5))
    counts = st.floats(5.0, 200.0).map(lambda x: round(x, 3))
    background = [draw(counts) for _ in range(nbins)]
    signal = [draw(st.floats(0.1, 5.0).map(lambda x: round(x, 3))) for _ in range(nbins)]
    observed = [float(round(b + draw(st.integers(-3, 3)))) for b in background]
    width = draw(st.floats(0.01, 0.3).map(lambda x: round(x, 3)))
    modifiers = [
        {"data": {"hi": 1 + width, "lo": 1 - width}, "name": "bkg_norm", "type": "normsys"}
    ]
    if draw(st.booleans()):
        errors = [round(0.05 * b, 3) for b in background]
        modifiers.append({"data": errors, "name": "staterror_sr", "type": "staterror"})
    workspace = {
        "channels": [
            {
                "name": "sr",
                "samples": [
                    {
                        "data": signal,
                        "modifiers": [{"data": None, "name": "mu", "type": "normfactor"}],
                        "name": "signal",
                    },
                    {"data": background, "modifiers": modifiers, "name": "background"},
                ],
            }
        ],
        "measurements": [
            {
                "config": {"parameters": [{"bounds": [[0.0, 100.0]], "name": "mu"}], "poi": "mu"},
                "name": "meas",
            }
        ],
        "observations": [{"data": observed, "name": "sr"}],
        "version": "1.0.0",
    }
    model = draw(st.sampled_from(sorted(MODELS)))
    parameter, unit = MODELS[model]
    sidecar = sidecar_document(
        sidecar_fields(
            workspace,
            bin_edges_kev=[2.0 + 2.0 * i for i in range(nbins + 1)],
            poi_bounds=[0.0, 100.0],
            model=model,
            parameter=parameter,
            unit=unit,
            reference=draw(st.sampled_from([1e-12, 3e-11, 1e-10])),
        )
    )
    return workspace, sidecar


def _numbers(document: dict) -> list[tuple]:
    """Paths of the numbers (not booleans) of a document."""
    return [
        p
        for p in m.paths(document)
        if p
        and isinstance(_at(document, p), int | float)
        and not isinstance(_at(document, p), bool)
    ]


def _at(document, path):
    for key in path:
        document = document[key]
    return document


@st.composite
def changed(draw) -> tuple[tuple[dict, dict], tuple[dict, dict]]:
    """A valid pair and the same pair with one field of one of its files changed: scaled (a
    count, a yield, a reference...), replaced by any value, deleted, or written again as it was
    (then it must be accepted)."""
    workspace, sidecar = draw(pairs())
    which = draw(st.sampled_from(["workspace", "sidecar"]))
    document = workspace if which == "workspace" else sidecar
    action = draw(st.sampled_from(["scale"] * 4 + ["replace"] * 3 + ["delete"] * 2 + ["same"]))
    if action == "same":
        mutated = json.loads(json.dumps(document))
    elif action == "scale":
        numbers = _numbers(document)
        physics = [p for p in numbers if p[0] in ("signal", "observations", "channels")]
        path = draw(st.sampled_from(draw(st.sampled_from([numbers, physics]))))
        factor = draw(st.sampled_from([0.5, 1.1, 3.0]))
        mutated = m.mutate(document, path, "replace", _at(document, path) * factor)
    else:
        path = draw(st.sampled_from([p for p in m.paths(document) if p]))
        mutated = m.mutate(document, path, action, draw(values))
    after = (mutated, sidecar) if which == "workspace" else (workspace, mutated)
    return (workspace, sidecar), after


def _limit(pair: tuple[dict, dict]) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "ws.json").write_text(json.dumps(pair[0]))
        Path(tmp, "ws.meta.json").write_text(json.dumps(pair[1]))
        result = CliRunner().invoke(cli, ["limit", str(Path(tmp, "ws.json")), "--json"])
    return result.exit_code, result.output


def _same_limit_or_exit_2(before: tuple[dict, dict], after: tuple[dict, dict]) -> None:
    code, output = _limit(after)
    lines = [line for line in output.splitlines() if line.strip()]
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("Error: "), output
        assert "Traceback" not in output
        return
    assert code == 0, output  # the files as written again (same values) are accepted
    if after == before:
        return
    base_code, base_output = _limit(before)
    assert base_code == 0, base_output
    limit, base = json.loads(output), json.loads(base_output)
    assert (limit["observed"], limit["unit"]) == (base["observed"], base["unit"])


@SETTINGS
@given(changed())
def test_one_change_gives_the_same_limit_or_exit_2(case):
    _same_limit_or_exit_2(*case)


@SETTINGS.__class__(parent=SETTINGS, max_examples=1)
@given(pairs())
def test_every_number_of_one_pair_scaled(pair):
    """Each number of one valid pair (counts, yields, bounds, reference, edges...) times 1.1."""
    for which in (0, 1):
        for path in _numbers(pair[which]):
            changed = list(pair)
            changed[which] = m.mutate(pair[which], path, "replace", _at(pair[which], path) * 1.1)
            _same_limit_or_exit_2(pair, tuple(changed))
