"""Detector targets as data: element, atomic mass and electron shells.

A target is a small JSON file (``data/targets/<name>.json`` or a path given by the user)::

    {"name": "xenon", "element": "Xe", "z": 54, "molar_mass_g_mol": 131.293,
     "shells": "xraydb", "provenance": "..."}

``"shells": "xraydb"`` takes the binding energies from xraydb's ``xray_edges`` (Elam, Ravel &
Sieber, Radiat. Phys. Chem. 63 (2002) 121) and fills the subshells from the deepest until Z
electrons are placed; a list of ``{"label", "binding_ev", "occupancy"}`` gives them explicitly.
A new target (argon, germanium, ...) is a new file, not new code.

>>> xe = load_target("xenon")
>>> round(xe.atoms_per_kg / 1e24, 4)
4.5868
>>> [(s.label, s.occupancy) for s in xe.shells[:4]]
[('K', 2), ('L1', 2), ('L2', 2), ('L3', 4)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.exceptions import InvalidInputError, MissingFileError
from xhf.jsonread import parse_json, read_json
from xhf.physics.constants import AVOGADRO

__all__ = ["Shell", "Target", "available_targets", "load_target"]


def __dir__() -> list[str]:
    return __all__


#: Capacity of a subshell by the last character of its x-ray label (K, L1..L3, M1..M5, ...):
#: 1 -> s (2), 2 -> p1/2 (2), 3 -> p3/2 (4), 4 -> d3/2 (4), 5 -> d5/2 (6), 6 -> f5/2, 7 -> f7/2.
_CAPACITY = {"K": 2, "1": 2, "2": 2, "3": 4, "4": 4, "5": 6, "6": 6, "7": 8}


@dataclass(frozen=True)
class Shell:
    """An atomic subshell: x-ray label, binding energy in keV, number of electrons."""

    label: str
    binding_kev: float
    occupancy: int


@dataclass(frozen=True)
class Target:
    """A detector target element.

    Attributes:
        name: target name (``xenon``).
        element: chemical symbol for xraydb (``Xe``).
        z: atomic number.
        molar_mass_g_mol: molar mass of the natural element.
        shells: subshells, deepest first.
    """

    name: str
    element: str
    z: int
    molar_mass_g_mol: float
    shells: tuple[Shell, ...]

    @property
    def atoms_per_kg(self) -> float:
        """Number of atoms per kg: N_A * 1000 / A."""
        return AVOGADRO * 1000.0 / self.molar_mass_g_mol

    def electrons_above(self, energy_kev: ArrayLike) -> NDArray[np.float64]:
        """Electrons per atom whose binding energy is below T: the FEA step function.

        Kopeikin et al., Phys. At. Nucl. 60 (1997) 1859: sum_i n_i theta(T - B_i).
        """
        t = np.asarray(energy_kev, dtype=float)
        out = np.zeros_like(t)
        for shell in self.shells:
            out = out + shell.occupancy * (t >= shell.binding_kev)
        return out


def available_targets() -> list[str]:
    """Names of the targets shipped with xhf."""
    folder = resources.files("xhf.physics").joinpath("data/targets")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def _xraydb_shells(element: str, z: int, source: str) -> tuple[Shell, ...]:
    import xraydb

    try:
        edges = xraydb.xray_edges(element)
    except Exception as exc:  # xraydb raises bare errors for unknown symbols
        raise InvalidInputError(
            f"{source}: field 'element': xraydb does not know {element!r}"
        ) from exc
    ordered = sorted(edges.items(), key=lambda item: -item[1].energy)
    shells, left = [], z
    for label, edge in ordered:
        occupancy = min(_CAPACITY[label[-1]], left)
        if occupancy > 0:
            shells.append(Shell(label, edge.energy / 1000.0, occupancy))
        left -= occupancy
    if left:
        raise InvalidInputError(f"{source}: xraydb lists too few shells for Z = {z}")
    return tuple(shells)


#: The fields of a target JSON file (the module docstring describes them).
TARGET_FIELDS = frozenset({"name", "element", "z", "molar_mass_g_mol", "shells", "provenance"})


def load_target(name_or_path: str | Path = "xenon") -> Target:
    """Load a shipped target by name (:func:`available_targets`) or a target JSON file."""
    path = Path(name_or_path)
    if str(name_or_path) in available_targets():
        resource = resources.files("xhf.physics").joinpath(f"data/targets/{name_or_path}.json")
        source = f"target {name_or_path}"
        entry = parse_json(resource.read_text(), source)
    elif path.suffix == ".json":
        if not path.is_file():
            raise MissingFileError(f"{path}: no such target file")
        source = str(path)
        entry = read_json(path)
    else:
        raise InvalidInputError(
            f"unknown target {name_or_path!r}; use one of {', '.join(available_targets())} "
            "or a target JSON file"
        )
    if not isinstance(entry, dict):
        raise InvalidInputError(f"{source}: a target must be a JSON object")
    unknown = sorted(set(entry) - TARGET_FIELDS)
    if unknown:
        raise InvalidInputError(
            f"{source}: unknown field {unknown[0]!r} (fields: {', '.join(sorted(TARGET_FIELDS))})"
        )
    for key in ("element", "z", "molar_mass_g_mol", "shells"):
        if key not in entry:
            raise InvalidInputError(f"{source}: missing field {key!r}")
    element, z, molar_mass = entry["element"], entry["z"], entry["molar_mass_g_mol"]
    if not isinstance(element, str) or not element:
        raise InvalidInputError(f"{source}: field 'element': must be an element symbol")
    if isinstance(z, bool) or not isinstance(z, int) or not 0 < z <= 118:
        raise InvalidInputError(f"{source}: field 'z': must be an atomic number 1-118, not {z!r}")
    if isinstance(molar_mass, bool) or not isinstance(molar_mass, int | float):
        raise InvalidInputError(f"{source}: field 'molar_mass_g_mol': must be a number")
    if not 0 < molar_mass < 1000:
        raise InvalidInputError(
            f"{source}: field 'molar_mass_g_mol': must be in (0, 1000) g/mol, not {molar_mass!r}"
        )
    molar_mass, shells_spec = float(molar_mass), entry["shells"]
    if shells_spec == "xraydb":
        shells = _xraydb_shells(element, z, source)
    elif isinstance(shells_spec, list):
        try:
            shells = tuple(
                Shell(str(s["label"]), float(s["binding_ev"]) / 1000.0, int(s["occupancy"]))
                for s in shells_spec
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"{source}: field 'shells': {exc}") from None
        if not all(math.isfinite(s.binding_kev) and s.binding_kev > 0 for s in shells):
            raise InvalidInputError(
                f"{source}: field 'shells': binding energies must be positive and finite"
            )
        if sum(s.occupancy for s in shells) != z:
            raise InvalidInputError(f"{source}: field 'shells': occupancies do not add up to z")
    else:
        raise InvalidInputError(
            f"{source}: field 'shells': \"xraydb\" or a list of {{label, binding_ev, "
            f"occupancy}}, not {shells_spec!r}"
        )
    return Target(str(entry.get("name", path.stem)), element, z, molar_mass, shells)
