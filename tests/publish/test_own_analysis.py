"""Publishing an analysis that is not the replica: an experiment card's workspace and its own
limit, with a Publication that names its files and says nothing about pseudo-data
(docs/publishing.md, "Publishing your own analysis")."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
import yaml

from xhf.exceptions import XhfError
from xhf.publish import Publication, publish, validate_submission

GERMANIUM_CARD = Path(__file__).resolve().parents[2] / "examples" / "germanium" / "card.yml"
ANALYSIS = "germanium_magnetic_moment"


@pytest.fixture(scope="module")
def own_analysis(tmp_path_factory):
    """A germanium card's magnetic-moment workspace (asimov data) and its chi2 limit."""
    from xhf.combine.experiment import build_experiment_workspace
    from xhf.infer import likelihood_analysis, limit

    root = tmp_path_factory.mktemp("own")
    workspaces = root / "workspaces"
    workspaces.mkdir()
    lh = build_experiment_workspace(GERMANIUM_CARD, "magnetic-moment", data="asimov")
    lh.save(workspaces / "ge_mm.json")
    sidecar = lh.sidecar
    result = limit(likelihood_analysis(lh), method="chi2", cl=0.9)
    band = [result.expected[k] for k in ("-2", "-1", "+1", "+2")]
    results = root / "results"
    results.mkdir()
    document = {
        "limits": [
            {
                "analysis": ANALYSIS,
                "method": "chi2",
                "flavor": "all",
                "unit": result.unit,
                "expected": result.expected["0"],
                "expected_band": band,
                "observed": result.observed,
            }
        ]
    }
    (results / "results.json").write_text(json.dumps(document))
    return {"workspaces": workspaces, "results": results, "result": result, "sidecar": sidecar}


@pytest.fixture(scope="module")
def submission(own_analysis, tmp_path_factory):
    out = tmp_path_factory.mktemp("own_published") / "hepdata"
    publication = Publication(analyses={ANALYSIS: {"workspace": "ge_mm.json"}})
    publish(
        out,
        results=own_analysis["results"],
        workspaces=own_analysis["workspaces"],
        publication=publication,
    )
    return out / "submission"


def test_the_submission_validates(submission):
    validate_submission(submission)
    validate_submission(archive=submission.parent / "submission.tar.gz")


def test_its_limit_table_holds_the_limit_in_its_unit(submission, own_analysis):
    result = own_analysis["result"]
    (path,) = submission.glob("*upper_limit*.yaml")
    table = yaml.safe_load(path.read_text())
    names = [v["header"]["name"] for v in table["dependent_variables"]]
    observed = next(
        v for v in table["dependent_variables"] if v["header"]["name"].startswith("Obs")
    )
    assert observed["header"]["name"].endswith("(data)")
    assert observed["header"]["units"] == result.unit == "mu_B"
    assert observed["values"][0]["value"] == pytest.approx(result.observed)
    # no published column: results.json quotes no other publication
    assert not any(name.startswith("Published") for name in names)
    # no qualifier says pseudo-data: these are the analyst's observations
    assert all(q["name"] != "DATA" for v in table["dependent_variables"] for q in v["qualifiers"])


def test_no_replica_text_anywhere(submission):
    """Nothing of the replica leaks into another analysis' record."""
    for path in submission.iterdir():
        if path.suffix in (".yaml", ".json"):
            text = path.read_text()
            assert "XMASS" not in text and "PSEUDO" not in text.upper(), path.name
    readme = _archive_file(submission, "README.md")
    assert "XMASS" not in readme and "pseudo" not in readme.lower()


def test_the_likelihood_is_the_card_workspace(submission, own_analysis):
    """BkgOnly + the one patch give back the workspace that was fitted."""
    import jsonpatch

    measurement = own_analysis["sidecar"]["measurement"]
    background = json.loads(_archive_file(submission, "BkgOnly.json"))
    patchset = json.loads(_archive_file(submission, "patchset.json"))
    workspace = json.loads((own_analysis["workspaces"] / "ge_mm.json").read_text())
    patched = jsonpatch.apply_patch(background, patchset["patches"][0]["patch"])
    assert patched["channels"] == workspace["channels"]
    assert (submission / f"{measurement}_likelihood.tar.gz").is_file()


def _archive_file(submission: Path, name: str) -> str:
    (archive,) = submission.glob("*_likelihood.tar.gz")
    with tarfile.open(archive, "r:gz") as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(f"/{name}"))
        return tar.extractfile(member).read().decode()


@pytest.mark.parametrize(
    "roles",
    [{}, {"workspace": "a.json", "patchset": "b.json"}, {"workspace": "../a.json"}],
)
def test_an_analysis_names_its_files_by_role(own_analysis, roles, tmp_path):
    from xhf.publish import load_analysis_inputs

    with pytest.raises(XhfError, match="analysis 'mine'"):
        load_analysis_inputs(own_analysis["workspaces"], {"mine": roles})
