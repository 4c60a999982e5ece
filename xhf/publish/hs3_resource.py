"""The HS3 resource of an analysis: its likelihood as HS3 documents beside the pyhf archive.

HEPData lists HS3 likelihoods as resources of their own (``file_type="HS3"``; ROOT >= 6.30
and ``pyhs3`` read them). Per analysis, :func:`hs3_archive` bundles:

- a power-law analysis (magnetic moment, millicharge): ``<measurement>.hs3.json``, the
  workspace as built (:func:`xhf.publish.hs3.analysis_to_hs3`);
- the dark photon: ``<patch>.hs3.json`` for every patch of the components patchset (one per
  mass), with the interference and pure parts tied exactly (mu_pure = mu_interference**2 of
  the one parameter s = (g/g_ref)^2, XMASS-I, Phys. Lett. B 809 (2020) 135741, Eq. 6), which
  the pyhf grid can only approximate;

plus a README and ``SHA256SUMS``. docs/hs3.md describes the mapping.
"""

from __future__ import annotations

from typing import Any

from xhf.jsonio import dumps
from xhf.publish.archive import sha256sums, tar_gz
from xhf.publish.inputs import AnalysisInput

__all__ = ["hs3_archive", "hs3_archive_name", "hs3_documents"]


def __dir__() -> list[str]:
    return __all__


def hs3_documents(item: AnalysisInput) -> dict[str, dict[str, Any]]:
    """``{file name: HS3 document}`` of one analysis (see the module docstring)."""
    from xhf.infer.loading import build_analysis, likelihood_analysis, patch_names
    from xhf.publish.hs3 import analysis_to_hs3

    workspace, meta = item.main
    measurement = str(meta["measurement"])
    if item.power_law:
        analysis = likelihood_analysis(item.likelihood)
        return {f"{measurement}.hs3.json": analysis_to_hs3(analysis)}
    components, side = item.documents["components"], item.sidecars["components"]
    out = {}
    for patch in patch_names(components, item.analysis):
        analysis = build_analysis(
            workspace,
            meta,
            patchset=components,
            patch=patch,
            patchset_meta=side,
            source=f"{item.analysis}: {patch}",
        )
        out[f"{patch}.hs3.json"] = analysis_to_hs3(analysis)
    return out


def _readme(measurement: str, names: list[str], tied: bool, note: str) -> str:
    what = (
        "one file per mass of the components patchset, the interference and pure parts tied "
        "exactly: mu_pure is the function mu_interference**2 of the one parameter of interest "
        "s = (g/g_ref)^2"
        if tied
        else "the workspace as built; the parameter of interest mu scales the signal"
    )
    lines = [
        f"# {measurement}: the likelihood as HS3 (HEP Statistics Serialization Standard)",
        "",
        f"Written by `xhf export hs3`: {what}. ROOT >= 6.30 (RooFit's JSON tool) and pyhs3 read "
        "these files; `misc.xhf` in each says what the parameter of interest means physically "
        "(parameter, unit, reference value, power of each signal part). The pyhf (HistFactory "
        "JSON) files of the same likelihood are a resource of their own.",
        *([note] if note else []),
        "",
        "Files:",
        *(f"- `{name}`" for name in names),
        "",
    ]
    return "\n".join(lines)


def hs3_archive_name(item: AnalysisInput) -> str:
    """``<measurement>_hs3.tar.gz``; its files live in the folder ``<measurement>_hs3/``."""
    return f"{item.main[1]['measurement']}_hs3.tar.gz"


def hs3_archive(item: AnalysisInput, note: str = "") -> bytes:
    """The deterministic tar.gz of :func:`hs3_documents` with a README and ``SHA256SUMS``;
    ``note`` is a line of the README about the observations (e.g. that they are pseudo-data)."""
    measurement = str(item.main[1]["measurement"])
    files = {name: dumps(doc) for name, doc in hs3_documents(item).items()}
    files["README.md"] = _readme(measurement, sorted(files), not item.power_law, note)
    files["SHA256SUMS"] = sha256sums(files)
    return tar_gz({f"{measurement}_hs3/{name}": text for name, text in files.items()})
