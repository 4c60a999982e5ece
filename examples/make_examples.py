"""Write the two example experiment cards and their synthetic tables (seeded, deterministic).

    python examples/make_examples.py            # rewrites examples/xenon_tpc and examples/germanium

Both experiments are invented for the examples; their "data" are seeded Poisson draws of their
own background models (pseudo-data, labelled so in the cards and the sidecars):

- ``xenon_tpc``: a 1 tonne-year liquid-xenon TPC, 1-30 keV in 1 keV bins, a flat background
  of 15 events/(tonne year keV) with a 5 % normalisation uncertainty, an efficiency that turns
  on around 1.5 keV to a 90 % plateau, and the resolution sigma = 0.310 sqrt(E) + 0.0037 E keV
  (the form and values XENONnT quotes for electron recoils, Phys. Rev. Lett. 129 (2022)
  161805).
- ``germanium``: a small (1 kg, one year) germanium ionisation detector, 1-20 keV in 0.5 keV
  bins, a flat 2 events/(kg day keV) background with the cosmogenic K-shell (10.37 keV) and
  L-shell (1.30 keV) lines of 68,71Ge, a 95 % efficiency above 1 keV and a tabulated resolution
  sigma^2 = (0.05 keV)^2 + F w E (Fano factor F = 0.11, w = 2.96 eV per pair).
- ``xenon_tpc_published``: a 1.5 tonne-year xenon TPC whose tables look as experiments publish
  them (all numbers invented): a comma-separated efficiency file with a header, starting at
  0 keV, with detection, selection and total columns and the lower/upper band of the total;
  a background model by component, histograms at 0.1 keV bin centres from 0.05 to 29.95 keV in
  one multi-column file (radon, materials, krypton) plus a two-column 136Xe table; and the
  observed spectrum as a rate in events/(tonne year keV) at 1 keV bin centres.

The same seed gives the same bytes; the tests check that the shipped files are what this
script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from xhf.jsonio import atomic_write

#: Seed of the pseudo-data of both examples.
SEED = 20240601
#: Days per (Julian) year.
DAYS_PER_YEAR = 365.25

_HEADER = "# written by examples/make_examples.py (seed {seed}); synthetic, not a measurement\n"


def _table(header: str, rows, fmt: str) -> str:
    lines = [_HEADER.format(seed=SEED), f"# {header}\n"]
    lines += [fmt.format(*row) + "\n" for row in rows]
    return "".join(lines)


def _cumulative(energy_kev, density, low: float, high: float):
    """A fine grid over [low, high] and the integral of the tabulated density up to each node."""
    grid = np.linspace(low, high, 20001)
    pdf = np.interp(grid, energy_kev, density)
    return grid, np.concatenate([[0.0], np.cumsum(0.5 * (pdf[1:] + pdf[:-1]) * np.diff(grid))])


def _events(rng: np.random.Generator, energy_kev, density, exposure, window) -> str:
    """A Poisson number of events drawn from a tabulated density (per keV) times exposure."""
    grid, cdf = _cumulative(energy_kev, density, *window)
    n = rng.poisson(cdf[-1] * exposure)
    energies = np.sort(np.interp(rng.uniform(0.0, cdf[-1], n), cdf, grid))
    lines = [_HEADER.format(seed=SEED), "# reconstructed energy in keV, one event per line\n"]
    return "".join(lines + [f"{e:.4f}\n" for e in energies])


def _counts(rng: np.random.Generator, energy_kev, density, exposure, edges) -> str:
    """Poisson counts per bin of a tabulated density (per keV) times exposure."""
    grid, cdf = _cumulative(energy_kev, density, edges[0], edges[-1])
    expected = np.diff(np.interp(edges, grid, cdf)) * exposure
    rows = zip(edges[:-1], edges[1:], rng.poisson(expected), strict=True)
    return _table("low_kev high_kev counts", rows, "{:.2f} {:.2f} {:d}")


def xenon_tpc(rng: np.random.Generator) -> dict[str, str]:
    """Files of the xenon TPC example."""
    energy = np.arange(0.5, 31.0, 0.5)
    efficiency = 0.9 / (1.0 + np.exp(-(energy - 1.5) / 0.25))
    background = np.full(energy.size, 15.0)
    card = f"""\
