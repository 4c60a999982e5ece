"""Benchmark: the 99-bin (2-200 keV, 2 keV) response matrix and folding 100 dark-photon masses.

Prints timings (no assertions on them). Run: ``python benchmarks/bench_detector.py``.
"""

from __future__ import annotations

import time

import numpy as np

from xhf.detector import ResponseMatrix
from xhf.physics import differential_rate


def _best(func, repeats: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), float(np.median(times)), result


def main(repeats: int = 5) -> None:
    edges = np.arange(2.0, 202.0, 2.0)
    masses = np.geomspace(1e-3, 1e3, 100)
    ResponseMatrix(edges)  # warm imports and caches (xraydb shell edges)
    best, median, response = _best(lambda: ResponseMatrix(edges), repeats)
    print(f"{response!r}")
    print(f"build nominal matrix:             best {best:.3f} s, median {median:.3f} s")
    best, median, _ = _best(
        lambda: (response.with_energy_scale(1), response.with_energy_scale(-1)), repeats
    )
    print(f"build +-1 sigma energy-scale pair: best {best:.3f} s, median {median:.3f} s")

    t = response.true_energy_kev
    differential_rate(t[:3], "dark-photon", coupling=1e-6, mass_mev=masses)  # warm caches
    best, median, rates = _best(
        lambda: differential_rate(t, "dark-photon", coupling=1e-6, mass_mev=masses), repeats
    )
    print(f"dR/dT, 100 masses x {t.size} nodes:   best {best:.3f} s, median {median:.3f} s")
    best, median, counts = _best(lambda: response.fold(rates), repeats)
    assert counts.shape == (100, 99)
    print(
        f"fold 100 masses (one matmul):     best {best * 1e3:.2f} ms, median {median * 1e3:.2f} ms"
    )
    loop = _best(lambda: [response.fold(r) for r in rates], repeats)
    print(f"fold 100 masses one by one:       best {loop[0] * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
