"""``xhf experiment`` and ``xhf combine`` on the command line."""

from __future__ import annotations

import json

import pyhf
from click.testing import CliRunner

from tests.support.cards import GERMANIUM_CARD, TPC_CARD, replica_workspace
from xhf.cli import cli
from xhf.workspace.compat import quiet_pyhf


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _read(path):
    return json.loads(path.read_text())


def test_experiment_then_combine_with_a_card(tmp_path):
    tpc = tmp_path / "tpc_mm.json"
    result = run("experiment", TPC_CARD, "--model", "magnetic-moment", "-o", tpc)
    assert result.exit_code == 0, result.output
    assert result.output.split() == [str(tpc), str(tmp_path / "tpc_mm.meta.json")]
    combined = tmp_path / "combined.json"
    # the card is built for the workspace's model and reference
    result = run("combine", tpc, GERMANIUM_CARD, "-o", combined)
    assert result.exit_code == 0, result.output
    workspace, sidecar = _read(combined), _read(tmp_path / "combined.meta.json")
    with quiet_pyhf():
        model = pyhf.Workspace(workspace).model()
    assert model.config.channels == ["example_germanium", "example_tpc"]
    assert sidecar["signal"]["model"] == "magnetic-moment"
    assert [i["source"] for i in sidecar["combination"]["inputs"]] == ["tpc_mm.json", "card.yml"]
    assert sidecar["digest"]["workspace"] == "sha256:" + pyhf.utils.digest(workspace)
    # the same inputs give the same bytes; nothing is overwritten without --force
    again = tmp_path / "again.json"
    assert run("combine", tpc, GERMANIUM_CARD, "-o", again).exit_code == 0
    assert again.read_bytes() == combined.read_bytes()
    result = run("combine", tpc, GERMANIUM_CARD, "-o", combined)
    assert result.exit_code == 2 and "use --force" in result.output
    assert run("combine", tpc, GERMANIUM_CARD, "-o", combined, "--force").exit_code == 0


def test_combine_errors_are_one_line(tmp_path):
    tpc = tmp_path / "tpc.json"
    assert run("experiment", TPC_CARD, "--model", "millicharge", "-o", tpc).exit_code == 0
    cases = [
        (("combine", tpc), "give at least two inputs"),
        (("combine", tpc, tpc), "channel 'example_tpc' is also a channel of tpc.json"),
        (("combine", tpc, tmp_path / "none.json"), "none.json: no such file"),
        (("combine", TPC_CARD, GERMANIUM_CARD), "cards need --model"),
    ]
    (tmp_path / "bare.json").write_text(tpc.read_text())
    cases.append((("combine", tpc, tmp_path / "bare.json"), "no sidecar bare.meta.json"))
    for args, message in cases:
        result = run(*args, "-o", tmp_path / "out.json")
        assert result.exit_code == 2, (args, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and message in lines[0], (args, result.output)
    assert not (tmp_path / "out.json").exists()


def test_dark_photon_cards_combine_into_patchsets(tmp_path):
    base = tmp_path / "tpc_dp_BkgOnly.json"
    result = run(
        "experiment",
        TPC_CARD,
        "--model",
        "dark-photon",
        "--mass-mev",
        "0.001,10",
        "--data",
        "asimov",
        "-o",
        base,
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "tpc_dp_components_patchset.json").is_file()
    out = tmp_path / "joint_BkgOnly.json"
    result = run("combine", base, GERMANIUM_CARD, "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("joint_*")) == [
        "joint_BkgOnly.json",
        "joint_BkgOnly.meta.json",
        "joint_components_patchset.json",
        "joint_components_patchset.meta.json",
    ]
    patchset = _read(tmp_path / "joint_components_patchset.json")
    with quiet_pyhf():
        pyhf.PatchSet(patchset).verify(pyhf.Workspace(_read(out)))
    assert [p["metadata"]["values"] for p in patchset["patches"]] == [[0.001], [10.0]]


def test_xhf_limit_and_scan_read_the_combined_outputs(tmp_path):
    """The inference stage reads a combination as it reads the XMASS-I workspaces."""
    tpc = tmp_path / "tpc.json"
    assert run("experiment", TPC_CARD, "--model", "millicharge", "-o", tpc).exit_code == 0
    combined = tmp_path / "combined.json"
    assert run("combine", tpc, GERMANIUM_CARD, "-o", combined).exit_code == 0
    alone = json.loads(run("limit", tpc, "--json").output)
    joint = json.loads(run("limit", combined, "--json").output)
    assert joint["parameter"] == "charge" and joint["unit"] == "e"
    assert joint["expected"]["0"] <= alone["expected"]["0"] * (1 + 1e-3)

    base = tmp_path / "tpc_dp_BkgOnly.json"
    args = ("--model", "dark-photon", "--mass-mev", "0.001,10", "-o", base)
    assert run("experiment", TPC_CARD, *args).exit_code == 0
    joint_base = tmp_path / "joint_BkgOnly.json"
    assert run("combine", base, GERMANIUM_CARD, "-o", joint_base).exit_code == 0
    result = run(
        "scan",
        "dark-photon",
        joint_base,
        "--patchset",
        tmp_path / "joint_components_patchset.json",
        "-o",
        tmp_path / "scan",
    )
    assert result.exit_code == 0, result.output
    curve = json.loads((tmp_path / "scan" / "dark_photon_limits.json").read_text())
    assert curve["parameter"] == "coupling" and curve["unit"] == "g_BL"
    assert [p["mass_mev"] for p in curve["points"]] == [0.001, 10.0]
    assert all(0 < p["expected"]["0"] < 1e-3 for p in curve["points"])


def test_replica_magnetic_moment_with_the_tpc_card(tmp_path, replica):
    """The README's example: the 99-bin magnetic-moment fit of the replica with the TPC."""
    from xhf.jsonio import write_json

    workspace, sidecar = replica_workspace(replica, "magnetic_moment", "pseudo_poisson")
    xmass = tmp_path / "xmass1_magnetic_moment.json"
    write_json(xmass, workspace)
    write_json(tmp_path / "xmass1_magnetic_moment.meta.json", sidecar)
    combined = tmp_path / "combined_magnetic_moment.json"
    result = run("combine", xmass, TPC_CARD, "-o", combined)
    assert result.exit_code == 0, result.output
    tpc = tmp_path / "tpc.json"
    assert run("experiment", TPC_CARD, "--model", "magnetic-moment", "-o", tpc).exit_code == 0
    limits = {
        path.stem: json.loads(run("limit", path, "--json").output)["expected"]["0"]
        for path in (xmass, tpc, combined)
    }
    # measured (expected, mu_B): xmass1 1.38e-10, TPC 1.07e-11, combined 1.07e-11
    assert limits["combined_magnetic_moment"] < limits["xmass1_magnetic_moment"]
    assert limits["combined_magnetic_moment"] <= limits["tpc"] * (1 + 1e-3)
