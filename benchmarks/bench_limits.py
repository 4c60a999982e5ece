"""Benchmark: CLs limits with expected bands, xhf's design vs the plain pyhf approach.

Goal: the whole dark-photon exclusion curve (43 masses, 7 per decade over
1e-3 ... 1e3 MeV) with +-1/+-2 sigma bands in under 60 s on 2 cores, and >= 10x faster than
the plain approach, ``pyhf.infer.intervals.upper_limits.upper_limit`` with a fixed scan grid,
mass by mass. Also one CLs limit on a 99-bin magnetic-moment-like workspace (~110 parameters).

The workspaces are the synthetic ones of :mod:`tests.support.synthetic` (shaped like the 2-200 keV
fit: 99 bins, staterror per bin, 8 backgrounds of which 4 free, a shared dead-PMT histosys,
signal systematics), or the shipped ``workspaces/xmass1_magnetic_moment.json`` when present.

The plain approach is slow (one pyhf hypotest of a 99-bin model takes tens of seconds with the
numpy backend). By default it is *timed on a sample and extrapolated*: the time of one
hypotest x scan points x masses (``upper_limit`` with a fixed scan runs exactly one hypotest
per point). ``--plain full`` runs the complete scan on ``--plain-masses`` masses and the
magnetic moment, and extrapolates only over the masses.

Run: ``python benchmarks/bench_limits.py [--jobs 2] [--plain {sample,full}]`` (``--jobs N``: a local
Dask cluster of N worker processes, :mod:`xhf.infer.execution`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from xhf.infer import build_analysis, exclusion_curve, limit
from xhf.infer.execution import resolve_scheduler
from xhf.workspace.compat import quiet_pyhf

# The synthetic workspaces are test fixtures (tests/support/synthetic.py), not library code:
# put the repository root on the path to import them when run as a script.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.synthetic import dark_photon_like, magnetic_moment_like

MASSES = np.logspace(-3, 3, 43)  # 7 per decade


def _magnetic_moment():
    shipped = Path(__file__).resolve().parents[1] / "workspaces" / "xmass1_magnetic_moment.json"
    if shipped.is_file():
        from xhf.infer import load_analysis

        return load_analysis(shipped), f"shipped {shipped.name}"
    spec, meta = magnetic_moment_like(injected_mu=0.5)
    return build_analysis(spec, meta, source="synthetic"), "synthetic magnetic-moment-like"


def _plain(analysis, scan, mode):
    """Time pyhf's upper_limit with a fixed scan on one model (or one hypotest of it)."""
    import pyhf

    model, data = analysis.model, analysis.data.tolist()
    with quiet_pyhf():
        if mode == "full":
            start = time.perf_counter()
            obs, exp = pyhf.infer.intervals.upper_limits.upper_limit(data, model, scan, level=0.1)
            elapsed = time.perf_counter() - start
            return elapsed, float(obs), [float(e) for e in exp], "measured"
        start = time.perf_counter()
        pyhf.infer.hypotest(float(scan[len(scan) // 2]), data, model, return_expected_set=True)
        elapsed = time.perf_counter() - start
    return elapsed * len(scan), None, None, f"1 hypotest x {len(scan)} points"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--plain", choices=["sample", "full"], default="sample")
    parser.add_argument("--plain-points", type=int, default=11, help="fixed scan points")
    parser.add_argument("--plain-masses", type=int, default=1, help="masses timed (plain)")
    parser.add_argument("--part", choices=["all", "single", "curve"], default="all")
    args = parser.parse_args()
    if args.part in ("all", "single"):
        single_limit(args)
    if args.part in ("all", "curve"):
        curve(args)


def single_limit(args) -> None:
    """One CLs limit with bands on the magnetic-moment-like workspace, xhf vs plain pyhf."""
    print("== one CLs limit with +-1/+-2 sigma bands ==")
    analysis, label = _magnetic_moment()
    print(
        f"model: {label}, {analysis.model.config.nmaindata} bins, {analysis.model.config.npars} parameters"
    )
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = limit(analysis)
        times.append(time.perf_counter() - start)
    fast = min(times)
    print(
        f"xhf:   {fast:.3f} s (best of 3; {result.fit_status['fits']} fits)  "
        f"mu < {result.poi_limit:.4g}, expected {result.poi_expected['0']:.4g}"
    )
    scan = np.linspace(0.0, 1.5 * result.poi_expected["+2"], args.plain_points)
    plain, obs, _, how = _plain(analysis, scan, args.plain)
    print(f"plain: {plain:.1f} s ({how}; upper_limit, fixed {args.plain_points}-point scan)")
    if obs is not None:
        print(
            f"       plain limit mu < {obs:.4g} (scan interpolation) vs xhf {result.poi_limit:.4g}"
        )
    print(f"ratio: {plain / fast:.0f}x")


def curve(args) -> None:
    """The dark-photon exclusion curve with bands, xhf vs plain pyhf mass by mass."""
    print(f"\n== dark-photon exclusion curve: {len(MASSES)} masses, 1e-3..1e3 MeV, with bands ==")
    dp = dark_photon_like(MASSES)
    args_curve = (dp["bkg_only"], dp["components"], dp["components_meta"])
    start = time.perf_counter()
    results = exclusion_curve(*args_curve)
    serial = time.perf_counter() - start
    start = time.perf_counter()
    exclusion_curve(*args_curve, scheduler=resolve_scheduler(jobs=args.jobs))
    parallel = time.perf_counter() - start
    fits = sum(r.fit_status["fits"] for r in results)
    print(
        f"xhf:   {serial:.1f} s on 1 core, {parallel:.1f} s with {args.jobs} workers ({fits} fits)"
    )
    for r in results[:: len(results) // 6]:
        print(
            f"       M = {r.mass_mev:9.3g} MeV: g < {r.observed:.3g} (expected {r.expected['0']:.3g})"
        )
    sample = np.linspace(0, len(results) - 1, args.plain_masses).astype(int)
    per_mass = []
    for i in sample:
        # the plain approach: one signal sample (the exact excess at the limit's coupling)
        # scaled by mu, upper_limit with a fixed scan covering the +2 sigma band
        r = results[i]
        single = build_analysis(*_as_single(dp, r.extras["patch"], r.poi_limit))
        fast = limit(single)
        scan = np.linspace(0.0, 1.5 * fast.poi_expected["+2"], args.plain_points)
        t, obs, _, how = _plain(single, scan, args.plain)
        per_mass.append(t)
        if obs is not None:
            print(
                f"       M = {r.mass_mev:.3g} MeV, one signal sample: plain mu < {obs:.4g}, "
                f"xhf {fast.poi_limit:.4g}"
            )
    plain_curve = float(np.mean(per_mass)) * len(MASSES)
    print(
        f"plain: {plain_curve:.0f} s ({how} per mass, timed on {len(sample)} mass(es), "
        f"x {len(MASSES)} masses, extrapolated)"
    )
    print(
        f"ratio: {plain_curve / parallel:.0f}x (vs {args.jobs} workers), {plain_curve / serial:.0f}x (vs 1 core)"
    )
    print(f"goal:  < 60 s with bands on 2 cores: {'met' if parallel < 60 else 'NOT met'}")


def _as_single(dp, name, s_limit):
    """The components patch at mass `name` as one signal sample at the coupling of the limit."""
    import copy

    bkg = copy.deepcopy(dp["bkg_only"])
    patch = next(p for p in dp["components"]["patches"] if p["metadata"]["name"] == name)
    inter = np.asarray(patch["patch"][0]["value"]["data"])
    pure = np.asarray(patch["patch"][1]["value"]["data"])
    sample = copy.deepcopy(patch["patch"][0]["value"])
    sample["name"] = "signal"
    sample["data"] = (s_limit * inter + s_limit**2 * pure).tolist()
    sample["modifiers"][0] = {"name": "mu", "type": "normfactor", "data": None}
    for mod in sample["modifiers"]:
        if mod["type"] == "staterror":
            mod["data"] = (0.01 * np.asarray(sample["data"])).tolist()
    samples = bkg["channels"][0]["samples"]
    samples[[s["name"] for s in samples].index("signal")] = sample
    meta = {k: v for k, v in dp["bkg_only_meta"].items() if k != "background_only"}
    meta["signal"] = None
    return bkg, meta


if __name__ == "__main__":
    main()
