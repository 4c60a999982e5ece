"""The calibration ledger of the replica: every parameter, its value and where it comes from.

Each number of :class:`~xhf.replica.settings.ReplicaSettings` (and the detector
defaults the replica uses) is listed with its source: the paper (XMASS-I, Phys. Lett. B 809
(2020) 135741), the collaboration's ICRC2021 talk on the same analysis, another publication,
"assumption" (a documented choice that was not tuned) or "calibrated". At most two parameters
are calibrated, each with a physical meaning; for each, :data:`CALIBRATION_EFFECTS` records how
much the four expected limits of the paper's method move when it spans its plausible range
(measured by ``xhf.reproduce.calibration``, which runs the whole analysis on top of this
package). Values are read from the settings, so the ledger cannot disagree with the code;
``templates/README.md`` carries :func:`ledger_markdown` verbatim (a test checks it) and
``xhf templates --ledger`` prints it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

from xhf.detector import defaults
from xhf.replica.settings import DEAD_PMT_UNPAIRED, ReplicaSettings

__all__ = [
    "CALIBRATED",
    "CALIBRATION_EFFECTS",
    "LIMITS",
    "Calibrated",
    "LedgerRow",
    "ledger_markdown",
    "ledger_rows",
]


def __dir__() -> list[str]:
    return __all__


PAPER = "paper"
ICRC = "ICRC2021 talk"
BKG_PAPER = "PLB 789 (2019) 45"
ASSUMPTION = "assumption"
CALIBRATED_SOURCE = "calibrated"

#: The four headline expected limits: (analysis, dark-photon mass in MeV or None, label).
LIMITS: tuple[tuple[str, float | None, str], ...] = (
    ("magnetic_moment", None, "mu_nu"),
    ("millicharge", None, "delta (all)"),
    ("dark_photon", 1e-3, "g at 1e-3 MeV"),
    ("dark_photon", 10.0, "g at 10 MeV"),
)


class LedgerRow(NamedTuple):
    """One replica parameter: name, value as printed, source and a short note."""

    parameter: str
    value: str
    source: str
    note: str


def _pb210_scale(settings: ReplicaSettings) -> float:
    return float(next(c for c in settings.backgrounds if c.name == "Pb210_surface").shape[1])


def _with_pb210_scale(settings: ReplicaSettings, scale_kev: float) -> ReplicaSettings:
    comps = tuple(
        replace(c, shape=("exp", scale_kev, c.shape[2])) if c.name == "Pb210_surface" else c
        for c in settings.backgrounds
    )
    return replace(settings, backgrounds=comps)


class Calibrated(NamedTuple):
    """A calibrated parameter: how to read and set it, its plausible range and meaning."""

    parameter: str
    unit: str
    get: Callable[[ReplicaSettings], float]
    set: Callable[[ReplicaSettings, float], ReplicaSettings]
    plausible: tuple[float, float]
    meaning: str


#: The replica's calibrated parameters (at most two, each with a physical meaning).
CALIBRATED: tuple[Calibrated, ...] = (
    Calibrated(
        "efficiency_threshold_kev",
        "keV",
        lambda s: s.efficiency_threshold_kev,
        lambda s, v: replace(s, efficiency_threshold_kev=v),
        (3.5, 4.5),
        "50 % point of the cut-efficiency turn-on in reconstructed energy (the paper shows "
        "the turn-on but no closed form)",
    ),
    Calibrated(
        "Pb210_surface scale",
        "keV",
        _pb210_scale,
        _with_pb210_scale,
        (5.0, 9.0),
        "e-folding energy of the mis-reconstructed inner-surface 210Pb spectrum: how fast the "
        "leakage of wall events into the fiducial volume falls with energy",
    ),
)

#: Change of each expected limit (per cent, replica expected with the paper's chi2 method on the
#: Asimov data) when a calibrated parameter sits at the low / high end of its plausible range,
#: in the order of :data:`LIMITS`. Measured with ``xhf.reproduce.calibration``.
CALIBRATION_EFFECTS: dict[str, tuple[tuple[float, float], ...]] = {
    "efficiency_threshold_kev": ((1.8, -2.2), (-2.1, 0.3), (-3.7, 2.4), (0.1, 0.0)),
    "Pb210_surface scale": ((-9.0, 6.6), (1.5, -1.7), (0.1, -1.2), (-1.5, 0.6)),
}


def _g(x: float) -> str:
    return f"{x:g}"


def _component_rows(settings: ReplicaSettings) -> list[LedgerRow]:
    rows = []
    sources = {
        "Pb210_surface": (BKG_PAPER, "rate from the 5 keV anchor; 1 % flat part: assumption"),
        "U235_surface": (
            "natural U",
            "rate = 0.046 x 238U (activity ratio of natural uranium); shape as 238U",
        ),
        "Xe136_2nbb": ("EXO-200", "rate from T1/2 and abundance"),
        "solar_nu_SM": (PAPER, "SM scattering with the paper's fluxes and fractions"),
    }
    for comp in settings.backgrounds:
        source, note = sources.get(
            comp.name, (ASSUMPTION, "rate and surface shape chosen, not tuned")
        )
        if comp.origin == "xenon" and comp.name not in sources:
            note = "rate chosen for a flat ~1e-3 /(kg day keV) above 30 keV; shape: nuclear data"
        rate = "from physics" if comp.rate_per_kg_day is None else _g(comp.rate_per_kg_day)
        if comp.name == "Pb210_surface":
            rate = "from the anchor"
        shape = (
            "physics"
            if comp.origin == "solar"
            else " ".join(
                _g(x) if isinstance(x, float) else str(x)
                for x in comp.shape
                if not isinstance(x, tuple)
            )
        )
        rows.append(
            LedgerRow(f"{comp.name} rate /(kg day), shape", f"{rate}; {shape}", source, note)
        )
        if comp.origin == "solar":
            continue
        if comp.norm_uncertainty is None:
            cons, csource = "free (2-200 keV)", PAPER
        else:
            cons, csource = _g(comp.norm_uncertainty), ASSUMPTION
        rows.append(LedgerRow(f"{comp.name} constraint", cons, csource, "sigma(B_RI), Eq. 7"))
    return rows


def ledger_rows(settings: ReplicaSettings | None = None) -> list[LedgerRow]:
    """Every parameter of the replica with its value and source (module docstring)."""
    s = settings or ReplicaSettings()
    calibrated = {c.parameter for c in CALIBRATED}

    def src(name: str, source: str) -> str:
        return CALIBRATED_SOURCE if name in calibrated else source

    lo, hi, width = s.low_energy_edges_kev
    flo, fhi, fwidth = s.full_energy_edges_kev
    scale = ", ".join(
        f"{_g(e)} keV: +{_g(u * 100)}/-{_g(d * 100)} %" for e, u, d in defaults.ENERGY_SCALE_ANCHORS
    )
    rows = [
        LedgerRow("live_days", _g(s.live_days), PAPER, "711 live days"),
        LedgerRow("fiducial_mass_kg", _g(s.fiducial_mass_kg), PAPER, "xenon inside R(PE) < 20 cm"),
        LedgerRow(
            "low_energy channel",
            f"{_g(lo)}-{_g(hi)} keV, {_g(width)} keV bins",
            PAPER,
            "range of the millicharge fit; bin width: assumption (about sigma at 5 keV)",
        ),
        LedgerRow(
            "full_energy channel",
            f"{_g(flo)}-{_g(fhi)} keV, {_g(fwidth)} keV bins",
            PAPER,
            "99 bins, chi2/ndf 88.2/98",
        ),
        LedgerRow(
            "efficiency_plateau",
            _g(s.efficiency_plateau),
            PAPER,
            "the 97 kg is the mass inside the fiducial cut; other cuts taken as efficient",
        ),
        LedgerRow(
            "efficiency_threshold_kev",
            _g(s.efficiency_threshold_kev),
            src("efficiency_threshold_kev", ASSUMPTION),
            "erf turn-on, 50 % point",
        ),
        LedgerRow(
            "efficiency_width_kev", _g(s.efficiency_width_kev), ASSUMPTION, "erf turn-on width"
        ),
        LedgerRow(
            "scintillation threshold",
            f"{_g(defaults.SCINTILLATION_THRESHOLD_KEV)} keV",
            PAPER,
            "zero efficiency below 1 keV true energy",
        ),
        LedgerRow(
            "resolution_at_122kev",
            _g(s.resolution_at_122kev),
            "NIM A 716 (2013) 78",
            "57Co; sigma = a sqrt(E)",
        ),
        LedgerRow("energy scale", scale, PAPER, "1 and 1.65 keV: the paper; 122 keV: assumption"),
        LedgerRow(
            "total_rate_at_5kev",
            _g(s.total_rate_at_5kev),
            BKG_PAPER,
            "(4.2 +- 0.2)e-3 /(kg day keV), same fiducial volume",
        ),
        LedgerRow(
            "Pb210_surface scale",
            f"{_g(_pb210_scale(s))} keV",
            src("Pb210_surface scale", ASSUMPTION),
            "falling exponential of wall events",
        ),
        *_component_rows(s),
        LedgerRow("xe136_abundance", _g(s.xe136_abundance), "IUPAC", "natural xenon"),
        LedgerRow(
            "xe136_half_life_yr", _g(s.xe136_half_life_yr), "EXO-200", "PRC 89 (2014) 015502"
        ),
        LedgerRow(
            "mc_exposure_factor",
            _g(s.mc_exposure_factor),
            ICRC,
            "background MC with the statistics of the data (Eq. 4 denominator)",
        ),
        LedgerRow(
            "low_energy_constraint",
            _g(s.low_energy_constraint),
            ASSUMPTION,
            "free components of the 2-200 keV fit, constrained in 2-15 keV",
        ),
        LedgerRow(
            "dead_pmt_correction",
            "; ".join(
                f"{_g(a)}-{_g(b)} keV: {_g(c)}+-{_g(u)} %" for a, b, c, u in s.dead_pmt_correction
            ),
            PAPER,
            f"surface components; unpaired sixth number {_g(DEAD_PMT_UNPAIRED[0])}+-"
            f"{_g(DEAD_PMT_UNPAIRED[1])} % not applied",
        ),
        *(
            LedgerRow(
                b.name,
                f"{_g(b.size * 100)} % {b.shape}, {_g(b.lo_kev)}-{_g(b.hi_kev)} keV",
                PAPER if b.name == "bkg_reconstruction" else f"{PAPER} + {ASSUMPTION}",
                f"{b.samples} components; "
                + (
                    "size: the paper"
                    if b.name == "bkg_reconstruction"
                    else "named and ranged by the paper; size: assumption"
                ),
            )
            for b in s.background_systematics
        ),
        LedgerRow("fluxes", s.fluxes, PAPER, "SHP11-GS98, the paper's [6]; pp 0.6 %, 7Be 7 %"),
        LedgerRow(
            "fixed_fractions",
            ", ".join(_g(f) for f in s.fixed_fractions),
            PAPER,
            "nu_e, nu_mu, nu_tau at Earth",
        ),
        LedgerRow(
            "fraction_uncertainties",
            ", ".join(_g(f) for f in s.fraction_uncertainties),
            PAPER,
            "single-flavour millicharge signals (normsys)",
        ),
        LedgerRow(
            "atomic_model_uncertainty",
            _g(s.atomic_model_uncertainty),
            PAPER,
            "FEA signals (magnetic moment, dark photon)",
        ),
        LedgerRow(
            "epa_regulator_range_ev",
            ", ".join(_g(m) for m in s.epa_regulator_range_ev),
            ASSUMPTION,
            "EPA millicharge atomic uncertainty around m_nu = 0.01 eV",
        ),
        *(
            LedgerRow(
                f"signal {x.name}",
                f"{_g(x.below * 100)} % below, {_g(x.above * 100)} % "
                f"above {_g(x.boundary_kev)} keV",
                PAPER,
                "'<1 %' read as 0.5 %" if 0 < x.above < 0.01 else "",
            )
            for x in s.signal_systematics
        ),
        LedgerRow(
            "signal references",
            f"mu_nu {_g(s.mu_nu_reference)}, delta "
            f"{_g(s.charge_reference)}, {s.dark_photon_per_decade} masses/decade",
            "convention",
            "template normalisations; no effect on limits",
        ),
        LedgerRow(
            "pseudo_data_seed", str(s.pseudo_data_seed), "convention", "seeded Poisson pseudo-data"
        ),
    ]
    return rows


def ledger_markdown(settings: ReplicaSettings | None = None) -> str:
    """The ledger as two Markdown tables (parameters; calibrated parameters and their effect)."""
    s = settings or ReplicaSettings()
    lines = ["| parameter | value | source | note |", "|---|---|---|---|"]
    lines += [f"| {r.parameter} | {r.value} | {r.source} | {r.note} |" for r in ledger_rows(s)]
    lines += [
        "",
        "| calibrated parameter | value | plausible range | meaning | "
        + " | ".join(f"{label} (low / high end)" for _, _, label in LIMITS)
        + " |",
        "|---|---|---|---|" + "---|" * len(LIMITS),
    ]
    for cal in CALIBRATED:
        effects = CALIBRATION_EFFECTS[cal.parameter]
        cells = " | ".join(f"{lo:+.1f} % / {hi:+.1f} %" for lo, hi in effects)
        lo, hi = cal.plausible
        lines.append(
            f"| {cal.parameter} | {_g(cal.get(s))} {cal.unit} | {_g(lo)}-{_g(hi)} {cal.unit} | "
            f"{cal.meaning} | {cells} |"
        )
    return "\n".join(lines) + "\n"
