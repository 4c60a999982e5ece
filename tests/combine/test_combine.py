"""combine_workspaces: one POI, shared nuisances by name, and limits that behave."""

from __future__ import annotations

import copy

import numpy as np
import pyhf
import pytest

from tests.support.cards import (
    GERMANIUM_CARD,
    TPC_CARD,
    asimov_limit,
    expected_by_channel,
    replica_workspace,
    write_card,
)
from xhf.combine import SHARED_NUISANCES, build_experiment_workspace, combine_workspaces
from xhf.exceptions import InvalidInputError
from xhf.workspace.compat import quiet_pyhf


def _named(likelihood, source):
    """The ``(workspace, sidecar, source)`` tuple form combine_workspaces also accepts."""
    return likelihood.workspace, likelihood.sidecar, source


def _model(workspace):
    with quiet_pyhf():
        return pyhf.Workspace(workspace).model()


@pytest.fixture(scope="module")
def tpc():
    return _named(build_experiment_workspace(TPC_CARD, "magnetic-moment"), "tpc.json")


@pytest.fixture(scope="module")
def germanium():
    return _named(build_experiment_workspace(GERMANIUM_CARD, "magnetic-moment"), "ge.json")


def test_shared_nuisances_are_one_parameter_and_the_rest_stays_apart(tpc, germanium):
    lh = combine_workspaces([tpc, germanium])
    workspace, sidecar = lh.workspace, lh.sidecar
    with quiet_pyhf():
        pyhf.schema.validate(workspace, "workspace.json")
    model = _model(workspace)
    assert model.config.channels == ["example_germanium", "example_tpc"]
    assert model.config.poi_name == "mu"
    assert set(model.config.parameters) == {
        "mu",
        "flux_pp",
        "flux_7Be",
        "atomic_model",
        "example_tpc_norm_background",
        "example_germanium_norm_background",
        "example_germanium_efficiency",
    }
    assert sidecar["combination"]["shared_nuisances"] == ["atomic_model", "flux_7Be", "flux_pp"]
    assert {"flux_pp", "flux_7Be", "atomic_model"} <= SHARED_NUISANCES
    assert (
        sidecar["measurement"] == workspace["measurements"][0]["name"] == "combined_magnetic_moment"
    )
    assert sidecar["channels"] == ["example_tpc", "example_germanium"]
    assert sidecar["signal"]["experiments"] == ["example_tpc", "example_germanium"]
    assert sidecar["signal"]["target"] is None  # xenon and germanium
    # at mu = 1 and nominal nuisances, each channel is what its own workspace expects
    combined = expected_by_channel(workspace, mu=1.0)
    for spec, _, _ in (tpc, germanium):
        ((name, alone),) = expected_by_channel(spec, mu=1.0).items()
        np.testing.assert_allclose(combined[name], alone, rtol=1e-12)
    # flux_pp at +1 sigma moves both experiments' signals at once
    up = expected_by_channel(workspace, mu=1.0, flux_pp=1.0)
    assert np.all(up["example_tpc"] > combined["example_tpc"])
    assert np.all(up["example_germanium"] > combined["example_germanium"])


def test_two_experiments_calling_a_nuisance_alike_is_a_clash(tpc):
    other = copy.deepcopy(tpc[0])
    other["channels"][0]["name"] = "other_tpc"
    other["observations"][0]["name"] = "other_tpc"
    with pytest.raises(InvalidInputError, match=r"example_tpc_norm_background.*tpc\.json") as info:
        combine_workspaces([tpc, (other, tpc[1], "other.json")])
    assert "--correlate example_tpc_norm_background" in str(info.value)
    assert len(str(info.value).splitlines()) == 1
    lh = combine_workspaces(
        [tpc, (other, tpc[1], "other.json")], correlate=["example_tpc_norm_background"]
    )
    workspace, sidecar = lh.workspace, lh.sidecar
    assert "example_tpc_norm_background" in _model(workspace).config.parameters
    assert sidecar["combination"]["correlated_by_request"] == ["example_tpc_norm_background"]


