"""Benchmark: batched toys and the Dask execution layer (results go to docs/scaling.md).

Parts (``--part``):

- ``toys``: toy throughput on the 99-bin, 111-parameter magnetic-moment-like model of
  :mod:`tests.support.synthetic` (shaped like the XMASS-I 2-200 keV fit): batched fits
  (:mod:`xhf.infer.batched`), one toy at a time (:meth:`xhf.infer.fitter.Fitter.fit`), and pyhf's
  own ``ToyCalculator`` with the numpy backend (and JAX when it is installed; it is not a
  dependency of xhf). Toys per second per core: one toy is one pseudo-experiment with its two
  fits (conditional and free).
- ``curve``: the toy-based dark-photon curve (:func:`xhf.infer.exclusion_curve` with
  ``calculator="toybased"``) with ``synchronous``, ``processes`` and a local 2-worker
  ``distributed`` cluster; the per-task time and the overhead give the scaling efficiency and a
  paper estimate for 100 and 1000 workers.
- ``asymptotic``: the asymptotic 43-mass curve, in-process (the time that must not grow).

Run: ``python benchmarks/bench_scaling.py [--part all] [--masses 43] [--ntoys 5000]``.
The defaults are reduced (8 masses, 200 toys) so that the benchmark runs in minutes on a
shared 2-core machine; the full curve is ``--masses 43 --ntoys 5000``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from xhf.infer import AsymptoticCLs, build_analysis, exclusion_curve, upper_limit
from xhf.infer.execution import Scheduler
from xhf.infer.toys import toy_cls
from xhf.workspace.compat import quiet_pyhf

# The synthetic workspaces are test fixtures (tests/support/synthetic.py), not library code:
# put the repository root on the path to import them when run as a script.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.synthetic import dark_photon_like, magnetic_moment_like


def _rate(ntoys: int, seconds: float) -> str:
    return f"{ntoys / seconds:8.1f} toys/s  ({ntoys} toys in {seconds:.2f} s)"


def toys(args) -> None:
    """Toys per second: batched vs one at a time vs pyhf's ToyCalculator."""
    spec, meta = magnetic_moment_like(injected_mu=0.5)
    analysis = build_analysis(spec, meta, source="synthetic")
    fitter = analysis.fitter()
    config = analysis.model.config
    print(f"== toy throughput, {config.nmaindata} bins, {config.npars} parameters, 1 process ==")
    asym = upper_limit(fitter, analysis.data)
    calc = AsymptoticCLs(fitter, analysis.data)
    x = asym.observed
    start = time.perf_counter()
    observed, _ = toy_cls(calc, x, args.batched_toys, seed=1)
    batched = time.perf_counter() - start
    print(f"batched:        {_rate(2 * args.batched_toys, batched)}  CLs = {observed:.4f}")
    start = time.perf_counter()
    toy_cls(calc, x, args.single_toys, seed=1, batched=False)
    single = time.perf_counter() - start
    print(f"one at a time:  {_rate(2 * args.single_toys, single)}")
    print(f"asymptotic CLs at that x: {calc.cls(x)[0]:.4f}")
    per_toy = batched / (2 * args.batched_toys)
    print(f"10 000 toys per hypothesis (one hypotest, 20 000 toys): {2e4 * per_toy:.1f} s")
    for backend in args.pyhf_backends:
        _pyhf_toys(analysis, x, args.pyhf_toys, backend)


def _pyhf_toys(analysis, x, ntoys, backend) -> None:
    import pyhf

    try:
        pyhf.set_backend(backend)
    except Exception as exc:  # JAX not installed
        print(f"pyhf {backend}: not available ({type(exc).__name__})")
        return
    try:
        data = pyhf.tensorlib.astensor(analysis.data.tolist())
        # the toys and their fits (ToyCalculator.distributions); hypotest's last step,
        # np.percentile(interpolation=...), fails with NumPy 2 in pyhf 0.7.6
        with quiet_pyhf():
            if backend == "jax":  # compile once
                pyhf.infer.calculators.ToyCalculator(
                    data, analysis.model, ntoys=1, track_progress=False
                ).distributions(x)
            calc = pyhf.infer.calculators.ToyCalculator(
                data, analysis.model, ntoys=ntoys, track_progress=False
            )
            start = time.perf_counter()
            calc.distributions(x)
        elapsed = time.perf_counter() - start
        print(f"pyhf {backend:5s}:     {_rate(2 * ntoys, elapsed)}  (ToyCalculator)")
    finally:
        pyhf.set_backend("numpy")


