"""Synthetic workspaces that follow docs/workspace-conventions.md, for tests and benchmarks.

They stand in for the builder's workspaces wherever the inference stage must be exercised on
something of a known shape: a handful of bins (unit tests), a 99-bin, ~110-parameter model
shaped like XMASS-I's 2-200 keV fit (Phys. Lett. B 809 (2020) 135741; 2 keV bins, the paper's
chi2/dof 88.2/98), and dark-photon-like patchsets in both forms of the conventions (two-part
``signal_interference``/``signal_pure`` per mass; exact excess per (mass, coupling)). The
spectra are simple analytic shapes with XMASS-like magnitudes (~580 events per 2 keV bin at
5 keV, 97 kg x 711 days); they are NOT the replica templates and carry no physics claim.
Observations are a seeded Poisson draw (``pseudo_poisson``), recorded as such in the sidecar.

>>> spec, meta = small_workspace()
>>> meta["signal"]["parts"][0]["normfactor"], len(spec["observations"][0]["data"])
('mu', 6)
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from xhf.jsonio import plain
from xhf.workspace.compat import quiet_pyhf as _quiet
from xhf.workspace.metadata import INTERPOLATION
from xhf.workspace.naming import format_value
from xhf.workspace.sidecar import digest, sidecar_document

__all__ = [
    "XMASS_EXPOSURE_KG_DAY",
    "dark_photon_like",
    "dark_photon_rates",
    "label",
    "magnetic_moment_like",
    "small_dark_photon",
    "small_workspace",
]


def __dir__() -> list[str]:
    return __all__


#: 97 kg fiducial mass x 711 days live time (the paper).
XMASS_EXPOSURE_KG_DAY = 97.0 * 711.0
_SEED = 20200522
STAT = 0.01
_G_F = 1.1663787e-11  # MeV^-2
_M_E = 0.51099895  # MeV


def label(value: float) -> str:
    """A number as a patch-name fragment (``^[a-zA-Z0-9_]+$``): 1.3e-06 -> ``1p3e_06``.

    >>> label(1e-3), label(1.3e-6), label(1000.0), label(2.15e-2)
    ('1e_03', '1p3e_06', '1e03', '2p15e_02')
    """
    return format_value(value)


def _edges(nbins: int, low: float = 2.0, width: float = 2.0) -> np.ndarray:
    return low + width * np.arange(nbins + 1)


def _backgrounds(t: np.ndarray) -> list[dict[str, Any]]:
    """Background components per bin (events), XMASS-like magnitudes; see module docstring."""
    c14 = np.where(t < 156.0, 150.0 * np.clip(1.0 - t / 156.0, 0.0, None) ** 2, 0.0)
    xe131m = 400.0 * 2.0 * np.exp(-0.5 * ((t - 164.0) / 8.0) ** 2) / (8.0 * np.sqrt(2 * np.pi))
    xe133 = 20.0 * (t > 81.0) * np.exp(-(t - 81.0) / 120.0) + 3.0
    return [
        {"name": "pb210_surface", "yields": 520.0 * np.exp(-(t - 2.0) / 8.0) + 30.0, "norm": 0.10},
        {"name": "rn222", "yields": 60.0 * (1.0 - t / 1000.0), "norm": 0.15},
        {"name": "kr85", "yields": 40.0 * (1.0 - t / 700.0), "norm": 0.20},
        {"name": "xe136", "yields": 5.0 + 0.3 * t, "norm": 0.10},
        {"name": "c14", "yields": c14 + 1e-3, "norm": None},
        {"name": "ar39", "yields": np.full_like(t, 30.0), "norm": None},
        {"name": "xe131m", "yields": xe131m + 0.5, "norm": None},
        {"name": "xe133", "yields": xe133, "norm": None},
    ]


def _dead_pmt(t: np.ndarray) -> np.ndarray:
    """Relative size of the shared dead-PMT shape systematic (after the paper's regions)."""
    return np.select(
        [t < 5, t < 15, t < 20, t < 30, t < 40], [0.05, 0.07, 0.09, 0.12, 0.15], default=0.0
    )


def _sample(name, yields, *, norm=None, stat=0.02, shape=None, extra=()) -> dict[str, Any]:
    yields = np.asarray(yields, dtype=float)
    modifiers: list[dict[str, Any]] = []
    if norm is None:
        modifiers.append({"name": f"norm_{name}", "type": "normfactor", "data": None})
    elif norm > 0:
        modifiers.append(
            {"name": f"norm_{name}", "type": "normsys", "data": {"hi": 1 + norm, "lo": 1 - norm}}
        )
    if shape is not None:
        sname, rel = shape
        modifiers.append(
            {
                "name": sname,
                "type": "histosys",
                "data": {"hi_data": yields * (1 + rel), "lo_data": yields * (1 - rel)},
            }
        )
    modifiers.extend(extra)
    if stat:
        modifiers.append({"name": "staterror_CHANNEL", "type": "staterror", "data": stat * yields})
    return {"name": name, "data": yields, "modifiers": modifiers}


def _signal(name: str, yields: np.ndarray, normfactor: str, *, shift=None) -> dict[str, Any]:
    extra = [{"name": "atomic_model", "type": "normsys", "data": {"hi": 1.05, "lo": 0.95}}]
    if shift is not None:
        extra.append(
            {
                "name": "energy_scale",
                "type": "histosys",
                "data": {"hi_data": shift[0], "lo_data": shift[1]},
            }
        )
    sample = _sample(name, yields, norm=0.0, stat=STAT, extra=extra)
    sample["modifiers"].insert(0, {"name": normfactor, "type": "normfactor", "data": None})
    return sample


def _channel_spec(channel: str, samples: list[dict[str, Any]]) -> dict[str, Any]:
    for sample in samples:
        for mod in sample["modifiers"]:
            if mod["name"] == "staterror_CHANNEL":
                mod["name"] = f"staterror_{channel}"
    return {"name": channel, "samples": samples}


def _background_samples(
    t: np.ndarray, scale: float = 1.0, free: bool = True
) -> list[dict[str, Any]]:
    rel = _dead_pmt(t)
    return [
        _sample(
            b["name"],
            scale * b["yields"],
            norm=b["norm"] if free or b["norm"] else 0.2,
            shape=("dead_pmt", rel),
        )
        for b in _backgrounds(t)
    ]


def _workspace(channel, samples, observed, measurement, poi, bounds) -> dict[str, Any]:
    spec = {
        "channels": [_channel_spec(channel, samples)],
        "measurements": [
            {
                "name": measurement,
                "config": {
                    "poi": poi,
                    "parameters": [{"name": name, "bounds": [list(b)]} for name, b in bounds],
                },
            }
        ],
        "observations": [{"name": channel, "data": observed}],
        "version": "1.0.0",
    }
    return plain(spec)


def _sidecar(analysis, channel, measurement, signal, seed, edges, bounds) -> dict[str, Any]:
    """The sidecar fields of a synthetic model (sealed by :func:`_sealed`)."""
    return {
        "analysis": analysis,
        "bin_edges_kev": [float(e) for e in edges],
        "channel": channel,
        "data": {"label": "pseudo_poisson", "pseudo_data": True, "seed": seed},
        "interpolation": dict(INTERPOLATION),
        "measurement": measurement,
        "poi": "mu",
        "poi_bounds": [float(b) for b in bounds],
        "signal": signal,
        "synthetic": True,
        "xhf_version": "0.1.0",
    }


def _sealed(meta: dict[str, Any], workspace: Any, patchset: Any = None) -> dict[str, Any]:
    """``meta`` bound to its workspace (and patchset) and sealed, as ``xhf build`` writes it."""
    meta["digest"] = {"workspace": digest(workspace)}
    if patchset is not None:
        meta["digest"]["patchset"] = digest(patchset)
        meta["digest"]["patches"] = {p["metadata"]["name"]: digest(p) for p in patchset["patches"]}
    return sidecar_document(meta)


def _observe(expected: np.ndarray, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    return [float(x) for x in rng.poisson(expected)]


def _total(samples: list[dict[str, Any]]) -> np.ndarray:
    return np.sum([np.asarray(s["data"], dtype=float) for s in samples], axis=0)


def _mm_signal(t: np.ndarray, norm: float) -> np.ndarray:
    """Magnetic-moment-like excess per bin at the reference (falls like 1/T)."""
    return norm * (5.0 / t) * np.exp(-t / 150.0)


def magnetic_moment_like(
    nbins: int = 99, *, injected_mu: float = 0.0, seed: int = _SEED, poi_bounds=(0.0, 10.0)
):
    """A model shaped like the XMASS-I 2-200 keV magnetic-moment fit (~110 parameters).

    Eight backgrounds (four with normsys, four free as the paper's 14C, 39Ar, 131mXe, 133Xe),
    a shared dead-PMT histosys, staterror per bin, and a 1/T signal at mu_nu = 1e-10 mu_B with
    a 5 % atomic-model normsys and an energy-scale histosys. Observations: Poisson draw of
    background + ``injected_mu`` x signal.

    Returns:
        (workspace spec, sidecar) as plain dicts.
    """
    edges = _edges(nbins)
    t = 0.5 * (edges[1:] + edges[:-1])
    sig = _mm_signal(t, 80.0)
    shift = (_mm_signal(t / 1.04, 80.0), _mm_signal(t / 0.96, 80.0))
    samples = [*_background_samples(t), _signal("signal", sig, "mu", shift=shift)]
    observed = _observe(_total(samples[:-1]) + injected_mu * sig, seed)
    spec = _workspace(
        "full_energy", samples, observed, "xmass1_magnetic_moment", "mu", [("mu", poi_bounds)]
    )
    signal = {
        "atomic": "fea",
        "flavor": "all",
        "fluxes": "shp11-gs98",
        "mass_mev": None,
        "model": "magnetic-moment",
        "parameter": "mu_nu",
        "parts": [{"normfactor": "mu", "power": 2, "sample": "signal"}],
        "reference": 1e-10,
        "unit": "mu_B",
    }
    meta = _sidecar(
        "magnetic_moment", "full_energy", "xmass1_magnetic_moment", signal, seed, edges, poi_bounds
    )
    return spec, _sealed(meta, spec)


def small_workspace(
    *, injected_mu: float = 0.0, seed: int = _SEED, poi_bounds=(0.0, 10.0), model="millicharge"
):
    """Six bins: a normsys background, a free background, a histosys, staterror, ``signal``.

    The sidecar describes a millicharge-like power-2 signal (``delta = 1e-12 * sqrt(mu)``,
    all flavours) unless ``model="magnetic-moment"``.
    """
    t = np.array([3.0, 5.0, 7.0, 9.0, 11.0, 13.0])
    bkg = 400.0 * np.exp(-(t - 3.0) / 6.0) + 60.0
    flat = np.full_like(t, 80.0)
    sig = 60.0 * (3.0 / t) ** 2
    samples = [
        _sample("surface", bkg, norm=0.08, shape=("dead_pmt", 0.06 * np.ones_like(t))),
        _sample("ar39", flat, norm=None),
        _signal("signal", sig, "mu"),
    ]
    observed = _observe(_total(samples[:-1]) + injected_mu * sig, seed)
    measurement = f"xmass1_{model.replace('-', '_')}"
    spec = _workspace("low_energy", samples, observed, measurement, "mu", [("mu", poi_bounds)])
    if model == "magnetic-moment":
        info = {"parameter": "mu_nu", "unit": "mu_B", "reference": 1e-10}
    else:
        info = {"parameter": "delta", "unit": "e", "reference": 1e-12}
    signal = {
        "atomic": "epa",
        "flavor": "all",
        "fluxes": "shp11-gs98",
        "mass_mev": None,
        "model": model,
        "parts": [{"normfactor": "mu", "power": 2, "sample": "signal"}],
        **info,
    }
    edges = np.append(t - 1.0, t[-1] + 1.0)
    meta = _sidecar(
        model.replace("-", "_"), "low_energy", measurement, signal, seed, edges, poi_bounds
    )
    return spec, _sealed(meta, spec)


def dark_photon_rates(t_kev: np.ndarray, mass_mev: float, coupling: float, *, g_eff: float = 0.3):
    """Dark-photon-like interference and pure excess in events per 2 keV bin.

    Delta(T) = g^2 / (sqrt2 G_F (M^2 + 2 m_e T)) (Bilmis et al., PRD 92 (2015) 033009); pure
    term ~ Delta^2, interference ~ 4 g_eff Delta (net constructive), both times a falling
    solar-spectrum factor exp(-T/100 keV) and a normalisation of 1.1e-5 /(kg day keV), with
    the paper's exposure. Simple analytic stand-ins, not the physics stage's rates.

    Returns:
        (interference, pure) event arrays.
    """
    t_mev = np.asarray(t_kev, dtype=float) * 1e-3
    delta = coupling**2 / (np.sqrt(2.0) * _G_F * (mass_mev**2 + 2.0 * _M_E * t_mev))
    shape = 1.1e-5 * np.exp(-np.asarray(t_kev) / 100.0) * XMASS_EXPOSURE_KG_DAY * 2.0
    return shape * 4.0 * g_eff * delta, shape * delta**2


def _reference_coupling(t, mass, background, target_q=4.0) -> float:
    """A coupling (two significant digits) at which the Asimov sum S^2/B is ~target_q.

    With target_q = 4 this is close to the median expected 90 % CL limit (sqrt(q_A) = 1.64).
    """

    def q(g):
        i, p = dark_photon_rates(t, mass, g)
        return float(np.sum((i + p) ** 2 / background))

    lo, hi = 1e-9, 1.0
    for _ in range(80):
        mid = np.sqrt(lo * hi)
        lo, hi = (mid, hi) if q(mid) < target_q else (lo, mid)
    return float(f"{np.sqrt(lo * hi):.1e}")


def _patchset(form, labels, patches, digest, reference) -> dict[str, Any]:
    return {
        "metadata": {
            "analysis": "dark_photon",
            "description": f"synthetic dark-photon-like {form} patchset (tests/support/synthetic.py)",
            "digests": {"sha256": digest},
            "form": form,
            "labels": labels,
            "measurement": "xmass1_dark_photon",
            "parameter": "g",
            "reference": reference,
            "references": {"hepdata": "ins0000000"},
            "unit": "",
        },
        "patches": patches,
        "version": "1.0.0",
    }


def _placeholder_ops(samples: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    """Replace the zero-yield placeholder by the first sample, add the others after it."""
    return [
        {
            "op": "replace" if k == 0 else "add",
            "path": f"/channels/0/samples/{index + k}",
            "value": s,
        }
        for k, s in enumerate(samples)
    ]


def _renamed(channel: str, sample: dict[str, Any]) -> dict[str, Any]:
    return _channel_spec(channel, [sample])["samples"][0]


def dark_photon_like(
    masses_mev,
    *,
    nbins: int = 99,
    grid_factors=None,
    seed: int = _SEED,
    background_scale: float = 1.0,
    free_backgrounds: bool = True,
):
    """A dark-photon-like background-only workspace with both patchsets of the conventions.

    As the builder writes them (``xhf.workspace.patchset``): the background-only workspace has
    a zero-yield placeholder ``signal`` with normfactor ``mu`` and the bounds of every POI the
    patchsets use; a components patch (one per mass, values ``[mass_mev]``) replaces the
    placeholder by ``signal_interference`` and adds ``signal_pure``, both at that mass's reference
    coupling (near its sensitivity; the sidecar's ``signal.references``); a grid patch (values ``[mass_mev, g]``) replaces it by the
    exact excess with normfactor ``mu``.

    Args:
        masses_mev: dark-photon masses.
        nbins: 2 keV bins from 2 keV.
        grid_factors: couplings of the grid patchset as multiples of each mass's expected
            sensitivity (about the median expected limit); ``None`` skips the grid.
        seed: seed of the Poisson pseudo-data (background only).
        background_scale: multiplies every background.
        free_backgrounds: leave 14C, 39Ar, 131mXe, 133Xe free (as the paper); otherwise they
            get a 20 % normsys (a narrow energy range cannot tell a flat signal from them).

    Returns:
        dict with ``bkg_only``, ``bkg_only_meta``, ``components``, ``components_meta`` and,
        with ``grid_factors``, ``grid`` and ``grid_meta``.
    """
    import pyhf

    edges = _edges(nbins)
    t = 0.5 * (edges[1:] + edges[:-1])
    channel = "full_energy"
    backgrounds = _background_samples(t, background_scale, free_backgrounds)
    total_b = _total(backgrounds)
    sensitivity = {m: _reference_coupling(t, m, total_b) for m in masses_mev}
    s_max = 100.0  # each mass's reference coupling is near its sensitivity
    placeholder = {
        "name": "signal",
        "data": np.zeros_like(t),
        "modifiers": [{"name": "mu", "type": "normfactor", "data": None}],
    }
    bounds = [("mu", (0.0, 10.0)), ("mu_interference", (0.0, s_max)), ("mu_pure", (0.0, s_max**2))]
    bkg_only = _workspace(
        channel,
        [*copy.deepcopy(backgrounds), placeholder],
        _observe(total_b, seed),
        "xmass1_dark_photon",
        "mu",
        bounds,
    )
    index = len(backgrounds)
    with _quiet():
        bkg_digest = pyhf.utils.digest(bkg_only)
    meta = _sidecar("dark_photon", channel, "xmass1_dark_photon", None, seed, edges, bounds[0][1])
    meta["background_only"] = True
    meta = _sealed(meta, bkg_only)
    signal = {
        "atomic": "fea",
        "flavor": "all",
        "fluxes": "shp11-gs98",
        "mass_mev": sorted(float(m) for m in masses_mev),
        "model": "dark-photon",
        "parameter": "g",
        "reference": sensitivity[masses_mev[0]],
        "unit": "g_BL",
    }
    components, grid, references = [], [], {}
    for mass in masses_mev:
        g_ref = sensitivity[mass]
        interference, pure = dark_photon_rates(t, mass, g_ref)
        name = f"dark_photon_m{label(mass)}"
        references[name] = g_ref
        samples = [
            _renamed(channel, _signal("signal_interference", interference, "mu_interference")),
            _renamed(channel, _signal("signal_pure", pure, "mu_pure")),
        ]
        components.append(
            {
                "metadata": {"name": name, "values": [float(mass)]},
                "patch": _placeholder_ops(samples, index),
            }
        )
        for factor in grid_factors if grid_factors is not None else ():
            g = float(f"{sensitivity[mass] * factor:.3g}")
            s = (g / g_ref) ** 2
            excess = s * interference + s * s * pure
            sample = _renamed(channel, _signal("signal", excess, "mu"))
            grid.append(
                {
                    "metadata": {"name": f"{name}_g{label(g)}", "values": [float(mass), g]},
                    "patch": _placeholder_ops([sample], index),
                }
            )
    out = {"bkg_only": bkg_only, "bkg_only_meta": meta}
    parts = [
        {"normfactor": "mu_interference", "power": 2, "sample": "signal_interference"},
        {"normfactor": "mu_pure", "power": 4, "sample": "signal_pure"},
    ]
    sets = [("components", components, ["mass_mev"], parts, "mu_interference")]
    if grid_factors is not None:
        grid_parts = [{"normfactor": "mu", "power": None, "sample": "signal"}]
        sets.append(("grid", grid, ["mass_mev", "coupling"], grid_parts, "mu"))
    for form, patches, labels, form_parts, poi in sets:
        patchset = plain(_patchset(form, labels, patches, bkg_digest, signal["reference"]))
        info = {**signal, "parts": form_parts}
        if form == "components":
            info["references"] = references
        side = _sidecar("dark_photon", channel, "xmass1_dark_photon", info, seed, edges, (0, 1))
        side.update(
            {
                "form": form,
                "labels": labels,
                "patches": {p["metadata"]["name"]: p["metadata"]["values"] for p in patches},
                "poi": poi,
                "poi_bounds": dict(bounds)[poi],
            }
        )
        out[form], out[f"{form}_meta"] = patchset, _sealed(plain(side), bkg_only, patchset)
    return out


def small_dark_photon(masses_mev=(1e-3, 10.0), grid_factors=None, *, seed: int = _SEED):
    """A 12-bin version of :func:`dark_photon_like` (constrained backgrounds) for unit tests."""
    return dark_photon_like(
        masses_mev, nbins=12, grid_factors=grid_factors, seed=seed, free_backgrounds=False
    )
