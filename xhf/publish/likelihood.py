"""The published likelihood: per analysis a HistFactory archive that plain pyhf reads.

HEPData's HistFactory resources (and ``pyhf contrib download``) follow the ATLAS convention: a
background-only workspace ``BkgOnly.json`` and a ``patchset.json`` whose patches add the
signal of each model point, with the labels and values of the point in physical units, the
sha256 digest of ``BkgOnly.json`` and ``references.hepdata`` (pyhf's patchset schema). xhf
publishes every analysis of XMASS-I (Phys. Lett. B 809 (2020) 135741) in that form:

- a power-law analysis (magnetic moment, millicharge; one workspace whose POI ``mu`` scales
  the signal, parameter = reference * mu^(1/power)) becomes ``BkgOnly.json`` (the signal
  replaced by xhf's zero-yield placeholder that carries ``mu``) plus a one-patch patchset
  (the signal at the reference value). Applying the patch gives back the workspace byte for
  byte (same pyhf digest), so ``pyhf patchset apply ... | pyhf cls`` and ``xhf limit`` see
  exactly the model xhf fitted;
- the dark photon ships as built: ``BkgOnly.json``, the grid ``patchset.json`` (one patch per
  (mass, coupling), exact excess) and ``components_patchset.json`` (interference and pure
  parts per mass, for xhf's tied limit in g).

Each JSON file keeps its xhf sidecar (``<name>.meta.json``: units, binning, digests), and the
archive carries a README (how to use it with plain pyhf) and ``SHA256SUMS``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from xhf.exceptions import InvalidInputError
from xhf.jsonio import dumps
from xhf.publish.archive import sha256sums, tar_gz
from xhf.publish.inputs import AnalysisInput
from xhf.publish.publication import Publication
from xhf.publish.readme import archive_readme
from xhf.workspace.compat import quiet_pyhf
from xhf.workspace.naming import PLACEHOLDER_SAMPLE, POI
from xhf.workspace.patchset import PATCHSET_VERSION, UNASSIGNED_RECORD
from xhf.workspace.sidecar import digest, sidecar_document

__all__ = [
    "archive_name",
    "likelihood_archive",
    "likelihood_files",
    "power_law_patchset",
    "with_record",
]


def __dir__() -> list[str]:
    return __all__


#: File names inside an archive, by role (each JSON file also has ``<stem>.meta.json``).
FILE_NAMES = {
    "background_only": "BkgOnly.json",
    "patchset": "patchset.json",
    "components": "components_patchset.json",
}


def _signal_position(workspace: Mapping[str, Any], channel: str) -> tuple[int, int]:
    for ci, ch in enumerate(workspace["channels"]):
        if ch["name"] != channel:
            continue
        for si, sample in enumerate(ch["samples"]):
            if sample["name"] == PLACEHOLDER_SAMPLE:
                return ci, si
    raise InvalidInputError(
        f"workspace: no sample {PLACEHOLDER_SAMPLE!r} in channel {channel!r} "
        "(docs/workspace-conventions.md)"
    )


def _placeholder(n_bins: int) -> dict[str, Any]:
    return {
        "data": [0.0] * n_bins,
        "modifiers": [{"data": None, "name": POI, "type": "normfactor"}],
        "name": PLACEHOLDER_SAMPLE,
    }


def power_law_patchset(
    workspace: Mapping[str, Any], meta: Mapping[str, Any], *, hepdata: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A power-law workspace as ``(BkgOnly, patchset)``: one patch restores the signal.

    The background-only workspace is the workspace with its sample ``signal`` replaced by the
    zero-yield placeholder (normfactor ``mu``, the POI, bounds kept); the patch (named after the
    analysis, values ``[reference]`` in the sidecar's unit, label the parameter) replaces it by
    the signal at the reference value with all its modifiers.

    Raises:
        InvalidInputError: the workspace has no ``signal`` sample with normfactor ``mu``, or
            applying the patch does not give back the workspace.
    """
    signal = meta["signal"]
    channel = meta["channel"]
    ci, si = _signal_position(workspace, channel)
    sample = workspace["channels"][ci]["samples"][si]
    if not any(m["type"] == "normfactor" and m["name"] == POI for m in sample["modifiers"]):
        raise InvalidInputError(
            f"workspace: sample {PLACEHOLDER_SAMPLE!r} has no normfactor {POI!r}"
        )
    background = copy.deepcopy(dict(workspace))
    background["channels"][ci]["samples"][si] = _placeholder(len(sample["data"]))
    analysis = str(meta.get("analysis") or signal.get("model") or "signal")
    reference = float(signal["reference"])
    measurement = meta["measurement"]
    spec = {
        "metadata": {
            "analysis": analysis,
            "description": (
                f"{measurement}: the {signal.get('model', analysis)} signal at "
                f"{signal['parameter']} = {reference:g} {signal.get('unit', '')}; POI {POI} "
                f"scales it, {signal['parameter']} = {reference:g} * {POI}^(1/"
                f"{_power(signal)}). Background-only workspace and conventions: "
                "xhf docs/workspace-conventions.md"
            ),
            "digests": {"sha256": digest(background).removeprefix("sha256:")},
            "form": "power_law",
            "labels": [signal["parameter"]],
            "measurement": measurement,
            "parameter": signal["parameter"],
            "reference": reference,
            "references": {"hepdata": hepdata or UNASSIGNED_RECORD},
            "unit": signal.get("unit", ""),
        },
        "patches": [
            {
                "metadata": {"name": analysis, "values": [reference]},
                "patch": [
                    {
                        "op": "replace",
                        "path": f"/channels/{ci}/samples/{si}",
                        "value": copy.deepcopy(sample),
                    }
                ],
            }
        ],
        "version": PATCHSET_VERSION,
    }
    _check_round_trip(background, spec, workspace, analysis)
    return background, spec


