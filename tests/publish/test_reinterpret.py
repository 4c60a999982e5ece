"""Reinterpretation: a dark photon at a mass not in the grid, from the physics and detector
stages, as a patch for the published background-only workspace (docs/publishing.md)."""

from __future__ import annotations

import gc
import json
import math
import warnings

import numpy as np
import pytest
from click.testing import CliRunner

from xhf.cli import cli
from xhf.exceptions import InvalidInputError, InvalidParameterError
from xhf.jsonio import write_json
from xhf.jsonread import read_json
from xhf.publish.reinterpret import (
    components_patch,
    dark_photon_counts,
    dark_photon_limit,
    signal_patch,
)
from xhf.replica.response import channel_response, replica_detector
from xhf.replica.signals import rate_inputs
from xhf.workspace.compat import quiet_pyhf

#: Not a mass of the published grid (1e-3 and 10 MeV in the fixture; 0.0373 and 0.0518 MeV
#: are the replica's neighbours).
MASS_MEV = 0.05


def replica_counts(mass_mev, coupling, settings, part="both"):
    """The replica's detector (2-200 keV channel) and physics inputs."""
    return dark_photon_counts(
        mass_mev,
        coupling,
        response=channel_response(settings, "full_energy"),
        inputs=rate_inputs(settings),
        part=part,
    )


@pytest.fixture(scope="module")
def background(unpacked):
    directory = unpacked["dark_photon"]
    return read_json(directory / "BkgOnly.json"), read_json(directory / "BkgOnly.meta.json")


def test_counts_are_the_published_templates(main_job, settings):
    """Physics + the replica's response reproduce the fixture's template at a grid mass."""
    signal = main_job["templates"].signal("dark_photon_m1e_03")
    for part, piece in zip(signal.parts, ("interference", "pure"), strict=True):
        counts = replica_counts(1e-3, signal.reference, settings, part=piece)
        np.testing.assert_allclose(counts, part.yields, rtol=1e-12)


def test_signal_patch_replaces_the_placeholder(background):
    import pyhf

    bkg, _ = background
    patch = signal_patch(
        bkg,
        np.full(10, 3.0),
        stat_error=np.full(10, 0.1),
        norm_variations={"atomic_model": (1.05, 0.95)},
    )
    (op,) = patch
    assert op["op"] == "replace" and op["value"]["name"] == "signal"
    kinds = {m["name"]: m["type"] for m in op["value"]["modifiers"]}
    assert kinds == {
        "mu": "normfactor",
        "atomic_model": "normsys",
        "xmass1_staterror_full_energy": "staterror",
    }
    with quiet_pyhf():
        workspace = pyhf.Workspace(bkg)
        model = workspace.model(patches=[patch])
    assert model.config.poi_name == "mu"
    assert model.expected_actualdata(model.config.suggested_init())[0] > 0


def test_patch_errors(background):
    bkg, _ = background
    with pytest.raises(InvalidParameterError, match="need 10 finite numbers"):
        signal_patch(bkg, [1.0, 2.0])
    with pytest.raises(InvalidParameterError, match="need 10 finite numbers"):
        signal_patch(bkg, [math.nan] * 10)
    with pytest.raises(InvalidInputError, match="no zero-yield placeholder sample 'signal'"):
        signal_patch({"channels": [{"name": "c", "samples": []}]}, [1.0])
    with pytest.raises(InvalidInputError, match="in channel 'low_energy'"):
        signal_patch(bkg, np.ones(10), channel="low_energy")


def test_components_patch_matches_the_published_one(unpacked, background, settings):
    bkg, _ = background
    reference = 1e-6
    parts = {p: replica_counts(1e-3, reference, settings, part=p) for p in ("interference", "pure")}
    mine = components_patch(bkg, parts["interference"], parts["pure"])
    published = read_json(unpacked["dark_photon"] / "components_patchset.json")["patches"][0]
    assert published["metadata"]["name"] == "dark_photon_m1e_03"
    assert [op["op"] for op in mine] == [op["op"] for op in published["patch"]]
    assert [op["path"] for op in mine] == [op["path"] for op in published["patch"]]
    for new, old in zip(mine, published["patch"], strict=True):
        assert new["value"]["name"] == old["value"]["name"]
        np.testing.assert_allclose(new["value"]["data"], old["value"]["data"], rtol=1e-12)


