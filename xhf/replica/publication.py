"""The replica's HEPData submission: its files, its pseudo-data statements, its detector tables.

``xhf publish`` publishes what ``xhf reproduce`` computed on the XMASS-I-like replica (XMASS-I,
Phys. Lett. B 809 (2020) 135741). The publish stage is generic; this module says what is
specific to the replica: the shipped file names (:data:`ANALYSES`), that every observation is
pseudo-data (:data:`PSEUDO_DATA_NOTE`, on every table, resource and README), the paper's
limits and masses, and the efficiency tables of the replica's detector model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from xhf.publish.publication import LimitTableText, Publication
from xhf.publish.tables import keywords, table, variable
from xhf.replica.response import channel_response
from xhf.replica.settings import ReplicaSettings

__all__ = [
    "ANALYSES",
    "DATA_QUALIFIER",
    "PAPER",
    "PAPER_MASSES_MEV",
    "PSEUDO_DATA_NOTE",
    "efficiency_tables",
    "replica_publication",
]


def __dir__() -> list[str]:
    return __all__


PAPER = "K. Abe et al. (XMASS), Phys. Lett. B 809 (2020) 135741"
#: The analyses of XMASS-I and their shipped files, role -> file name in the workspaces
#: directory (each with a ``.meta.json`` sidecar).
ANALYSES: dict[str, dict[str, str]] = {
    "magnetic_moment": {"workspace": "xmass1_magnetic_moment.json"},
    "millicharge": {"workspace": "xmass1_millicharge.json"},
    "dark_photon": {
        "background_only": "xmass1_dark_photon_BkgOnly.json",
        "patchset": "xmass1_dark_photon_patchset.json",
        "components": "xmass1_dark_photon_components_patchset.json",
    },
}
#: The dark-photon masses at which the paper quotes limits (1 keV and 10 MeV).
PAPER_MASSES_MEV = (1e-3, 10.0)
#: Said on every table, resource and README: the observations are not XMASS-I data.
PSEUDO_DATA_NOTE = (
    "The observations are PSEUDO-DATA from the XMASS-I-like replica of xhf (a background "
    "model built from published numbers and a seeded Poisson draw), NOT XMASS-I data."
)
#: Qualifier on every dependent variable.
DATA_QUALIFIER = ("DATA", "pseudo-data of the XMASS-I-like replica (NOT XMASS-I data)")
TABLE_NOTE = f"{PSEUDO_DATA_NOTE} Replica of {PAPER}."
PHRASES = ("Pseudo-data", "Replica")
LIMIT_TABLES = {
    "magnetic_moment": LimitTableText(
        "Magnetic moment upper limit",
        "90% CL upper limit on the effective neutrino magnetic moment from solar neutrinos "
        "scattering on electrons (2-200 keV fit).",
        (("all", None),),
    ),
    "millicharge": LimitTableText(
        "Millicharge upper limits",
        "90% CL upper limits on the neutrino millicharge (2-15 keV fit): a common charge "
        "for all flavours, and one flavour alone (delta_f = delta_all / sqrt(f), flavour "
        "fractions 54/23/23% of the solar flux at Earth).",
        tuple((f, None) for f in ("all", "e", "mu", "tau")),
    ),
    "dark_photon": LimitTableText(
        "Dark photon upper limits at the paper masses",
        "90% CL upper limits on the U(1)_{B-L} gauge coupling at the two dark-photon masses "
        "the paper quotes (1 keV and 10 MeV; 2-200 keV fit, interference and pure terms).",
        tuple(("all", m) for m in PAPER_MASSES_MEV),
    ),
}


def replica_publication(settings: ReplicaSettings | None = None) -> Publication:
    """What ``xhf publish`` says about the replica's submission (``settings``: the detector
    model of the efficiency tables; default the shipped replica's)."""
    return Publication(
        analyses=ANALYSES,
        comment=(
            "XMASS-I-like replica of the search for exotic neutrino-electron interactions with "
            f"solar neutrinos ({PAPER}): neutrino magnetic moment, millicharge and U(1)_B-L "
            f"dark photon. {PSEUDO_DATA_NOTE} Limits with the paper's chi2 method and with pyhf "
            "CLs; the full likelihoods are attached as pyhf (HistFactory JSON) resources and, "
            "beside them, as HS3 resources (ROOT >= 6.30, pyhs3)."
        ),
        data_word="pseudo-data",
        data_note=PSEUDO_DATA_NOTE,
        table_note=TABLE_NOTE,
        data_qualifier=DATA_QUALIFIER,
        phrases=PHRASES,
        published=("XMASS-I published", (("DATA", f"XMASS-I data, published in {PAPER}"),)),
        locations={
            "limit": "Results quoted in the paper's text (replica values)",
            "curve": "Replica of Figure 6 of the paper",
            "spectrum": "Replica of Figures 3 and 5 of the paper",
        },
        limit_tables=LIMIT_TABLES,
        masses_mev=PAPER_MASSES_MEV,
        likelihood_title="XMASS-I-like {title}",
        readme_note=(
            f"**{PSEUDO_DATA_NOTE}** The likelihood has the structure of XMASS-I's search "
            "(K. Abe et al., Phys. Lett. B 809 (2020) 135741, Eqs. 4-7: backgrounds with "
            "activity constraints, shape systematics, Monte Carlo statistics, signal "
            "systematics)."
        ),
        hs3_note="These are PSEUDO-DATA of the XMASS-I-like replica, not XMASS-I data.",
        producer="xhf reproduce",
        figure_note=" (pseudo-data of the replica)",
        extra_tables=lambda: efficiency_tables(settings),
    )


def _detector_table(name: str, description: str):
    """A table about the replica's detector model (location, keywords, pseudo-data note)."""
    return table(
        name,
        description,
        "Detector model of the replica (templates/README.md of xhf)",
        keywords(None, ["EFF"], extra=PHRASES),
        TABLE_NOTE,
    )


def efficiency_tables(settings: ReplicaSettings | None = None) -> list[tuple[str, Any]]:
    """The detector model's signal efficiency, one table per energy axis: the selection
    efficiency versus reconstructed energy E, and the probability that an electron recoil of
    true energy T is detected inside each fit window (threshold, resolution and efficiency
    folded in, Eq. 3). E and T are different quantities, so they are different axes."""
    settings = settings or ReplicaSettings()
    energies = np.unique(
        np.round(np.concatenate([np.arange(0.5, 20.0, 0.25), np.arange(20.0, 200.01, 5.0)]), 6)
    )
    full = channel_response(settings, "full_energy")
    low = channel_response(settings, "low_energy")
    efficiency = full.matrix.efficiency(energies)
    out = _detector_table(
        "Signal efficiency",
        "Event-selection efficiency of the XMASS-I-like detector model versus reconstructed "
        "energy E (the table 'Detection probability' gives it versus true recoil energy T).",
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
            data=DATA_QUALIFIER,
        )
    )
    response_table = _detector_table(
        "Detection probability",
        "Probability that an electron recoil of true energy T is reconstructed inside each fit "
        "window of the XMASS-I-like detector model (1 keV scintillation threshold, resolution "
        f"{100 * settings.resolution_at_122kev:g}% at 122 keV and the selection efficiency "
        "folded in, Eq. 3). Multiply a true-energy rate dR/dT by it and by the exposure "
        f"({settings.live_days:g} days x {settings.fiducial_mass_kg:g} kg) for the expected "
        "counts.",
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
                data=DATA_QUALIFIER,
            )
        )
    return [("efficiency", out), ("detection_probability", response_table)]
