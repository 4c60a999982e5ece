"""One-dimensional root finding in log(x) for monotone, expensive functions (each call = fits).

Limits are found by solving CLs(x) = alpha (or q_A(x) = z^2) rather than by scanning: a secant
step from a good first guess, then Illinois regula falsi once the root is bracketed. Functions
of log(x) such as log sqrt(q_A) are close to linear (sqrt(q_A) ~ x^p), so a few evaluations
suffice. A root above the allowed range raises :class:`AboveRangeError`; a search that cannot
return a root -- too many evaluations, a non-finite value, a function still positive at the lower
end, or a bracket that closes on a jump instead of a zero (fits switching between minima) --
raises :class:`RootNotFoundError`. The callers turn both into errors that name the limit: a
failed search never returns a number.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["JUMP_FACTOR", "AboveRangeError", "RootNotFoundError", "increasing_root"]


def __dir__() -> list[str]:
    return __all__


class AboveRangeError(Exception):
    """The function is still below zero at the upper end of the range (internal signal)."""

    def __init__(self, value_at_upper: float):
        super().__init__(value_at_upper)
        self.value_at_upper = value_at_upper


class RootNotFoundError(RuntimeError):
    """The search failed; the message says how (internal signal, re-raised with context)."""


#: a final bracket whose secant slope exceeds the first bracket's by this factor holds a jump.
JUMP_FACTOR = 100.0


def increasing_root(
    func: Callable[[float], float],
    guess: float,
    upper: float,
    *,
    step: float = 0.3,
    rtol: float = 1e-4,
    ftol: float = 1e-6,
    lower: float = 1e-300,
    max_evals: int = 60,
) -> float:
    """Solve ``func(x) = 0`` for an increasing ``func`` on ``(lower, upper]``.

    Args:
        func: increasing function of x (its evaluations are expensive).
        guess: first x to try.
        upper: largest x allowed.
        step: first step in log(x) if the guess is not already bracketing.
        rtol: relative tolerance on x (width of the final bracket in log x).
        ftol: stop early once ``|func(x)| < ftol``.
        lower: smallest x allowed.
        max_evals: give up after this many evaluations.

    Returns:
        The root x.

    Raises:
        AboveRangeError: if ``func(upper) < 0``.
        RootNotFoundError: more than ``max_evals`` evaluations; a non-finite value of ``func``;
            ``func(lower) > 0``; or the bracket closed on a discontinuity (its final secant
            slope exceeds the first bracket's by :data:`JUMP_FACTOR`) rather than on a zero.

    >>> round(increasing_root(lambda x: x**2 - 2.0, 1.0, 10.0), 4)
    1.4142
    """
    log_upper, log_lower = math.log(upper), math.log(lower)
    evals = 0

    def f(u: float) -> float:
        nonlocal evals
        evals += 1
        if evals > max_evals:
            raise RootNotFoundError(f"no root after {max_evals} evaluations")
        value = float(func(math.exp(u)))
        if not math.isfinite(value):
            raise RootNotFoundError(f"the function is {value} at x={math.exp(u):.6g}")
        return value

    u0 = min(max(math.log(guess), log_lower), log_upper)
    f0 = f(u0)
    if abs(f0) < ftol:
        return math.exp(u0)
    neg = (u0, f0) if f0 < 0 else None
    pos = (u0, f0) if f0 > 0 else None
    u1 = u0 + (step if f0 < 0 else -step)
    prev = (u0, f0)
    while neg is None or pos is None:
        if u1 >= log_upper:
            u1 = log_upper
        u1 = max(u1, log_lower)
        f1 = f(u1)
        if abs(f1) < ftol:
            return math.exp(u1)
        if f1 < 0:
            if u1 >= log_upper:
                raise AboveRangeError(f1)
            neg = (u1, f1)
        else:
            if u1 <= log_lower:
                raise RootNotFoundError(
                    f"the function is still positive ({f1:.3g}) at the lower end x={lower:.3g}"
                )
            pos = (u1, f1)
        if neg is not None and pos is not None:
            break
        du = u1 - prev[0]
        df = f1 - prev[1]
        direction = 1.0 if f1 < 0 else -1.0
        secant = -f1 * du / df if df != 0 and (du / df) > 0 else direction * 2 * abs(du)
        size = min(max(abs(secant) * 1.1, 0.25 * abs(du)), 3.0)
        prev = (u1, f1)
        u1 = u1 + direction * size
    (ua, fa), (ub, fb) = neg, pos
    first_slope = (fb - fa) / (ub - ua)
    true_fa, true_fb = fa, fb  # Illinois halves fa/fb; the jump check needs the real values
    side = 0
    while abs(ub - ua) > rtol:
        u = ub - fb * (ub - ua) / (fb - fa)
        if not ua < u < ub:
            u = 0.5 * (ua + ub)
        fu = f(u)
        if abs(fu) < ftol:
            return math.exp(u)
        if fu < 0:
            ua, fa, true_fa = u, fu, fu
            if side == -1:
                fb *= 0.5
            side = -1
        else:
            ub, fb, true_fb = u, fu, fu
            if side == 1:
                fa *= 0.5
            side = 1
    if (true_fb - true_fa) / (ub - ua) > JUMP_FACTOR * first_slope:
        raise RootNotFoundError(
            f"the function jumps from {true_fa:.3g} to {true_fb:.3g} between "
            f"x={math.exp(ua):.6g} and {math.exp(ub):.6g} instead of crossing zero"
        )
    return math.exp(ub - fb * (ub - ua) / (fb - fa))
