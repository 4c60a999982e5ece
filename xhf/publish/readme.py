"""The README of a likelihood archive: what the files are and how to use them with plain pyhf.

Written from the sidecars, so that the numbers in it (reference value, power, binning, patch
names, digests) are those of the files beside it; what it says about the observations comes
from the caller's :class:`~xhf.publish.publication.Publication`. The model structure is that of
XMASS-I's search, Phys. Lett. B 809 (2020) 135741, Eqs. 4-7.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xhf import __version__
from xhf.publish.inputs import AnalysisInput
from xhf.publish.publication import Publication
from xhf.workspace.naming import PLACEHOLDER_SAMPLE, POI

__all__ = ["archive_readme"]


def __dir__() -> list[str]:
    return __all__


_TITLES = {
    "magnetic_moment": "neutrino magnetic moment",
    "millicharge": "neutrino millicharge",
    "dark_photon": "U(1)_{B-L} dark photon",
}


def _model_lines(meta: Mapping[str, Any], data_word: str) -> list[str]:
    edges = meta["bin_edges_kev"]
    data = meta.get("data", {})
    seed = f", seed {data['seed']}" if "seed" in data else ""
    return [
        f"- measurement `{meta['measurement']}`, one channel `{meta['channel']}`: "
        f"{len(edges) - 1} bins of reconstructed energy from {edges[0]:g} to {edges[-1]:g} keV "
        "(the edges are in the `.meta.json` sidecars, `bin_edges_kev`);",
        f"- observations: dataset `{data.get('label', '?')}`{seed}: {data_word};",
        "- interpolation: pyhf's defaults (normsys code4, histosys code4p), which pyhf does "
        "not store in the JSON;",
        "- modifiers (docs/workspace-conventions.md of xhf): `<experiment>_norm_<background>` "
        "activity constraints (normsys) or `<experiment>_free_<background>` free "
        "normalisations (normfactor), shape systematics `<experiment>_<name>` (histosys, "
        "shared by name), flat signal systematics (normsys), "
        "`<experiment>_staterror_<channel>` for the Monte Carlo statistics; only the solar "
        "fluxes `flux_<source>` and `atomic_model` are unprefixed, to correlate across "
        "experiments.",
    ]


def _power_law(item: AnalysisInput, meta: Mapping[str, Any], patch: str) -> list[str]:
    signal = meta["signal"]
    parameter, unit = signal["parameter"], signal.get("unit", "")
    reference = float(signal["reference"])
    power = signal["parts"][0]["power"]
    root = "mu ** 0.5" if power == 2 else f"mu ** (1 / {power:g})"
    return [
        "## The signal",
        "",
        f"The signal is one power of its parameter: the rate goes as {parameter}^{power:g}. "
        f"The patch `{patch}` of `patchset.json` (label `{parameter}`, value {reference:g} "
        f"{unit}) replaces the zero-yield placeholder sample `{PLACEHOLDER_SAMPLE}` of "
        f"`BkgOnly.json` by the signal at {parameter} = {reference:g} {unit}. Its normfactor "
        f"`{POI}` (the POI) scales it, so",
        "",
        f"    {parameter} = {reference:g} * {POI}^(1/{power:g})   [{unit}]",
        "",
        "Applying the patch gives back, byte for byte, the workspace xhf fitted "
        f"(`workspaces/{meta['measurement']}.json` in xhf; same pyhf digest).",
        "",
        "## With plain pyhf (command line)",
        "",
        "```bash",
        f"pyhf patchset apply BkgOnly.json patchset.json --name {patch} --output-file workspace.json",
        f"pyhf cls workspace.json                  # CLs at mu = 1, i.e. {parameter} = {reference:g} {unit}",
        f"pyhf cls workspace.json --test-poi 4     # {parameter} = {reference * 4 ** (1 / power):g} {unit}",
        f"pyhf patchset extract patchset.json --name {patch} --output-file patch.json",
        "pyhf cls BkgOnly.json -p patch.json      # the same, without writing the workspace",
        "```",
        "",
        "## With plain pyhf (Python)",
        "",
        "```python",
        "import json",
        "",
        "import pyhf",
        "",
        'with open("BkgOnly.json") as f:',
        "    workspace = pyhf.Workspace(json.load(f))",
        'with open("patchset.json") as f:',
        "    patchset = pyhf.PatchSet(json.load(f))",
        f'model = workspace.model(patches=[patchset["{patch}"]])',
        "data = workspace.data(model)",
        'cls_obs, cls_exp = pyhf.infer.hypotest(1.0, data, model, test_stat="qtilde", '
        "return_expected_set=True)",
        "# 90% CL upper limit on mu. pyhf 0.7.6's upper_limit(scan=None) ignores `level`",
        "# (scikit-hep/pyhf#2563); toms748_scan takes it, with the NumPy backend (it fails",
        "# with JAX: scikit-hep/pyhf#2466). On a 99-bin channel one NumPy hypotest takes ~1",
        "# min, so this takes tens of minutes; pyhf with JAX and a fixed scan (upper_limit with",
        "# 11 points) ~1 min; `xhf limit` a few seconds.",
        "low, high = model.config.suggested_bounds()[model.config.poi_index]",
        "low = max(low, 1e-4 * high)  # at mu = 0 the q-tilde asymptotics divide 0 by 0",
        "mu_obs, mu_exp = pyhf.infer.intervals.upper_limits.toms748_scan(",
        "    data, model, low, high, level=0.1",
        ")",
        f"limit = {reference!r} * {root.replace('mu', 'float(mu_obs)')}",
        f'print(f"90% CL: {parameter} < {{limit:.3g}} {unit}")',
        "```",
        "",
        "## With xhf",
        "",
        "```bash",
        f"xhf limit BkgOnly.json --patchset patchset.json --patch {patch} --method cls --json",
        f"xhf limit BkgOnly.json --patchset patchset.json --patch {patch} --method chi2",
        "```",
        "",
        "prints the limit in physical units (the `.meta.json` sidecars carry the parameter, unit, "
        "reference and power)"
        + (
            "; for the millicharge also the single-flavour limits delta_f = delta_all / "
            "sqrt(f), f = 0.54 / 0.23 / 0.23 for e / mu / tau."
            if item.analysis == "millicharge"
            else "."
        ),
    ]


def _dark_photon(
    components_meta: Mapping[str, Any], grid: Mapping[str, Any], components: Mapping[str, Any]
) -> list[str]:
    grid_names = [p["metadata"]["name"] for p in grid["patches"]]
    comp_names = [p["metadata"]["name"] for p in components["patches"]]
    masses = sorted({float(p["metadata"]["values"][0]) for p in components["patches"]})
    first = grid["patches"][0]["metadata"]
    return [
        "## The signal",
        "",
        "The dark photon's excess is not a power of the coupling: "
        "S(g) = (g/g_ref)^2 I + (g/g_ref)^4 P (interference I and pure term P). It ships twice:",
        "",
        f"- `patchset.json` (grid, {len(grid_names)} patches, labels "
        f"`{grid['metadata']['labels']}` in MeV and g_BL): each patch replaces the zero-yield "
        f"placeholder `{PLACEHOLDER_SAMPLE}` of `BkgOnly.json` by the exact excess at one "
        f"(mass, coupling) point, scaled by `{POI}`; `{POI} = 1` is the model point. "
        f"Example: `{first['name']}` = {first['values']}.",
        f"- `components_patchset.json` ({len(comp_names)} patches, one per mass from "
        f"{masses[0]:g} to {masses[-1]:g} MeV, label `mass_mev`): the samples "
        "`signal_interference` (normfactor `mu_interference`) and `signal_pure` (`mu_pure`) at "
        "the reference coupling g_ref. A limit in g ties `mu_interference = s`, "
        "`mu_pure = s^2`, s = (g/g_ref)^2, which released pyhf cannot express: use xhf. "
        + _references(components_meta, comp_names),
        "",
        "## With plain pyhf (command line)",
        "",
        "```bash",
        "pyhf patchset inspect patchset.json",
        f"pyhf patchset extract patchset.json --name {first['name']} --output-file patch.json",
        "pyhf cls BkgOnly.json -p patch.json      # CLs_obs < 0.1: excluded at 90% CL",
        f"pyhf patchset apply BkgOnly.json patchset.json --name {first['name']} | pyhf cls",
        "```",
        "",
        "The 90% CL limit on g at one mass is where CLs(mu = 1) crosses 0.1 along the coupling "
        "grid of that mass (interpolate in log g). One pyhf hypotest takes minutes with the "
        "NumPy backend on a 99-bin model; `xhf limit` takes seconds.",
        "",
        "## With plain pyhf (Python)",
        "",
        "```python",
        "import json",
        "",
        "import pyhf",
        "",
        'with open("BkgOnly.json") as f:',
        "    workspace = pyhf.Workspace(json.load(f))",
        'with open("patchset.json") as f:',
        "    patchset = pyhf.PatchSet(json.load(f))",
        "for patch in patchset.patches:",
        "    model = workspace.model(patches=[patch])",
        '    cls_obs = pyhf.infer.hypotest(1.0, workspace.data(model), model, test_stat="qtilde")',
        "    print(patch.name, patch.values, float(cls_obs))",
        "```",
        "",
        "## With xhf",
        "",
        "```bash",
        "xhf limit BkgOnly.json --patchset components_patchset.json "
        f"--patch {comp_names[0]} --json",
        "```",
        "",
        "gives the limit on g at that mass (the interference and pure parts tied, a "
        "one-parameter profile in g), with the expected band.",
    ]


def _references(meta: Mapping[str, Any], names: list[str]) -> str:
    """g_ref per components patch, from the sidecar (``signal.references``, else ``reference``)."""
    signal = meta.get("signal") or {}
    references = signal.get("references") or {}
    if not references:
        return f"g_ref = {float(signal.get('reference', float('nan'))):g} for every mass."
    shown = ", ".join(f"`{n}`: {float(references[n]):g}" for n in names[:3] if n in references)
    more = ", ..." if len(names) > 3 else ""
    return f"g_ref per patch: {shown}{more} (`signal.references` of the sidecar)."


def _placeholder_path(documents: Mapping[str, Any]) -> str:
    for ci, channel in enumerate(documents["background_only"]["channels"]):
        for si, sample in enumerate(channel["samples"]):
            if sample["name"] == PLACEHOLDER_SAMPLE:
                return f"/channels/{ci}/samples/{si}"
    return "?"


def archive_readme(
    item: AnalysisInput, documents: Mapping[str, Any], publication: Publication | None = None
) -> str:
    """README.md of one analysis' likelihood archive.

    Args:
        item: the analysis' inputs (sidecars).
        documents: the published JSON documents by role (``background_only``, ``patchset``,
            ``components``).
        publication: heading and first paragraph (default: real data, no note).
    """
    pub = publication or Publication(analyses={})
    meta = item.main[1]
    signal_meta = item.sidecars.get("workspace") or item.sidecars.get("patchset")
    title = _TITLES.get(item.analysis, item.analysis)
    record = documents["patchset"]["metadata"]["references"]["hepdata"]
    lines = [
        f"# {meta['measurement']}: the {pub.likelihood_title.format(title=title)} likelihood "
        "(pyhf / HistFactory JSON)",
        "",
        (f"{pub.readme_note} " if pub.readme_note else "")
        + f"Made with xhf {__version__}; HEPData record `{record}`"
        + (" (not assigned)." if record == "ins0000000" else "."),
        "",
        "## Files",
        "",
        "| file | content |",
        "|---|---|",
        "| `BkgOnly.json` | background-only pyhf workspace; its POI `mu` sits on a zero-yield "
        "placeholder sample `signal` (so `pyhf inspect` and `pyhf cls` work on it) |",
        "| `patchset.json` | pyhf patchset: the signal(s); labels and values in physical units |",
    ]
    if "components" in documents:
        lines.append(
            "| `components_patchset.json` | pyhf patchset: interference and pure parts per mass |"
        )
    lines += [
        "| `*.meta.json` | xhf sidecars: parameter, unit, reference, powers, binning, digests |",
        "| `SHA256SUMS` | sha256 of every file (`sha256sum -c SHA256SUMS`) |",
        "",
        "`patchset.json` records the pyhf digest (`pyhf digest BkgOnly.json`) of the "
        "background-only workspace it applies to (`metadata.digests.sha256`); "
        "`pyhf patchset verify BkgOnly.json patchset.json` checks it.",
        "",
        "## The model",
        "",
        *_model_lines(meta, pub.data_word),
        "",
    ]
    if item.power_law:
        patch = documents["patchset"]["patches"][0]["metadata"]["name"]
        lines += _power_law(item, signal_meta, patch)
    else:
        lines += _dark_photon(
            item.sidecars["components"], documents["patchset"], documents["components"]
        )
    lines += [
        "",
        "## Reinterpretation",
        "",
        "Any other signal in the same channel is a patch that replaces the placeholder sample "
        f"`{PLACEHOLDER_SAMPLE}` of `BkgOnly.json` (`{_placeholder_path(documents)}`) by its "
        "expected counts per bin "
        f"with the normfactor `{POI}`; `xhf.publish.reinterpret.signal_patch` writes it, "
        "and xhf's docs/publishing.md has a worked example (a dark photon at a mass not in the "
        "grid, from the physics and detector stages).",
        "",
    ]
    return "\n".join(lines)
