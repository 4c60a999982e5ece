"""Checks on numbers read from template files; errors name the file, histogram and bin."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.exceptions import InvalidTemplateError

__all__ = ["check_same_binning", "check_values", "reason"]


def __dir__() -> list[str]:
    return __all__


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
    values: Any, where: str, *, negative: bool, edges: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """``values`` as a float64 vector; NaN, infinite or (unless allowed) negative bins raise.

    Args:
        values: the numbers read from a file.
        where: file and array or column, prefix of the message.
        negative: negative bins are allowed (signal parts).
        edges: bin edges, to give the bad bin's range in the message.

    >>> check_values([1.0, -2.0], "f.csv: column 'kr85'", negative=False)
    Traceback (most recent call last):
    ...
    xhf.exceptions.InvalidTemplateError: f.csv: column 'kr85': bin 1 is negative (-2.0)
    """
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidTemplateError(f"{where}: not an array of numbers") from None
    if arr.ndim != 1:
        raise InvalidTemplateError(f"{where}: must be one-dimensional, has shape {arr.shape}")
    bad = ~np.isfinite(arr) | (False if negative else arr < 0)
    if np.any(bad):
        i = int(np.argmax(bad))
        problem = "negative" if np.isfinite(arr[i]) else "not finite"
        span = f" ({edges[i]:g} to {edges[i + 1]:g})" if edges is not None else ""
        raise InvalidTemplateError(f"{where}: bin {i}{span} is {problem} ({float(arr[i])!r})")
    return arr


def reason(exc: BaseException) -> str:
    """The first line of an exception's message (uproot's span several lines)."""
    lines = str(exc).strip().splitlines()
    return lines[0].rstrip(" ,:") if lines else type(exc).__name__
