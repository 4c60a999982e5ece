"""The whole XMASS-I analysis on the replica: workspaces, limits with both methods, results.

:func:`reproduce` is pure (no files): it takes a TemplateSet and returns the results document
and what the figures need. The command line (``xhf reproduce``) writes them.

The analyses (XMASS-I, Phys. Lett. B 809 (2020) 135741):
- magnetic moment, 2-200 keV, signal ∝ mu_nu^2 (FEA);
- millicharge, 2-15 keV, pure term ∝ delta^2 (EPA standing in for RRPA); the flavour limits are
  the common limit over sqrt(flavour fraction);
- U(1)_{B-L} dark photon, 2-200 keV, interference ∝ g^2 plus pure ∝ g^4 tied to one coupling,
  at every mass of the grid (the exclusion curve).
Each with the paper's chi2 method and with pyhf's CLs (asymptotic q-tilde); expected limits and
bands from the Asimov dataset, "observed" on the Poisson pseudo-data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from xhf import __version__
from xhf.infer import exclusion_curve, likelihood_analysis, limit
from xhf.infer.execution import Scheduler
from xhf.infer.limits import LimitResult
from xhf.jsonio import dumps, plain
from xhf.replica.paper import PAPER_EXPECTED, PAPER_OBSERVED, paper_value
from xhf.templates.templateset import TemplateSet
from xhf.workspace import (
    background_only_metadata,
    build_background_only,
    build_component_patchset,
    build_workspace,
    patchset_metadata,
)
from xhf.workspace.likelihood import Likelihood

__all__ = [
    "BANDS",
    "ReproduceOptions",
    "Reproduction",
    "replica_workspaces",
    "reproduce",
    "templates_digest",
]


def __dir__() -> list[str]:
    return __all__


#: Band labels of the expected limits, in the order of ``expected_band``.
BANDS: tuple[str, ...] = ("-2", "-1", "+1", "+2")
UNITS = {"magnetic_moment": "mu_B", "millicharge": "e", "dark_photon": "g_BL"}


@dataclass(frozen=True)
class ReproduceOptions:
    """What to compute.

    Attributes:
        methods: ``chi2`` (the paper's) and/or ``cls`` (pyhf).
        cl: confidence level (the paper: 0.9).
        data: dataset used as "observed" (the replica's Poisson pseudo-data).
        masses_mev: dark-photon masses to scan (None: the whole grid).
        scheduler: where the masses of the exclusion curve run (None: in this process).
        progress: progress bars on stderr.
    """

    methods: tuple[str, ...] = ("chi2", "cls")
    cl: float = 0.9
    data: str = "pseudo_poisson"
    masses_mev: tuple[float, ...] | None = None
    scheduler: Scheduler | None = None
    progress: bool = True


@dataclass
class Reproduction:
    """The results document plus the arrays the figures need."""

    results: dict[str, Any]
    fits: dict[str, dict[str, Any]] = field(default_factory=dict)


def templates_digest(templates: TemplateSet) -> str:
    """sha256 of every array and the metadata of a TemplateSet (stable across file formats)."""
    doc = {
        "metadata": plain(dict(templates.metadata)),
        "channels": [
            {
                "name": ch.name,
                "edges": ch.bin_edges,
                "data": {k: v for k, v in sorted(ch.data.items())},
                "samples": [[s.name, s.yields, s.stat_error] for s in ch.backgrounds],
            }
            for ch in templates.channels
        ],
        "signals": [[s.name, [p.yields for p in s.parts]] for s in templates.signals],
    }
    return "sha256:" + hashlib.sha256(dumps(doc).encode()).hexdigest()


def _dark_photon_signals(templates: TemplateSet, masses: Sequence[float] | None) -> list[str]:
    names = []
    for sig in templates.signals:
        mass = sig.metadata.get("mass_mev")
        if sig.metadata.get("model") != "dark-photon" or mass is None:
            continue
        if masses is None or any(abs(mass / m - 1.0) < 1e-3 for m in masses):
            names.append(sig.name)
    return names


def replica_workspaces(
    templates: TemplateSet, data: str = "pseudo_poisson", masses_mev: Sequence[float] | None = None
) -> dict[str, Likelihood]:
    """The three analyses as likelihoods, named by analysis (their ``source``).

    Returns:
        ``{"magnetic_moment": ..., "millicharge": ..., "dark_photon": ...}``; the dark photon is
        the background-only workspace with its components patchset.
    """
    out: dict[str, Likelihood] = {}
    for analysis in ("magnetic_moment", "millicharge"):
        out[analysis] = replace(build_workspace(templates, analysis, data=data), source=analysis)
    signals = _dark_photon_signals(templates, masses_mev)
    bkg = build_background_only(templates, "full_energy", data=data, signals=signals)
    bkg_meta = background_only_metadata(
        bkg, templates, "full_energy", data=data, analysis="dark_photon"
    )
    comp = build_component_patchset(bkg, templates, signals)
    comp_meta = patchset_metadata(comp, bkg, templates, signals, data=data)
    out["dark_photon"] = Likelihood(
        workspace=bkg,
        sidecar=bkg_meta,
        source="dark_photon",
        patchsets={"components": (comp, comp_meta)},
    )
    return out


#: The paper's fit quality on its data, chi2 / ndf of Eq. 4 (2-200 keV: 99 bins, 98 dof).
PAPER_FIT_QUALITY: dict[tuple[str, float | None], dict[str, float]] = {
    ("magnetic_moment", None): {"chi2_min": 85.9, "chi2_null": 88.2, "ndf": 98},
    ("dark_photon", 1e-3): {"chi2_min": 85.3, "chi2_null": 88.2, "ndf": 98},
}


def _fit_quality(
    analysis: str, mass: float | None, extras: dict[str, Any]
) -> dict[str, Any] | None:
    """chi2 (Eq. 4) at the best fit and at zero signal on the observed dataset, with ndf (bins
    minus the one signal parameter), and the paper's values on its data where it gives them."""
    chi2 = extras.get("chi2")
    if not chi2:
        return None
    paper = next(
        (
            v
            for (a, m), v in PAPER_FIT_QUALITY.items()
            if a == analysis and (m == mass or (m and mass and abs(m / mass - 1.0) < 1e-3))
        ),
        None,
    )
    return {
        "chi2_min": float(chi2["min"]),
        "chi2_null": float(chi2["null"]),
        "ndf": int(chi2["ndf"]),
        "paper": paper,
    }


def _entry(
    analysis: str,
    method: str,
    flavor: str,
    mass: float | None,
    observed: float,
    expected: dict[str, float],
    extras: dict[str, Any] | None = None,
) -> dict[str, Any]:
    fit = _fit_quality(analysis, mass, extras or {}) if flavor == "all" else None
    return {
        **({"fit_quality": fit} if fit else {}),
        "analysis": analysis,
        "method": method,
        "flavor": flavor,
        "mass_mev": mass,
        "unit": UNITS[analysis],
        "expected": float(expected["0"]),
        "expected_band": [float(expected[b]) for b in BANDS],
        "observed": float(observed),
        "paper": paper_value(PAPER_OBSERVED, analysis, flavor, mass),
        "paper_expected": paper_value(PAPER_EXPECTED, analysis, flavor, mass),
    }


def _fit_arrays(likelihood: Likelihood) -> dict[str, Any]:
    """Background-only best fit to the observations, for the data/model figures."""
    analysis = likelihood_analysis(likelihood)
    fitter = analysis.fitter()
    result = fitter.fit(analysis.data, poi=0.0)
    edges = likelihood.sidecar["bin_edges_kev"]
    n = len(edges) - 1
    return {
        "edges_kev": list(edges),
        "data": analysis.data[:n].tolist(),
        "background_fit": np.asarray(analysis.model.expected_actualdata(result.pars))[:n].tolist(),
    }


def reproduce(
    templates: TemplateSet,
    options: ReproduceOptions = ReproduceOptions(),
    *,
    step: Callable[[str], None] | None = None,
) -> Reproduction:
    """Every result of the paper on a TemplateSet (the replica), with both methods.

    Args:
        templates: the replica (or any TemplateSet with the same signal names).
        options: methods, level, dataset, masses, parallelism.
        step: called with a short label after each unit of work (progress reporting).

    Returns:
        The results document (``limits``, ``exclusion_curve``, ``provenance``) and the arrays for
        the fit figures.
    """
    tick = step or (lambda label: None)
    documents = replica_workspaces(templates, options.data, options.masses_mev)
    tick("workspaces")
    limits: list[dict[str, Any]] = []
    curve: dict[float, dict[str, Any]] = {}
    fits: dict[str, dict[str, Any]] = {}
    at_limit: dict[str, float] = {}
    for method in options.methods:
        r = limit(likelihood_analysis(documents["magnetic_moment"]), method=method, cl=options.cl)
        limits.append(
            _entry("magnetic_moment", method, "all", None, r.observed, r.expected, r.extras)
        )
        at_limit.setdefault("magnetic_moment", r.observed)
        tick(f"magnetic moment ({method})")

        r = limit(likelihood_analysis(documents["millicharge"]), method=method, cl=options.cl)
        limits.append(_entry("millicharge", method, "all", None, r.observed, r.expected, r.extras))
        for flavor, values in sorted(r.extras.get("flavor_limits", {}).items()):
            if flavor in ("e", "mu", "tau"):
                limits.append(
                    _entry(
                        "millicharge", method, flavor, None, values["observed"], values["expected"]
                    )
                )
        at_limit.setdefault("millicharge", r.observed)
        tick(f"millicharge ({method})")

        dark_photon = documents["dark_photon"]
        comp, comp_meta = dark_photon.patchsets["components"]
        results: list[LimitResult] = exclusion_curve(
            dict(dark_photon.workspace),
            dict(comp),
            dict(comp_meta),
            method=method,
            cl=options.cl,
            source="dark_photon",
            scheduler=options.scheduler,
            progress=options.progress,
        )
        for res in results:
            mass = float(res.mass_mev)
            point = curve.setdefault(mass, {"mass_mev": mass})
            point[method] = {
                "expected": float(res.expected["0"]),
                "expected_band": [float(res.expected[b]) for b in BANDS],
                "observed": float(res.observed),
            }
            if paper_value(PAPER_OBSERVED, "dark_photon", "all", mass) is not None:
                limits.append(
                    _entry(
                        "dark_photon", method, "all", mass, res.observed, res.expected, res.extras
                    )
                )
                if abs(mass / 1e-3 - 1) < 1e-3:
                    at_limit.setdefault("dark_photon_1kev", res.observed)
        tick(f"dark photon, {len(results)} masses ({method})")

    for key in ("magnetic_moment", "millicharge"):
        fits[key] = _fit_arrays(documents[key])
    fits["dark_photon_1kev"] = fits["magnetic_moment"]
    for key, signal in (
        ("magnetic_moment", "magnetic_moment"),
        ("millicharge", "millicharge"),
        ("dark_photon_1kev", "dark_photon_m1e_03"),
    ):
        if key in at_limit:
            fits[key] = dict(fits[key])
            fits[key]["signal_at_limit"] = templates.signal(signal).expected(at_limit[key]).tolist()
            fits[key]["limit"] = at_limit[key]
            fits[key]["method"] = options.methods[0]
    tick("fits")

    bkg_meta = documents["dark_photon"].sidecar
    comp_meta = documents["dark_photon"].patchsets["components"][1]
    results_doc = {
        "limits": limits,
        "exclusion_curve": [curve[m] for m in sorted(curve)],
        "provenance": {
            "xhf_version": __version__,
            "templates_digest": templates_digest(templates),
            "workspace_digests": {
                "magnetic_moment": documents["magnetic_moment"].sidecar["digest"]["workspace"],
                "millicharge": documents["millicharge"].sidecar["digest"]["workspace"],
                "dark_photon_background_only": bkg_meta["digest"]["workspace"],
                "dark_photon_components_patchset": comp_meta["digest"]["patchset"],
            },
            "fluxes": templates.metadata.get("fluxes"),
            "flavor_fractions": templates.metadata.get("flavor_fractions"),
            "atomic_models": {
                "magnetic_moment": "fea",
                "millicharge": templates.signal("millicharge").metadata.get("atomic"),
                "dark_photon": "fea",
            },
            "data": {
                "label": options.data,
                "pseudo_data": True,
                "seed": templates.metadata.get("datasets", {}).get("seed"),
                "description": templates.metadata.get("datasets", {}).get(options.data),
            },
            "methods": list(options.methods),
            "cl": options.cl,
            "expected": "Asimov dataset of the background-only model (bands: +-1, +-2 sigma)",
        },
    }
    return Reproduction(plain(results_doc), fits)