def test_a_shared_measurement_name_is_handled(tpc, germanium):
    ge = copy.deepcopy(germanium[0])
    ge["measurements"][0]["name"] = tpc[0]["measurements"][0]["name"]
    with quiet_pyhf(), pytest.raises(pyhf.exceptions.InvalidWorkspaceOperation):
        pyhf.Workspace.combine(pyhf.Workspace(tpc[0]), pyhf.Workspace(ge), join="none")
    lh = combine_workspaces([tpc, (ge, germanium[1], "ge.json")])
    workspace = lh.workspace
    assert [m["name"] for m in workspace["measurements"]] == ["combined_magnetic_moment"]


def test_signals_are_rescaled_to_one_reference(tpc, germanium):
    at_1e11 = build_experiment_workspace(TPC_CARD, "magnetic-moment", reference=1e-11)
    lh = combine_workspaces([germanium, _named(at_1e11, "tpc11.json")])
    workspace, sidecar = lh.workspace, lh.sidecar
    assert sidecar["signal"]["reference"] == 1e-10
    assert sidecar["combination"]["inputs"][1]["scale"] == {"mu": pytest.approx(100.0)}
    signal = next(s for s in workspace["channels"][1]["samples"] if s["name"] == "signal")
    reference = next(s for s in tpc[0]["channels"][0]["samples"] if s["name"] == "signal")
    np.testing.assert_allclose(signal["data"], reference["data"], rtol=1e-10)
    flux = next(m for m in signal["modifiers"] if m["name"] == "flux_pp")["data"]
    flux_ref = next(m for m in reference["modifiers"] if m["name"] == "flux_pp")["data"]
    np.testing.assert_allclose(flux["hi_data"], flux_ref["hi_data"], rtol=1e-10)
    # an explicit common reference rescales every input
    lh = combine_workspaces([germanium, tpc], reference=2e-10)
    other = lh.sidecar
    assert [i["scale"]["mu"] for i in other["combination"]["inputs"]] == pytest.approx([4.0, 4.0])


def test_different_hypotheses_do_not_combine(tpc):
    millicharge = build_experiment_workspace(GERMANIUM_CARD, "millicharge")
    with pytest.raises(InvalidInputError, match=r"signal\.model is 'millicharge'"):
        combine_workspaces([tpc, _named(millicharge, "mc.json")])
    with pytest.raises(InvalidInputError, match="at least two"):
        combine_workspaces([tpc])


def _infer(workspace, sidecar):
    """The inference stage's CLs limit (asymptotic q-tilde), in physical units."""
    from xhf.infer import build_analysis, limit

    return limit(build_analysis(workspace, sidecar))


@pytest.fixture(scope="module")
def xmass(replica):
    """The replica's millicharge workspace (2-15 keV, Asimov data) and its sidecar."""
    return (*replica_workspace(replica, "millicharge"), "xmass1_millicharge.json")


@pytest.fixture(scope="module")
def small_tpc(tmp_path_factory):
    """A 73 kg day TPC card: a reach in the millicharge like the replica's."""
    card = write_card(
        tmp_path_factory.mktemp("small"),
        name="small_tpc",
        exposure={"value": 73.05, "unit": "kg_day"},
    )
    return _named(build_experiment_workspace(card, "millicharge", data="asimov"), card.name)


def test_replica_and_card_give_a_tighter_limit_than_each(xmass, small_tpc):
    lh = combine_workspaces([xmass, small_tpc])
    workspace, sidecar = lh.workspace, lh.sidecar
    assert sidecar["combination"]["shared_nuisances"] == ["atomic_model", "flux_7Be", "flux_pp"]
    limits = {
        "xmass1": _infer(*xmass[:2]),
        "card": _infer(*small_tpc[:2]),
        "combined": _infer(workspace, sidecar),
    }
    assert {r.parameter for r in limits.values()} == {"charge"}
    observed = {k: r.observed for k, r in limits.items()}
    # measured (delta in e): xmass1 5.09e-12, card 4.59e-12, combined 3.85e-12
    assert observed["combined"] < 0.95 * min(observed["xmass1"], observed["card"]), observed
    assert 0.5 < observed["card"] / observed["xmass1"] < 2.0, observed


