"""pyhf's interpolation codes in NumPy: normsys code 4 and histosys code 4p, with derivatives.

HistFactory (CERN-OPEN-2012-016) leaves the interpolation of a modifier between its +-1 sigma
variations to a choice of code; pyhf's defaults, which the workspaces of xhf are meant for
(:data:`xhf.workspace.metadata.INTERPOLATION`), are code 4 for normsys (exponential beyond
|alpha| = 1, a sixth-order polynomial inside) and code 4p for histosys (linear beyond, a
polynomial inside). These are pyhf's ``interpolators.code4`` and ``code4p`` (the tests compare
them), vectorised over any leading axes and with their derivatives, for the closed-form model
(:mod:`xhf.infer.compiled`) and the normsys pulls of the paper's chi2
(:mod:`xhf.workspace.paper_chi2`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["code4", "code4_coefficients", "code4p_coefficients"]


def __dir__() -> list[str]:
    return __all__


# Conditions f(+-1), f'(+-1), f''(+-1) on f(alpha) = 1 + sum_{i=1..6} a_i alpha^i.
_CODE4_SYSTEM = np.array(
    [
        [1, 1, 1, 1, 1, 1],
        [-1, 1, -1, 1, -1, 1],
        [1, 2, 3, 4, 5, 6],
        [1, -2, 3, -4, 5, -6],
        [0, 2, 6, 12, 20, 30],
        [0, 2, -6, 12, -20, 30],
    ],
    dtype=float,
)
_POWERS = np.arange(1, 7)


def code4_coefficients(hi: NDArray, lo: NDArray) -> NDArray:
    """Polynomial coefficients a_1..a_6 of pyhf's normsys code 4 inside |alpha| < 1."""
    lh, ll = np.log(hi), np.log(lo)
    rhs = np.stack([hi - 1.0, lo - 1.0, hi * lh, -lo * ll, hi * lh**2, lo * ll**2], axis=-1)
    return np.linalg.solve(_CODE4_SYSTEM, rhs.T).T


def code4(alpha: NDArray, hi: NDArray, lo: NDArray, coef: NDArray | None = None):
    """pyhf's normsys interpolation (code 4) and its derivative.

    ``hi**alpha`` for alpha >= 1, ``lo**-alpha`` for alpha <= -1 and a sixth-order polynomial
    in between whose value and first two derivatives are continuous at +-1.

    Args:
        alpha: nuisance-parameter values, shape (E,) or (T, E) for T parameter vectors.
        hi, lo: multiplicative factors at alpha = +1 and -1, shape (E,).
        coef: precomputed polynomial coefficients (E, 6), optional.

    Returns:
        (factor, d factor / d alpha), each of the shape of ``alpha``.

    >>> f, df = code4(np.array([0.0, 1.0, -2.0]), np.full(3, 1.1), np.full(3, 0.9))
    >>> np.round(f, 6).tolist()
    [1.0, 1.1, 0.81]
    """
    coef = code4_coefficients(hi, lo) if coef is None else coef
    a = np.asarray(alpha, dtype=float)
    powers = a[..., None] ** _POWERS  # leading axes: a batch of parameter vectors
    poly = 1.0 + np.einsum("ei,...ei->...e", coef, powers)
    dpoly = np.einsum(
        "ei,...ei->...e",
        coef * _POWERS,
        np.concatenate([np.ones((*a.shape, 1)), powers[..., :5]], axis=-1),
    )
    up, down = a >= 1.0, a <= -1.0
    safe_hi, safe_lo = np.where(up, hi, 1.0), np.where(down, lo, 1.0)
    f_up = safe_hi**a
    f_dn = safe_lo ** (-a)
    f = np.where(up, f_up, np.where(down, f_dn, poly))
    df = np.where(up, f_up * np.log(safe_hi), np.where(down, -f_dn * np.log(safe_lo), dpoly))
    return f, df


def code4p_coefficients(alpha: NDArray):
    """Weights of pyhf's histosys interpolation (code 4p) and of its derivative.

    The shift is ``w_up*D_up + w_dn*D_dn + w_s*(D_up+D_dn)/2 + w_a*(D_up-D_dn)/16`` with
    ``D_up = hi - nominal`` and ``D_dn = nominal - lo``: linear beyond |alpha| = 1, a
    polynomial in between (pyhf ``interpolators.code4p``).

    Returns:
        Two arrays (value weights, derivative weights), each of shape (4, H).
    """
    a = np.asarray(alpha, dtype=float)
    inside = np.abs(a) <= 1.0
    up, dn = a > 1.0, a < -1.0
    a2 = a * a
    value = np.stack(
        [
            np.where(up, a, 0.0),
            np.where(dn, a, 0.0),
            np.where(inside, a, 0.0),
            np.where(inside, a2 * (a2 * (3.0 * a2 - 10.0) + 15.0), 0.0),
        ]
    )
    deriv = np.stack(
        [
            up.astype(float),
            dn.astype(float),
            inside.astype(float),
            np.where(inside, a * (a2 * (18.0 * a2 - 40.0) + 30.0), 0.0),
        ]
    )
    return value, deriv
