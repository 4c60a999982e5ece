"""HEPData tables (hepdata_lib) of XMASS-I's results on the replica, with units and qualifiers.

XMASS-I, Phys. Lett. B 809 (2020) 135741: the 90 % CL limits on the neutrino magnetic moment,
the millicharge (all flavours and each flavour alone) and the B-L dark photon at the paper's
two masses; the dark-photon exclusion curve with its expected bands; per analysis the binned
pseudo-data, the background model and the signal at the limit; the signal efficiency of the
detector model. Every table says, in its description and in a qualifier of every dependent
variable, that the observations are pseudo-data of the XMASS-I-like replica, not XMASS-I data.

The expected limit carries its +-1 and +-2 sigma band as asymmetric errors (labels
``expected 1 sigma`` / ``expected 2 sigma``); values that do not exist (no published value for
a method or flavour) are written ``-``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from xhf.publish.compat import import_publish
from xhf.publish.inputs import LimitEntry, Results
from xhf.publish.readme import PSEUDO_DATA_NOTE

__all__ = [
    "DATA_QUALIFIER",
    "PAPER",
    "PAPER_MASSES_MEV",
    "bin_edges",
    "expected_variable",
    "hepdata_lib",
    "keywords",
    "limit_rows",
    "limit_table",
    "table",
    "variable",
]


def __dir__() -> list[str]:
    return __all__


PAPER = "K. Abe et al. (XMASS), Phys. Lett. B 809 (2020) 135741"
#: The dark-photon masses at which the paper quotes limits (1 keV and 10 MeV).
PAPER_MASSES_MEV = (1e-3, 10.0)
#: Qualifier on every dependent variable.
DATA_QUALIFIER = ("DATA", "pseudo-data of the XMASS-I-like replica (NOT XMASS-I data)")
METHODS = {
    "chi2": "chi2 (paper's Eq. 4, flat prior, 90% quantile)",
    "cls": "CLs (pyhf, q-tilde, asymptotic)",
}
FLAVORS = {"all": "all flavours", "e": "nu_e only", "mu": "nu_mu only", "tau": "nu_tau only"}
#: Physical parameter per analysis: (variable name, units). HEPData renders LaTeX in names but
#: expects units as plain text; the U(1)_{B-L} coupling is a pure number.
PARAMETERS = {
    "magnetic_moment": ("$\\mu_{\\nu}$", "mu_B"),
    "millicharge": ("$|\\delta_{\\nu}|$", "e"),
    "dark_photon": ("$g_{B-L}$", "dimensionless"),
}
REACTIONS = {
    "all": "NU E- --> NU E-",
    "e": "NUE E- --> NUE E-",
    "mu": "NUMU E- --> NUMU E-",
    "tau": "NUTAU E- --> NUTAU E-",
}
PHRASES = {
    "magnetic_moment": ["Neutrino magnetic moment"],
    "millicharge": ["Neutrino millicharge", "Neutrino charge"],
    "dark_photon": ["Dark photon", "U(1)B-L gauge boson", "Light mediator"],
}
COMMON_PHRASES = [
    "Solar neutrinos",
    "Neutrino-electron scattering",
    "Liquid xenon",
    "Electron recoil",
    "Pseudo-data",
    "Replica",
]


def hepdata_lib():
    """hepdata_lib, imported without the jsonschema deprecation warning of its validator."""
    return import_publish("hepdata_lib")


def keywords(analysis: str | None, observables: Sequence[str], flavors=("all",)) -> dict:
    """Table keywords: observables, reactions, phrases."""
    phrases = [*(PHRASES.get(analysis, []) if analysis else []), *COMMON_PHRASES]
    return {
        "observables": list(observables),
        "reactions": [REACTIONS[f] for f in flavors],
        "phrases": phrases,
    }


def variable(
    name: str,
    values: Sequence[Any],
    *,
    units: str = "",
    independent: bool = False,
    binned: bool = False,
    qualifiers: Sequence[tuple[str, Any]] = (),
    pseudo_data: bool = True,
):
    """A hepdata_lib Variable; dependent ones get the pseudo-data qualifier first (unless
    ``pseudo_data`` is False: a published XMASS-I value shown for comparison)."""
    lib = hepdata_lib()
    var = lib.Variable(
        name,
        is_independent=independent,
        is_binned=binned,
        units=units,
        values=list(values),
        zero_uncertainties_warning=False,
    )
    if not independent:
        for qualifier_name, value in ((DATA_QUALIFIER,) if pseudo_data else ()) + tuple(qualifiers):
            var.add_qualifier(qualifier_name, value)
    return var


def _value(x: float | None) -> float | str:
    return "-" if x is None else float(x)


def expected_variable(
    name: str,
    medians: Sequence[float],
    bands: Sequence[Sequence[float]],
    *,
    units: str,
    qualifiers: Sequence[tuple[str, Any]],
):
    """Expected limits with the +-1 and +-2 sigma bands as asymmetric errors."""
    lib = hepdata_lib()
    var = variable(name, [float(m) for m in medians], units=units, qualifiers=qualifiers)
    for label, (lo, hi) in (("expected 1 sigma", (1, 2)), ("expected 2 sigma", (0, 3))):
        unc = lib.Uncertainty(label, is_symmetric=False)
        unc.set_values_from_intervals(
            [(float(b[lo]), float(b[hi])) for b in bands], [float(m) for m in medians]
        )
        var.add_uncertainty(unc)
    return var


def _describe(text: str) -> str:
    return f"{text} {PSEUDO_DATA_NOTE} Replica of {PAPER}."


def table(name: str, description: str, location: str, keys: Mapping[str, Any]):
    """A hepdata_lib Table with the pseudo-data statement in its description."""
    lib = hepdata_lib()
    out = lib.Table(name)
    out.description = _describe(description)
    out.location = location
    out.keywords = dict(keys)
    return out


def limit_table(
    name: str,
    analysis: str,
    rows: Sequence[tuple[Mapping[str, Any], LimitEntry]],
    *,
    description: str,
    location: str,
    qualifiers: Sequence[tuple[str, Any]],
    flavors: Sequence[str] = ("all",),
):
    """One row per limit: independent variables from ``rows[i][0]`` (name -> value), then the
    expected limit with bands, the observed limit on pseudo-data and the published limit."""
    parameter, units = PARAMETERS[analysis]
    out = table(name, description, location, keywords(analysis, ["Upper limit"], flavors))
    columns = list(rows[0][0]) if rows else []
    for column in columns:
        unit = "MeV" if "mass" in column.lower() else ""
        values = [r[0][column] for r in rows]
        out.add_variable(variable(column, values, units=unit, independent=True))
    entries = [r[1] for r in rows]
    quals = [("CL", "90%"), *qualifiers]
    out.add_variable(
        expected_variable(
            f"Expected 90% CL upper limit on {parameter}",
            [e.expected for e in entries],
            [e.band for e in entries],
            units=units,
            qualifiers=quals,
        )
    )
    out.add_variable(
        variable(
            f"Observed 90% CL upper limit on {parameter} (pseudo-data)",
            [_value(e.observed) for e in entries],
            units=units,
            qualifiers=quals,
        )
    )
    out.add_variable(
        variable(
            f"XMASS-I published 90% CL upper limit on {parameter}",
            [_value(e.paper) for e in entries],
            units=units,
            qualifiers=[("CL", "90%"), ("DATA", f"XMASS-I data, published in {PAPER}")],
            pseudo_data=False,
        )
    )
    return out


def limit_rows(
    results: Results, analysis: str, keys: Sequence[tuple[str, float | None]]
) -> list[tuple[dict[str, Any], LimitEntry]]:
    """Rows of a limit table: for each (flavour, mass) key and method found in ``results``."""
    rows = []
    for flavour, mass in keys:
        for method in results.methods(analysis):
            entry = results.find(analysis, method, flavour, mass)
            if entry is None:
                continue
            index: dict[str, Any] = {}
            if analysis == "millicharge":
                index["Neutrino flavour carrying the charge"] = FLAVORS.get(flavour, flavour)
            if mass is not None:
                index["Dark photon mass $M_{A'}$"] = float(mass)
            index["Statistical method"] = METHODS.get(method, method)
            rows.append((index, entry))
    return rows


def bin_edges(edges: np.ndarray) -> list[tuple[float, float]]:
    """hepdata_lib binned values from edges."""
    return [(float(lo), float(hi)) for lo, hi in itertools.pairwise(edges)]
