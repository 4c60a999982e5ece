"""Small XMASS-I-shaped TemplateSets with every feature the builder uses, and their form as ROOT
histograms plus a build config (the analyst's path), for the workspace and bad-input tests."""

from __future__ import annotations

import numpy as np

from xhf.templates import Channel, Sample, Signal, TemplateSet, Variation

EDGES = np.array([2.0, 3.0, 4.5, 6.0, 8.0, 10.0, 13.0, 15.0])


def _sym(name, nominal, fraction):
    """A symmetric variation: nominal * (1 +- fraction) per bin."""
    nominal = np.asarray(nominal, float)
    return Variation(name, nominal * (1 + fraction), nominal * (1 - fraction))


def make_templates(n_masses: int = 2) -> TemplateSet:
    """Backgrounds with normsys, free normfactor, shared histosys, flat normsys and staterror;
    a magnetic-moment signal (one part) and dark-photon signals (two parts) per mass."""
    pb = np.array([420.0, 380.0, 300.0, 260.0, 220.0, 190.0, 150.0])
    c14 = np.array([300.0, 200.0, 120.0, 60.0, 20.0, 5.0, 1.0])
    kr = np.full(7, 40.0)
    fixed = np.full(7, 3.0)
    dead = np.array([0.06, 0.05, 0.04, 0.0, 0.0, 0.0, 0.0])
    backgrounds = (
        Sample(
            name="pb210",
            yields=pb,
            stat_error=0.03 * pb,
            norm_uncertainty=0.1,
            variations=(_sym("dead_pmt_2_5kev", pb, dead),),
        ),
        Sample(
            name="c14",
            yields=c14,
            stat_error=0.05 * c14,
            free=True,
            variations=(_sym("dead_pmt_2_5kev", c14, dead),),
        ),
        Sample(
            name="kr85", yields=kr, norm_uncertainty=0.2, norm_variations={"kr_flux": (1.05, 0.95)}
        ),
        Sample(name="fixed_bkg", yields=fixed),
    )
    total = pb + c14 + kr + fixed
    rng = np.random.default_rng(20200522)
    data = {"asimov": total, "pseudo_poisson": rng.poisson(total).astype(float)}
    channel = Channel(name="low_energy", bin_edges=EDGES, backgrounds=backgrounds, data=data)
    mm = np.array([30.0, 20.0, 14.0, 10.0, 7.0, 5.0, 3.0])
    signals = [
        Signal(
            name="magnetic_moment",
            channel="low_energy",
            parts=(
                Sample(
                    name="mm",
                    yields=mm,
                    stat_error=0.02 * mm,
                    variations=(_sym("energy_scale", mm, np.full(7, 0.03)),),
                    norm_variations={"flux_pp": (1.06, 0.94)},
                ),
            ),
            parameter="mu_nu",
            unit="mu_B",
            reference=1e-10,
            powers=(2,),
            metadata={
                "model": "magnetic-moment",
                "flavor": "all",
                "atomic": "fea",
                "fluxes": "shp11-gs98",
            },
        )
    ]
    for k, mass in enumerate([1e-3, 10.0][:n_masses]):
        inter = np.array([-2.0, 4.0, 3.0, 2.0, 1.5, 1.0, 0.5]) * (k + 1)
        pure = np.array([8.0, 6.0, 4.0, 3.0, 2.0, 1.0, 0.5]) / (k + 1)
        signals.append(
            Signal(
                name=f"dark_photon_m{['1e_03', '1e01'][k]}",
                channel="low_energy",
                parts=(
                    Sample(
                        name="interference",
                        yields=inter,
                        stat_error=np.abs(inter) * 0.02,
                        variations=(_sym("energy_scale", inter, np.full(7, 0.03)),),
                        norm_variations={"flux_pp": (1.06, 0.94)},
                    ),
                    Sample(
                        name="pure",
                        yields=pure,
                        stat_error=pure * 0.02,
                        variations=(_sym("energy_scale", pure, np.full(7, 0.03)),),
                        norm_variations={"flux_pp": (1.06, 0.94)},
                    ),
                ),
                parameter="coupling",
                unit="g_BL",
                reference=1e-6,
                powers=(2, 4),
                metadata={"model": "dark-photon", "mass_mev": mass, "flavor": "all"},
            )
        )
    metadata = {
        "experiment": "xmass1",
        "datasets": {"pseudo_poisson": {"pseudo_data": True, "seed": 20200522}},
    }
    return TemplateSet((channel,), tuple(signals), metadata)


# --- the analyst's path: the same templates as ROOT histograms and a YAML config -------------


def th1d(values, edges, variances=None):
    """A TH1D (variable binning, zero flow bins) for uproot to write; sumw2 if ``variances``."""
    import uproot

    values = np.asarray(values, float)
    edges = np.asarray(edges, float)
    sumw2 = None if variances is None else np.concatenate([[0.0], variances, [0.0]])
    axis = uproot.writing.identify.to_TAxis(
        "xaxis", "energy [keV]", len(values), float(edges[0]), float(edges[-1]), fXbins=edges
    )
    return uproot.writing.identify.to_TH1x(
        fName=None,
        fTitle="",
        data=np.concatenate([[0.0], values, [0.0]]),
        fEntries=float(values.sum()),
        fTsumw=float(values.sum()),
        fTsumw2=float(values.sum()),
        fTsumwx=0.0,
        fTsumwx2=0.0,
        fSumw2=sumw2,
        fXaxis=axis,
    )


