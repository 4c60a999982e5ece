"""The tables of the submission, in order, from results.json, the workspaces and the detector.

Each builder returns ``(key, table)``; the key ties a table to its figure
(:mod:`xhf.publish.figures`). XMASS-I, Phys. Lett. B 809 (2020) 135741, on the replica.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from xhf.exceptions import InvalidInputError
from xhf.publish.inputs import AnalysisInput, Results
from xhf.publish.spectra import channel_content, dark_photon_signal, power_law_signal
from xhf.publish.tables import (
    METHODS,
    PAPER_MASSES_MEV,
    PARAMETERS,
    bin_edges,
    expected_variable,
    hepdata_lib,
    keywords,
    limit_rows,
    limit_table,
    table,
    variable,
)

__all__ = [
    "curve_table",
    "efficiency_tables",
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


def limit_tables(results: Results, inputs: Mapping[str, AnalysisInput]) -> list[tuple[str, Any]]:
    """Magnetic moment; millicharge all flavours and per flavour; dark photon at 1 keV, 10 MeV."""
    out = []
    specs = [
        (
            "magnetic_moment",
            "Magnetic moment upper limit",
            [("all", None)],
            "90% CL upper limit on the effective neutrino magnetic moment from solar neutrinos "
            "scattering on electrons (2-200 keV fit).",
        ),
        (
            "millicharge",
            "Millicharge upper limits",
            [(f, None) for f in ("all", "e", "mu", "tau")],
            "90% CL upper limits on the neutrino millicharge (2-15 keV fit): a common charge "
            "for all flavours, and one flavour alone (delta_f = delta_all / sqrt(f), flavour "
            "fractions 54/23/23% of the solar flux at Earth).",
        ),
        (
            "dark_photon",
            "Dark photon upper limits at the paper masses",
            [("all", m) for m in PAPER_MASSES_MEV],
            "90% CL upper limits on the U(1)_{B-L} gauge coupling at the two dark-photon masses "
            "the paper quotes (1 keV and 10 MeV; 2-200 keV fit, interference and pure terms).",
        ),
    ]
    for analysis, name, keys, description in specs:
        rows = limit_rows(results, analysis, keys)
        if not rows:
            raise InvalidInputError(f"{results.source}: no limits for analysis {analysis!r}")
        meta = _signal_meta(inputs[analysis])
        flavors = sorted({key[0] for key in keys}, key=["all", "e", "mu", "tau"].index)
        out.append(
            (
                f"limit_{analysis}",
                limit_table(
                    name,
                    analysis,
                    rows,
                    description=description,
                    location="Results quoted in the paper's text (replica values)",
                    qualifiers=[_window(meta), *_signal_qualifiers(meta)],
                    flavors=flavors,
                ),
            )
        )
    return out


def curve_table(results: Results, method: str, meta: Mapping[str, Any]) -> tuple[str, Any]:
    """The dark-photon exclusion curve of one method with its expected bands."""
    points = results.curve_for(method)
    label = METHODS.get(method, method)
    out = table(
        f"Dark photon exclusion curve {method}",
        f"90% CL upper limit on the B-L coupling g_BL versus the dark-photon mass, expected "
        f"(median, +-1 and +-2 sigma) and observed on pseudo-data; method: {label}.",
        "Replica of Figure 6 of the paper",
        keywords("dark_photon", ["Upper limit"]),
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
    parameter, units = PARAMETERS["dark_photon"]
    out.add_variable(
        expected_variable(
            f"Expected 90% CL upper limit on {parameter}",
            [p.expected for p in points],
            [p.band for p in points],
            units=units,
            qualifiers=quals,
        )
    )
    if any(p.observed is not None for p in points):
        observed = ["-" if p.observed is None else p.observed for p in points]
        out.add_variable(
            variable(
                f"Observed 90% CL upper limit on {parameter} (pseudo-data)",
                observed,
                units=units,
                qualifiers=quals,
            )
        )
    return f"curve_{method}", out


def _unit_text(units: str) -> str:
    """A unit as written after a number (nothing for a pure number)."""
    return "" if units == "dimensionless" else units


def _signals_at_limit(results: Results, item: AnalysisInput) -> list[tuple[str, Any, list]]:
    """(column name, counts, qualifiers) of the signal at each observed limit."""
    analysis = item.analysis
    parameter, units = PARAMETERS[analysis]
    out = []
    masses = PAPER_MASSES_MEV if analysis == "dark_photon" else (None,)
    for mass in masses:
        for method in results.methods(analysis):
            entry = results.find(analysis, method, "all", mass)
            if entry is None or entry.observed is None:
                continue
            if item.power_law:
                workspace, meta = item.documents["workspace"], item.sidecars["workspace"]
                counts = power_law_signal(workspace, meta, entry.observed)
            else:
                counts = dark_photon_signal(item.documents["patchset"], mass, entry.observed)
            at = "" if mass is None else f", M = {mass:g} MeV"
            quals = [
                ("LIMIT", f"{parameter} = {entry.observed:.4g} {_unit_text(units)}".strip()),
                ("METHOD", METHODS.get(method, method)),
            ]
            if mass is not None:
                quals.append(("DARK PHOTON MASS", f"{mass:g} MeV"))
            out.append((f"Signal at the observed limit{at} ({method})", counts, quals))
    return out


def spectrum_table(results: Results, item: AnalysisInput) -> tuple[str, Any]:
    """Pseudo-data, background model (total and components) and the signal at the limit."""
    workspace, meta = item.main
    content = channel_content(workspace, meta)
    analysis = item.analysis
    name = {
        "magnetic_moment": "Magnetic moment fit spectrum",
        "millicharge": "Millicharge fit spectrum",
        "dark_photon": "Dark photon fit spectrum",
    }[analysis]
    data_label = meta.get("data", {}).get("label", "pseudo-data")
    seed = meta.get("data", {}).get("seed")
    out = table(
        name,
        f"Binned pseudo-data ({data_label}"
        + (f", seed {seed}" if seed is not None else "")
        + f") of the {analysis.replace('_', ' ')} fit, the nominal (pre-fit) background model "
        "with its Monte Carlo statistical error, each background component, and the signal "
        "at the observed 90% CL limit of each method.",
        "Replica of Figures 3 and 5 of the paper",
        keywords(analysis, ["N"]),
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
    data = variable("Events (pseudo-data)", content.data.tolist(), units="events", qualifiers=quals)
    poisson = lib.Uncertainty("Poisson", is_symmetric=True)
    poisson.values = np.sqrt(content.data).tolist()
    data.add_uncertainty(poisson)
    out.add_variable(data)
    background = variable(
        "Background model (nominal, pre-fit)",
        content.background.tolist(),
        units="events",
        qualifiers=quals,
    )
    mc = lib.Uncertainty("MC statistics", is_symmetric=True)
    mc.values = content.background_stat.tolist()
    background.add_uncertainty(mc)
    out.add_variable(background)
    for label, counts, signal_quals in _signals_at_limit(results, item):
        out.add_variable(variable(label, counts.tolist(), units="events", qualifiers=signal_quals))
    for component, counts in content.components.items():
        out.add_variable(
            variable(f"Background: {component}", counts.tolist(), units="events", qualifiers=quals)
        )
    return f"spectrum_{analysis}", out


def efficiency_tables(settings=None) -> list[tuple[str, Any]]:
    """The detector model's signal efficiency, one table per energy axis: the selection
    efficiency versus reconstructed energy E, and the probability that an electron recoil of
    true energy T is detected inside each fit window (threshold, resolution and efficiency
    folded in, Eq. 3). E and T are different quantities, so they are different axes."""
    from xhf.templates.replica import ReplicaSettings
    from xhf.templates.replica.response import channel_response

    settings = settings or ReplicaSettings()
    energies = np.unique(
        np.round(np.concatenate([np.arange(0.5, 20.0, 0.25), np.arange(20.0, 200.01, 5.0)]), 6)
    )
    full = channel_response(settings, "full_energy")
    low = channel_response(settings, "low_energy")
    efficiency = full.matrix.efficiency(energies)
    out = table(
        "Signal efficiency",
        "Event-selection efficiency of the XMASS-I-like detector model versus reconstructed "
        "energy E (the table 'Detection probability' gives it versus true recoil energy T).",
        "Detector model of the replica (templates/README.md of xhf)",
        keywords(None, ["EFF"]),
    )
    out.add_variable(
        variable("Reconstructed energy E", energies.tolist(), units="keV", independent=True)
    )
    detector = (
        "DETECTOR MODEL",
        f"plateau {settings.efficiency_plateau:g}, erf turn-on at "
        f"{settings.efficiency_threshold_kev:g} keV (width {settings.efficiency_width_kev:g} keV)",
    )
    out.add_variable(
        variable(
            "Selection efficiency at reconstructed energy E",
            np.round(efficiency, 6).tolist(),
            qualifiers=[detector],
        )
    )
    response_table = table(
        "Detection probability",
        "Probability that an electron recoil of true energy T is reconstructed inside each fit "
        "window of the XMASS-I-like detector model (1 keV scintillation threshold, resolution "
        f"{100 * settings.resolution_at_122kev:g}% at 122 keV and the selection efficiency "
        "folded in, Eq. 3). Multiply a true-energy rate dR/dT by it and by the exposure "
        f"({settings.live_days:g} days x {settings.fiducial_mass_kg:g} kg) for the expected "
        "counts.",
        "Detector model of the replica (templates/README.md of xhf)",
        keywords(None, ["EFF"]),
    )
    response_table.add_variable(
        variable("True recoil energy T", energies.tolist(), units="keV", independent=True)
    )
    for label, response in (("2-15 keV", low), ("2-200 keV", full)):
        matrix = response.matrix
        probability = np.interp(
            energies, matrix.true_energy_kev, matrix.probability.sum(axis=1), left=0.0, right=0.0
        )
        response_table.add_variable(
            variable(
                f"Detection probability in the {label} window",
                np.round(probability, 6).tolist(),
                qualifiers=[detector, ("FIT WINDOW", f"{label} (reconstructed energy)")],
            )
        )
    return [("efficiency", out), ("detection_probability", response_table)]


def submission_tables(
    results: Results, inputs: Mapping[str, AnalysisInput], settings=None
) -> list[tuple[str, Any]]:
    """Every table, in the order of the submission."""
    tables = limit_tables(results, inputs)
    meta = inputs["dark_photon"].main[1]
    for method in results.methods("dark_photon"):
        if results.curve_for(method):
            tables.append(curve_table(results, method, meta))
    if not any(key.startswith("curve_") for key, _ in tables):
        raise InvalidInputError(f"{results.source}: field 'exclusion_curve' is empty")
    for analysis in ("magnetic_moment", "millicharge", "dark_photon"):
        tables.append(spectrum_table(results, inputs[analysis]))
    tables.extend(efficiency_tables(settings))
    return tables