# Example experiment card: an invented 1 tonne-year liquid-xenon TPC (docs/combination.md).
# Tables and pseudo-data are written by examples/make_examples.py.
name: example_tpc
description: Invented 1 t yr xenon TPC with a flat 15 /(t yr keV) background (example)
target: xenon
exposure: {{value: 1.0, unit: tonne_year}}
energy_window_kev: [1, 30]
bin_width_kev: 1.0
data:
  events_file: events.txt
  label: pseudo_poisson
  pseudo_data: true
  seed: {SEED}
  description: seeded Poisson draw of the background model (pseudo-data)
background:
  rate_file: background.txt
  normalization_uncertainty: 0.05
efficiency_file: efficiency.txt
resolution: {{a: 0.310, b: 0.0037}}
"""
    return {
        "card.yml": card,
        "background.txt": _table(
            "energy_kev rate [events/(tonne year keV)]",
            zip(energy, background, strict=True),
            "{:.2f} {:.4f}",
        ),
        "efficiency.txt": _table(
            "energy_kev efficiency", zip(energy, efficiency, strict=True), "{:.2f} {:.6f}"
        ),
        "events.txt": _events(rng, energy, background, 1.0, (1.0, 30.0)),
    }


def germanium(rng: np.random.Generator) -> dict[str, str]:
    """Files of the germanium example."""
    energy = np.round(np.arange(0.5, 20.5001, 0.05), 4)
    per_kg_day = 2.0 + sum(
        area / (np.sqrt(2 * np.pi) * width) * np.exp(-0.5 * ((energy - peak) / width) ** 2)
        for peak, width, area in ((10.37, 0.08, 3.0), (1.30, 0.05, 0.4))
    )
    background = per_kg_day * 1000.0 * DAYS_PER_YEAR  # events/(tonne year keV)
    eff_energy = np.round(np.arange(0.5, 20.51, 0.25), 4)
    efficiency = 0.95 / (1.0 + np.exp(-(eff_energy - 0.8) / 0.08))
    res_energy = np.array([0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 25.0])
    sigma = np.sqrt(0.05**2 + 0.11 * 2.96e-3 * res_energy)
    exposure_kg_day = 1.0 * DAYS_PER_YEAR
    card = f"""\
# Example experiment card: an invented 1 kg x 1 year germanium detector (docs/combination.md).
# Tables and pseudo-data are written by examples/make_examples.py.
name: example_germanium
description: Invented 1 kg yr germanium detector, 2 /(kg day keV) plus Ge X-ray lines (example)
target: germanium
exposure: {{value: {exposure_kg_day:.2f}, unit: kg_day}}
energy_window_kev: [1, 20]
bin_width_kev: 0.5
threshold_kev: 0.5
data:
  counts_file: counts.txt
  label: pseudo_poisson
  pseudo_data: true
  seed: {SEED}
  description: seeded Poisson draw of the background model (pseudo-data)
background:
  rate_file: background.txt
  normalization_uncertainty: 0.1
