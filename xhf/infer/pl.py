"""One-sided profile-likelihood upper limits, power constraints and discovery significance.

The xenon TPCs (XENONnT, LZ, PandaX-4T) report limits from the one-sided profile-likelihood
ratio without CLs (Baxter et al., "Recommended conventions for reporting results from direct
dark matter searches", Eur. Phys. J. C 81 (2021) 907). With pyhf's q-tilde statistic and the
asymptotic distributions of Cowan, Cranmer, Gross, Vitells, Eur. Phys. J. C 71 (2011) 1554, the
upper limit is the x where the p-value of the signal hypothesis, ``p_s+b``, equals ``1 - cl``
(:func:`~xhf.infer.asymptotics.pl_z`). It uses the same fits as the CLs limit
(:class:`~xhf.infer.cls.AsymptoticCLs`): only the function that is solved differs, and since
``CLs = p_s+b / CLb >= p_s+b`` the profile-likelihood limit is never above the CLs limit.

Without CLs a downward fluctuation can exclude signals the experiment has no sensitivity to
(in the Gaussian limit every x > 0 once ``x_hat < -Phi^-1(cl) sigma``). The power-constrained
limit (Cowan, Cranmer, Gross, Vitells, arXiv:1105.3166) does not let the reported limit fall
below ``x_min``, the value the experiment rejects with probability ``P`` (the power) when
there is no signal. The background-only distribution of the limit has its ``N``-sigma quantile
at the expected limit of band ``N``, so ``P(limit < x) = P`` at the expected limit of band
``N = Phi^-1(P)``: P = 0.16 is the -1 sigma expected limit (N = -0.994), P = 0.5 the median. In
the asymptotic approximation it solves ``sqrt(q_A(x)) = Phi^-1(cl) + Phi^-1(P)``, and the
reported limit is ``max(unconstrained, x_min)``.

The local significance of an excess is ``Z = sqrt(q0)``, ``q0 = -2 ln [L(0, theta_hat_hat) /
L(x_hat, theta_hat)]`` for ``x_hat > 0`` and 0 otherwise (Cowan et al. 2011, Eq. 12 and 53).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from numpy.typing import NDArray
from scipy.stats import norm

from xhf.exceptions import InvalidParameterError
from xhf.infer.asymptotics import pl_expected_sqrt_qa, pl_z
from xhf.infer.cls import AsymptoticCLs, POILimit
from xhf.infer.fitter import Fitter
from xhf.infer.interval import profile_interval

__all__ = ["ProfileSummary", "pl_upper_limit", "power_constraint_sigma", "profile_summary"]


def __dir__() -> list[str]:
    return __all__


def power_constraint_sigma(power: float) -> float:
    """The expected band ``N = Phi^-1(P)`` whose limit is the power-constraint threshold.

    >>> round(power_constraint_sigma(0.16), 3), power_constraint_sigma(0.5)
    (-0.994, 0.0)
    """
    if not (isinstance(power, float | int) and 0.0 < power < 1.0):
        raise InvalidParameterError(f"power constraint must lie in (0, 1), got {power}")
    return float(norm.ppf(power))


def pl_upper_limit(
    fitter: Fitter,
    data: NDArray,
    *,
    cl: float = 0.9,
    power_constraint: float | None = None,
    rtol: float = 1e-4,
) -> POILimit:
    """Asymptotic one-sided profile-likelihood upper limit on x with its expected band.

    Args:
        fitter: the model's fitter (its POI map defines x).
        data: observed main + auxiliary data.
        cl: confidence level (``p_s+b = 1 - cl`` at the limit).
        power_constraint: the power P in (0, 1) of the constraint, or None for none.
        rtol: relative precision of the limits.

    Returns:
        :class:`~xhf.infer.cls.POILimit` with ``method="pl"``; ``observed`` is the reported
        limit (constrained if P is given); ``details["power_constraint"]`` holds P, N, the
        threshold ``poi_expected_at_power`` and the ``poi_unconstrained`` limit.

    Raises:
        LimitAtBoundError: a limit or the best fit lies at or above the POI's upper bound.
        FitNotConvergedError: a fit or a limit's search failed.
    """
    alpha = 1.0 - cl
    sigma_n = None if power_constraint is None else power_constraint_sigma(power_constraint)
    calc = AsymptoticCLs(fitter, data)
    expected = calc.expected_limits(alpha, rtol, targets=pl_expected_sqrt_qa(alpha))
    guess = expected["0"] if expected["0"] > 0 else calc.expected_limits(alpha, rtol)["0"]
    unconstrained = calc.observed_limit(alpha, guess, rtol, pl=True)
    details: dict[str, Any] = {
        "test_statistic": "qtilde",
        "pvalue_sb_at_observed_limit": (
            float(norm.sf(pl_z(calc.q(unconstrained), calc.q_asimov(unconstrained))))
            if unconstrained > 0
            else None
        ),
    }
    observed = unconstrained
    if sigma_n is not None:
        threshold = calc.asimov_root(
            norm.isf(alpha) + sigma_n, guess, "power-constraint threshold", cl, rtol
        )
        observed = max(unconstrained, threshold)
        details["power_constraint"] = {
            "power": float(power_constraint),
            "sigma": sigma_n,
            "applied": bool(threshold > unconstrained),
            "poi_expected_at_power": threshold,
            "poi_unconstrained": unconstrained,
        }
    return POILimit(
        observed=observed,
        expected=expected,
        best_fit=calc.free.poi,
        cl=cl,
        method="pl",
        calculator="asymptotics",
        poi=fitter.poi_map.names[0],
        fit_status={**fitter.stats.as_dict(), "backend": fitter.backend},
        details=details,
    )


class ProfileSummary(NamedTuple):
    """What the profile likelihood says about x besides a limit (values of x).

    Attributes:
        best_fit: x_hat (>= 0).
        q0: ``-2 ln lambda(0)`` (0 when x_hat is 0).
        significance: local ``Z = sqrt(q0)`` of the background-only rejection (0 at x_hat = 0).
        lower, upper: the two-sided profile-likelihood interval at ``cl`` (lower may be 0).
        cl: its confidence level.
    """

    best_fit: float
    q0: float
    significance: float
    lower: float
    upper: float
    cl: float


def profile_summary(fitter: Fitter, data: NDArray, *, cl: float = 0.9) -> ProfileSummary:
    """Best fit, discovery significance and two-sided interval of x from the profile likelihood.

    Raises:
        LimitAtBoundError: the upper end of the interval lies above the POI's upper bound.
        FitNotConvergedError: a fit or the search for an endpoint failed.
    """
    interval = profile_interval(fitter, data, cl=cl)
    q0 = max(interval.q0, 0.0) if interval.best_fit > 0.0 else 0.0
    return ProfileSummary(
        best_fit=interval.best_fit,
        q0=q0,
        significance=math.sqrt(q0),
        lower=interval.lower,
        upper=interval.upper,
        cl=cl,
    )
