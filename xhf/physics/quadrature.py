"""Gauss-Legendre nodes on [0, 1], computed once per order (numpy's are O(n^3) to build)."""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.typing import NDArray

__all__ = ["unit_gauss_legendre"]


def __dir__() -> list[str]:
    return __all__


@cache
def unit_gauss_legendre(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Nodes and weights of the n-point Gauss-Legendre rule on [0, 1] (read-only arrays).

    >>> t, w = unit_gauss_legendre(3)
    >>> round(float(np.sum(w * t**5)), 12)   # exact for polynomials up to degree 5
    0.166666666667
    """
    x, w = np.polynomial.legendre.leggauss(n)
    t, w = 0.5 * (x + 1.0), 0.5 * w
    t.setflags(write=False)
    w.setflags(write=False)
    return t, w
