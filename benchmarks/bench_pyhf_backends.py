"""Benchmark: one observed CLs limit with bands, xhf vs plain pyhf (numpy and JAX backends).

The fair speed anchor for xhf is pyhf with the JAX backend, not numpy. For each shipped
workspace (the millicharge and magnetic-moment workspaces, and the dark-photon background-only
workspace with one grid patch applied) this measures the whole process, as a user runs it:

- ``xhf limit WS --method cls --json`` (observed limit, +-1/+-2 sigma bands, asymptotic CLs);
- plain pyhf, JAX backend: ``pyhf.infer.intervals.upper_limits.upper_limit`` with a fixed scan
  of ``--points`` POI values (``scan=None``, the TOMS748 search, fails with JAX in pyhf 0.7.6:
  scikit-hep/pyhf#2466; it also ignores ``level``, always 95 % CL: scikit-hep/pyhf#2563), at
  90 % CL, JIT compilation included;
- plain pyhf, numpy backend: the same scan. One hypotest of a 99-bin model takes tens of
  seconds, so by default it is timed on one hypotest and multiplied by the scan points
  (``upper_limit`` with a fixed scan runs exactly one hypotest per point); ``--numpy full``
  runs the whole scan.

Needs ``jax`` in the benchmark environment (``pip install jax``; xhf does not depend on it).
Run: ``python benchmarks/bench_pyhf_backends.py [--points 11] [--numpy {sample,full}]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

WORKSPACES = Path(__file__).resolve().parents[1] / "workspaces"
CASES = {
    "millicharge": ("xmass1_millicharge.json", None),
    "magnetic_moment": ("xmass1_magnetic_moment.json", None),
    "dark_photon (one grid patch)": ("xmass1_dark_photon_BkgOnly.json", "first"),
}

#: The plain-pyhf job, run in a fresh interpreter so that import and compilation count.
PLAIN = textwrap.dedent(
    """
    import json, sys, time, warnings
    warnings.simplefilter("ignore")
    import numpy as np, pyhf
    backend, path, patchset, patch, upper, points, mode = sys.argv[1:8]
    pyhf.set_backend(backend)
    ws = pyhf.Workspace(json.load(open(path)))
    patches = []
    if patchset != "-":
        ps = pyhf.PatchSet(json.load(open(patchset)))
        patches = [ps[patch]]
    model = ws.model(patches=patches)
    data = ws.data(model)
    scan = np.linspace(0.0, float(upper), int(points))
    start = time.perf_counter()
    if mode == "full":
        obs, exp = pyhf.infer.intervals.upper_limits.upper_limit(data, model, scan, level=0.1)
        out = {"observed": float(obs), "median": float(exp[2])}
    else:
        pyhf.infer.hypotest(float(scan[len(scan) // 2]), data, model, return_expected_set=True)
        out = {}
    out["seconds_in_process"] = time.perf_counter() - start
    print(json.dumps(out))
    """
)


def _run(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def _first_patch(patchset: Path) -> str:
    return json.loads(patchset.read_text())["patches"][0]["metadata"]["name"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=11, help="fixed scan points (plain pyhf)")
    parser.add_argument("--numpy", choices=["sample", "full"], default="sample")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    xhf = [sys.executable, "-m", "xhf.cli"] if _no_entry_point() else ["xhf"]
    print(
        f"{'workspace':30s} {'xhf':>8s} {'pyhf+JAX':>9s} {'pyhf+numpy':>11s}  ratios (JAX, numpy)"
    )
    for label in args.cases:
        name, patch_mode = CASES[label]
        path = WORKSPACES / name
        patchset = WORKSPACES / "xmass1_dark_photon_patchset.json" if patch_mode else None
        patch = _first_patch(patchset) if patchset else None
        cmd = [*xhf, "limit", str(path), "--method", "cls", "--json"]
        if patch:
            cmd += ["--patch", patch]
        t_xhf, out = _run(cmd)
        result = json.loads(out)
        # the scan covers the +2 sigma band of the limit in the POI
        upper = 1.5 * float(result["poi_expected"]["+2"])
        plain = [sys.executable, "-c", PLAIN]
        tail = [
            str(path),
            str(patchset or "-"),
            str(patch or "-"),
            f"{upper:.6g}",
            str(args.points),
        ]
        t_jax, out_jax = _run([*plain, "jax", *tail, "full"])
        jax = json.loads(out_jax.strip().splitlines()[-1])
        t_np, out_np = _run([*plain, "numpy", *tail, args.numpy])
        numpy = json.loads(out_np.strip().splitlines()[-1])
        if args.numpy == "sample":
            t_np = t_np + numpy["seconds_in_process"] * (args.points - 1)
        how = "" if args.numpy == "full" else " (numpy: 1 hypotest x points)"
        print(
            f"{label:30s} {t_xhf:7.1f}s {t_jax:8.1f}s {t_np:10.0f}s  "
            f"{t_jax / t_xhf:.1f}x, {t_np / t_xhf:.0f}x{how}"
        )
        print(
            f"{'':30s} xhf {result['parameter']} < {result['observed']:.4g} {result['unit']}; "
            f"(mu < {result['poi_limit']:.4g}, median {result['poi_expected']['0']:.4g}); "
            f"pyhf+JAX mu < {jax['observed']:.4g} (median {jax['median']:.4g}, "
            f"{args.points}-point scan)"
        )


def _no_entry_point() -> bool:
    from shutil import which

    return which("xhf") is None


if __name__ == "__main__":
    main()
