"""A small stand-in for the main job's outputs: tiny workspaces built with xhf.workspace from a
physics-based TemplateSet on a coarse replica binning, a results.json of the shape ``xhf reproduce``
writes, computed with xhf.infer on them, and figure PNGs with the names ``xhf reproduce`` writes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from xhf.jsonio import write_json
from xhf.replica import ReplicaSettings
from xhf.replica.paper import PAPER_OBSERVED
from xhf.templates import Channel, Sample, Signal, TemplateSet, Variation

#: A coarse replica: 2-15 keV in 1 keV bins, 2-42 keV in 4 keV bins (10 bins).
SETTINGS = ReplicaSettings(full_energy_edges_kev=(2.0, 42.0, 4.0))
MASSES = (1e-3, 10.0)
#: Reference couplings per mass, as the replica's (``reference_coupling``).
G_REF = {1e-3: 1e-6, 10.0: 1e-4}
#: Grid couplings per mass (the dark photon's reach scales like M above 0.1 MeV).
GRID = {1e-3: [4e-7, 6e-7, 8e-7, 1e-6, 1.3e-6, 1.7e-6, 2.2e-6], 10.0: [3e-5, 6e-5, 1e-4, 2e-4]}
SEED = 20200522
#: The paper's published limits (the ``paper`` column of results.json).
PAPER = PAPER_OBSERVED
#: The figure names of ``xhf reproduce`` (xhf/reproduce/outputs.py).
FIGURES = (
    "fig1_signal_spectra",
    "fig2_background_model",
    "fig2_background_model_low_energy",
    "fig3_fit_magnetic_moment",
    "fig3_fit_millicharge",
    "fig3_fit_dark_photon_1kev",
    "fig4_flavor_limits",
    "fig6_dark_photon_exclusion",
)


def _sym(name, nominal, fraction):
    nominal = np.asarray(nominal, float)
    return Variation(name, nominal * (1 + fraction), nominal * (1 - fraction))


def _backgrounds(edges):
    """210Pb-like falling, 14C-like (free), 85Kr-like flat: ~4e-3 /(kg day keV) at 5 keV."""
    centers = 0.5 * (edges[1:] + edges[:-1])
    widths = np.diff(edges)
    exposure = SETTINGS.exposure_kg_day
    pb = exposure * widths * 3.0e-3 * np.exp(-(centers - 5.0) / 8.0)
    c14 = exposure * widths * 0.6e-3 * np.clip(1.0 - centers / 156.0, 0.0, None) ** 2
    kr = exposure * widths * 0.5e-3 * np.ones_like(centers)
    dead = np.where(centers < 5.0, 0.08, 0.0)
    return (
        Sample(
            name="Pb210_surface",
            yields=pb,
            stat_error=np.sqrt(pb / 2.0),
            norm_uncertainty=0.2,
            variations=(_sym("dead_pmt_2_5kev", pb, dead),),
        ),
        Sample(name="C14", yields=c14, stat_error=np.sqrt(c14 / 2.0), free=True),
        Sample(name="Kr85", yields=kr, stat_error=np.sqrt(kr / 2.0), norm_uncertainty=0.2),
    )


def _part(name, counts):
    return Sample(
        name=name,
        yields=np.asarray(counts, float),
        variations=(_sym("energy_scale", counts, np.full(len(counts), 0.03)),),
        norm_variations={"atomic_model": (1.05, 0.95)},
    )


def make_templates() -> TemplateSet:
    """Two channels, physics signals (xhf.physics folded with the replica response)."""
    from xhf.physics import differential_rate
    from xhf.replica.response import channel_response
    from xhf.replica.signals import rate_inputs

    inputs = rate_inputs(SETTINGS)
    rng = np.random.default_rng(SEED)
    channels, signals = [], []
    for name in ("low_energy", "full_energy"):
        edges = SETTINGS.edges(name)
        backgrounds = _backgrounds(edges)
        total = np.sum([b.yields for b in backgrounds], axis=0)
        data = {"asimov": total, "pseudo_poisson": rng.poisson(total).astype(float)}
        channels.append(Channel(name=name, bin_edges=edges, backgrounds=backgrounds, data=data))
    low = channel_response(SETTINGS, "low_energy")
    full = channel_response(SETTINGS, "full_energy")
    common = {"fluxes": SETTINGS.fluxes, "flavor": "all", "mass_mev": None}
    mm = full.fold(differential_rate(full.grid_kev, "magnetic-moment", mu_nu=1e-10, inputs=inputs))
    signals.append(
        Signal(
            name="magnetic_moment",
            channel="full_energy",
            parts=(_part("magnetic_moment", mm),),
            parameter="mu_nu",
            unit="mu_B",
            reference=1e-10,
            powers=(2,),
            metadata={**common, "model": "magnetic-moment", "atomic": "fea"},
        )
    )
    mc = low.fold(
        differential_rate(low.grid_kev, "millicharge", charge=5e-12, atomic="epa", inputs=inputs)
    )
    signals.append(
        Signal(
            name="millicharge",
            channel="low_energy",
            parts=(_part("millicharge", mc),),
            parameter="charge",
            unit="e",
            reference=5e-12,
            powers=(2,),
            metadata={**common, "model": "millicharge", "atomic": "epa"},
        )
    )
    for mass, label in zip(MASSES, ("1e_03", "1e01"), strict=True):
        parts = tuple(
            _part(
                f"dark_photon_{piece}",
                full.fold(
                    differential_rate(
                        full.grid_kev,
                        "dark-photon",
                        coupling=G_REF[mass],
                        mass_mev=mass,
                        part=piece,
                        inputs=inputs,
                    )
                ),
            )
            for piece in ("interference", "pure")
        )
        signals.append(
            Signal(
                name=f"dark_photon_m{label}",
                channel="full_energy",
                parts=parts,
                parameter="coupling",
                unit="g_BL",
                reference=G_REF[mass],
                powers=(2, 4),
                metadata={**common, "model": "dark-photon", "atomic": "fea", "mass_mev": mass},
            )
        )
    metadata = {
        "experiment": "xmass1",
        "datasets": {"pseudo_poisson": {"pseudo_data": True, "seed": SEED}},
    }
    ts = TemplateSet(tuple(channels), tuple(signals), metadata)
    ts.validate()
    return ts


def write_workspaces(ts: TemplateSet, directory: Path) -> dict[str, Path]:
    """The shipped files of docs/workspace-conventions.md, built with xhf.workspace."""
    from xhf.workspace import (
        background_only_metadata,
        build_background_only,
        build_component_patchset,
        build_patchset,
        build_workspace,
        patchset_metadata,
        workspace_metadata,
    )

    paths = {}
    data = "pseudo_poisson"
    for signal in ("magnetic_moment", "millicharge"):
        ws = build_workspace(ts, signal, data=data).workspace
        paths[signal] = write_json(directory / f"xmass1_{signal}.json", ws)
        write_json(
            directory / f"xmass1_{signal}.meta.json", workspace_metadata(ws, ts, signal, data=data)
        )
    names = [s.name for s in ts.signals if s.name.startswith("dark_photon")]
    couplings = {name: GRID[m] for name, m in zip(names, MASSES, strict=True)}
    bkg = build_background_only(ts, "full_energy", data=data, signals=names, couplings=couplings)
    meta = background_only_metadata(bkg, ts, "full_energy", data=data, analysis="dark_photon")
    paths["background_only"] = write_json(directory / "xmass1_dark_photon_BkgOnly.json", bkg)
    write_json(directory / "xmass1_dark_photon_BkgOnly.meta.json", meta)
    for stem, patchset in (
        ("patchset", build_patchset(bkg, ts, names, couplings)),
        ("components_patchset", build_component_patchset(bkg, ts, names)),
    ):
        paths[stem] = write_json(directory / f"xmass1_dark_photon_{stem}.json", patchset)
        write_json(
            directory / f"xmass1_dark_photon_{stem}.meta.json",
            patchset_metadata(patchset, bkg, ts, names, data=data),
        )
    return paths


def _entry(analysis, method, flavour, mass, unit, expected, observed):
    return {
        "analysis": analysis,
        "method": method,
        "flavor": flavour,
        "mass_mev": mass,
        "unit": unit,
        "expected": expected["0"],
        "expected_band": [expected[b] for b in ("-2", "-1", "+1", "+2")],
        "observed": observed,
        "paper": PAPER.get((analysis, flavour, mass)),
    }


def compute_results(directory: Path) -> dict:
    """results.json as ``xhf reproduce`` writes it, computed with xhf.infer on the fixture."""
    from xhf.infer import exclusion_curve, limit, load_analysis
    from xhf.jsonread import read_json

    limits, curve = [], {}
    for analysis, unit in (("magnetic_moment", "mu_B"), ("millicharge", "e")):
        for method in ("chi2", "cls"):
            result = limit(load_analysis(directory / f"xmass1_{analysis}.json"), method=method)
            limits.append(
                _entry(analysis, method, "all", None, unit, result.expected, result.observed)
            )
            for flavour, values in result.extras.get("flavor_limits", {}).items():
                limits.append(
                    _entry(
                        analysis,
                        method,
                        flavour,
                        None,
                        unit,
                        values["expected"],
                        values["observed"],
                    )
                )
    bkg = read_json(directory / "xmass1_dark_photon_BkgOnly.json")
    comp = read_json(directory / "xmass1_dark_photon_components_patchset.json")
    meta = read_json(directory / "xmass1_dark_photon_components_patchset.meta.json")
    for method in ("chi2", "cls"):
        for r in exclusion_curve(bkg, comp, meta, method=method):
            point = curve.setdefault(r.mass_mev, {"mass_mev": r.mass_mev})
            point[method] = {
                "expected": r.expected["0"],
                "expected_band": [r.expected[b] for b in ("-2", "-1", "+1", "+2")],
                "observed": r.observed,
            }
            limits.append(
                _entry("dark_photon", method, "all", r.mass_mev, "g_BL", r.expected, r.observed)
            )
    return {
        "limits": limits,
        "exclusion_curve": [curve[m] for m in sorted(curve)],
        "provenance": {"xhf_version": "test", "pseudo_data_seed": SEED, "fluxes": "shp11-gs98"},
    }


def write_figures(directory: Path) -> None:
    """Small PNG (and PDF) figures named like those of ``xhf reproduce``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    for k, stem in enumerate(FIGURES):
        fig, ax = plt.subplots(figsize=(3.0, 2.0))
        ax.plot([0, 1], [0, k + 1])
        ax.set_title(stem, fontsize=6)
        fig.savefig(directory / f"{stem}.png", dpi=60, metadata={"Software": None})
        fig.savefig(directory / f"{stem}.pdf", metadata={"CreationDate": None, "Producer": None})
        plt.close(fig)


