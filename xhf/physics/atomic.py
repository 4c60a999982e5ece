"""Atomic models: how scattering on bound electrons differs from scattering on free ones.

- ``fea``: the free-electron (stepping) approximation, V. I. Kopeikin et al., Phys. At. Nucl. 60
  (1997) 1859. Per atom, dsigma/dT = sum_i n_i theta(T - B_i) dsigma_free/dT: every electron
  bound by less than T scatters as if free. XMASS-I used it for the magnetic moment and the dark
  photon.
- ``epa``: the equivalent-photon approximation for a millicharged neutrino, the default stand-in
  for the ab-initio RRPA response XMASS-I used (J.-W. Chen et al., Phys. Rev. D 90 (2014) 011301;
  C.-C. Hsieh et al., Phys. Rev. D 100 (2019) 073001, not public). At low momentum transfer the
  millicharged neutrino is a source of nearly real photons, absorbed with the atom's
  photoabsorption cross section sigma_gamma(T) (xraydb: Elam, Ravel & Sieber, Radiat. Phys. Chem.
  63 (2002) 121). Leading-log Weizsaecker-Williams form, per atom::

      dsigma/dT = (2 alpha / pi) delta^2 (sigma_gamma(T) / T) ln(E / m_nu),   T < E,

  with the neutrino mass m_nu as the collinear regulator of the log. xhf takes m_nu = 0.01 eV
  (about sqrt(dm21^2), the smallest mass a second neutrino state can have); a factor ten in m_nu
  moves the rate by about 15 %.
- a table: the user's atomic response as the ratio to FEA versus T, a CSV file with columns
  ``energy_kev,ratio_to_fea`` (e.g. digitised RRPA curves), interpolated linearly in log T.

>>> epa = EquivalentPhotonApproximation()
>>> round(float(epa.photoabsorption_cm2([5.0])[0]) / 1e-19, 2)   # xenon at 5 keV
1.38
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.exceptions import InvalidInputError, MissingFileError
from xhf.physics.constants import AVOGADRO
from xhf.physics.target import Target, load_target

__all__ = [
    "ATOMIC_MODELS",
    "AtomicResponseTable",
    "EquivalentPhotonApproximation",
    "FreeElectronApproximation",
    "resolve_atomic_model",
]


def __dir__() -> list[str]:
    return __all__


#: Names of the built-in atomic models.
ATOMIC_MODELS: tuple[str, ...] = ("fea", "epa")


@dataclass(frozen=True)
class FreeElectronApproximation:
    """FEA stepping: the per-atom cross section is Z_eff(T) times the free-electron one."""

    target: Target = field(default_factory=load_target)
    name: str = "fea"

    def electrons(self, energy_kev: ArrayLike) -> NDArray[np.float64]:
        """Effective number of electrons per atom, sum_i n_i theta(T - B_i)."""
        return self.target.electrons_above(energy_kev)

    def describe(self) -> dict:
        """Plain description recorded with results."""
        return {"name": self.name, "target": self.target.name}


@dataclass(frozen=True)
class EquivalentPhotonApproximation:
    """EPA for the millicharge (module docstring); ``neutrino_mass_ev`` regulates the log."""

    target: Target = field(default_factory=load_target)
    neutrino_mass_ev: float = 0.01
    name: str = "epa"

    def photoabsorption_cm2(self, energy_kev: ArrayLike) -> NDArray[np.float64]:
        """Photoabsorption cross section per atom in cm^2 (xraydb ``mu_elam``, kind photo)."""
        import xraydb

        energy_ev = np.atleast_1d(np.asarray(energy_kev, dtype=float)) * 1000.0
        mass_attenuation = xraydb.mu_elam(self.target.element, energy_ev, kind="photo")
        per_atom = np.asarray(mass_attenuation) * self.target.molar_mass_g_mol / AVOGADRO
        return per_atom.reshape(np.shape(energy_kev))

    def log_factor(self, energy_mev: ArrayLike) -> NDArray[np.float64]:
        """ln(E / m_nu) for neutrino energies E in MeV."""
        return np.log(np.asarray(energy_mev, dtype=float) * 1e6 / self.neutrino_mass_ev)

    def describe(self) -> dict:
        """Plain description recorded with results."""
        return {
            "name": self.name,
            "target": self.target.name,
            "neutrino_mass_ev": self.neutrino_mass_ev,
        }


@dataclass(frozen=True)
class AtomicResponseTable:
    """A user-supplied atomic response: the ratio to FEA tabulated against T (keV)."""

    energy_kev: tuple[float, ...]
    ratio: tuple[float, ...]
    source: str
    target: Target = field(default_factory=load_target)
    name: str = "table"

    @classmethod
    def from_csv(cls, path: str | Path, target: Target | None = None) -> AtomicResponseTable:
        """Read ``energy_kev,ratio_to_fea`` rows (a header line is required)."""
        src = Path(path)
        if not src.is_file():
            raise MissingFileError(f"{src}: no such atomic-response table")
        try:
            with src.open(newline="", encoding="utf-8") as handle:
                reader = csv.DictReader(handle)
                rows = list(reader)
                header = reader.fieldnames or []
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InvalidInputError(f"{src}: not a CSV text file ({exc})") from None
        if not rows or {"energy_kev", "ratio_to_fea"} - set(rows[0]):
            raise InvalidInputError(f"{src}: needs a header with columns energy_kev,ratio_to_fea")
        energies, ratios = [], []
        for line, row in enumerate(rows, start=2):
            if None in row or None in row.values():  # csv's marks of extra and missing fields
                n = len(header) + len(row.get(None) or []) - sum(v is None for v in row.values())
                raise InvalidInputError(
                    f"{src}: line {line}: {n} fields, the header has {len(header)}"
                )
            try:
                e, r = float(row["energy_kev"]), float(row["ratio_to_fea"])
            except (TypeError, ValueError):
                raise InvalidInputError(f"{src}: line {line}: not a number") from None
            if not (math.isfinite(e) and math.isfinite(r)) or e <= 0 or r < 0:
                raise InvalidInputError(
                    f"{src}: line {line}: energy_kev must be > 0 and ratio_to_fea >= 0, finite"
                )
            energies.append(e)
            ratios.append(r)
        if len(energies) < 2:
            raise InvalidInputError(f"{src}: needs at least 2 rows, has {len(energies)}")
        steps = np.flatnonzero(np.diff(energies) <= 0)
        if steps.size:
            line = int(steps[0]) + 3
            raise InvalidInputError(
                f"{src}: line {line}: energy_kev {energies[line - 2]:g} does not exceed the "
                f"previous row's {energies[line - 3]:g} (energies must increase strictly)"
            )
        return cls(tuple(energies), tuple(ratios), str(src), target or load_target())

    def ratio_to_fea(self, energy_kev: ArrayLike) -> NDArray[np.float64]:
        """Interpolated ratio; energies outside the table are an error naming the table."""
        t = np.asarray(energy_kev, dtype=float)
        lo, hi = self.energy_kev[0], self.energy_kev[-1]
        if np.any((t < lo) | (t > hi)):
            raise InvalidInputError(
                f"{self.source}: energies outside the table's range {lo}-{hi} keV were requested"
            )
        return np.interp(np.log(t), np.log(self.energy_kev), self.ratio)

    def describe(self) -> dict:
        """Plain description recorded with results."""
        return {"name": self.name, "target": self.target.name, "file": Path(self.source).name}


AtomicModel = FreeElectronApproximation | EquivalentPhotonApproximation | AtomicResponseTable


def resolve_atomic_model(spec: str | Path | AtomicModel, target: Target) -> AtomicModel:
    """Turn ``"fea"``, ``"epa"``, a CSV path or a model object into an atomic model."""
    if isinstance(spec, FreeElectronApproximation | EquivalentPhotonApproximation):
        return spec
    if isinstance(spec, AtomicResponseTable):
        return spec
    if str(spec) == "fea":
        return FreeElectronApproximation(target)
    if str(spec) == "epa":
        return EquivalentPhotonApproximation(target)
    return AtomicResponseTable.from_csv(spec, target)