def _sample_histograms(prefix, sample, edges, out):
    variances = None if sample.stat_error is None else np.asarray(sample.stat_error) ** 2
    out[f"{prefix}/{sample.name}"] = th1d(sample.yields, edges, variances)
    for var in sample.variations:
        out[f"{prefix}/{sample.name}_{var.name}_up"] = th1d(var.up, edges)
        out[f"{prefix}/{sample.name}_{var.name}_down"] = th1d(var.down, edges)


def _sample_entry(prefix, sample, file):
    entry = {"name": sample.name, "file": file, "histogram": f"{prefix}/{sample.name}"}
    if sample.stat_error is None:
        entry["stat_error"] = False
    if sample.free:
        entry["free"] = True
    if sample.norm_uncertainty is not None:
        entry["norm_uncertainty"] = sample.norm_uncertainty
    if sample.variations:
        entry["variations"] = [
            {
                "name": v.name,
                "up": f"{prefix}/{sample.name}_{v.name}_up",
                "down": f"{prefix}/{sample.name}_{v.name}_down",
            }
            for v in sample.variations
        ]
    if sample.norm_variations:
        entry["norm_variations"] = [
            {"name": k, "hi": hi, "lo": lo} for k, (hi, lo) in sample.norm_variations.items()
        ]
    return entry


def write_analysis(ts: TemplateSet, directory, *, file: str = "templates.root") -> dict:
    """Write every histogram of ``ts`` to ``directory/file`` with uproot; return the config."""
    import uproot

    histograms = {}
    channels, backgrounds, signals = [], [], []
    for ch in ts.channels:
        data = {}
        for label, counts in ch.data.items():
            histograms[f"{ch.name}/data_{label}"] = th1d(counts, ch.bin_edges)
            data[label] = {"file": file, "histogram": f"{ch.name}/data_{label}"}
            data[label].update(ts.metadata.get("datasets", {}).get(label, {}))
        channels.append({"name": ch.name, "binning": ch.bin_edges.tolist(), "data": data})
        for sample in ch.backgrounds:
            _sample_histograms(ch.name, sample, ch.bin_edges, histograms)
            backgrounds.append({**_sample_entry(ch.name, sample, file), "channel": ch.name})
    for sig in ts.signals:
        edges = ts.channel(sig.channel).bin_edges
        parts = []
        for part, power in zip(sig.parts, sig.powers, strict=True):
            _sample_histograms(f"signals_{sig.name}", part, edges, histograms)
            entry = _sample_entry(f"signals_{sig.name}", part, file)
            entry.pop("file")
            parts.append({**entry, "power": power})
        meta = {k: v for k, v in sig.metadata.items() if k not in ("model", "mass_mev")}
        entry = {
            "name": sig.name,
            "channel": sig.channel,
            "model": sig.metadata["model"],
            "parameter": sig.parameter,
            "unit": sig.unit,
            "reference": sig.reference,
            "file": file,
            "parts": parts,
            "metadata": meta,
        }
        if "mass_mev" in sig.metadata:
            entry["mass_mev"] = sig.metadata["mass_mev"]
        signals.append(entry)
    with uproot.recreate(directory / file) as out:
        for key, hist in histograms.items():
            out[key] = hist
    return {
        "version": 1,
        "experiment": ts.metadata.get("experiment", "xmass1"),
        "channels": channels,
        "backgrounds": backgrounds,
        "signals": signals,
    }


def write_corpus_histograms(path) -> None:
    """The ROOT file ``tests/data/bad/configs/*.yml`` refer to (``histograms.root``)."""
    import uproot

    edges = [2.0, 4.0, 6.0, 8.0]
    with uproot.recreate(path) as out:
        out["data"] = th1d([100.0, 80.0, 60.0], edges)
        out["bkg_a"] = th1d([60.0, 50.0, 40.0], edges, [4.0, 4.0, 4.0])
        out["bkg_a_up"] = th1d([66.0, 53.0, 41.0], edges)
        out["bkg_a_down"] = th1d([54.0, 47.0, 39.0], edges)
        out["bkg_b"] = th1d([30.0, 20.0, 15.0], edges, [1.0, 1.0, 1.0])
        out["sig"] = th1d([5.0, 3.0, 1.0], edges, [0.01, 0.01, 0.01])
        out["rebinned"] = th1d([30.0, 20.0, 15.0], [2.0, 4.0, 6.0, 9.0])
        out["short"] = th1d([66.0, 53.0], edges[:3])
        out["nan_bins"] = th1d([30.0, np.nan, 15.0], edges)
        out["negative"] = th1d([60.0, -5.0, 40.0], edges)
        out["huge"] = th1d([60.0, 1e300, 40.0], edges)
        out["zero_bin"] = th1d([60.0, 0.0, 40.0], edges)
