"""The likelihood archives: BkgOnly + patchset that plain pyhf reads, README, digests."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import runpy

import pytest

from xhf.exceptions import InvalidInputError
from xhf.jsonread import read_json
from xhf.publish import likelihood_archive, likelihood_files, load_analysis_inputs, read_tar_gz
from xhf.publish.likelihood import power_law_patchset
from xhf.replica.publication import ANALYSES, replica_publication
from xhf.workspace.compat import quiet_pyhf
from xhf.workspace.metadata import digest

REPLICA = replica_publication()


@pytest.fixture(scope="module")
def inputs(main_job):
    return load_analysis_inputs(main_job["workspaces"], ANALYSES)


def test_power_law_patch_gives_back_the_workspace(inputs):
    import pyhf

    item = inputs["magnetic_moment"]
    workspace, meta = item.documents["workspace"], item.sidecars["workspace"]
    background, patchset = power_law_patchset(workspace, meta, hepdata="ins1234567")
    with quiet_pyhf():
        applied = pyhf.PatchSet(patchset).apply(pyhf.Workspace(background), "magnetic_moment")
    assert digest(dict(applied)) == digest(workspace)
    placeholder = background["channels"][0]["samples"][-1]
    assert placeholder["name"] == "signal" and not any(placeholder["data"])
    meta_block = patchset["metadata"]
    assert meta_block["labels"] == ["mu_nu"] and meta_block["unit"] == "mu_B"
    assert patchset["patches"][0]["metadata"]["values"] == [1e-10]
    assert meta_block["references"] == {"hepdata": "ins1234567"}
    assert meta_block["digests"]["sha256"] == digest(background).removeprefix("sha256:")


def test_power_law_needs_the_signal_sample(inputs):
    item = inputs["millicharge"]
    workspace = copy.deepcopy(item.documents["workspace"])
    workspace["channels"][0]["samples"][-1]["name"] = "other"
    with pytest.raises(InvalidInputError, match="no sample 'signal'"):
        power_law_patchset(workspace, item.sidecars["workspace"])


@pytest.mark.parametrize("analysis", ["magnetic_moment", "millicharge", "dark_photon"])
def test_archive_contents(inputs, analysis):
    item = inputs[analysis]
    files = likelihood_files(item, hepdata="ins7654321", publication=REPLICA)
    expected = {"BkgOnly.json", "patchset.json", "README.md", "SHA256SUMS"}
    expected |= {"BkgOnly.meta.json", "patchset.meta.json"}
    if analysis == "dark_photon":
        expected |= {"components_patchset.json", "components_patchset.meta.json"}
    assert set(files) == expected
    for line in files["SHA256SUMS"].splitlines():
        checksum, name = line.split("  ")
        assert hashlib.sha256(files[name].encode()).hexdigest() == checksum
    background = json.loads(files["BkgOnly.json"])
    for name in ("patchset.json", "components_patchset.json"):
        if name not in files:
            continue
        patchset = json.loads(files[name])
        side = json.loads(files[name.replace(".json", ".meta.json")])
        assert patchset["metadata"]["references"]["hepdata"] == "ins7654321"
        assert patchset["metadata"]["digests"]["sha256"] == digest(background).removeprefix(
            "sha256:"
        )
        assert side["digest"]["patchset"] == digest(patchset)
        assert side["digest"]["workspace"] == digest(background)
        assert side["digest"]["patches"] == {
            p["metadata"]["name"]: digest(p) for p in patchset["patches"]
        }
    readme = files["README.md"]
    assert "PSEUDO-DATA" in readme and "NOT XMASS-I data" in readme and "ins7654321" in readme
    assert "pyhf cls" in readme and "xhf limit" in readme
    blob = likelihood_archive(item, hepdata="ins7654321", publication=REPLICA)
    assert blob == likelihood_archive(item, hepdata="ins7654321", publication=REPLICA)
    top = item.main[1]["measurement"]
    assert read_tar_gz(blob) == {f"{top}/{k}": v.encode() for k, v in files.items()}


def test_without_an_id_the_shipped_record_is_kept(inputs):
    files = likelihood_files(inputs["millicharge"])
    assert json.loads(files["patchset.json"])["metadata"]["references"]["hepdata"] == "ins0000000"
    assert "(not assigned)" in files["README.md"]


def _python_block(readme: str) -> str:
    return re.search(r"```python\n(.*?)```", readme, re.S).group(1)


def _run_readme(directory, monkeypatch, edit=lambda code: code) -> dict:
    """Run the README's Python block inside the unpacked archive; its globals."""
    code = edit(_python_block((directory / "README.md").read_text()))
    path = directory.parent / f"{directory.name}_readme.py"
    path.write_text(code)
    monkeypatch.chdir(directory)
    with quiet_pyhf():
        return runpy.run_path(str(path))


def test_readme_python_hypotest_equals_xhf(unpacked, main_job, monkeypatch):
    """The README's plain-pyhf CLs at the reference point is xhf's (limit scan left out)."""
    from xhf.infer import load_analysis
    from xhf.infer.cls import AsymptoticCLs

    namespace = _run_readme(
        unpacked["magnetic_moment"], monkeypatch, lambda code: code.split("# 90% CL")[0]
    )
    shipped = load_analysis(main_job["paths"]["magnetic_moment"])
    observed, expected = AsymptoticCLs(shipped.fitter(), shipped.data).cls(1.0)
    assert float(namespace["cls_obs"]) == pytest.approx(observed, rel=1e-4)
    assert [float(c) for c in namespace["cls_exp"]] == pytest.approx(list(expected), rel=1e-4)


@pytest.mark.slow
def test_readme_python_gives_the_xhf_cls_limit(unpacked, main_job, capsys, monkeypatch):
    """The whole README snippet (pyhf's TOMS748 scan, minutes) prints xhf's CLs limit."""
    from xhf.infer import limit, load_analysis

    _run_readme(unpacked["magnetic_moment"], monkeypatch)
    printed = capsys.readouterr().out
    value = float(re.search(r"mu_nu < ([0-9.e+-]+) mu_B", printed).group(1))
    reference = limit(load_analysis(main_job["paths"]["magnetic_moment"]), method="cls").observed
    assert value == pytest.approx(reference, rel=2e-3)  # the README prints 3 digits


def test_readme_python_runs_on_the_dark_photon_grid(unpacked, capsys, monkeypatch):
    """The grid loop of the README (first patch only: pyhf fits are slow)."""
    _run_readme(
        unpacked["dark_photon"],
        monkeypatch,
        lambda code: code.replace("in patchset.patches:", "in patchset.patches[:1]:"),
    )
    lines = capsys.readouterr().out.splitlines()
    names = [
        p["metadata"]["name"]
        for p in read_json(unpacked["dark_photon"] / "patchset.json")["patches"]
    ]
    assert [line.split()[0] for line in lines] == names[:1]
    assert all(0.0 <= float(line.split()[-1]) <= 1.0 for line in lines)
