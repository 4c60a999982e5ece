"""Profile-likelihood interval on the parameter of interest.

The set of x with ``-2 ln lambda(x) = -2 ln [L(x, theta_hat_hat) / L(x_hat, theta_hat)]`` below
the chi2 quantile for one degree of freedom (Wilks; 1.0 for 68.3 %, 2.71 for 90 %), within the
POI's bounds. Its endpoints are found by root finding on the profile, like the CLs limits.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.stats import chi2 as chi2_dist

from xhf.infer.cls import bound_error, search_error
from xhf.infer.fitter import Fitter
from xhf.infer.roots import AboveRangeError, RootNotFoundError, increasing_root

__all__ = ["Interval", "profile_interval"]


def __dir__() -> list[str]:
    return __all__


class Interval(NamedTuple):
    """A profile-likelihood interval [lower, upper] on x with the best fit and the level.

    ``q0`` is ``-2 ln lambda`` at x = 0 (NaN if the POI's lower bound is above 0).
    """

    lower: float
    upper: float
    best_fit: float
    cl: float
    poi: str
    q0: float = math.nan


def profile_interval(
    fitter: Fitter, data: NDArray, *, cl: float = 0.6827, rtol: float = 1e-4
) -> Interval:
    """Profile-likelihood interval on x at confidence level ``cl``.

    Args:
        fitter: the model's fitter (x >= the lower bound of its POI map, at least 0).
        data: main + auxiliary data.
        cl: confidence level (0.6827 for 1 sigma).
        rtol: relative precision of the endpoints.

    Raises:
        LimitAtBoundError: the upper endpoint lies beyond the POI's upper bound.
        FitNotConvergedError: a fit or the search for an endpoint failed.
    """
    data = np.asarray(data, dtype=float)
    threshold = float(chi2_dist.ppf(cl, 1))
    pm = fitter.poi_map
    lower_bound = max(pm.lower, 0.0)
    background = fitter.fit(data, lower_bound)
    free = fitter.fit(data, None, init=background.pars, poi_bounds=(lower_bound, pm.upper))
    fits = {lower_bound: background}

    def t(x: float) -> float:
        near = min(fits, key=lambda k: abs(k - x))
        result = fitter.fit(data, x, init=fits[near].pars)
        fits[x] = result
        return result.twice_nll - free.twice_nll

    scale = max(free.poi, fitter.poi_scale, 1e-12 * pm.upper)
    try:
        upper = increasing_root(
            lambda x: math.log(max(t(x), 1e-300) / threshold) if x > free.poi else -1.0,
            free.poi + scale,
            pm.upper,
            rtol=rtol,
            ftol=rtol / 4,
        )
    except AboveRangeError:
        raise bound_error(
            fitter, f"upper end of the {100 * cl:g}% profile-likelihood interval"
        ) from None
    except RootNotFoundError as exc:
        what = f"upper end of the {100 * cl:g}% profile-likelihood interval"
        raise search_error(what, exc) from None
    if t(lower_bound) <= threshold or free.poi <= lower_bound:
        lower = lower_bound
    else:
        lower = brentq(lambda x: t(x) - threshold, lower_bound, free.poi, rtol=rtol)
    q0 = background.twice_nll - free.twice_nll if lower_bound == 0.0 else math.nan
    return Interval(float(lower), float(upper), free.poi, cl, pm.names[0], float(q0))