@pytest.mark.slow
def test_tighter_limit_with_pyhf_alone(xmass, small_tpc):
    """The same with pyhf's fits only (an independent limit), ~30 s on two cores."""
    lh = combine_workspaces([xmass, small_tpc])
    workspace = lh.workspace
    limits = [asimov_limit(ws) for ws in (xmass[0], small_tpc[0], workspace)]
    # measured (mu at delta = 5e-12 e): xmass1 1.04, card 0.84, combined 0.59
    assert limits[2] < 0.9 * min(limits[:2]), limits


def test_a_zero_exposure_card_leaves_the_limit_unchanged(tmp_path, xmass):
    (tmp_path / "none.txt").write_text("")
    card = write_card(
        tmp_path,
        name="empty_tpc",
        exposure={"value": 0, "unit": "tonne_year"},
        data={"events_file": "none.txt"},
    )
    empty = _named(build_experiment_workspace(card, "millicharge"), card.name)
    lh = combine_workspaces([xmass, empty])
    workspace, sidecar = lh.workspace, lh.sidecar
    assert sidecar["poi_bounds"] == xmass[1]["poi_bounds"]
    alone, combined = _infer(*xmass[:2]), _infer(workspace, sidecar)
    assert combined.observed == pytest.approx(alone.observed, rel=1e-3)
    assert combined.expected == pytest.approx(alone.expected, rel=1e-3)


@pytest.mark.parametrize(
    ("model", "background", "tolerance"),
    [
        # background normalisation free: the data fix it; pair and doubled agree to 3e-5
        ("magnetic-moment", {"rate_file": "background.txt"}, 1e-3),
        # the card's 5 % normalisation: independent in the copy, one in the doubled card
        ("millicharge", {"rate_file": "background.txt", "normalization_uncertainty": 0.05}, 0.05),
    ],
)
def test_a_renamed_copy_behaves_like_doubled_exposure(tmp_path, model, background, tolerance):
    def build(folder, name, **changes):
        path = write_card(tmp_path / folder, name=name, background=background, **changes)
        return _named(build_experiment_workspace(path, model, data="asimov"), path.name)

    single = build("one", "tpc_a")
    lh = combine_workspaces([single, build("copy", "tpc_b")])
    pair = lh.workspace
    doubled = build("double", "tpc_2x", exposure={"value": 2.0, "unit": "tonne_year"})
    limit_pair = asimov_limit(pair)
    limit_doubled = asimov_limit(doubled[0])
    # measured (mu): magnetic moment 0.01051 (pair), 0.01051 (doubled), 0.01504 (single);
    # millicharge 0.001044, 0.001053, 0.001517
    assert limit_pair == pytest.approx(limit_doubled, rel=tolerance)
    assert limit_pair < 0.8 * asimov_limit(single[0])


def test_the_limit_helper_agrees_with_pyhf_upper_limit():
    lh = build_experiment_workspace(TPC_CARD, "millicharge", data="asimov", poi_bounds=(0.0, 0.02))
    workspace = lh.workspace
    ours = asimov_limit(workspace)
    with quiet_pyhf():
        ws = pyhf.Workspace(workspace)
        model = ws.model()
        scan = np.linspace(0.3 * ours, 2.0 * ours, 12)
        observed, _ = pyhf.infer.intervals.upper_limits.upper_limit(
            ws.data(model), model, scan=scan, level=0.1
        )
    assert float(observed) == pytest.approx(ours, rel=0.01)
