"""combine_patchsets: the dark photon's background-only workspaces and patchsets, joined."""

from __future__ import annotations

import numpy as np
import pyhf
import pytest

from tests.support.cards import GERMANIUM_CARD, TPC_CARD, write_card
from xhf.combine import Likelihood, combine_patchsets, experiment_products
from xhf.combine.files import likelihood_from_products
from xhf.exceptions import InvalidInputError
from xhf.templates.signals import reference_coupling
from xhf.workspace import build_background_only, build_component_patchset, patchset_metadata
from xhf.workspace.compat import quiet_pyhf
from xhf.workspace.metadata import background_only_metadata

MASSES = [1e-3, 1.0, 10.0]
LABELS = {1e-3: "1e_03", 1.0: "1e00", 10.0: "1e01", 100.0: "1e02"}


def _card(path, name, masses, **options):
    """A card's dark-photon products in memory: couplings at 0.5, 1 and 2 x the reference."""
    grid = {
        f"dark_photon_m{LABELS[m]}": [reference_coupling(m) * f for f in (0.5, 1.0, 2.0)]
        for m in masses
    }
    products = experiment_products(
        path, "dark-photon", data="asimov", mass_mev=masses, couplings=grid, **options
    )
    return likelihood_from_products(products, name)


@pytest.fixture(scope="module")
def inputs():
    tpc = _card(TPC_CARD, "tpc", MASSES)
    germanium = _card(GERMANIUM_CARD, "ge", [*MASSES, 100.0])
    return tpc, germanium


@pytest.fixture(scope="module")
def combined(inputs):
    return combine_patchsets(list(inputs))


def _patched(workspace, patchset, name, poi):
    with quiet_pyhf():
        ws = pyhf.Workspace(workspace)
        model = ws.model(patches=[pyhf.PatchSet(patchset)[name]], poi_name=poi)
        return ws, model


def test_joined_patchsets_are_valid_and_keep_the_common_points(combined):
    assert set(combined.patchsets) == {"grid", "components"}
    with quiet_pyhf():
        workspace = pyhf.Workspace(combined.workspace)
        for patchset, _ in combined.patchsets.values():
            pyhf.PatchSet(patchset).verify(workspace)
    grid, grid_meta = combined.patchsets["grid"]
    components, comp_meta = combined.patchsets["components"]
    assert [p["metadata"]["name"] for p in components["patches"]] == [
        "dark_photon_m1e_03",
        "dark_photon_m1e00",
        "dark_photon_m1e01",
    ]
    assert len(grid["patches"]) == 9  # the germanium card's 100 MeV points are not in the TPC's
    assert grid_meta["poi"] == "mu" and comp_meta["poi"] == "mu_interference"
    assert comp_meta["signal"]["mass_mev"] == MASSES
    assert comp_meta["signal"]["references"] == {
        "dark_photon_m1e_03": 1e-6,
        "dark_photon_m1e00": 1e-5,
        "dark_photon_m1e01": 1e-4,
    }
    assert combined.sidecar["background_only"] is True
    assert combined.sidecar["signal"] is None
    assert set(combined.sidecar["poi_bounds_all"]) == {"mu", "mu_interference", "mu_pure"}
    assert combined.workspace["measurements"][0]["name"] == "combined_dark_photon"
    assert grid["metadata"]["digests"]["sha256"] == combined.sidecar["digest"]["workspace"][7:]


def test_components_are_rescaled_to_the_first_reference(tmp_path, inputs):
    """A renamed TPC built at g_ref = 2e-6 joined with the TPC at 1e-6 (1 keV)."""
    card = write_card(tmp_path, name="tpc_copy")
    products = experiment_products(
        card, "dark-photon", data="asimov", mass_mev=[1e-3], reference=2e-6
    )
    copy = likelihood_from_products(products, "copy")
    joined = combine_patchsets([inputs[0], copy])
    components, meta = joined.patchsets["components"]
    assert meta["signal"]["references"] == {"dark_photon_m1e_03": 1e-6}
    _, model = _patched(joined.workspace, components, "dark_photon_m1e_03", "mu_interference")
    _, alone = _patched(
        copy.workspace, copy.patchsets["components"][0], "dark_photon_m1e_03", "mu_interference"
    )

    def expected(model, s):
        pars = model.config.suggested_init()
        pars[model.config.par_slice("mu_interference")] = [s]
        pars[model.config.par_slice("mu_pure")] = [s * s]
        with quiet_pyhf():
            main = np.asarray(model.expected_actualdata(pars))
        channels = model.config.channels
        start = sum(model.config.channel_nbins[c] for c in channels[: channels.index("tpc_copy")])
        return main[start : start + model.config.channel_nbins["tpc_copy"]]

    # g = 2e-6: s = (g / 1e-6)^2 = 4 in the joined model, (g / 2e-6)^2 = 1 alone
    np.testing.assert_allclose(expected(model, 4.0), expected(alone, 1.0), rtol=1e-9)
    assert not np.allclose(expected(model, 1.0), expected(alone, 1.0))


def test_combined_point_is_excluded_more_strongly(inputs, combined):
    """CLs of one grid point (1 MeV, g = 5e-6) for each experiment and for the combination."""
    name = "dark_photon_m1e00_g5e_06"

    def cls(workspace, patchset):
        ws, model = _patched(workspace, patchset, name, poi="mu")
        with quiet_pyhf():
            return float(pyhf.infer.hypotest(1.0, ws.data(model), model, test_stat="qtilde"))

    alone = [cls(lk.workspace, lk.patchsets["grid"][0]) for lk in inputs]
    joint = cls(combined.workspace, combined.patchsets["grid"][0])
    assert joint < min(alone), (joint, alone)


def test_replica_patchsets_combine_with_a_card(replica):
    signals = ["dark_photon_m1e_03", "dark_photon_m1e01"]
    # bounds by hand: the builder's rule on the 99-bin channel costs ~10 s on this machine
    background = build_background_only(
        replica,
        "full_energy",
        data="asimov",
        signals=[],
        measurement="xmass1_dark_photon",
        poi_bounds={"mu_interference": [0.0, 100.0], "mu_pure": [0.0, 1e4]},
    )
    components = build_component_patchset(background, replica, signals)
    xmass = Likelihood(
        background,
        background_only_metadata(
            background, replica, "full_energy", data="asimov", analysis="dark_photon"
        ),
        "xmass1_dark_photon_BkgOnly.json",
        {
            "components": (
                components,
                patchset_metadata(components, background, replica, signals, data="asimov"),
            )
        },
    )
    tpc = _card(TPC_CARD, "tpc", [1e-3, 10.0])
    joined = combine_patchsets([xmass, tpc])
    assert list(joined.patchsets) == ["components"]
    patchset, _ = joined.patchsets["components"]
    assert [p["metadata"]["name"] for p in patchset["patches"]] == signals
    assert joined.sidecar["channels"] == ["full_energy", "example_tpc"]
    _, model = _patched(joined.workspace, patchset, "dark_photon_m1e01", "mu_interference")
    assert {"signal_interference", "signal_pure"} <= set(model.config.samples)
    assert (
        "flux_pp" in model.config.parameters
        and "xmass1_staterror_full_energy" in model.config.parameters
    )


def test_inputs_must_be_background_only_with_patchsets(inputs):
    from xhf.combine import build_experiment_workspace

    power_law = build_experiment_workspace(TPC_CARD, "magnetic-moment")
    with pytest.raises(InvalidInputError, match="not a background-only workspace"):
        combine_patchsets(
            [inputs[0], Likelihood(power_law.workspace, power_law.sidecar, "mm.json")]
        )