def _power(signal: Mapping[str, Any]) -> str:
    powers = [p.get("power") for p in signal["parts"]]
    return f"{powers[0]:g}" if len(powers) == 1 and powers[0] is not None else "?"


def _check_round_trip(background, patchset, workspace, name) -> None:
    import pyhf

    with quiet_pyhf():
        applied = pyhf.PatchSet(patchset).apply(pyhf.Workspace(background), name)
    if digest(dict(applied)) != digest(workspace):
        raise InvalidInputError(
            f"{name}: the published background-only workspace + patch does not give back the "
            "workspace (sample order or modifiers differ)"
        )


def with_record(patchset: Mapping[str, Any], hepdata: str | None) -> dict[str, Any]:
    """A copy of ``patchset`` with ``references.hepdata`` set (unchanged if ``hepdata`` is None)."""
    out = copy.deepcopy(dict(patchset))
    if hepdata is not None:
        out["metadata"].setdefault("references", {})["hepdata"] = hepdata
    return out


def _background_sidecar(meta: Mapping[str, Any], background: Mapping[str, Any]) -> dict:
    out = copy.deepcopy(dict(meta))
    out["digest"] = {"workspace": digest(background)}
    out["background_only"] = True
    out["placeholder"] = {"normfactor": POI, "sample": PLACEHOLDER_SAMPLE}
    out["poi_bounds_all"] = {
        p["name"]: p["bounds"][0] for p in background["measurements"][0]["config"]["parameters"]
    }
    out["signal"] = None
    return sidecar_document(out)


def _patchset_sidecar(
    meta: Mapping[str, Any], background: Mapping[str, Any], patchset: Mapping[str, Any]
) -> dict:
    out = copy.deepcopy(dict(meta))
    out["digest"] = {
        "patches": {p["metadata"]["name"]: digest(p) for p in patchset["patches"]},
        "patchset": digest(patchset),
        "workspace": digest(background),
    }
    out.setdefault("form", patchset["metadata"].get("form"))
    out["labels"] = list(patchset["metadata"]["labels"])
    out["patches"] = {p["metadata"]["name"]: p["metadata"]["values"] for p in patchset["patches"]}
    out["references"] = dict(patchset["metadata"].get("references", {}))
    return sidecar_document(out)


def likelihood_files(
    item: AnalysisInput, *, hepdata: str | None = None, publication: Publication | None = None
) -> dict[str, str]:
    """The files of one analysis' archive, ``{file name: text}`` (README and SHA256SUMS too).

    Args:
        item: the analysis' shipped workspace(s) and sidecars.
        hepdata: INSPIRE id written into every patchset's ``references.hepdata``; None keeps
            the value of the shipped patchsets (a power-law patchset then gets ``ins0000000``,
            "not assigned").
        publication: what the README says about the observations (default: real data).
    """
    documents: dict[str, Any] = {}
    if item.power_law:
        workspace, meta = item.documents["workspace"], item.sidecars["workspace"]
        background, patchset = power_law_patchset(workspace, meta, hepdata=hepdata)
        documents["background_only"] = (background, _background_sidecar(meta, background))
        documents["patchset"] = (patchset, _patchset_sidecar(meta, background, patchset))
    else:
        background = item.documents["background_only"]
        documents["background_only"] = (background, item.sidecars["background_only"])
        for role in ("patchset", "components"):
            patchset = with_record(item.documents[role], hepdata)
            side = _patchset_sidecar(item.sidecars[role], background, patchset)
            documents[role] = (patchset, side)
    _verify(documents, item.analysis)
    files: dict[str, str] = {}
    for role, (document, side) in documents.items():
        name = FILE_NAMES[role]
        files[name] = dumps(document)
        files[name.removesuffix(".json") + ".meta.json"] = dumps(side)
    files["README.md"] = archive_readme(
        item, {role: doc for role, (doc, _) in documents.items()}, publication
    )
    files["SHA256SUMS"] = sha256sums(files)
    return files


def _verify(documents: Mapping[str, tuple[Any, Any]], analysis: str) -> None:
    import pyhf

    background = documents["background_only"][0]
    try:
        with quiet_pyhf():
            workspace = pyhf.Workspace(background)
            workspace.model()
            for role in ("patchset", "components"):
                if role in documents:
                    pyhf.PatchSet(documents[role][0]).verify(workspace)
    except (
        pyhf.exceptions.InvalidSpecification,
        pyhf.exceptions.InvalidModel,
        pyhf.exceptions.InvalidPatchSet,
        pyhf.exceptions.PatchSetVerificationError,
    ) as exc:
        raise InvalidInputError(f"{analysis}: {str(exc).splitlines()[0]}") from None


def archive_name(item: AnalysisInput) -> str:
    """``<measurement>_likelihood.tar.gz``; its files live in the folder ``<measurement>/``."""
    return f"{item.main[1]['measurement']}_likelihood.tar.gz"


def likelihood_archive(
    item: AnalysisInput, *, hepdata: str | None = None, publication: Publication | None = None
) -> bytes:
    """The deterministic tar.gz of :func:`likelihood_files` under ``<measurement>/``."""
    top = item.main[1]["measurement"]
    files = likelihood_files(item, hepdata=hepdata, publication=publication)
    return tar_gz({f"{top}/{name}": text for name, text in files.items()})
