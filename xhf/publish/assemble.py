"""The tables of the submission, in order, from results.json and the workspaces.

Each builder returns ``(key, table)``; the key ties a table to its figure
(:mod:`xhf.publish.figures`). Per analysis: its limits, the exclusion curve of a grid analysis
(e.g. the dark photon of XMASS-I, Phys. Lett. B 809 (2020) 135741), and its fit spectrum; then
the publication's extra tables (:attr:`~xhf.publish.publication.Publication.extra_tables`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from xhf.exceptions import InvalidInputError
from xhf.publish.inputs import AnalysisInput, Results
from xhf.publish.publication import LimitTableText, Publication
from xhf.publish.spectra import channel_content, dark_photon_signal, power_law_signal
from xhf.publish.tables import (
    METHODS,
    bin_edges,
    expected_variable,
    hepdata_lib,
    keywords,
    limit_rows,
    limit_table,
    parameter,
    result_keys,
    table,
    variable,
)

__all__ = [
    "curve_table",
    "limit_tables",
    "spectrum_table",
    "submission_tables",
]


def __dir__() -> list[str]:
    return __all__


def _window(meta: Mapping[str, Any]) -> tuple[str, str]:
    edges = meta["bin_edges_kev"]
    return ("FIT WINDOW", f"{edges[0]:g}-{edges[-1]:g} keV (reconstructed energy)")


def _signal_qualifiers(meta: Mapping[str, Any]) -> list[tuple[str, str]]:
    signal = meta.get("signal") or {}
    out = []
    for key, name in (("fluxes", "SOLAR FLUXES"), ("atomic", "ATOMIC MODEL")):
        if signal.get(key):
            out.append((name, str(signal[key])))
    return out


def _signal_meta(item: AnalysisInput) -> Mapping[str, Any]:
    return item.sidecars.get("workspace") or item.sidecars["components"]


#: Generic text of the limit table of the models xhf computes.
_TITLES = {
    "magnetic_moment": "Magnetic moment",
    "millicharge": "Millicharge",
    "dark_photon": "Dark photon",
}


def _limit_text(results: Results, analysis: str, pub: Publication) -> LimitTableText:
    text = pub.limit_tables.get(analysis)
    if text is None:
        title = _TITLES.get(analysis, analysis.replace("_", " ").capitalize())
        text = LimitTableText(f"{title} upper limits", f"90% CL upper limits ({title.lower()}).")
    if text.keys is not None:
        return text
    keys = result_keys(results, analysis)
    if pub.masses_mev is not None:
        keys = tuple(k for k in keys if k[1] is None or _tabulated(k[1], pub))
    return LimitTableText(text.name, text.description, keys)


def _tabulated(mass: float, pub: Publication) -> bool:
    return any(abs(mass - m) <= 1e-6 * m for m in pub.masses_mev or ())


def limit_tables(
    results: Results, inputs: Mapping[str, AnalysisInput], publication: Publication
) -> list[tuple[str, Any]]:
    """One limit table per analysis (e.g. the magnetic moment; the millicharge for all
    flavours and per flavour; the dark photon at the tabulated masses)."""
    out = []
    for analysis, item in inputs.items():
        text = _limit_text(results, analysis, publication)
        rows = limit_rows(results, analysis, text.keys)
        if not rows:
            raise InvalidInputError(f"{results.source}: no limits for analysis {analysis!r}")
        meta = _signal_meta(item)
        flavors = sorted({key[0] for key in text.keys}, key=["all", "e", "mu", "tau"].index)
        out.append(
            (
                f"limit_{analysis}",
                limit_table(
                    text.name,
                    analysis,
                    rows,
                    description=text.description,
                    location=publication.location("limit"),
                    qualifiers=[_window(meta), *_signal_qualifiers(meta)],
                    publication=publication,
                    flavors=flavors,
                ),
            )
        )
    return out


def curve_table(
    results: Results, method: str, meta: Mapping[str, Any], publication: Publication
) -> tuple[str, Any]:
    """The dark-photon exclusion curve of one method with its expected bands."""
    pub = publication
    points = results.curve_for(method)
    label = METHODS.get(method, method)
    out = table(
        f"Dark photon exclusion curve {method}",
        f"90% CL upper limit on the B-L coupling g_BL versus the dark-photon mass, expected "
        f"(median, +-1 and +-2 sigma) and observed on {pub.data_word}; method: {label}.",
        pub.location("curve"),
        keywords("dark_photon", ["Upper limit"], extra=pub.phrases),
        pub.table_note,
    )
    out.add_variable(
        variable(
            "Dark photon mass $M_{A'}$",
            [p.mass_mev for p in points],
            units="MeV",
            independent=True,
        )
    )
    quals = [("CL", "90%"), ("METHOD", label), _window(meta)]
    name, units = parameter("dark_photon")
    out.add_variable(
        expected_variable(
            f"Expected 90% CL upper limit on {name}",
            [p.expected for p in points],
            [p.band for p in points],
            units=units,
            qualifiers=quals,
            data=pub.data_qualifier,
        )
    )
    if any(p.observed is not None for p in points):
        observed = ["-" if p.observed is None else p.observed for p in points]
        out.add_variable(
            variable(
                f"Observed 90% CL upper limit on {name} ({pub.data_word})",
                observed,
                units=units,
                qualifiers=quals,
                data=pub.data_qualifier,
            )
        )
    return f"curve_{method}", out


def _unit_text(units: str) -> str:
    """A unit as written after a number (nothing for a pure number)."""
    return "" if units == "dimensionless" else units


def _signals_at_limit(
    results: Results, item: AnalysisInput, pub: Publication
) -> list[tuple[str, Any, list]]:
    """(column name, counts, qualifiers) of the signal at each observed limit."""
    analysis = item.analysis
    masses: tuple = (None,)
    if not item.power_law:
        found = sorted({e.mass_mev for e in results.limits if e.analysis == analysis} - {None})
        masses = tuple(m for m in found if pub.masses_mev is None or _tabulated(m, pub))
    out = []
    for mass in masses:
        for method in results.methods(analysis):
            entry = results.find(analysis, method, "all", mass)
            if entry is None or entry.observed is None:
                continue
            name, units = parameter(analysis, entry.unit)
            if item.power_law:
                workspace, meta = item.documents["workspace"], item.sidecars["workspace"]
                counts = power_law_signal(workspace, meta, entry.observed)
            else:
                counts = dark_photon_signal(item.documents["patchset"], mass, entry.observed)
            at = "" if mass is None else f", M = {mass:g} MeV"
            quals = [
                ("LIMIT", f"{name} = {entry.observed:.4g} {_unit_text(units)}".strip()),
                ("METHOD", METHODS.get(method, method)),
            ]
            if mass is not None:
                quals.append(("DARK PHOTON MASS", f"{mass:g} MeV"))
            out.append((f"Signal at the observed limit{at} ({method})", counts, quals))
    return out


def spectrum_table(results: Results, item: AnalysisInput, publication: Publication):
    """Data, background model (total and components) and the signal at the limit."""
    pub = publication
    workspace, meta = item.main
    content = channel_content(workspace, meta)
    analysis = item.analysis
    title = _TITLES.get(analysis, analysis.replace("_", " ").capitalize())
    data_label = meta.get("data", {}).get("label", pub.data_word)
    seed = meta.get("data", {}).get("seed")
    out = table(
        f"{title} fit spectrum",
        f"Binned {pub.data_word} ({data_label}"
        + (f", seed {seed}" if seed is not None else "")
        + f") of the {analysis.replace('_', ' ')} fit, the nominal (pre-fit) background model "
        "with its Monte Carlo statistical error, each background component, and the signal "
        "at the observed 90% CL limit of each method.",
        pub.location("spectrum"),
        keywords(analysis, ["N"], extra=pub.phrases),
        pub.table_note,
    )
    lib = hepdata_lib()
    out.add_variable(
        variable(
            "Reconstructed energy",
            bin_edges(content.edges_kev),
            units="keV",
            independent=True,
            binned=True,
        )
    )
    quals = [_window(meta)]
    data = variable(
        f"Events ({pub.data_word})",
        content.data.tolist(),
        units="events",
        qualifiers=quals,
        data=pub.data_qualifier,
    )
    poisson = lib.Uncertainty("Poisson", is_symmetric=True)
    poisson.values = np.sqrt(content.data).tolist()
    data.add_uncertainty(poisson)
    out.add_variable(data)
    background = variable(
        "Background model (nominal, pre-fit)",
        content.background.tolist(),
        units="events",
        qualifiers=quals,
        data=pub.data_qualifier,
    )
    mc = lib.Uncertainty("MC statistics", is_symmetric=True)
    mc.values = content.background_stat.tolist()
    background.add_uncertainty(mc)
    out.add_variable(background)
    for label, counts, signal_quals in _signals_at_limit(results, item, pub):
        out.add_variable(
            variable(
                label,
                counts.tolist(),
                units="events",
                qualifiers=signal_quals,
                data=pub.data_qualifier,
            )
        )
    for component, counts in content.components.items():
        out.add_variable(
            variable(
                f"Background: {component}",
                counts.tolist(),
                units="events",
                qualifiers=quals,
                data=pub.data_qualifier,
            )
        )
    return f"spectrum_{analysis}", out


def submission_tables(
    results: Results, inputs: Mapping[str, AnalysisInput], publication: Publication
) -> list[tuple[str, Any]]:
    """Every table, in the order of the submission: the limits of each analysis, the exclusion
    curves of a grid analysis, the spectrum of each analysis, the publication's extra tables."""
    tables = limit_tables(results, inputs, publication)
    grids = [item for item in inputs.values() if not item.power_law]
    if grids:
        meta = grids[0].main[1]
        for method in results.methods("dark_photon"):
            if results.curve_for(method):
                tables.append(curve_table(results, method, meta, publication))
        if not any(key.startswith("curve_") for key, _ in tables):
            raise InvalidInputError(f"{results.source}: field 'exclusion_curve' is empty")
    for item in inputs.values():
        tables.append(spectrum_table(results, item, publication))
    if publication.extra_tables is not None:
        tables.extend(publication.extra_tables())
    return tables
