"""HEPData table helpers (hepdata_lib): variables with units and qualifiers, limit tables.

The models are those of XMASS-I's search (Phys. Lett. B 809 (2020) 135741): the neutrino
magnetic moment, the millicharge (all flavours and each flavour alone) and the B-L dark photon;
their parameters, units, reactions and keywords are here. What a table says about the
observations (a note in its description, a qualifier on every dependent variable) comes from
the caller's :class:`~xhf.publish.publication.Publication`.

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
from xhf.publish.publication import Publication

__all__ = [
    "bin_edges",
    "expected_variable",
    "hepdata_lib",
    "keywords",
    "limit_rows",
    "limit_table",
    "parameter",
    "result_keys",
    "table",
    "variable",
]


def __dir__() -> list[str]:
    return __all__


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
]


def hepdata_lib():
    """hepdata_lib, imported without the jsonschema deprecation warning of its validator."""
    return import_publish("hepdata_lib")


def keywords(analysis: str | None, observables: Sequence[str], flavors=("all",), extra=()) -> dict:
    """Table keywords: observables, reactions, phrases (``extra`` phrases last)."""
    phrases = [*(PHRASES.get(analysis, []) if analysis else []), *COMMON_PHRASES, *extra]
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
    data: tuple[str, str] | None = None,
):
    """A hepdata_lib Variable; dependent ones get the ``data`` qualifier first (what the
    observations are, :attr:`Publication.data_qualifier`), then ``qualifiers``."""
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
        for qualifier_name, value in ((data,) if data else ()) + tuple(qualifiers):
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
    data: tuple[str, str] | None = None,
):
    """Expected limits with the +-1 and +-2 sigma bands as asymmetric errors."""
    lib = hepdata_lib()
    var = variable(name, [float(m) for m in medians], units=units, qualifiers=qualifiers, data=data)
    for label, (lo, hi) in (("expected 1 sigma", (1, 2)), ("expected 2 sigma", (0, 3))):
        unc = lib.Uncertainty(label, is_symmetric=False)
        unc.set_values_from_intervals(
            [(float(b[lo]), float(b[hi])) for b in bands], [float(m) for m in medians]
        )
        var.add_uncertainty(unc)
    return var


def table(name: str, description: str, location: str, keys: Mapping[str, Any], note: str = ""):
    """A hepdata_lib Table; ``note`` (:attr:`Publication.table_note`) ends its description."""
    lib = hepdata_lib()
    out = lib.Table(name)
    out.description = f"{description} {note}" if note else description
    out.location = location
    out.keywords = dict(keys)
    return out


def parameter(analysis: str, unit: str = "") -> tuple[str, str]:
    """(variable name, HEPData units) of an analysis' physical parameter: the models of
    :data:`PARAMETERS`, else the analysis name and ``unit`` (a limit's own unit).

    >>> parameter("dark_photon"), parameter("axion_coupling", "GeV^-1")
    (('$g_{B-L}$', 'dimensionless'), ('axion coupling', 'GeV^-1'))
    """
    return PARAMETERS.get(analysis) or (analysis.replace("_", " "), unit)


def limit_table(
    name: str,
    analysis: str,
    rows: Sequence[tuple[Mapping[str, Any], LimitEntry]],
    *,
    description: str,
    location: str,
    qualifiers: Sequence[tuple[str, Any]],
    publication: Publication,
    flavors: Sequence[str] = ("all",),
):
    """One row per limit: independent variables from ``rows[i][0]`` (name -> value), then the
    expected limit with bands, the observed limit and, if the publication has such a column or
    a row has a value, the limit published elsewhere (``paper`` of results.json)."""
    pub = publication
    entries = [r[1] for r in rows]
    name_of, units = parameter(analysis, entries[0].unit if entries else "")
    keys = keywords(analysis, ["Upper limit"], flavors, pub.phrases)
    out = table(name, description, location, keys, pub.table_note)
    columns = list(rows[0][0]) if rows else []
    for column in columns:
        unit = "MeV" if "mass" in column.lower() else ""
        values = [r[0][column] for r in rows]
        out.add_variable(variable(column, values, units=unit, independent=True))
    quals = [("CL", "90%"), *qualifiers]
    out.add_variable(
        expected_variable(
            f"Expected 90% CL upper limit on {name_of}",
            [e.expected for e in entries],
            [e.band for e in entries],
            units=units,
            qualifiers=quals,
            data=pub.data_qualifier,
        )
    )
    out.add_variable(
        variable(
            f"Observed 90% CL upper limit on {name_of} ({pub.data_word})",
            [_value(e.observed) for e in entries],
            units=units,
            qualifiers=quals,
            data=pub.data_qualifier,
        )
    )
    if pub.published is not None or any(e.paper is not None for e in entries):
        label, extra = pub.published or ("Published", ())
        out.add_variable(
            variable(
                f"{label} 90% CL upper limit on {name_of}",
                [_value(e.paper) for e in entries],
                units=units,
                qualifiers=[("CL", "90%"), *extra],
            )
        )
    return out


def result_keys(results: Results, analysis: str) -> tuple[tuple[str, float | None], ...]:
    """Every (flavour, mass) of ``analysis`` in ``results``: ``all`` first, then by mass."""
    order = {f: i for i, f in enumerate(FLAVORS)}
    found = {(e.flavor, e.mass_mev) for e in results.limits if e.analysis == analysis}
    return tuple(sorted(found, key=lambda k: (order.get(k[0], len(order)), k[0], k[1] or 0.0)))


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
