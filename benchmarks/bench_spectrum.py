"""Benchmark: dR/dT on 2000 energies for 100 dark-photon masses, all sources and flavours.

Goal: under 1 s on a 2-core machine. Run: ``python benchmarks/bench_spectrum.py``.
"""

from __future__ import annotations

import time

import numpy as np

from xhf.physics import differential_rate


def main(repeats: int = 5) -> None:
    energies = np.geomspace(1.0, 200.0, 2000)
    masses = np.geomspace(1e-3, 1e3, 100)
    differential_rate(energies[:3], "dark-photon", coupling=1e-6, mass_mev=masses)  # warm caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        rates = differential_rate(energies, "dark-photon", coupling=1e-6, mass_mev=masses)
        times.append(time.perf_counter() - start)
    assert rates.shape == (100, 2000)
    print(
        f"dark photon, 2000 energies x 100 masses: best {min(times):.3f} s, "
        f"median {float(np.median(times)):.3f} s over {repeats} runs"
    )
    for model in ("sm", "magnetic-moment", "millicharge"):
        start = time.perf_counter()
        differential_rate(energies, model)
        print(f"{model:16s} 2000 energies: {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