@pytest.fixture(scope="session")
def settings() -> ReplicaSettings:
    """The coarse replica settings of the fixture (detector model and binning)."""
    return SETTINGS


@pytest.fixture(scope="session")
def main_job(tmp_path_factory):
    """``{"templates", "workspaces", "results", "paths"}``: workspaces/ and results/ dirs."""
    root = tmp_path_factory.mktemp("main_job")
    ts = make_templates()
    workspaces = root / "workspaces"
    paths = write_workspaces(ts, workspaces)
    results = root / "results"
    results.mkdir()
    (results / "results.json").write_text(json.dumps(compute_results(workspaces), indent=2))
    write_figures(results / "figures")
    return {"templates": ts, "workspaces": workspaces, "results": results, "paths": paths}


@pytest.fixture(scope="session")
def published(main_job, tmp_path_factory):
    """The submission written by :func:`xhf.publish.publish` from the fixture."""
    from xhf.publish import publish
    from xhf.replica.publication import replica_publication

    out = tmp_path_factory.mktemp("published") / "hepdata"
    publish(
        out,
        results=main_job["results"],
        workspaces=main_job["workspaces"],
        hepdata="ins1234567",
        publication=replica_publication(SETTINGS),
    )
    return out


@pytest.fixture(scope="session")
def unpacked(published, tmp_path_factory):
    """Each analysis' likelihood archive from the submission, unpacked: analysis -> folder."""
    import tarfile

    root = tmp_path_factory.mktemp("unpacked")
    out = {}
    for analysis in ("magnetic_moment", "millicharge", "dark_photon"):
        archive = published / "submission" / f"xmass1_{analysis}_likelihood.tar.gz"
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(root, filter="data")
        out[analysis] = root / f"xmass1_{analysis}"
    return out