efficiency_file: efficiency.txt
efficiency_uncertainty: 0.03
resolution: {{table_file: resolution.txt}}
"""
    return {
        "card.yml": card,
        "background.txt": _table(
            "energy_kev rate [events/(tonne year keV)]",
            zip(energy, background, strict=True),
            "{:.2f} {:.2f}",
        ),
        "efficiency.txt": _table(
            "energy_kev efficiency", zip(eff_energy, efficiency, strict=True), "{:.2f} {:.6f}"
        ),
        "resolution.txt": _table(
            "energy_kev sigma_kev", zip(res_energy, sigma, strict=True), "{:.2f} {:.5f}"
        ),
        "counts.txt": _counts(
            rng, energy, per_kg_day, exposure_kg_day, np.round(np.arange(1.0, 20.01, 0.5), 4)
        ),
    }


def _csv(header: str, columns, fmt: str) -> str:
    """A comma-separated table with a header line (the published style)."""
    lines = [_HEADER.format(seed=SEED), header + "\n"]
    return "".join(lines + [fmt.format(*row) + "\n" for row in zip(*columns, strict=True)])


def xenon_tpc_published(rng: np.random.Generator) -> dict[str, str]:
    """Files of the published-style xenon TPC example."""
    exposure = 1.5  # tonne-years
    eff_energy = np.round(np.arange(0.0, 40.01, 0.5), 4)
    detection = 1.0 / (1.0 + np.exp(-(eff_energy - 1.4) / 0.3))
    selection = 0.92 - 0.002 * eff_energy
    total = detection * selection
    half_band = 0.1 * total * np.exp(-eff_energy / 5.0) + 0.01 * total
    centres = np.round(np.arange(0.05, 30.0, 0.1), 4)
    components = {
        "radon": np.full(centres.size, 9.0),
        "materials": 3.0 + 0.02 * centres,
        "krypton": np.full(centres.size, 1.2),
    }
    xe136_energy = np.array([0.0, 10.0, 20.0, 30.0, 40.0])
    xe136 = 0.01 * xe136_energy
    edges = np.arange(1.0, 30.01, 1.0)
    per_kev = sum(components.values())
    expected = exposure * (
        np.add.reduceat(per_kev * 0.1, np.arange(10, centres.size, 10)) + np.diff(0.005 * edges**2)
    )
    counts = rng.poisson(expected)
    card = f"""\
# Example experiment card whose tables look as experiments publish them (docs/combination.md):
# an invented 1.5 tonne-year liquid-xenon TPC; every number is synthetic, not a measurement.
# Tables and pseudo-data are written by examples/make_examples.py.
name: example_published
description: Invented 1.5 t yr xenon TPC with published-style tables (synthetic example)
target: xenon
exposure: {{value: {exposure}, unit: tonne_year}}
energy_window_kev: [1, 30]
bin_width_kev: 1.0
data:
  rate_file: {{file: data_rate.csv, column: rate, binning: centres}}
  count_tolerance: 0.01
  label: pseudo_poisson
  pseudo_data: true
  seed: {SEED}
  description: seeded Poisson draw of the background model, published as a rate (pseudo-data)
background:
  components:
    - name: radon
      rate_file: {{file: background_components.csv, column: radon, binning: centres}}
      normalization_uncertainty: 0.1
    - name: materials
      rate_file: {{file: background_components.csv, column: materials, binning: centres}}
      normalization_uncertainty: 0.2
    - name: krypton
      rate_file: {{file: background_components.csv, column: 4, binning: centres}}
      free: true
    - name: xe136
      rate_file: xe136.txt
      normalization_uncertainty: 0.05
efficiency_file:
  file: efficiency.csv
  column: total
  lower_column: total_lower
  upper_column: total_upper
resolution: {{a: 0.310, b: 0.0037}}
"""
    return {
        "card.yml": card,
        "efficiency.csv": _csv(
            "energy_kev,detection,selection,total,total_lower,total_upper",
            (eff_energy, detection, selection, total, total - half_band, total + half_band),
            "{:.1f},{:.5f},{:.5f},{:.5f},{:.5f},{:.5f}",
        ),
        "background_components.csv": _csv(
            "energy_kev,radon,materials,krypton",
            (centres, *components.values()),
            "{:.2f},{:.4f},{:.4f},{:.4f}",
        ),
        "xe136.txt": _table(
            "energy_kev rate [events/(tonne year keV)]",
            zip(xe136_energy, xe136, strict=True),
            "{:.1f} {:.4f}",
        ),
        "data_rate.csv": _csv(
            "energy_kev,rate",
            (0.5 * (edges[:-1] + edges[1:]), counts / exposure),
            "{:.1f},{:.6g}",
        ),
    }


def example_files() -> dict[str, str]:
    """Every example file, by path relative to ``examples/``."""
    rng = np.random.default_rng(SEED)
    files = {f"xenon_tpc/{k}": v for k, v in xenon_tpc(rng).items()}
    files.update({f"germanium/{k}": v for k, v in germanium(rng).items()})
    files.update({f"xenon_tpc_published/{k}": v for k, v in xenon_tpc_published(rng).items()})
    return files


def main(folder: Path) -> None:
    for name, text in example_files().items():
        print(atomic_write(folder / name, text, force=True))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
