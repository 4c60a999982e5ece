"""The sidecar cases of the bad-input corpus (tests/data/bad/workspaces/ws_sc_*, ps_sc_*), and
cases without a sidecar: a workspace's or patchset's pyhf ``version`` (``*_pyhf_version_*``) and
a patch's values (``ps_patch_value_*``).

Each case starts from the good workspace ``good_workspace.json`` (or the good patchset
``ps_good.json``) and a valid, sealed sidecar made by :func:`xhf.workspace.sidecar_document`,
then breaks ONE thing: a field of the sidecar edited by hand (the seal no longer matches, but
the field is named first), a sidecar of another workspace or patch, or a fixed POI.
``python tests/support/sidecar_corpus.py`` rewrites the files; test_bad_sidecars.py checks
that the files in the corpus are exactly what this module writes.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xhf.workspace.sidecar import digest, sidecar_document

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad" / "workspaces"
GOOD = "workspaces/good_workspace.json"
NAN, INF = math.nan, math.inf


def good_workspace() -> dict[str, Any]:
    return json.loads((CORPUS / "good_workspace.json").read_text())


def good_patchset() -> dict[str, Any]:
    return json.loads((CORPUS / "ps_good.json").read_text())


def sidecar_fields(
    workspace: dict[str, Any],
    *,
    bin_edges_kev: list[float],
    poi_bounds: list[float],
    model: str = "magnetic-moment",
    parameter: str = "mu_nu",
    unit: str = "mu_B",
    reference: float = 1e-10,
) -> dict[str, Any]:
    """The fields of a valid sidecar of a one-channel (``sr``) workspace whose signal sample
    ``signal`` scales as ``mu`` = (parameter / reference)^2 (also used by the sidecar property
    test)."""
    return {
        "analysis": model.replace("-", "_"),
        "bin_edges_kev": bin_edges_kev,
        "channel": "sr",
        "data": {"label": "observed", "pseudo_data": False},
        "digest": {"workspace": digest(workspace)},
        "interpolation": {"histosys": "code4p", "normsys": "code4"},
        "measurement": "meas",
        "poi": "mu",
        "poi_bounds": poi_bounds,
        "signal": {
            "mass_mev": None,
            "model": model,
            "parameter": parameter,
            "parts": [{"normfactor": "mu", "power": 2, "sample": "signal"}],
            "reference": reference,
            "unit": unit,
        },
        "xhf_version": "0.1.0",
    }


def workspace_body() -> dict[str, Any]:
    """The fields of a valid sidecar of the good workspace (a magnetic-moment signal)."""
    return sidecar_fields(good_workspace(), bin_edges_kev=[2.0, 4.0, 6.0], poi_bounds=[0.0, 10.0])


def patchset_body(patchset: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fields of a valid sidecar of the good patchset (a grid over one dark-photon mass)."""
    ps = good_patchset() if patchset is None else patchset
    body = workspace_body()
    body.update(
        {
            "analysis": "dark_photon",
            "form": "grid",
            "labels": ["mass_mev"],
            "patches": {p["metadata"]["name"]: p["metadata"]["values"] for p in ps["patches"]},
        }
    )
    body["digest"]["patchset"] = digest(ps)
    body["digest"]["patches"] = {p["metadata"]["name"]: digest(p) for p in ps["patches"]}
    body["signal"] = {
        "mass_mev": [1.0],
        "model": "dark-photon",
        "parameter": "g",
        "parts": [{"normfactor": "mu", "power": None, "sample": "signal"}],
        "reference": 1e-6,
        "references": {"m1": 1e-6},
        "unit": "g_BL",
    }
    return body