def test_limit_at_a_grid_mass_is_the_published_one(unpacked, background, settings):
    """At 1 keV the reinterpreted limit is the published (tied) one; the published parts
    also carry signal systematics, which move it by well under a percent here."""
    bkg, meta = background
    mine = dark_photon_limit(bkg, 1e-3, meta=meta, **replica_detector(settings))
    directory = unpacked["dark_photon"]
    with quiet_pyhf():
        result = CliRunner().invoke(
            cli,
            [
                "limit",
                str(directory / "BkgOnly.json"),
                "--patchset",
                str(directory / "components_patchset.json"),
                "--patch",
                "dark_photon_m1e_03",
                "--json",
            ],
        )
    assert result.exit_code == 0, result.output
    published = json.loads(result.output)
    assert mine.unit == "g_BL" and mine.mass_mev == 1e-3
    assert mine.observed == pytest.approx(published["observed"], rel=0.01)
    assert mine.expected["0"] == pytest.approx(published["expected"]["0"], rel=0.01)


def test_dark_photon_off_the_grid(unpacked, background, settings, tmp_path):
    """The worked example of docs/publishing.md: 0.05 MeV, plain pyhf and xhf agree."""
    import pyhf

    bkg, meta = background
    exact = dark_photon_limit(bkg, MASS_MEV, meta=meta, **replica_detector(settings))
    at_grid_mass = dark_photon_limit(bkg, 1e-3, meta=meta, **replica_detector(settings))
    assert exact.mass_mev == MASS_MEV
    # M^2 is no longer small against 2 m_e T at 0.05 MeV: a weaker limit than at 1 keV
    assert at_grid_mass.observed < exact.observed < 2.0 * at_grid_mass.observed
    assert exact.expected["-2"] < exact.expected["0"] < exact.expected["+2"]

    # plain pyhf: the exact excess at a few couplings, CLs at mu = 1, interpolated
    reference = 1e-6
    parts = {
        p: replica_counts(MASS_MEV, reference, settings, part=p) for p in ("interference", "pure")
    }
    couplings = exact.observed * np.array([0.9, 0.95, 1.0, 1.05, 1.1])  # around it
    cls = []
    with quiet_pyhf():
        workspace = pyhf.Workspace(bkg)
        for g in couplings:
            s = (g / reference) ** 2
            patch = signal_patch(bkg, s * parts["interference"] + s**2 * parts["pure"])
            model = workspace.model(patches=[patch])
            cls.append(
                float(pyhf.infer.hypotest(1.0, workspace.data(model), model, test_stat="qtilde"))
            )
    cls = np.array(cls)
    assert np.all(np.diff(cls) < 0)
    limit = float(np.exp(np.interp(np.log(0.1), np.log(cls[::-1]), np.log(couplings[::-1]))))
    assert limit == pytest.approx(exact.observed, rel=0.01)

    # the patch file works with `pyhf cls BkgOnly.json -p patch.json`: at g = 1e-6 mu = 1
    from pyhf.cli import cli as pyhf_cli

    write_json(tmp_path / "patch.json", signal_patch(bkg, parts["interference"] + parts["pure"]))
    with quiet_pyhf(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ResourceWarning)  # pyhf leaves -p open
        out = CliRunner().invoke(
            pyhf_cli,
            [
                "cls",
                str(unpacked["dark_photon"] / "BkgOnly.json"),
                "-p",
                str(tmp_path / "patch.json"),
            ],
        )
        gc.collect()
    assert out.exit_code == 0, out.output
    assert 0.1 < json.loads(out.output)["CLs_obs"] < 1.0  # 1e-6 is below the limit


def test_binning_must_match(background):
    from xhf.replica import ReplicaSettings

    bkg, meta = background
    with pytest.raises(InvalidInputError, match="is not the published one"):
        dark_photon_limit(bkg, MASS_MEV, meta=meta, **replica_detector(ReplicaSettings()))


@pytest.mark.slow
def test_counts_reproduce_the_shipped_replica():
    """With the shipped replica's settings, physics + response give its template bin for bin
    (the replica's 0.0518 MeV point: the neighbour of the 0.05 MeV example)."""
    from pathlib import Path

    from xhf.replica import ReplicaSettings
    from xhf.templates import read_templates

    shipped = Path(__file__).parents[2] / "templates" / "xmass1_replica"
    signal = read_templates(shipped).signal("dark_photon_m5p18e_02")
    counts = replica_counts(signal.metadata["mass_mev"], signal.reference, ReplicaSettings())
    np.testing.assert_allclose(counts, signal.expected(signal.reference), rtol=1e-10)
