"""CLs upper limits with the asymptotic q-tilde calculator, found by root finding.

pyhf's ``upper_limit`` evaluates a full hypothesis test (five fits) at every point of a scan.
Here the same quantities (pyhf's q-tilde, its Asimov dataset from the background-only fit,
the asymptotic CLs of :mod:`xhf.infer.asymptotics`) are computed once per ingredient:

1. the free fit and the background-only (x = 0) fit to the data, which also define the Asimov
   dataset, and the free fit to the Asimov dataset: three fits in all;
2. the five expected limits solve ``sqrt(q_A(x)) = z_k``, one smooth function of x: a few
   conditional Asimov fits, each warm-started from the nearest x already fitted;
3. the observed limit solves ``CLs(x) = alpha`` with a secant/regula-falsi search started at
   the expected median, one conditional fit to the data (plus one to the Asimov) per step.

A limit beyond the upper bound of the parameter of interest (or a best fit at it) raises
:class:`~xhf.infer.exceptions.LimitAtBoundError` naming the bound to widen. The statistical
method is the one of pyhf (Cowan et al., Eur. Phys. J. C 71 (2011) 1554); the limits agree with
``pyhf.infer.intervals.upper_limits.upper_limit`` to the root-finding tolerance.
"""

from __future__ import annotations

import logging
import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from xhf.exceptions import InvalidInputError
from xhf.infer.asymptotics import BANDS, cls_expected, cls_observed, expected_sqrt_qa, pl_z
from xhf.infer.exceptions import BoundTooNarrowError, FitNotConvergedError, LimitAtBoundError
from xhf.infer.fitter import FitResult, Fitter, POIMap
from xhf.infer.roots import AboveRangeError, RootNotFoundError, increasing_root

__all__ = ["AsymptoticCLs", "POILimit", "bound_error", "search_error", "upper_limit"]

log = logging.getLogger(__name__)


def __dir__() -> list[str]:
    return __all__


class POILimit(NamedTuple):
    """An upper limit on the parameter of interest x (before conversion to physical units).

    Attributes:
        observed: observed limit on x.
        expected: expected limits on x for the bands ``"-2"`` ... ``"+2"``.
        best_fit: the maximum-likelihood x (within [0, upper]).
        cl: confidence level (0.9 = 90 %).
        method: ``"cls"``.
        calculator: ``"asymptotics"`` or ``"toybased"``.
        poi: name of the normfactor x is (the first of the map).
        fit_status: fit counters (fits, retried, failed, converged).
        details: calculator-specific extras (CLs at the limit, number of toys, ...).
    """

    observed: float
    expected: dict[str, float]
    best_fit: float
    cl: float
    method: str
    calculator: str
    poi: str
    fit_status: dict[str, Any]
    details: dict[str, Any]


def bound_error(
    fitter: Fitter | POIMap, what: str, cl: float | None = None, scale: float = 3.0
) -> BoundTooNarrowError:
    """The error for a limit (or best fit) above the upper bound of the POI map.

    The message names the normfactor whose bound limits x and a wider bound to set; the
    limit functions widen the bound and retry on this error (:mod:`xhf.infer.limits`).
    """
    pm = fitter if isinstance(fitter, POIMap) else fitter.poi_map
    idx = pm.names.index(pm.limiting)
    suggest = (pm.upper * scale) ** pm.exponents[idx]
    bound = pm.upper ** pm.exponents[idx]
    level = f"{100 * cl:g}% CL " if cl is not None else ""
    return BoundTooNarrowError(
        f"the {what} {level}on {pm.names[0]} lies above the upper bound {bound:.6g} of "
        f"'{pm.limiting}': widen its bounds in the measurement (e.g. to [0, {suggest:.3g}])"
    )


def search_error(
    what: str, exc: RootNotFoundError, cl: float | None = None
) -> FitNotConvergedError:
    """The error for a limit whose root search failed (no number is returned)."""
    level = f" ({100 * cl:g}% CL)" if cl is not None else ""
    return FitNotConvergedError(f"the search for the {what}{level} failed: {exc}")