def _set(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``doc`` with the value at a dotted path (``signal.parts.0.power``) replaced or deleted."""
    out = copy.deepcopy(doc)
    node, keys = out, [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return out


_DELETE = object()
Pair = tuple[dict[str, Any], Any]


def edited(
    path: str, value: Any, *more: tuple[str, Any], patchset: bool = False
) -> Callable[[], Pair]:
    """A sealed good sidecar, then a field (and the ``more`` fields) edited by hand."""

    def make() -> Pair:
        doc = good_patchset() if patchset else good_workspace()
        side = sidecar_document(patchset_body() if patchset else workspace_body())
        for where, new in ((path, value), *more):
            side = _set(side, where, new)
        return doc, side

    return make


def sealed(change: Callable[[dict, dict], None], *, patchset: bool = False) -> Callable[[], Pair]:
    """``change(document, sidecar_body)`` applied, then the sidecar sealed as xhf writes it."""

    def make() -> Pair:
        doc = good_patchset() if patchset else good_workspace()
        body = patchset_body(doc) if patchset else workspace_body()
        change(doc, body)
        return doc, sidecar_document(body)

    return make


def _stale(doc: dict, body: dict) -> None:  # the workspace rebuilt, the sidecar left behind
    doc["observations"][0]["data"] = [12.0, 13.0]


def _swapped(doc: dict, body: dict) -> None:  # the sidecar of another workspace
    other = copy.deepcopy(doc)
    other["channels"][0]["samples"][0]["data"] = [3.0, 4.0]
    body["digest"]["workspace"] = digest(other)


def _fixed_poi(doc: dict, body: dict) -> None:
    doc["measurements"][0]["config"]["parameters"] = [
        {"bounds": [[0.0, 10.0]], "fixed": True, "inits": [1.0], "name": "mu"}
    ]
    body["digest"]["workspace"] = digest(doc)


def _wrong_sample(doc: dict, body: dict) -> None:
    body["signal"]["parts"][0]["sample"] = "background"


def _unknown_normfactor(doc: dict, body: dict) -> None:
    body["signal"]["parts"][0]["normfactor"] = "nosuch"
    body["poi"] = "nosuch"


def _poi_not_lowest(doc: dict, body: dict) -> None:
    body["poi"] = "bkg_norm"


def _patch_edited(doc: dict, body: dict) -> None:  # the sidecar describes the patch before
    doc["patches"][0]["patch"][0]["value"] = [4.0, 6.0]


def _patchset_edited(doc: dict, body: dict) -> None:
    doc["metadata"]["description"] = "tiny, edited"


def _other_workspace(doc: dict, body: dict) -> None:
    _swapped(good_workspace(), body)


def _workspace_sidecar(doc: dict, body: dict) -> None:
    for key in ("form", "labels", "patches"):
        body.pop(key)
    del body["digest"]["patchset"], body["digest"]["patches"]
    body["signal"] = workspace_body()["signal"]


def _patchset_sidecar_on_workspace() -> Pair:
    return good_workspace(), sidecar_document(patchset_body())


def _legacy() -> Pair:  # an xhf 0.1 sidecar: no schema, no seal
    side = workspace_body()
    return good_workspace(), side


def version(value: Any, *, patchset: bool = False) -> Callable[[], Pair]:
    """The good workspace (or patchset) with another pyhf ``version``, without a sidecar."""

    def make() -> Pair:
        doc = good_patchset() if patchset else good_workspace()
        return {**doc, "version": value}, None

    return make


def patch_value(value: Any) -> Callable[[], Pair]:
    """The good patchset with another value (mass) of its patch, without a sidecar."""

    def make() -> Pair:
        return _set(good_patchset(), "patches.0.metadata.values.0", value), None

    return make


WS = ["limit"]
PS = ["--patch", "m1"]

#: (case, how to make (document, sidecar), text the error line must contain). ``ws_*`` cases
#: run ``xhf limit ws_<case>.json``; ``ps_*`` cases ``xhf limit GOOD --patchset ps_<case>.json``.
CASES: list[tuple[str, Callable[[], Pair], str]] = [
    # -- the sidecar does not describe the workspace (or patchset) beside it --------------------
    ("ws_sc_stale_after_rebuild", sealed(_stale), "describes another workspace (digest sha256:"),
    ("ws_sc_swapped", sealed(_swapped), "describes another workspace (digest sha256:"),
    ("ws_sc_edited_reference", edited("signal.reference", 3e-10), "digest.sidecar: the sidecar was edited"),
    ("ws_sc_edited_model", edited("signal.model", "millicharge"), "signal.unit: 'mu_B' is not the unit of millicharge"),
    ("ws_sc_edited_model_and_unit", edited("signal.model", "millicharge", ("signal.unit", "e")), "digest.sidecar: the sidecar was edited"),
    ("ws_sidecar_wrong_unit", edited("signal.unit", "eV"), "signal.unit: 'eV' is not the unit of magnetic-moment"),
    ("ws_sc_wrong_sample", sealed(_wrong_sample), "signal.parts[0]: the workspace has no normfactor 'mu' on a sample 'background'"),
    ("ws_sidecar_unknown_normfactor", sealed(_unknown_normfactor), "signal.parts[0]: the workspace has no normfactor 'nosuch' on a sample 'signal'"),
    ("ws_sidecar_bad_fractions", edited("signal.flavor_fractions", {"e": 0.5, "mu": 0.5, "tau": 0.5}), "signal.flavor_fractions: must sum to 1 (sum 1.5)"),
    ("ws_sc_poi_not_lowest", sealed(_poi_not_lowest), "poi: 'bkg_norm' is not the lowest-power part's normfactor 'mu'"),
    ("ws_sc_patchset_sidecar", _patchset_sidecar_on_workspace, "describes a patchset, not this workspace"),
    ("ws_sc_fixed_poi", sealed(_fixed_poi), "parameters[mu].fixed: the parameter of interest 'mu' is fixed"),
    ("ws_sc_missing_seal", edited("digest.sidecar", _DELETE), "digest.sidecar: is required"),
    ("ws_sc_bad_digest", edited("digest.workspace", "sha256:abc"), "digest.workspace: must match"),
    ("ws_sc_no_digest", edited("digest", _DELETE), "digest: is required"),
    # -- version -------------------------------------------------------------------------------
    ("ws_sc_legacy", _legacy, "schema: missing (an unversioned sidecar of an older xhf)"),
    ("ws_sc_schema_number", edited("schema", 1.0), "schema: unsupported sidecar version 1.0"),
    ("ws_sc_schema_future", edited("schema", "xhf-sidecar-v2"), 'unsupported sidecar version "xhf-sidecar-v2"'),
    ("ws_sc_schema_list", edited("schema", ["xhf-sidecar-v1"]), "schema: unsupported sidecar version"),
    ("ws_sc_xhf_version_number", edited("xhf_version", 1.0), "xhf_version: must be a string"),
    ("ws_sc_xhf_version_null", edited("xhf_version", None), "xhf_version: must be a string"),
    ("ws_pyhf_version_float", version(1.0), 'version: must be the string "1.0.0", not 1.0'),
    ("ws_pyhf_version_future", version("2.0.0"), 'version: must be the string "1.0.0", not "2.0.0"'),
    ("ps_pyhf_version_float", version(1.0, patchset=True), 'version: must be the string "1.0.0", not 1.0'),
    ("ps_patch_value_negative", patch_value(-1.0), "patches[m1].metadata.values[0]: mass_mev -1.0 is not a finite positive number"),
    ("ps_patch_value_zero", patch_value(0.0), "patches[m1].metadata.values[0]: mass_mev 0.0 is not"),
    ("ps_patch_value_nan", patch_value(NAN), "patches[m1].metadata.values[0]: "),
    # -- references ----------------------------------------------------------------------------
    ("ws_sc_reference_nan", edited("signal.reference", NAN), "signal.reference: must be a finite number"),
    ("ws_sidecar_huge_reference", edited("signal.reference", INF), "signal.reference: must be"),
    ("ws_sc_reference_minus_inf", edited("signal.reference", -INF), "signal.reference: must be"),
    ("ws_sc_reference_negative", edited("signal.reference", -1e-10), "signal.reference: must be"),
    ("ws_sc_reference_zero", edited("signal.reference", 0.0), "signal.reference: must be"),
    ("ws_sc_reference_bool", edited("signal.reference", True), "signal.reference: must be"),
    ("ws_sc_reference_huge", edited("signal.reference", 1e300), "signal.reference: must be"),
    ("ws_sc_reference_tiny", edited("signal.reference", 1e-308), "signal.reference: must be"),
    ("ws_sidecar_text_reference", edited("signal.reference", "1e-10 mu_B"), "signal.reference: must be"),
    # -- powers --------------------------------------------------------------------------------
    ("ws_sc_power_true", edited("signal.parts.0.power", True), "signal.parts[0].power"),
    ("ws_sc_power_huge", edited("signal.parts.0.power", 1e12), "signal.parts[0].power"),
    ("ws_sc_power_tiny", edited("signal.parts.0.power", 1e-308), "signal.parts[0].power"),
    ("ws_sc_power_float", edited("signal.parts.0.power", 2.0), "signal.parts[0].power: must be an integer in [1, 2, 3, 4], not 2.0"),
    ("ws_sc_power_zero", edited("signal.parts.0.power", 0), "signal.parts[0].power"),
    ("ws_sidecar_negative_power", edited("signal.parts.0.power", -2), "signal.parts[0].power"),
    ("ws_sc_power_five", edited("signal.parts.0.power", 5), "signal.parts[0].power"),
    ("ws_sc_power_text", edited("signal.parts.0.power", "2"), "signal.parts[0].power"),
    ("ws_sc_power_nan", edited("signal.parts.0.power", NAN), "signal.parts[0].power"),
    # -- model, unit, parameter, parts -----------------------------------------------------------
    ("ws_sc_model_list", edited("signal.model", ["magnetic-moment"]), "signal.model: must be a string or null"),
    ("ws_sc_model_number", edited("signal.model", 2), "signal.model: must be a string or null"),
    ("ws_sc_unit_null", edited("signal.unit", None), "signal.unit: must be a string"),
    ("ws_sc_parameter_empty", edited("signal.parameter", ""), "signal.parameter: must not be empty"),
    ("ws_sidecar_no_parts", edited("signal.parts", []), "signal.parts: must have at least 1 items"),
    ("ws_sc_part_extra_key", edited("signal.parts.0.scale", 2.0), "signal.parts[0].scale: unknown key"),
    ("ws_sc_no_reference", edited("signal.reference", _DELETE), "signal.reference: is required"),
    ("ws_sc_null_signal", edited("signal", None), "signal: is null but the sidecar is not background_only"),
    ("ws_sc_background_only_signal", edited("background_only", True), "signal: must be null in a background-only sidecar"),
    # -- masses and other numbers ---------------------------------------------------------------
    ("ws_sc_mass_nan", edited("signal.mass_mev", NAN), "signal.mass_mev: must be a finite number"),
    ("ws_sc_mass_negative", edited("signal.mass_mev", -1.0), "signal.mass_mev: must be"),
    ("ws_sc_mass_zero", edited("signal.mass_mev", 0.0), "signal.mass_mev: must be"),
    ("ws_sc_mass_bool", edited("signal.mass_mev", True), "signal.mass_mev: must be"),
    ("ws_sc_edges_nan", edited("bin_edges_kev.1", NAN), "bin_edges_kev[1]: must be a finite number"),
    ("ws_sc_pseudo_data_text", edited("data.pseudo_data", "yes"), "data.pseudo_data: must be true or false"),
    ("ws_sc_unknown_field", edited("units", "keV"), "units: unknown key"),
    # -- patchset sidecars --------------------------------------------------------------------
    ("ps_sc_patch_edited", sealed(_patch_edited, patchset=True), "patches[m1]: not the patch sidecar"),
    ("ps_sc_patchset_edited", sealed(_patchset_edited, patchset=True), "describes another patchset (digest sha256:"),
    ("ps_sc_other_workspace", sealed(_other_workspace, patchset=True), "describes another workspace (digest sha256:"),
    ("ps_sc_workspace_sidecar", sealed(_workspace_sidecar, patchset=True), "is a workspace's, not a patchset's"),
    ("ps_sc_legacy", edited("schema", _DELETE, patchset=True), "schema: missing"),
    ("ps_sc_coupling_nan", edited("patches.m1.0", NAN, patchset=True), "patches.m1[0]: must be a finite number"),
    ("ps_sc_coupling_inf", edited("patches.m1.0", INF, patchset=True), "patches.m1[0]: must be"),
    ("ps_sc_coupling_negative", edited("patches.m1.0", -1.0, patchset=True), "patches.m1[0]: must be"),
    ("ps_sc_coupling_zero", edited("patches.m1.0", 0.0, patchset=True), "patches.m1[0]: must be"),
    ("ps_sc_coupling_bool", edited("patches.m1.0", True, patchset=True), "patches.m1[0]: must be"),
    ("ps_sc_reference_nan", edited("signal.references.m1", NAN, patchset=True), "signal.references.m1: must be a finite number"),
    ("ps_sc_reference_negative", edited("signal.references.m1", -1e-6, patchset=True), "signal.references.m1: must be"),
    ("ps_sc_reference_unknown_patch", edited("signal.references.m9", 1e-6, patchset=True), "signal.references.m9: no such patch"),
    ("ps_sc_mass_negative", edited("signal.mass_mev.0", -1.0, patchset=True), "signal.mass_mev"),
    ("ps_sc_form_unknown", edited("form", "lattice", patchset=True), "form: must be one of"),
    ("ps_sc_values_length", edited("patches.m1", [1.0, 2.0], patchset=True), "patches.m1: 2 values for 1 labels"),
]  # fmt: skip


def arguments(case: str) -> list[str]:
    """The ``xhf limit`` arguments of a case (paths relative to the corpus' parent)."""
    if case.startswith("ps_"):
        return [*WS, GOOD, "--patchset", f"workspaces/{case}.json", *PS]
    return [*WS, f"workspaces/{case}.json"]


def files() -> dict[str, str]:
    """``{file name: text}`` of every case (documents and sidecars)."""
    out = {}
    for case, make, _ in CASES:
        document, sidecar = make()
        out[f"{case}.json"] = _text(document)
        if sidecar is not None:
            out[f"{case}.meta.json"] = _text(sidecar)
    return out


def _text(document: Any) -> str:
    """Sorted keys, indent 2; NaN and infinities written as JavaScript's literals on purpose."""
    return json.dumps(document, sort_keys=True, indent=2) + "\n"


def write(directory: Path = CORPUS) -> None:
    for name, text in files().items():
        (directory / name).write_text(text)


if __name__ == "__main__":
    write()
