"""``xhf limit --method pl``, ``--power-constraint``, ``--poi-bounds`` and the keys every method
reports; bad option values end in one ``Error:`` line, exit code 2, nothing written."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.synthetic import small_workspace
from xhf.cli import cli
from xhf.jsonio import write_json

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "parameter",
    "unit",
    "method",
    "cl",
    "observed",
    "expected",
    "best_fit",
    "significance",
    "interval",
}

#: (case, extra arguments of ``xhf limit WS -o out.json --force``, text the error must hold)
CASES = [
    ("pcl_zero", ["--method", "pl", "--power-constraint", "0"], "'--power-constraint'"),
    ("pcl_one", ["--method", "pl", "--power-constraint", "1"], "'--power-constraint'"),
    ("pcl_nan", ["--method", "pl", "--power-constraint", "nan"], "'--power-constraint'"),
    ("pcl_text", ["--method", "pl", "--power-constraint", "half"], "'--power-constraint'"),
    ("pcl_with_cls", ["--method", "cls", "--power-constraint", "0.16"], "--method pl only"),
    ("bounds_one_number", ["--poi-bounds", "5"], "'--poi-bounds'"),
    ("bounds_three_numbers", ["--poi-bounds", "0,1,2"], "'--poi-bounds'"),
    ("bounds_reversed", ["--poi-bounds", "5,1"], "LO must be below HI"),
    ("bounds_equal", ["--poi-bounds", "2,2"], "LO must be below HI"),
    ("bounds_negative", ["--poi-bounds", "-1,5"], "LO must be >= 0"),
    ("bounds_infinite", ["--poi-bounds", "0,inf"], "must be finite"),
    ("bounds_nan", ["--poi-bounds", "nan,1"], "must be finite"),
    ("bounds_text", ["--poi-bounds", "zero,one"], "'--poi-bounds'"),
    ("bounds_below_limit", ["--poi-bounds", "0,0.6"], "upper bound 0.6 of 'mu'"),
]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def workspace(tmp_path):
    spec, meta = small_workspace(injected_mu=1.0)
    path = tmp_path / "xmass1_millicharge.json"
    write_json(path, spec)
    write_json(tmp_path / "xmass1_millicharge.meta.json", meta)
    return path


@pytest.mark.parametrize(("args", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_options_exit_2_with_one_line_and_leave_the_output(workspace, args, expected):
    out = workspace.with_name("out.json")
    out.write_text("keep")
    result = run("limit", workspace, "-o", out, "--force", *args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert expected in lines[0]
    assert out.read_text() == "keep"


@pytest.mark.parametrize("method", ["cls", "chi2", "pl"])
def test_every_method_reports_best_fit_significance_and_interval(workspace, method):
    result = run("limit", workspace, "--method", method, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert REQUIRED <= set(doc)
    assert doc["method"] == method
    assert set(doc["expected"]) == {"-2", "-1", "0", "+1", "+2"}
    assert set(doc["interval"]) == {"cl", "lower", "upper"} and doc["interval"]["cl"] == 0.9
    assert 0.0 <= doc["interval"]["lower"] <= doc["interval"]["upper"]
    # physical units: delta = 1e-12 sqrt(mu) for the millicharge-like sidecar
    assert doc["interval"]["upper"] == pytest.approx(
        1e-12 * math.sqrt(doc["poi_interval"]["upper"]), rel=1e-9
    )
    assert doc["significance"] == pytest.approx(math.sqrt(doc["q0"]))
    text = run("limit", workspace, "--method", method)
    assert "interval   [" in text.output and "Z          " in text.output


def test_power_constrained_limit_in_text_and_json(workspace):
    result = run("limit", workspace, "--method", "pl", "--power-constraint", "0.5", "--json")
    doc = json.loads(result.output)
    info = doc["power_constraint"]
    assert info["power"] == 0.5
    assert doc["observed"] == max(info["unconstrained"], info["expected_at_power"])
    text = run("limit", workspace, "--method", "pl", "--power-constraint", "0.5").output
    assert "unconstrained " in text and "power constraint P = 0.5" in text


def test_poi_bounds_are_used_as_given(workspace):
    result = run("limit", workspace, "--method", "pl", "--poi-bounds", "0,50", "--json")
    doc = json.loads(result.output)
    assert doc["poi_bounds"] == [0.0, 50.0] and doc["poi_bounds_widened"] == 1.0


def test_scan_dark_photon_takes_the_pl_method(files, tmp_path):
    out = tmp_path / "dp"
    result = run(
        "scan",
        "dark-photon",
        files["bkg_only"],
        "--patchset",
        files["components"],
        "--method",
        "pl",
        "--power-constraint",
        "0.16",
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "dark_photon_limits.json").read_text())
    assert doc["method"] == "pl"
    for point in doc["points"]:
        assert point["observed"] > 0 and point["interval"]["upper"] > 0
        assert point["significance"] >= 0


def test_combine_gives_the_joint_pl_limit_in_one_call(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    xmass = ROOT / "workspaces" / "xmass1_magnetic_moment.json"
    card = ROOT / "examples" / "xenon_tpc" / "card.yml"
    result = run("combine", xmass, card, "--limit", "--method", "pl", "-o", "joint.json")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:3] == ["joint.json", "joint.meta.json", "joint_limit.json"]
    assert "interval   [" in result.output and "Z          " in result.output
    joint = json.loads((tmp_path / "joint_limit.json").read_text())
    assert REQUIRED <= set(joint) and joint["method"] == "pl"
    alone = json.loads(run("limit", xmass, "--method", "pl", "--json").output)
    assert joint["parameter"] == alone["parameter"] and joint["unit"] == alone["unit"]
    # the joint likelihood is more sensitive than XMASS-I's alone
    assert joint["expected"]["0"] < alone["expected"]["0"]
    # the same limit as the two-step route: xhf combine, then xhf limit on its output
    two_step = json.loads(run("limit", "joint.json", "--method", "pl", "--json").output)
    assert two_step["observed"] == pytest.approx(joint["observed"], rel=1e-9)


def test_combine_limit_with_a_bad_power_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    xmass = ROOT / "workspaces" / "xmass1_magnetic_moment.json"
    card = ROOT / "examples" / "xenon_tpc" / "card.yml"
    result = run("combine", xmass, card, "--limit", "--power-constraint", "0.16")
    assert result.exit_code == 2 and "--method pl only" in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_pl_vs_cls_example_runs_and_shows_the_excess():
    script = ROOT / "examples" / "pl_vs_cls.py"
    out = subprocess.run(
        [sys.executable, str(script), "--json"], capture_output=True, text=True, check=True
    )
    docs = json.loads(out.stdout)
    assert set(docs) == {"pl", "pl_power_0.16", "cls", "chi2"}
    assert docs["pl"]["observed"] <= docs["cls"]["observed"] * (1 + 1e-4)
    assert docs["pl"]["best_fit"] == pytest.approx(docs["cls"]["best_fit"], rel=1e-6)
    assert docs["pl"]["significance"] > 3.0  # the injected excess is seen
    assert docs["pl"]["interval"]["lower"] > 0.0
    assert docs["pl_power_0.16"]["observed"] >= docs["pl"]["observed"]
    text = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True
    ).stdout
    assert all(name in text for name in docs)


def test_experiment_writes_the_given_poi_bounds(tmp_path):
    card = ROOT / "examples" / "xenon_tpc" / "card.yml"
    out = tmp_path / "tpc.json"
    args = ("experiment", card, "--model", "millicharge", "-o", out)
    result = run(*args, "--poi-bounds", "0,50")
    assert result.exit_code == 0, result.output
    spec = json.loads(out.read_text())
    assert spec["measurements"][0]["config"]["parameters"][0]["bounds"] == [[0.0, 50.0]]
    bad = run(*args, "--force", "--poi-bounds", "0,-1")
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1
    assert json.loads(out.read_text()) == spec