class AsymptoticCLs:
    """Asymptotic q-tilde CLs of one model and dataset as a function of x.

    Fits are cached and warm-started from the nearest x already fitted, so evaluating CLs at
    a sequence of nearby x costs one short fit each (plus one on the Asimov dataset).

    Args:
        fitter: the model's :class:`~xhf.infer.fitter.Fitter` (defines x).
        data: observed main + auxiliary data.
    """

    def __init__(self, fitter: Fitter, data: NDArray):
        self.fitter = fitter
        self.data = np.asarray(data, dtype=float)
        pm = fitter.poi_map
        if pm.lower > 0:
            raise LimitAtBoundError(
                f"the lower bound {pm.lower ** pm.exponents[0]:g} of '{pm.names[0]}' must be 0 "
                "for q-tilde (the signal strength is physical from 0): widen it to 0"
            )
        self.upper = pm.upper
        self.xb = (0.0, pm.upper)
        self.background = fitter.fit(self.data, 0.0)
        self.asimov = fitter.expected_data(self.background.pars)
        # the Asimov dataset is the background-only expectation, so its free fit is the
        # background-only point itself (pyhf refits it and finds the same minimum)
        self.free_asimov = FitResult(
            self.background.pars, 0.0, fitter.twice_nll(self.background.pars, self.asimov), 0
        )
        self._free: FitResult | None = None
        self._cache: dict[str, dict[float, FitResult]] = {
            "data": {0.0: self.background},
            "asimov": {0.0: self.free_asimov},
        }

    @property
    def free(self) -> FitResult:
        """The free fit to the data (x in [0, upper]); x is scaled by the sensitivity.

        A best fit at the upper bound is kept (q-tilde below it is then 0, as in pyhf);
        :meth:`observed_limit` refuses it.
        """
        if self._free is None:
            cache = self._cache["data"]
            start = min(cache, key=lambda k: cache[k].twice_nll)
            self._free = self.fitter.fit(
                self.data, None, init=cache[start].pars, poi_bounds=self.xb
            )
        return self._free

    @property
    def best_fit_at_bound(self) -> bool:
        """The free fit to the data reached the upper bound of x."""
        return self.free.poi >= self.upper * (1.0 - 1e-6)

    def _conditional(self, which: str, x: float) -> FitResult:
        cache = self._cache[which]
        if x in cache:
            return cache[x]
        data = self.data if which == "data" else self.asimov
        keys = np.array(list(cache))
        nearest = keys[np.argmin(np.abs(np.log((keys + 1e-300) / x)))]
        result = self.fitter.fit(data, x, init=cache[float(nearest)].pars)
        cache[x] = result
        return result

    def _q(self, which: str, x: float) -> float:
        free = self.free if which == "data" else self.free_asimov
        cond = self._conditional(which, x)
        tmu = cond.twice_nll - free.twice_nll
        if tmu < -1e-5:
            # the conditional fit found a better minimum: refit the free fit from it
            refit = self.fitter.fit(
                self.data if which == "data" else self.asimov,
                None,
                init=cond.pars,
                poi_bounds=self.xb,
            )
            if refit.twice_nll < free.twice_nll:
                if which == "data":
                    self._free = refit
                else:
                    self.free_asimov = refit
                free = refit
                tmu = cond.twice_nll - free.twice_nll
        if free.poi > x:
            return 0.0
        return max(tmu, 0.0)

    def q(self, x: float) -> float:
        """Observed q-tilde at x."""
        return self._q("data", float(x))

    def q_asimov(self, x: float) -> float:
        """q-tilde at x on the background-only Asimov dataset."""
        return self._q("asimov", float(x))

    def cls(self, x: float) -> tuple[float, np.ndarray]:
        """Observed CLs and the expected CLs (bands -2..+2) at x: a hypothesis test."""
        qa = self.q_asimov(x)
        return cls_observed(self.q(x), qa), cls_expected(qa)

    # ---------------------------------------------------------------------- limit search
    def _guess_scale(self) -> float:
        """A first x for the searches: where sqrt(q_A) ~ 1.6, assuming sqrt(q_A) ~ x."""
        x = min(1.0, 0.1 * self.upper) if self.upper > 0 else 1.0
        for _ in range(12):
            qa = self.q_asimov(x)
            if qa > 1e-4:
                return min(x * 1.6449 / math.sqrt(qa), self.upper)
            if x >= self.upper:
                break
            x = min(10.0 * x, self.upper)
        if self.q_asimov(self.upper) <= 1e-12:
            raise InvalidInputError(
                f"the signal ({', '.join(self.fitter.poi_map.names)}) does not change the "
                "expected data: no signal yields (a background-only placeholder?)"
            )
        return x

    def expected_limits(
        self, alpha: float, rtol: float = 1e-4, targets: NDArray | None = None
    ) -> dict[str, float]:
        """Expected limits on x for the five bands, from sqrt(q_A(x)) = z_k.

        ``targets`` are the z_k (default: CLs, :func:`expected_sqrt_qa`); a band whose target
        is not positive has the limit 0.
        """
        targets = expected_sqrt_qa(alpha) if targets is None else np.asarray(targets, float)
        out: dict[str, float] = {}
        guess = self._guess_scale()
        power = 1.0
        for k in (2, 1, 3, 0, 4):  # median first, then outwards
            z = targets[k]
            if z > 0.0 and out.get(BANDS[2], 0.0) > 0.0:
                guess = out[BANDS[2]] * (z / targets[2]) ** (1.0 / power)
            what = f"expected ({BANDS[k]} sigma) limit"
            step = 0.05 if out else 0.3
            out[BANDS[k]] = self.asimov_root(z, guess, what, 1 - alpha, rtol, step)
            if k == 2 and out[BANDS[k]] > 0.0:
                power = self._local_power(out[BANDS[k]])
        return {b: out[b] for b in BANDS}

    def asimov_root(
        self, z: float, guess: float, what: str, cl: float, rtol: float = 1e-4, step: float = 0.3
    ) -> float:
        """The x where sqrt(q_A(x)) = z (0 if z <= 0); errors name ``what``."""
        if z <= 0.0:
            return 0.0

        def g(x: float) -> float:
            return math.log(max(math.sqrt(self.q_asimov(x)), 1e-300) / z)

        try:
            return increasing_root(g, guess, self.upper, step=step, rtol=rtol, ftol=rtol / 4)
        except AboveRangeError:
            raise bound_error(self.fitter, what, cl) from None
        except RootNotFoundError as exc:
            raise search_error(what, exc, cl) from None

    def _local_power(self, x: float) -> float:
        """d log sqrt(q_A) / d log x near x from the cached Asimov fits."""
        xs = sorted(k for k in self._cache["asimov"] if k > 0)
        if len(xs) < 2:
            return 1.0
        near = sorted(xs, key=lambda k: abs(math.log(k / x)))[:2]
        q1, q2 = self.q_asimov(near[0]), self.q_asimov(near[1])
        if q1 <= 0 or q2 <= 0 or near[0] == near[1]:
            return 1.0
        p = 0.5 * math.log(q1 / q2) / math.log(near[0] / near[1])
        return float(min(max(p, 0.25), 4.0))

    def observed_limit(
        self, alpha: float, guess: float, rtol: float = 1e-4, *, pl: bool = False
    ) -> float:
        """Observed limit on x from CLs(x) = alpha, or with ``pl`` from p_s+b(x) = alpha.

        The p_s+b of a deficit can be below alpha already as x -> 0 (best fit at 0): every
        x > 0 is excluded and the ``pl`` limit is 0 (:mod:`xhf.infer.pl`).
        """
        target = norm.isf(alpha)

        def h(x: float) -> float:
            q, q_a = self.q(x), self.q_asimov(x)
            if pl:
                return pl_z(q, q_a) - target
            value = cls_observed(q, q_a)
            return float(norm.isf(min(max(value, 1e-300), 1.0 - 1e-16)) - target)

        self.fitter.poi_scale = guess
        if self.best_fit_at_bound:
            raise bound_error(self.fitter, "best fit")
        lower = 1e-3 * guess if pl else 1e-300
        if pl and self.free.poi <= 0.0 and h(lower) >= 0.0:
            return 0.0
        guess = min(max(guess, self.free.poi * 1.05, lower), self.upper)
        try:
            return increasing_root(
                h, guess, self.upper, step=0.1, rtol=rtol, ftol=rtol / 4, lower=lower
            )
        except AboveRangeError:
            raise bound_error(self.fitter, "observed limit", 1 - alpha) from None
        except RootNotFoundError as exc:
            raise search_error("observed limit", exc, 1 - alpha) from None


