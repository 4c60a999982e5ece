"""Sidecars bound to their files: the corpus cases are reproducible, a good sidecar works, and
every command that reads sidecars (limit, scan, combine, diagnostics; publish through its
reader) refuses one that describes another file with one line naming both files, exit code 2,
nothing written.

``CASES`` are the dynamic cases (shipped files put together wrongly in a temporary folder);
tests/bad_inputs/test_corpus.py counts them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support import sidecar_corpus as corpus
from xhf.cli import cli
from xhf.exceptions import InvalidInputError
from xhf.publish.inputs import load_analysis_inputs
from xhf.replica.publication import ANALYSES
from xhf.workspace.sidecar import Sidecar, sidecar_document

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "workspaces"
BAD = ROOT / "tests" / "data" / "bad" / "workspaces"


MM, MC = "xmass1_magnetic_moment", "xmass1_millicharge"
DP = "xmass1_dark_photon"


def _copy(tmp: Path, name: str, as_name: str | None = None) -> None:
    shutil.copyfile(SHIPPED / name, tmp / (as_name or name))


def _swapped(tmp: Path) -> None:
    """The millicharge workspace with the magnetic-moment sidecar (a limit "in mu_B")."""
    _copy(tmp, f"{MC}.json", "ws.json")
    _copy(tmp, f"{MM}.meta.json", "ws.meta.json")


def _stale(tmp: Path) -> None:
    """A --force rebuild that stopped after the workspace: the old sidecar is left behind."""
    _copy(tmp, f"{MM}.json", "ws.json")
    _copy(tmp, f"{MM}.meta.json", "ws.meta.json")
    spec = json.loads((tmp / "ws.json").read_text())
    spec["observations"][0]["data"][0] += 1.0
    (tmp / "ws.json").write_text(json.dumps(spec))


def _dark_photon(tmp: Path, edit: str) -> None:
    """The shipped dark-photon files in ``dp/``, one of them broken by ``edit``."""
    (tmp / "dp").mkdir()
    for suffix in ("_BkgOnly", "_patchset", "_components_patchset"):
        for ext in (".json", ".meta.json"):
            _copy(tmp / "dp", f"{DP}{suffix}{ext}")
    comp = tmp / "dp" / f"{DP}_components_patchset.json"
    if edit == "patch":
        spec = json.loads(comp.read_text())
        spec["patches"][3]["patch"][0]["value"]["data"][0] *= 2.0
        comp.write_text(json.dumps(spec))
    elif edit == "sidecar":  # the grid's sidecar beside the components patchset
        _copy(tmp / "dp", f"{DP}_patchset.meta.json", f"{DP}_components_patchset.meta.json")


def _shipped_copy(tmp: Path, edit) -> None:
    """The whole shipped workspaces folder in ``ws/``, then ``edit(folder)``."""
    shutil.copytree(SHIPPED, tmp / "ws", ignore=shutil.ignore_patterns("configs", "*.sh", "*.md"))
    edit(tmp / "ws")


def _publish_swapped(folder: Path) -> None:
    shutil.copyfile(SHIPPED / f"{MM}.meta.json", folder / f"{MC}.meta.json")


DP_BKG = f"dp/{DP}_BkgOnly.json"
DP_COMP = f"dp/{DP}_components_patchset.json"
ANOTHER = "describes another workspace (digest sha256:"

#: (case, set-up, CLI arguments, text the one error line must contain).
CASES = [
    ("limit_swapped", _swapped, ["limit", "ws.json"], f"ws.json: sidecar ws.meta.json {ANOTHER}"),
    ("limit_stale", _stale, ["limit", "ws.json"], f"ws.json: sidecar ws.meta.json {ANOTHER}"),
    ("diagnostics_swapped", _swapped, ["diagnostics", "ws.json", "-o", "d"], ANOTHER),
    ("combine_swapped", _swapped, ["combine", "ws.json", str(SHIPPED / f"{MM}.json")], ANOTHER),
    ("combine_stale", _stale, ["combine", "ws.json", str(SHIPPED / f"{MM}.json")], ANOTHER),
    (
        "limit_patch_edited",
        lambda t: _dark_photon(t, "patch"),
        ["limit", DP_BKG, "--patchset", DP_COMP, "--patch", "dark_photon_m1e00"],
        "not the patch sidecar",
    ),
    (
        "scan_patch_edited",
        lambda t: _dark_photon(t, "patch"),
        ["scan", "dark-photon", DP_BKG, "--patchset", DP_COMP, "-o", "s"],
        "not the patch sidecar",
    ),
    (
        "scan_grid_sidecar",
        lambda t: _dark_photon(t, "sidecar"),
        ["scan", "dark-photon", DP_BKG, "--patchset", DP_COMP, "-o", "s"],
        "describes other patches",
    ),
    (
        "combine_patch_edited",
        lambda t: _dark_photon(t, "patch"),
        ["combine", DP_BKG, str(SHIPPED / f"{DP}_BkgOnly.json"), "-o", "c_BkgOnly.json"],
        "not the patch sidecar",
    ),
]


def test_the_corpus_files_are_what_the_generator_writes():
    """The corpus' ws_sc_*, ps_sc_*, ws_sidecar_* and *_pyhf_version_* = the generator's output."""
    for name, text in corpus.files().items():
        assert (BAD / name).read_text() == text, name


def test_the_good_sidecars_work(tmp_path):
    """The pair every corpus case departs from gives a limit in the sidecar's unit."""
    (tmp_path / "ws.json").write_text(json.dumps(corpus.good_workspace()))
    (tmp_path / "ws.meta.json").write_text(json.dumps(sidecar_document(corpus.workspace_body())))
    (tmp_path / "ps.json").write_text(json.dumps(corpus.good_patchset()))
    (tmp_path / "ps.meta.json").write_text(json.dumps(sidecar_document(corpus.patchset_body())))
    runner = CliRunner()
    result = runner.invoke(cli, ["limit", str(tmp_path / "ws.json"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["unit"] == "mu_B"
    args = ["limit", str(tmp_path / "ws.json"), "--patchset", str(tmp_path / "ps.json")]
    result = runner.invoke(cli, [*args, "--patch", "m1", "--json"])
    assert result.exit_code == 0, result.output


def test_a_sidecar_round_trips_and_is_immutable():
    doc = json.loads((SHIPPED / f"{DP}_components_patchset.meta.json").read_text())
    side = Sidecar.from_json(doc, "c.meta.json")
    assert side.to_json() == doc and side.is_patchset and not side.background_only
    assert side.form == "components" and side.poi == "mu_interference"
    assert set(side.patch_digests) == set(doc["patches"]) == set(side.signal["references"])
    assert side.patchset_digest == doc["digest"]["patchset"] != side.workspace_digest
    with pytest.raises(TypeError):
        side.body["poi"] = "other"  # type: ignore[index]
    assert sidecar_document(doc) == doc  # re-sealing a sealed sidecar changes nothing


def test_publish_refuses_a_sidecar_of_another_workspace(tmp_path):
    """``xhf publish`` reads the shipped files through :func:`load_analysis_inputs`."""
    _shipped_copy(tmp_path, _publish_swapped)
    with pytest.raises(InvalidInputError) as err:
        load_analysis_inputs(tmp_path / "ws", {"millicharge": ANALYSES["millicharge"]})
    message = str(err.value)
    assert "\n" not in message and f"{MC}.json: sidecar " in message and ANOTHER in message


@pytest.mark.parametrize(("case", "setup", "args", "expected"), CASES, ids=[c[0] for c in CASES])
def test_commands_refuse_a_sidecar_of_another_file(
    tmp_path, monkeypatch, case, setup, args, expected
):
    monkeypatch.chdir(tmp_path)
    setup(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(cli, args)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert expected in lines[0], lines[0]
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
