"""What the publish stage reads: a ``results.json`` with the limits and the analyses' workspaces.

This is the publish stage's input edge. ``results.json`` (``xhf reproduce`` writes one; an
analyst may write their own) is a flat list ``limits`` of
``{analysis, method, flavor, mass_mev, unit, expected, expected_band: [-2, -1, +1, +2],
observed, paper}``, the dark-photon ``exclusion_curve`` per method and mass, and
``provenance``. The workspaces are the files of ``docs/workspace-conventions.md``: one
workspace per power-law analysis (e.g. the magnetic moment) and, for a signal that is not a
power of its parameter (the dark photon), a background-only workspace with its grid and
components patchsets, each with its sidecar. Which file plays which role is the caller's
``analyses`` mapping (:attr:`xhf.publish.publication.Publication.analyses`).

Every problem is one :class:`~xhf.exceptions.XhfError` line naming the file and the field.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from xhf.exceptions import InvalidInputError, InvalidParameterError, MissingFileError
from xhf.filenames import refuse_links, safe_file_name
from xhf.jsonread import read_json
from xhf.workspace.compat import check_version, pyhf_reason, quiet_pyhf
from xhf.workspace.likelihood import Likelihood
from xhf.workspace.sidecar import read_sidecar, sidecar_path

__all__ = [
    "BANDS",
    "HEPDATA_ID",
    "ROLES",
    "AnalysisInput",
    "CurvePoint",
    "LimitEntry",
    "Results",
    "check_hepdata_id",
    "check_units",
    "load_analysis_inputs",
    "load_results",
    "parse_results",
]


def __dir__() -> list[str]:
    return __all__


#: pyhf's patchset schema: ``references.hepdata`` is an INSPIRE id.
HEPDATA_ID = re.compile(r"^ins[0-9]{7}$")
#: Expected-band keys, in the order of ``expected_band``.
BANDS = ("-2", "-1", "+1", "+2")


def check_hepdata_id(value: str | None) -> str | None:
    """``insNNNNNNN`` (seven digits, as pyhf's patchset schema requires) or None.

    >>> check_hepdata_id("ins1797879")
    'ins1797879'
    """
    if value is None:
        return None
    if not isinstance(value, str) or not HEPDATA_ID.match(value):
        raise InvalidParameterError(
            f"--hepdata-id {value!r}: must be an INSPIRE id like ins1234567 (ins + 7 digits)"
        )
    return value


class LimitEntry(NamedTuple):
    """One result of ``results.json`` ``limits`` (values in ``unit``)."""

    analysis: str
    method: str
    flavor: str
    mass_mev: float | None
    unit: str
    expected: float
    band: tuple[float, float, float, float]
    observed: float | None
    paper: float | None


class CurvePoint(NamedTuple):
    """One mass of the dark-photon exclusion curve for one method (coupling g_BL)."""

    method: str
    mass_mev: float
    expected: float
    band: tuple[float, float, float, float]
    observed: float | None


@dataclass(frozen=True)
class Results:
    """The parts of ``results.json`` the submission needs."""

    limits: tuple[LimitEntry, ...]
    curve: tuple[CurvePoint, ...]
    provenance: Mapping[str, Any]
    source: str = "results.json"

    def find(
        self, analysis: str, method: str, flavor: str = "all", mass_mev: float | None = None
    ) -> LimitEntry | None:
        """The entry for an analysis, method, flavour and mass (masses match to 1e-6)."""
        for entry in self.limits:
            if (entry.analysis, entry.method, entry.flavor) != (analysis, method, flavor):
                continue
            if (entry.mass_mev is None) != (mass_mev is None):
                continue
            if mass_mev is None or math.isclose(entry.mass_mev, mass_mev, rel_tol=1e-6):
                return entry
        return None

    def methods(self, analysis: str | None = None) -> list[str]:
        """Methods present (``chi2`` first, as the paper's), for one analysis or all."""
        found = {e.method for e in self.limits if analysis in (None, e.analysis)}
        if analysis in (None, "dark_photon"):
            found |= {p.method for p in self.curve}
        return sorted(found, key=lambda m: (m != "chi2", m))

    def curve_for(self, method: str) -> list[CurvePoint]:
        """The exclusion curve of one method, sorted by mass."""
        return sorted((p for p in self.curve if p.method == method), key=lambda p: p.mass_mev)


# ----------------------------------------------------------------------------- results.json
def _number(value: Any, where: str, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(f"{where} must be a finite number, got {value!r}")
    return float(value)


def _limit_value(value: Any, where: str, *, optional: bool = False) -> float | None:
    """A limit, a band edge or a mass: finite and positive (a limit on mu_nu, delta or g_BL
    is a magnitude; zero or a negative value is a broken computation, not a result)."""
    number = _number(value, where, optional=optional)
    if number is not None and number <= 0:
        raise InvalidInputError(f"{where} must be positive, got {value!r}")
    return number


def _band(value: Any, where: str) -> tuple[float, float, float, float]:
    if isinstance(value, Mapping):
        missing = [b for b in BANDS if b not in value]
        if missing:
            raise InvalidInputError(f"{where} lacks the band {missing[0]!r}")
        value = [value[b] for b in BANDS]
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise InvalidInputError(f"{where} must list the -2, -1, +1, +2 sigma values")
    lo2, lo1, hi1, hi2 = (_limit_value(v, f"{where}[{k}]") for k, v in enumerate(value))
    if not lo2 <= lo1 <= hi1 <= hi2:
        raise InvalidInputError(f"{where} must increase from -2 to +2 sigma, got {list(value)}")
    return (lo2, lo1, hi1, hi2)


def _expected(point: Mapping[str, Any], where: str) -> tuple[float, tuple]:
    """Median and band from ``expected`` + ``expected_band``/``band``, or an xhf-limit-style
    ``expected`` dict ``{"-2", "-1", "0", "+1", "+2"}``."""
    expected = point.get("expected")
    if isinstance(expected, Mapping):
        median = _limit_value(expected.get("0"), f"{where}.expected['0']")
        return median, _band(expected, f"{where}.expected")
    median = _limit_value(expected, f"{where}.expected")
    key = "expected_band" if "expected_band" in point else "band"
    band = _band(point.get(key), f"{where}.{key}")
    if not band[1] <= median <= band[2]:
        raise InvalidInputError(f"{where}.expected lies outside its +-1 sigma band")
    return median, band


def _limit(item: Any, where: str) -> LimitEntry:
    if not isinstance(item, Mapping):
        raise InvalidInputError(f"{where} must be an object")
    for key in ("analysis", "method", "unit"):
        if not isinstance(item.get(key), str):
            raise InvalidInputError(f"{where}.{key} must be a string")
    median, band = _expected(item, where)
    return LimitEntry(
        analysis=item["analysis"],
        method=item["method"],
        flavor=str(item.get("flavor") or "all"),
        mass_mev=_limit_value(item.get("mass_mev"), f"{where}.mass_mev", optional=True),
        unit=item["unit"],
        expected=median,
        band=band,
        observed=_limit_value(item.get("observed"), f"{where}.observed", optional=True),
        paper=_limit_value(item.get("paper"), f"{where}.paper", optional=True),
    )


def _curve_point(method: str, point: Any, where: str) -> CurvePoint:
    if not isinstance(point, Mapping):
        raise InvalidInputError(f"{where} must be an object")
    mass = point.get("mass_mev", point.get("mass"))
    median, band = _expected(point, where)
    return CurvePoint(
        method,
        _limit_value(mass, f"{where}.mass_mev"),
        median,
        band,
        _limit_value(point.get("observed"), f"{where}.observed", optional=True),
    )


def _columns(method: str, table: Mapping[str, Any], where: str) -> list[CurvePoint]:
    """``{"mass_mev": [...], "expected": [...], "band": {...} | [[4]...], "observed": [...]}``."""
    masses = table.get("mass_mev", table.get("masses_mev"))
    if not isinstance(masses, list):
        raise InvalidInputError(f"{where}.mass_mev must be a list")
    key = "expected_band" if "expected_band" in table else "band"
    band = table.get(key)
    points = []
    for i in range(len(masses)):
        if isinstance(band, Mapping):
            row_band = {b: _index(band.get(b), i, f"{where}.{key}.{b}") for b in BANDS}
        else:
            row_band = _index(band, i, f"{where}.{key}")
        observed = table.get("observed")
        row = {
            "mass_mev": masses[i],
            "expected": _index(table.get("expected"), i, f"{where}.expected"),
            "band": row_band,
            "observed": None if observed is None else _index(observed, i, f"{where}.observed"),
        }
        points.append(_curve_point(method, row, f"{where}[{i}]"))
    return points


def _index(values: Any, i: int, where: str) -> Any:
    if not isinstance(values, list) or i >= len(values):
        raise InvalidInputError(f"{where} must be a list as long as mass_mev")
    return values[i]


def _curve(curve: Any, where: str) -> list[CurvePoint]:
    """Every shape of "per mass per method" the exclusion curve may take (see module doc)."""
    points: list[CurvePoint] = []
    if curve is None:
        return points
    if isinstance(curve, Mapping):
        for method in sorted(curve):
            block, at = curve[method], f"{where}.{method}"
            if isinstance(block, list):
                points += [_curve_point(method, p, f"{at}[{i}]") for i, p in enumerate(block)]
            elif isinstance(block, Mapping) and isinstance(block.get("points"), list):
                points += [
                    _curve_point(method, p, f"{at}.points[{i}]")
                    for i, p in enumerate(block["points"])
                ]
            elif isinstance(block, Mapping):
                points += _columns(method, block, at)
            else:
                raise InvalidInputError(f"{at} must be a list of points or of columns")
        return points
    if not isinstance(curve, list):
        raise InvalidInputError(f"{where} must be an object (per method) or a list (per mass)")
    for i, item in enumerate(curve):
        at = f"{where}[{i}]"
        if not isinstance(item, Mapping):
            raise InvalidInputError(f"{at} must be an object")
        if isinstance(item.get("method"), str):
            points.append(_curve_point(item["method"], item, at))
            continue
        methods = [k for k, v in item.items() if isinstance(v, Mapping)]
        if not methods:
            raise InvalidInputError(f"{at} names no method")
        for method in sorted(methods):
            row = {"mass_mev": item.get("mass_mev", item.get("mass")), **item[method]}
            points.append(_curve_point(method, row, f"{at}.{method}"))
    return points


def _level(value: Any, where: str) -> None:
    """A confidence level, if given: a number strictly between 0 and 1 (0.9 for 90% CL)."""
    if value is None:
        return
    number = _number(value, where)
    if not 0.0 < number < 1.0:
        raise InvalidInputError(f"{where} must lie strictly between 0 and 1, got {value!r}")


def _same_key(a: tuple, b: tuple) -> bool:
    """Same analysis/method/flavour (or method) and the same mass to 1e-6 (or both none)."""
    if a[:-1] != b[:-1] or (a[-1] is None) != (b[-1] is None):
        return False
    return a[-1] is None or math.isclose(a[-1], b[-1], rel_tol=1e-6)


def _refuse_conflicts(items: list, key, where) -> None:
    """Two entries for the same quantity must agree (identical repeats are harmless): which
    one a table would show is otherwise an accident of order. ``where(j, i)`` names both."""
    for j, item in enumerate(items):
        for i in range(j):
            if _same_key(key(items[i]), key(item)) and items[i] != item:
                quantity = ", ".join("-" if k is None else str(k) for k in key(item))
                raise InvalidInputError(
                    f"{where(j, i)} give different values for the same quantity ({quantity})"
                )


def parse_results(document: Any, source: str = "results.json") -> Results:
    """Check and normalise a ``results.json`` document (errors name ``source`` and the field)."""
    if not isinstance(document, Mapping):
        raise InvalidInputError(f"{source}: must be a JSON object with 'limits'")
    limits = document.get("limits")
    if not isinstance(limits, list) or not limits:
        raise InvalidInputError(f"{source}: field 'limits' must be a non-empty list")
    entries = tuple(_limit(item, f"{source}: field 'limits[{i}]'") for i, item in enumerate(limits))
    for i, item in enumerate(limits):
        _level(item.get("cl"), f"{source}: field 'limits[{i}]'.cl")
    curve = tuple(_curve(document.get("exclusion_curve"), f"{source}: field 'exclusion_curve'"))
    provenance = document.get("provenance")
    provenance = {} if provenance is None else provenance
    if not isinstance(provenance, Mapping):
        raise InvalidInputError(f"{source}: field 'provenance' must be an object")
    _level(provenance.get("cl"), f"{source}: field 'provenance.cl'")
    _refuse_conflicts(
        list(entries),
        lambda e: (e.analysis, e.method, e.flavor, e.mass_mev),
        lambda j, i: f"{source}: field 'limits[{j}]' and 'limits[{i}]'",
    )
    _refuse_conflicts(
        list(curve),
        lambda p: (p.method, p.mass_mev),
        lambda j, i: f"{source}: field 'exclusion_curve': two points",
    )
    return Results(entries, curve, dict(provenance), source)


def load_results(results_dir: str | os.PathLike[str]) -> Results:
    """Read ``DIR/results.json`` (``DIR`` may also be the file itself)."""
    path = Path(results_dir)
    if path.is_dir() or path.suffix != ".json":
        path = path / "results.json"
        refuse_links(results_dir, [path])
    if not path.is_file():
        raise MissingFileError(f"{path}: no such file (run `xhf reproduce` first)")
    return parse_results(read_json(path), str(path))


# ----------------------------------------------------------------------------- workspaces
@dataclass(frozen=True)
class AnalysisInput:
    """The shipped files of one analysis: role -> document, role -> sidecar, role -> path.

    Roles: ``workspace`` (power-law analyses) or ``background_only``, ``patchset`` (grid) and
    ``components`` (dark photon).
    """

    analysis: str
    documents: Mapping[str, Any]
    sidecars: Mapping[str, Any]
    paths: Mapping[str, Path] = field(default_factory=dict)

    @property
    def power_law(self) -> bool:
        """One workspace whose POI scales the signal (magnetic moment, millicharge)."""
        return "workspace" in self.documents

    @property
    def main(self) -> tuple[Any, Any]:
        """The workspace (or background-only workspace) and its sidecar."""
        role = "workspace" if self.power_law else "background_only"
        return self.documents[role], self.sidecars[role]

    @property
    def likelihood(self) -> Likelihood:
        """The analysis as one :class:`~xhf.workspace.likelihood.Likelihood` (named after it)."""
        workspace, meta = self.main
        forms = {"grid": "patchset", "components": "components"}
        present = {form: role for form, role in forms.items() if role in self.documents}
        return Likelihood(
            workspace,
            meta,
            self.analysis,
            {form: (self.documents[role], self.sidecars[role]) for form, role in present.items()},
            None,
            {form: self.paths[role].name for form, role in present.items() if role in self.paths},
        )


def _check_document(role: str, document: Any, path: Path) -> None:
    import pyhf

    if not isinstance(document, dict):
        raise InvalidInputError(f"{path}: must be a JSON object")
    check_version(document, str(path))
    try:
        with quiet_pyhf():
            if role in ("workspace", "background_only"):
                pyhf.Workspace(document)
            else:
                pyhf.PatchSet(document)
    except (pyhf.exceptions.InvalidSpecification, pyhf.exceptions.InvalidPatchSet) as exc:
        kind = "workspace" if role in ("workspace", "background_only") else "patchset"
        raise InvalidInputError(f"{path}: not a valid pyhf {kind} ({pyhf_reason(exc)})") from None


def _read_sidecar(role: str, path: Path, documents: Mapping[str, Any]) -> Any:
    """The checked sidecar of ``path``, bound to its workspace (and patchset)."""
    side = read_sidecar(path, required=True)
    side.check_workspace(documents.get("background_only", documents.get(role)), str(path))
    if role in ("patchset", "components"):
        side.check_patchset(documents[role], str(path))
    elif role != "background_only" and side.signal is None:
        raise InvalidInputError(f"{side.source}: signal: is null; a signal block is needed")
    meta = side.to_json()
    # the measurement names the likelihood archive and its folder in the submission
    safe_file_name(meta["measurement"], f"{sidecar_path(path)}: measurement")
    return meta


#: The roles of an analysis' files: one power-law workspace, or a grid analysis' three files.
ROLES = (("workspace",), ("background_only", "patchset", "components"))


def _check_roles(analysis: str, roles: Mapping[str, str]) -> None:
    if not isinstance(roles, Mapping) or tuple(sorted(roles)) not in {
        tuple(sorted(r)) for r in ROLES
    }:
        raise InvalidParameterError(
            f"analysis {analysis!r}: its files must be {{'workspace': FILE}} or "
            "{'background_only': FILE, 'patchset': FILE, 'components': FILE}"
        )
    for role, name in roles.items():
        safe_file_name(name, f"analysis {analysis!r}: {role}")


def load_analysis_inputs(
    workspaces_dir: str | os.PathLike[str], analyses: Mapping[str, Mapping[str, str]]
) -> dict[str, AnalysisInput]:
    """Read, for each analysis, its files and their sidecars (all must exist).

    Args:
        workspaces_dir: the directory that holds the files.
        analyses: analysis name -> role -> file name (see :data:`ROLES`), e.g.
            ``{"magnetic_moment": {"workspace": "my_magnetic_moment.json"}}``.
    """
    directory = Path(workspaces_dir)
    if not directory.is_dir():
        raise MissingFileError(f"{directory}: no such workspaces directory")
    out = {}
    for analysis, roles in analyses.items():
        _check_roles(analysis, roles)
        documents, sidecars, paths = {}, {}, {}
        for role in (r for group in ROLES for r in group if r in roles):
            name = roles[role]
            path = directory / name
            if not path.is_file():
                raise MissingFileError(f"{path}: no such {role.replace('_', '-')} file")
            side = sidecar_path(path)
            refuse_links(directory, [path, side])
            if not side.is_file():
                raise MissingFileError(f"{side}: no such sidecar (needed for physical units)")
            documents[role], paths[role] = read_json(path), path
            _check_document(role, documents[role], path)
            sidecars[role] = _read_sidecar(role, path, documents)
        out[analysis] = AnalysisInput(analysis, documents, sidecars, paths)
    return out


def _model_unit(item: AnalysisInput) -> tuple[str | None, Path | None]:
    """The unit of the analysis' physical parameter, from its (grid) sidecar, and that file."""
    role = "workspace" if item.power_law else "patchset"
    signal = item.sidecars.get(role, {}).get("signal")
    unit = signal.get("unit") if isinstance(signal, Mapping) else None
    path = item.paths.get(role)
    return unit, None if path is None else sidecar_path(path)


def check_units(results: Results, inputs: Mapping[str, AnalysisInput]) -> None:
    """Every limit of ``results`` belongs to a loaded analysis and is in that model's unit.

    A limit in another unit (``muB`` for ``mu_B``, ``e`` for a coupling) would be published
    under the model's unit with the wrong number; it is refused, not converted.

    Raises:
        InvalidInputError: ``<results.json>: field 'limits[i]'.unit ...`` (or ``.analysis``).
    """
    for i, entry in enumerate(results.limits):
        where = f"{results.source}: field 'limits[{i}]'"
        item = inputs.get(entry.analysis)
        if item is None:
            raise InvalidInputError(
                f"{where}.analysis {entry.analysis!r} is not one of {', '.join(sorted(inputs))}"
            )
        unit, sidecar = _model_unit(item)
        if unit is not None and entry.unit != unit:
            raise InvalidInputError(
                f"{where}.unit {entry.unit!r} is not the unit of the {entry.analysis} model "
                f"({unit!r} in {sidecar})"
            )