def upper_limit(
    fitter: Fitter,
    data: NDArray,
    *,
    cl: float = 0.9,
    rtol: float = 1e-4,
) -> POILimit:
    """Asymptotic CLs upper limit on x with the expected +-1/+-2 sigma band.

    Args:
        fitter: the model's fitter (its POI map defines x).
        data: observed main + auxiliary data.
        cl: confidence level (0.9 for the paper's 90 % CL).
        rtol: relative precision of the limits.

    Returns:
        :class:`POILimit` (values of x; see :mod:`xhf.infer.physical` for physical units).

    Raises:
        LimitAtBoundError: a limit or the best fit lies at or above the POI's upper bound.
        FitNotConvergedError: a fit failed from every starting point, or the search for a
            limit failed (:func:`search_error`).
    """
    alpha = 1.0 - cl
    calc = AsymptoticCLs(fitter, data)
    expected = calc.expected_limits(alpha, rtol)
    observed = calc.observed_limit(alpha, expected["0"], rtol)
    cls_at_limit = cls_observed(calc.q(observed), calc.q_asimov(observed))
    return POILimit(
        observed=observed,
        expected=expected,
        best_fit=calc.free.poi,
        cl=cl,
        method="cls",
        calculator="asymptotics",
        poi=fitter.poi_map.names[0],
        fit_status={**fitter.stats.as_dict(), "backend": fitter.backend},
        details={"cls_at_observed_limit": cls_at_limit, "test_statistic": "qtilde"},
    )
