"""Plain ``pyhf combine`` of any two xhf workspaces builds a model (combination-safe names).

The inputs are the shipped workspaces (the dark photon with one grid patch and with one
components patch applied) and card-built ones. A name must never be a normfactor in one input
and a normsys in another (pyhf's InvalidNameReuse), the shared names must have one type and
one constraint everywhere, and every other nuisance carries its experiment's prefix.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pyhf
import pytest
from click.testing import CliRunner

from tests.support.cards import GERMANIUM_CARD, TPC_CARD
from xhf.combine import build_experiment_workspace
from xhf.workspace.compat import quiet_pyhf
from xhf.workspace.naming import POI, SHARED_NUISANCES

WORKSPACES = Path(__file__).resolve().parents[2] / "workspaces"
SHIPPED = ("xmass1_millicharge", "xmass1_magnetic_moment", "xmass1_dark_photon_BkgOnly")
#: input -> its experiment (the prefix of its own nuisances)
EXPERIMENT = {
    **dict.fromkeys(SHIPPED, "xmass1"),
    "dark_photon_grid_patch": "xmass1",
    "dark_photon_components_patch": "xmass1",
    "card_tpc": "example_tpc",
    "card_germanium": "example_germanium",
}


def _read(name: str) -> dict:
    return json.loads((WORKSPACES / name).read_text())


def _patched(patchset: str) -> dict:
    ws = pyhf.Workspace(_read("xmass1_dark_photon_BkgOnly.json"))
    return dict(pyhf.PatchSet(_read(patchset)).patches[0].apply(ws))


@pytest.fixture(scope="module")
def inputs():
    found = {name: _read(f"{name}.json") for name in SHIPPED}
    with quiet_pyhf():
        found["dark_photon_grid_patch"] = _patched("xmass1_dark_photon_patchset.json")
        found["dark_photon_components_patch"] = _patched(
            "xmass1_dark_photon_components_patchset.json"
        )
    found["card_tpc"] = build_experiment_workspace(TPC_CARD, "magnetic-moment").workspace
    found["card_germanium"] = build_experiment_workspace(GERMANIUM_CARD, "millicharge").workspace
    return found


def _modifiers(workspace) -> dict[str, set[tuple[str, str]]]:
    """name -> {(type, channel)} over every sample of a workspace."""
    out: dict[str, set[tuple[str, str]]] = {}
    for channel in workspace["channels"]:
        for sample in channel["samples"]:
            for mod in sample["modifiers"]:
                out.setdefault(mod["name"], set()).add((mod["type"], channel["name"]))
    return out


def test_a_name_has_one_modifier_type_in_every_workspace(inputs):
    types: dict[str, dict[str, str]] = {}
    for label, workspace in inputs.items():
        for name, kinds in _modifiers(workspace).items():
            assert len({kind for kind, _ in kinds}) == 1, (label, name)
            types.setdefault(name, {})[label] = next(iter(kinds))[0]
    clashes = {name: seen for name, seen in types.items() if len(set(seen.values())) > 1}
    assert clashes == {}
    # the shared ones: histosys fluxes and the normsys atomic model, wherever they appear
    for name in SHARED_NUISANCES & set(types):
        expected = "normsys" if name == "atomic_model" else "histosys"
        assert set(types[name].values()) == {expected}, name


def test_experiment_specific_nuisances_carry_the_experiment_prefix(inputs):
    for label, workspace in inputs.items():
        prefix = EXPERIMENT[label]
        for name in _modifiers(workspace):
            if name in SHARED_NUISANCES or name == POI or name.startswith(f"{POI}_"):
                continue
            assert name.startswith(f"{prefix}_"), (label, name)


#: pairs observing the same events in the same channel (XMASS-I's two 2-200 keV analyses):
#: pyhf refuses them by channel name, and a combination would count the data twice
SAME_DATA = {"xmass1_magnetic_moment", "xmass1_dark_photon_BkgOnly"} | {
    "dark_photon_grid_patch",
    "dark_photon_components_patch",
}


@pytest.mark.parametrize("pair", list(itertools.combinations(EXPERIMENT, 2)), ids="+".join)
def test_every_pair_combines_into_a_model_pyhf_builds(inputs, pair):
    left, right = (inputs[label] for label in pair)
    common = {c["name"] for c in left["channels"]} & {c["name"] for c in right["channels"]}
    with quiet_pyhf():
        lws, rws = pyhf.Workspace(left), pyhf.Workspace(right)
        if common:
            assert set(pair) <= SAME_DATA
            with pytest.raises(pyhf.exceptions.InvalidWorkspaceOperation, match="channels"):
                pyhf.Workspace.combine(lws, rws)
            return
        combined = pyhf.Workspace.combine(lws, rws)
        # the channels (and so every modifier) are the same for either measurement
        model = combined.model(measurement_name=combined.measurement_names[-1])
    assert model.config.channels == sorted(combined.channels)


def test_pyhf_combine_cli_of_magnetic_moment_and_millicharge(tmp_path):
    """The case that failed with InvalidNameReuse (norm_Ar39 a normfactor and a normsys)."""
    from pyhf.cli import cli

    out = tmp_path / "combined.json"
    result = CliRunner().invoke(
        cli,
        [
            "combine",
            str(WORKSPACES / "xmass1_magnetic_moment.json"),
            str(WORKSPACES / "xmass1_millicharge.json"),
            "--output-file",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    with quiet_pyhf():
        combined = pyhf.Workspace(json.loads(out.read_text()))
        model = combined.model(measurement_name="xmass1_millicharge")
    pars = set(model.config.parameters)
    assert {"xmass1_free_Ar39", "xmass1_norm_Ar39"} <= pars
    # one detector: the dead-PMT correction of 2-5 keV is one parameter of both channels
    assert model.config.param_set("xmass1_dead_pmt_2_5kev").n_parameters == 1
