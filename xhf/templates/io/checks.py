"""Checks on numbers read from template files; errors name the file, histogram and bin."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.exceptions import InvalidTemplateError
from xhf.templates.templateset import MAX_EVENTS

__all__ = ["MAX_EVENTS", "check_edges", "check_same_binning", "check_values", "reason"]


def __dir__() -> list[str]:
    return __all__


#: What the dtype kinds NumPy cannot hold as counts are called in messages.
_NOT_NUMBERS = {
    "b": "booleans",
    "c": "complex numbers",
    "m": "time spans",
    "M": "dates",
    "O": "Python objects",
    "S": "bytes",
    "U": "text",
    "V": "records",
}


def check_same_binning(
    edges: ArrayLike,
    other_edges: ArrayLike,
    *,
    name: str,
    other_name: str,
    source: str | None = None,
) -> None:
    """Raise :class:`InvalidTemplateError` naming both histograms if their bin edges differ.

    Edges agree when they have the same length and each pair agrees to 1e-9 relative (edges
    read from fixed- and variable-width ROOT axes may differ in the last digit).

    >>> check_same_binning([0, 1, 2], [0, 1, 2.5], name="a", other_name="b")
    Traceback (most recent call last):
    ...
    xhf.exceptions.InvalidTemplateError: binning of 'a' differs from 'b': edge 2 is 2.0, not 2.5
    """
    mine = np.asarray(edges, dtype=np.float64)
    theirs = np.asarray(other_edges, dtype=np.float64)
    prefix = f"{source}: " if source else ""
    if mine.shape != theirs.shape:
        raise InvalidTemplateError(
            f"{prefix}binning of {name!r} differs from {other_name!r}: "
            f"{mine.size - 1} bins, not {theirs.size - 1}"
        )
    close = np.isclose(mine, theirs, rtol=1e-9, atol=0.0)
    if not np.all(close):
        i = int(np.argmin(close))
        raise InvalidTemplateError(
            f"{prefix}binning of {name!r} differs from {other_name!r}: "
            f"edge {i} is {float(mine[i])!r}, not {float(theirs[i])!r}"
        )


def check_values(
    values: Any,
    where: str,
    *,
    negative: bool,
    edges: NDArray[np.float64] | None = None,
    ceiling: float | None = MAX_EVENTS,
    unit: str = "events",
) -> NDArray[np.float64]:
    """``values`` as a float64 vector; NaN, infinite, huge or (unless allowed) negative bins raise.

    Args:
        values: the numbers read from a file (an array of another kind than numbers, such as
            text, is refused before any conversion).
        where: file and array or column, prefix of the message.
        negative: negative bins are allowed (signal parts).
        edges: bin edges, to give the bad bin's range in the message.
        ceiling: largest allowed ``|value|`` (:data:`MAX_EVENTS` for expected events), or
            ``None`` for no ceiling (bin edges).
        unit: what the values count, for the message.

    >>> check_values([1.0, -2.0], "f.csv: column 'kr85'", negative=False)
    Traceback (most recent call last):
    ...
    xhf.exceptions.InvalidTemplateError: f.csv: column 'kr85': bin 1 is negative (-2.0)
    >>> check_values([1.0, 1e300], "f.npz: array 'c/bkg'", negative=False, edges=[2, 4, 6])
    Traceback (most recent call last):
    ...
    xhf.exceptions.InvalidTemplateError: f.npz: array 'c/bkg': bin 1 (4 to 6) is 1e+300, more than 1e15 events
    """
    kind = getattr(getattr(values, "dtype", None), "kind", "f")
    if kind in _NOT_NUMBERS:
        dtype = values.dtype.str
        raise InvalidTemplateError(f"{where}: holds {_NOT_NUMBERS[kind]} ({dtype}), not numbers")
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InvalidTemplateError(f"{where}: not an array of numbers") from None
    if arr.ndim != 1:
        raise InvalidTemplateError(f"{where}: must be one-dimensional, has shape {arr.shape}")
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(arr) | (False if negative else arr < 0)
        if ceiling is not None:
            bad |= np.abs(arr) > ceiling
    if np.any(bad):
        i = int(np.argmax(bad))
        value = float(arr[i])
        span = f" ({edges[i]:g} to {edges[i + 1]:g})" if edges is not None else ""
        if not np.isfinite(value):
            problem = f"not finite ({value!r})"
        elif ceiling is not None and abs(value) > ceiling:
            problem = f"{value!r}, more than {_power_of_ten(ceiling)} {unit}"
        else:
            problem = f"negative ({value!r})"
        raise InvalidTemplateError(f"{where}: bin {i}{span} is {problem}")
    return arr


def check_edges(edges: Any, where: str) -> NDArray[np.float64]:
    """Bin edges (keV) as a float64 vector: at least two, finite and increasing.

    >>> check_edges([2.0, 4.0, 4.0], "f.root: histogram 'c/bkg'")
    Traceback (most recent call last):
    ...
    xhf.exceptions.InvalidTemplateError: f.root: histogram 'c/bkg': bin edges must increase (edge 2 is 4.0 after 4.0)
    """
    arr = check_values(edges, f"{where}: bin edges", negative=True, ceiling=None)
    if arr.size < 2:
        raise InvalidTemplateError(f"{where}: needs at least one bin, has {arr.size} bin edges")
    steps = np.diff(arr) <= 0
    if np.any(steps):
        i = int(np.argmax(steps)) + 1
        raise InvalidTemplateError(
            f"{where}: bin edges must increase (edge {i} is {float(arr[i])!r} "
            f"after {float(arr[i - 1])!r})"
        )
    return arr


def _power_of_ten(value: float) -> str:
    """``1e15`` for 1e15 (``f"{x:g}"`` would give ``1e+15``)."""
    exponent = int(np.round(np.log10(value)))
    return f"1e{exponent}" if 10.0**exponent == value else f"{value:g}"


def reason(exc: BaseException) -> str:
    """The first line of an exception's message (uproot's span several lines)."""
    lines = str(exc).strip().splitlines()
    return lines[0].rstrip(" ,:") if lines else type(exc).__name__
