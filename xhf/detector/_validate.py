"""Validation shared by the detector tables and grids (private).

Every error is an :class:`~xhf.exceptions.InvalidInputError` (tables, edges) or an
:class:`~xhf.exceptions.InvalidParameterError` (scalar parameters) whose message names the
table, the field and the row.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.exceptions import InvalidInputError, InvalidParameterError

__all__ = ["check_edges", "check_increasing", "check_scalar", "check_table"]


def __dir__() -> list[str]:
    return __all__


def _as_vector(source: str, field: str, values: ArrayLike) -> NDArray[np.float64]:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{source}: field {field!r} is not a list of numbers") from None
    if arr.ndim != 1:
        raise InvalidInputError(f"{source}: field {field!r} must be one-dimensional")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = int(bad[0])
        raise InvalidInputError(f"{source}: {field}[{i}] = {arr[i]} is not a finite number")
    return arr


def check_increasing(source: str, field: str, arr: NDArray, minimum: int = 2) -> None:
    """Raise unless ``arr`` has at least ``minimum`` entries and increases strictly."""
    if arr.size < minimum:
        raise InvalidInputError(f"{source}: field {field!r} needs at least {minimum} entries")
    bad = np.flatnonzero(np.diff(arr) <= 0)
    if bad.size:
        i = int(bad[0]) + 1
        raise InvalidInputError(
            f"{source}: {field}[{i}] = {arr[i]:g} does not exceed {field}[{i - 1}] = "
            f"{arr[i - 1]:g}; energies must increase strictly"
        )


def check_edges(
    source: str, edges: ArrayLike, minimum_kev: float = -math.inf
) -> NDArray[np.float64]:
    """Bin edges in keV: finite, at least two, strictly increasing, none below ``minimum_kev``."""
    arr = _as_vector(source, "edges", edges)
    check_increasing(source, "edges", arr)
    if arr[0] < minimum_kev:
        raise InvalidInputError(f"{source}: edges[0] = {arr[0]:g} keV is below {minimum_kev:g}")
    return arr


def check_table(
    source: str,
    energy_kev: ArrayLike,
    values: ArrayLike,
    field: str,
    lower: float,
    upper: float = math.inf,
    lower_open: bool = False,
    zero_energy: bool = False,
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Validate an (energy_kev, value) table and return it as tuples of floats.

    Energies must be positive (>= 0 with ``zero_energy``), finite and strictly increasing (at
    least two rows); values must be finite and within [lower, upper] (or (lower, upper] with
    ``lower_open``).
    """
    energy = _as_vector(source, "energy_kev", energy_kev)
    value = _as_vector(source, field, values)
    if energy.size != value.size:
        raise InvalidInputError(
            f"{source}: 'energy_kev' has {energy.size} rows but {field!r} has {value.size}"
        )
    check_increasing(source, "energy_kev", energy)
    if energy[0] < 0 or (energy[0] == 0 and not zero_energy):
        need = "must be >= 0" if zero_energy else "must be positive"
        raise InvalidInputError(f"{source}: energy_kev[0] = {energy[0]:g} {need}")
    too_low = value <= lower if lower_open else value < lower
    bad = np.flatnonzero(too_low | (value > upper))
    if bad.size:
        i = int(bad[0])
        left = "(" if lower_open else "["
        bound = f"{left}{lower:g}, {upper:g}]"
        raise InvalidInputError(
            f"{source}: {field}[{i}] = {value[i]:g} (at energy_kev {energy[i]:g}) is outside {bound}"
        )
    return tuple(float(x) for x in energy), tuple(float(x) for x in value)


def check_scalar(
    name: str,
    value: float,
    lower: float = -math.inf,
    upper: float = math.inf,
    lower_open: bool = False,
    allow_infinite: bool = False,
) -> float:
    """A scalar parameter within bounds; raises :class:`InvalidParameterError` naming it."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{name} must be a number, got {value!r}") from None
    if math.isnan(x) or (math.isinf(x) and not allow_infinite):
        raise InvalidParameterError(f"{name} must be finite, got {value!r}")
    if (x <= lower if lower_open else x < lower) or x > upper:
        left = "(" if lower_open else "["
        raise InvalidParameterError(f"{name} = {x:g} is outside {left}{lower:g}, {upper:g}]")
    return x