def curve(args) -> None:
    """The toy-based dark-photon curve on three schedulers."""
    masses = np.logspace(-3, 3, args.masses)
    dp = dark_photon_like(masses)
    inputs = (dp["bkg_only"], dp["components"], dp["components_meta"])
    print(
        f"\n== toy-based dark-photon curve: {args.masses} masses, {args.ntoys} toys per "
        "hypothesis and tested point =="
    )
    schedulers = [("synchronous", Scheduler("synchronous"))]
    schedulers.append(("processes, 2 workers", Scheduler("processes", 2)))
    times, results = {}, {}
    for label, scheduler in schedulers:
        start, cpu = time.perf_counter(), time.process_time()
        results[label] = exclusion_curve(
            *inputs, calculator="toybased", ntoys=args.ntoys, seed=1, scheduler=scheduler
        )
        times[label] = time.perf_counter() - start
        cpu = time.process_time() - cpu
        print(f"{label:24s} {times[label]:8.1f} s  (this process: {cpu:.1f} s CPU)")
    from distributed import LocalCluster

    start = time.perf_counter()
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        started = time.perf_counter() - start
        start = time.perf_counter()
        label = "2-worker cluster"
        results[label] = exclusion_curve(
            *inputs,
            calculator="toybased",
            ntoys=args.ntoys,
            seed=1,
            scheduler=Scheduler("address", 0, cluster.scheduler_address),
        )
        times[label] = time.perf_counter() - start
    print(f"{label:24s} {times[label]:8.1f} s  (+ {started:.1f} s to start the cluster)")
    same = all(results[k] == results["synchronous"] for k in results)
    print(f"identical results on every scheduler: {same}")
    serial = times["synchronous"]
    task = serial / args.masses
    for label in list(times)[1:]:
        print(f"efficiency at 2 workers ({label}): {serial / (2 * times[label]):.0%}")
    overhead = max(times["2-worker cluster"] - serial / 2, 0.0)
    print(f"per-mass task: {task:.2f} s; overhead on the cluster: {overhead:.1f} s")
    full = task * 43 * 5000 / args.ntoys
    for workers in (100, 1000):
        waves = int(np.ceil(43 / workers))
        print(
            f"paper estimate, 43 masses x 5000 toys on {workers} workers: "
            f"{waves * task * 5000 / args.ntoys + overhead:.0f} s (one mass per worker, "
            f"{43 / (waves * workers):.0%} of the workers busy; 1 core: {full:.0f} s)"
        )


def asymptotic(args) -> None:
    """The asymptotic 43-mass curve in this process (must not get slower)."""
    dp = dark_photon_like(np.logspace(-3, 3, 43))
    start = time.perf_counter()
    exclusion_curve(dp["bkg_only"], dp["components"], dp["components_meta"])
    print(f"\n== asymptotic 43-mass curve (CLs), synchronous: {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["all", "toys", "curve", "asymptotic"], default="all")
    parser.add_argument("--batched-toys", type=int, default=10000)
    parser.add_argument("--single-toys", type=int, default=200)
    parser.add_argument("--pyhf-toys", type=int, default=2)
    parser.add_argument("--pyhf-backends", nargs="*", default=["numpy", "jax"])
    parser.add_argument("--masses", type=int, default=8)
    parser.add_argument("--ntoys", type=int, default=200)
    args = parser.parse_args()
    if args.part in ("all", "asymptotic"):
        asymptotic(args)
    if args.part in ("all", "toys"):
        toys(args)
    if args.part in ("all", "curve"):
        curve(args)


if __name__ == "__main__":
    main()
