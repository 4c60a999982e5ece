"""Toy-based CLs: the q-tilde distributions from pseudo-experiments, on request.

As pyhf's ``ToyCalculator`` (the LHC procedure, ATL-PHYS-PUB-2011-11): pseudo-data are drawn
from the model with the nuisances at their conditional fits to the data -- at the tested x for
signal+background, at x = 0 for background only -- Poisson counts for the bins and Gaussian
auxiliary measurements; q-tilde is computed on each; CLs+b and CLb are the fractions of toys at
least as extreme as the observed q-tilde, and the expected band takes the 2.3/15.9/50/84.1/97.7
percentiles of the CLs of the background-only toys.

The limit is not root-found on a noisy function: CLs is computed on a few x around the
asymptotic limits (the same seed at every x, so neighbouring points share their fluctuations)
and interpolated linearly in (x, log CLs). Toys need the closed-form model (seeded NumPy
generator, ~ms fits); progress is shown with tqdm on request.

The one-sided profile-likelihood limit (``method="pl"``, :mod:`xhf.infer.pl`) uses the same
toys: its p-value is CLs+b alone, and its power constraint at power P is the 100 P percentile
of the background-only toys' CLs+b (the expected limit of band Phi^-1(P)).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xhf.exceptions import InvalidParameterError
from xhf.infer.asymptotics import BANDS
from xhf.infer.cls import AsymptoticCLs, POILimit, bound_error, upper_limit
from xhf.infer.exceptions import FitNotConvergedError, UnsupportedModelError
from xhf.infer.fitter import Fitter

__all__ = ["toy_cls", "toy_upper_limit"]

log = logging.getLogger(__name__)


def __dir__() -> list[str]:
    return __all__


_PERCENTILES = np.array([2.27501319, 15.86552539, 50.0, 84.13447461, 97.72498681])


def _sample(fitter: Fitter, pars: NDArray, ntoys: int, rng: np.random.Generator) -> NDArray:
    cm = fitter.compiled
    main = rng.poisson(cm.expected_main(pars), size=(ntoys, cm.nmain)).astype(float)
    aux = rng.normal(cm.expected_aux(pars), cm._gauss_sigma, size=(ntoys, cm._gauss_par.size))
    return np.hstack([main, aux])


def _qtilde(fitter: Fitter, toy: NDArray, x: float, init: NDArray, upper: float) -> float:
    cond = fitter.fit(toy, x, init=init)
    free = fitter.fit(toy, None, init=cond.pars, poi_bounds=(0.0, upper))
    if free.twice_nll > cond.twice_nll:  # the conditional point is a better free minimum
        free = cond._replace(poi=x)
    if free.poi > x:
        return 0.0
    return max(cond.twice_nll - free.twice_nll, 0.0)


def toy_cls(
    calc: AsymptoticCLs,
    x: float,
    ntoys: int,
    seed: int,
    progress: Any = None,
    *,
    method: str = "cls",
    percentiles: NDArray = _PERCENTILES,
) -> tuple[float, np.ndarray]:
    """Observed CLs and expected CLs band (-2..+2) at x from ``2 * ntoys`` pseudo-experiments.

    With ``method="pl"`` the p-value is CLs+b instead of CLs; ``percentiles`` of the
    background-only toys give the expected values (default the five bands).

    A toy whose fits fail from every starting point is dropped (and counted in the fitter's
    ``fit_status["failed"]``); if more than 1 % of the toys of a hypothesis fail,
    :class:`~xhf.infer.exceptions.FitNotConvergedError` is raised instead.

    Args:
        calc: the asymptotic calculator of the model and data (for its fits).
        x: tested value of the parameter of interest.
        ntoys: toys per hypothesis.
        seed: seed of the NumPy generator (the same for every x).
        progress: a tqdm bar to advance, or None.
    """
    fitter = calc.fitter
    if fitter.compiled is None:
        raise UnsupportedModelError(
            "toys need a model of the closed-form kind (xhf.infer.compiled)"
        )
    rng = np.random.default_rng(seed)
    sb_pars = calc._conditional("data", x).pars
    b_pars = calc.background.pars
    q_obs = calc.q(x)
    stats = {}
    for label, pars in (("sb", sb_pars), ("b", b_pars)):
        toys = _sample(fitter, pars, ntoys, rng)
        values = np.empty(ntoys)
        for i, toy in enumerate(toys):
            try:
                values[i] = _qtilde(fitter, toy, x, pars, calc.upper)
            except FitNotConvergedError:
                values[i] = np.nan
            if progress is not None:
                progress.update(1)
        failed = int(np.isnan(values).sum())
        if failed > 0.01 * ntoys:
            raise FitNotConvergedError(
                f"{failed} of {ntoys} toy fits at x={x:.6g} did not converge (at most 1 % may)"
            )
        if failed:
            log.warning("dropped %d of %d toys at x=%.6g: their fits failed", failed, ntoys, x)
        stats[label] = values[~np.isnan(values)]
    sb, b = stats["sb"], stats["b"]

    def cls_at(q: float) -> float:
        clsb = float(np.mean(sb >= q))
        if method == "pl":
            return clsb
        clb = np.mean(b >= q)
        return float(clsb / clb) if clb > 0 else 0.0

    observed = cls_at(q_obs)
    expected = np.percentile([cls_at(q) for q in b], percentiles)
    return observed, expected


def _crossing(xs: NDArray, cls: NDArray, alpha: float) -> float | None:
    """First x where log CLs falls below log alpha (linear interpolation)."""
    logs = np.log(np.maximum(cls, 1e-12))
    target = np.log(alpha)
    for i in range(len(xs) - 1):
        if logs[i] >= target > logs[i + 1]:
            t = (logs[i] - target) / (logs[i] - logs[i + 1])
            return float(xs[i] + t * (xs[i + 1] - xs[i]))
    return None


def toy_upper_limit(
    fitter: Fitter,
    data: NDArray,
    *,
    cl: float = 0.9,
    ntoys: int = 1000,
    seed: int = 0,
    n_points: int = 7,
    progress: bool = False,
    method: str = "cls",
    power_constraint: float | None = None,
) -> POILimit:
    """CLs (or one-sided profile-likelihood, ``method="pl"``) upper limit from toys.

    Args:
        fitter: the model's fitter.
        data: observed main + auxiliary data.
        cl: confidence level.
        ntoys: toys per hypothesis and tested x.
        seed: seed of the pseudo-experiments.
        n_points: tested x values, log-spaced around the asymptotic limits.
        progress: show a tqdm progress bar on stderr.
        method: ``cls`` or ``pl``.
        power_constraint: power P of a constrained ``pl`` limit (None: none).

    Returns:
        :class:`~xhf.infer.cls.POILimit`; ``details["failed_toys"]`` counts the toys dropped
        because their fits failed (at most 1 % per hypothesis and x, see :func:`toy_cls`).

    Raises:
        LimitAtBoundError: a limit lies beyond the tested range at the POI's upper bound.
        FitNotConvergedError: a fit to the data failed, more than 1 % of the toys at one x
            failed, or toy CLs does not cross 1 - cl inside the tested range.
    """
    from tqdm import tqdm

    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise InvalidParameterError(f"seed must be an integer from 0 to 2^32 - 1, not {seed!r}")
    from xhf.infer.pl import pl_upper_limit, power_constraint_sigma

    alpha = 1.0 - cl
    percentiles = _PERCENTILES
    if power_constraint is not None:
        power_constraint_sigma(power_constraint)  # validates P
        percentiles = np.append(_PERCENTILES, 100.0 * power_constraint)
    if method == "pl":
        asym = pl_upper_limit(fitter, data, cl=cl, power_constraint=power_constraint)
    else:
        asym = upper_limit(fitter, data, cl=cl)
    failed_before = fitter.stats.failed
    calc = AsymptoticCLs(fitter, data)
    positive = [v for v in (*asym.expected.values(), asym.observed) if v > 0]
    low = 0.5 * min(positive)
    high = min(2.0 * max(asym.expected["+2"], asym.observed), fitter.poi_map.upper)
    xs = np.geomspace(low, high, n_points)
    bar = tqdm(total=2 * ntoys * n_points, unit="toy", disable=not progress, leave=False)
    observed, expected = [], []
    try:
        for x in xs:
            obs, exp = toy_cls(
                calc, float(x), ntoys, seed, bar, method=method, percentiles=percentiles
            )
            observed.append(obs)
            expected.append(exp)
    finally:
        bar.close()
    observed, expected = np.array(observed), np.array(expected)
    limits = {"observed": _crossing(xs, observed, alpha)}
    for k, band in enumerate(BANDS):
        limits[band] = _crossing(xs, expected[:, k], alpha)
    curves = {"observed": observed, **{b: expected[:, k] for k, b in enumerate(BANDS)}}
    asym_values = {
        "observed": asym.details.get("power_constraint", {}).get(
            "poi_unconstrained", asym.observed
        ),
        **asym.expected,
    }
    if power_constraint is not None:
        limits["power"] = _crossing(xs, expected[:, -1], alpha)
        curves["power"] = expected[:, -1]
        asym_values["power"] = asym.details["power_constraint"]["poi_expected_at_power"]
    for key, value in limits.items():
        # pl: every tested x excluded where the asymptotic limit is 0 as well -> 0
        if value is None and curves[key][0] < alpha and asym_values[key] == 0.0:
            limits[key] = 0.0
    missing = [k for k, v in limits.items() if v is None]
    if missing:
        if high >= fitter.poi_map.upper:
            raise bound_error(fitter, f"toy-based {missing[0]} limit", cl)
        raise FitNotConvergedError(
            f"toy CLs does not cross {alpha:g} between x={low:.3g} and {high:.3g} for "
            f"{', '.join(missing)}; use more toys"
        )
    details: dict[str, Any] = {
        "ntoys": ntoys,
        "seed": seed,
        "tested": xs.tolist(),
        "cls_observed" if method == "cls" else "pvalue_sb_observed": observed.tolist(),
        "asymptotic_observed": asym.observed,
        "failed_toys": fitter.stats.failed - failed_before,
    }
    reported = limits["observed"]
    if power_constraint is not None:
        reported = max(limits["observed"], limits["power"])
        details["power_constraint"] = {
            "power": float(power_constraint),
            "sigma": power_constraint_sigma(power_constraint),
            "applied": bool(limits["power"] > limits["observed"]),
            "poi_expected_at_power": limits["power"],
            "poi_unconstrained": limits["observed"],
        }
    return POILimit(
        observed=reported,
        expected={b: limits[b] for b in BANDS},
        best_fit=calc.free.poi,
        cl=cl,
        method=method,
        calculator="toybased",
        poi=fitter.poi_map.names[0],
        fit_status={**fitter.stats.as_dict(), "backend": fitter.backend},
        details=details,
    )
