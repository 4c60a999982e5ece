"""A small bounded minimiser for the closed-form likelihoods of :mod:`xhf.infer`.

The fits of the inference stage have a dozen parameters (the staterror gammas are profiled in
closed form) and an analytic gradient and Gauss-Newton Hessian (Fisher scoring for the Poisson
likelihood of XMASS-I's fit, J^T J for the paper's chi2, Phys. Lett. B 809 (2020) 135741,
Eq. 4). A damped Newton method converges in a handful of steps where a quasi-Newton method
needs dozens, and it runs no BLAS-threaded code that contends with other processes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["damped_newton"]


def __dir__() -> list[str]:
    return __all__


def damped_newton(fgh, v0: NDArray, lo: NDArray, hi: NDArray, maxiter: int = 200):
    """Minimise a smooth function within bounds: projected, damped (Levenberg-Marquardt) Newton.

    Parameters at a bound with the gradient pointing outwards are held; the step solves
    ``(H + lambda diag H) d = -g`` for the others, with lambda raised until the value decreases
    (Armijo) and lowered after each accepted step. Converged when the decrease and the Newton
    decrement ``-g.d`` are below 1e-9 and 1e-7.

    Args:
        fgh: ``v -> (value, gradient, hessian, anything)``; the Hessian may be Gauss-Newton.
        v0: start (inside the bounds).
        lo, hi: bounds.
        maxiter: accepted steps at most.

    Returns:
        (v, value, gradient, message); v is None if the start is not finite.

    >>> f = lambda v: (float((v[0] - 1) ** 2 + 10 * v[1] ** 2), np.array([2 * (v[0] - 1), 20 * v[1]]),
    ...                np.diag([2.0, 20.0]), None)
    >>> v, value, _, _ = damped_newton(f, np.array([0.0, 1.0]), np.array([-5.0, 0.5]), np.array([5.0, 5.0]))
    >>> np.round(v, 6).tolist()
    [1.0, 0.5]
    """
    v = v0.copy()
    value, grad, hess, _ = fgh(v)
    if not np.isfinite(value):
        return None, value, grad, "non-finite likelihood at the start"
    lam = 1e-4
    for _ in range(maxiter):
        active = ((v <= lo) & (grad > 0)) | ((v >= hi) & (grad < 0))
        free = np.flatnonzero(~active)
        if free.size == 0:
            return v, value, grad, "all parameters at bounds"
        g = grad[free]
        h = hess[np.ix_(free, free)]
        diag = np.where(np.diag(h) > 0, np.diag(h), 1.0)
        for _ in range(40):
            try:
                step = np.linalg.solve(h + lam * np.diag(diag), -g)
            except np.linalg.LinAlgError:
                lam = max(10.0 * lam, 1e-8)
                continue
            trial = v.copy()
            trial[free] += step
            trial = np.clip(trial, lo, hi)
            t_value, t_grad, t_hess, _ = fgh(trial)
            expected = float(grad @ (trial - v))
            if np.isfinite(t_value) and t_value <= value + 1e-4 * min(expected, 0.0):
                break
            lam = max(10.0 * lam, 1e-8)
        else:
            return v, value, grad, "Newton: no decreasing step"
        decrement = value - t_value
        newton_decrement = float(-g @ step)
        v, value, grad, hess = trial, t_value, t_grad, t_hess
        lam = max(lam / 10.0, 1e-12)
        if decrement < 1e-9 and newton_decrement < 1e-7:
            return v, value, grad, "Newton: converged"
    return v, value, grad, f"Newton: {maxiter} iterations"
