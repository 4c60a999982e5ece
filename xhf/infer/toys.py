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
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from xhf.exceptions import InvalidParameterError, XhfError
from xhf.infer.asymptotics import BANDS
from xhf.infer.cls import AsymptoticCLs, POILimit, bound_error, upper_limit
from xhf.infer.exceptions import FitNotConvergedError, UnsupportedModelError
from xhf.infer.execution import Scheduler, TaskFailure, run_tasks, tune_allocator
from xhf.infer.fitter import Fitter

__all__ = [
    "TOY_BATCH",
    "ToyTask",
    "qtilde_batch",
    "run_toy_batch",
    "toy_cls",
    "toy_tasks",
    "toy_upper_limit",
]

log = logging.getLogger(__name__)


def __dir__() -> list[str]:
    return __all__


_PERCENTILES = np.array([2.27501319, 15.86552539, 50.0, 84.13447461, 97.72498681])
#: Toys per task and hypothesis: a fixed size, so that the toys (their seeds) do not depend on
#: the number of workers.
TOY_BATCH = 1000


def _sample(fitter: Fitter, pars: NDArray, ntoys: int, rng: np.random.Generator) -> NDArray:
    cm = fitter.compiled
    main = rng.poisson(cm.expected_main(pars), size=(ntoys, cm.nmain)).astype(float)
    widths = cm.constraint_widths
    aux = rng.normal(cm.expected_aux(pars), widths, size=(ntoys, widths.size))
    return np.hstack([main, aux])


def _qtilde(fitter: Fitter, toy: NDArray, x: float, init: NDArray, upper: float) -> float:
    cond = fitter.fit(toy, x, init=init)
    free = fitter.fit(toy, None, init=cond.pars, poi_bounds=(0.0, upper))
    if free.twice_nll > cond.twice_nll:  # the conditional point is a better free minimum
        free = cond._replace(poi=x)
    if free.poi > x:
        return 0.0
    return max(cond.twice_nll - free.twice_nll, 0.0)


def _qtilde_one_at_a_time(fitter: Fitter, toys: NDArray, x: float, init: NDArray, upper: float):
    values = np.empty(len(toys))
    for i, toy in enumerate(toys):
        try:
            values[i] = _qtilde(fitter, toy, x, init, upper)
        except FitNotConvergedError:
            values[i] = np.nan
    return values


def qtilde_batch(fitter: Fitter, toys: NDArray, x: float, init: NDArray, upper: float) -> NDArray:
    """q-tilde of every toy (rows of ``toys``) at x, with all toys fitted together.

    The conditional fit at x starts at ``init``, the free fit (x in [0, upper]) at the
    conditional minimum, as one toy at a time would; a toy whose batched fits do not converge
    is refitted alone (:meth:`Fitter.fit` with its retries) and is NaN if that fails too.
    """
    from xhf.infer.batched import batched_fit

    cond = batched_fit(fitter, toys, x, init)
    free = batched_fit(fitter, toys, None, cond.pars, poi_bounds=(0.0, upper))
    better = free.twice_nll > cond.twice_nll  # the conditional point is a better free minimum
    free_nll = np.where(better, cond.twice_nll, free.twice_nll)
    free_poi = np.where(better, x, free.poi)
    q = np.where(free_poi > x, 0.0, np.maximum(cond.twice_nll - free_nll, 0.0))
    redo = np.flatnonzero(~(cond.converged & free.converged))
    if redo.size:
        log.info("refitting %d of %d toys one at a time", redo.size, len(toys))
        q[redo] = _qtilde_one_at_a_time(fitter, toys[redo], x, init, upper)
    return q


class ToyTask(NamedTuple):
    """One batch of toys at one tested x: ``size`` toys per hypothesis.

    Attributes:
        x: tested value of the parameter of interest.
        sb_pars, b_pars: the parameters the signal+background and background-only toys are
            drawn from (conditional fits to the data at x and at 0).
        upper: upper bound of x in the free fits.
        seed: the batch's ``SeedSequence`` (the same for every x).
        size: toys per hypothesis.
        batched: fit the toys together (False: one at a time, for cross-checks).
    """

    x: float
    sb_pars: NDArray
    b_pars: NDArray
    upper: float
    seed: np.random.SeedSequence
    size: int
    batched: bool = True


def run_toy_batch(fitter: Fitter, task: ToyTask) -> tuple[NDArray, NDArray]:
    """q-tilde of the signal+background and background-only toys of one batch (NaN: failed).

    A pure function of the task: the toys come from the task's seed, and the fitter is copied
    with its own retry generator, so the result does not depend on what ran before on a worker.
    """
    tune_allocator()
    rng = np.random.default_rng(task.seed)
    retry_seed = np.random.SeedSequence(
        task.seed.entropy, spawn_key=(*task.seed.spawn_key, 1 << 30)
    )
    fitter = fitter.reseeded(retry_seed)
    qfunc = qtilde_batch if task.batched else _qtilde_one_at_a_time
    out = []
    for pars in (task.sb_pars, task.b_pars):
        toys = _sample(fitter, pars, task.size, rng)
        out.append(qfunc(fitter, toys, task.x, pars, task.upper))
    return out[0], out[1]


def toy_tasks(calc: AsymptoticCLs, xs, ntoys: int, seed: int, batched: bool = True):
    """The batches of toys at every x: ``ceil(ntoys / TOY_BATCH)`` per x, seeds spawned from
    ``SeedSequence(seed)`` (batch k has the same seed at every x: neighbouring x share their
    fluctuations)."""
    sizes = [min(TOY_BATCH, ntoys - start) for start in range(0, ntoys, TOY_BATCH)]
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    b_pars = calc.background.pars
    return [
        ToyTask(
            float(x), calc._conditional("data", float(x)).pars, b_pars, calc.upper, s, n, batched
        )
        for x in xs
        for s, n in zip(seeds, sizes, strict=True)
    ]


def _cls_from_toys(
    calc: AsymptoticCLs,
    x: float,
    batches: list,
    method: str,
    percentiles: NDArray,
) -> tuple[float, np.ndarray, int]:
    """Observed and expected CLs (or CLs+b) at x from the q-tilde values of its batches."""
    stats, dropped = {}, 0
    for k, label in enumerate(("sb", "b")):
        values = np.concatenate([b[k] for b in batches])
        failed = int(np.isnan(values).sum())
        if failed > 0.01 * values.size:
            raise FitNotConvergedError(
                f"{failed} of {values.size} toy fits at x={x:.6g} did not converge (at most 1 % may)"
            )
        if failed:
            log.warning(
                "dropped %d of %d toys at x=%.6g: their fits failed", failed, values.size, x
            )
        dropped += failed
        stats[label] = np.sort(values[~np.isnan(values)])
    sb, b = stats["sb"], stats["b"]

    def at_least(sorted_q: NDArray, q) -> NDArray:  # fraction of toys with q-tilde >= q
        return (sorted_q.size - np.searchsorted(sorted_q, q, side="left")) / sorted_q.size

    def cls_at(q) -> NDArray:
        clsb = at_least(sb, q)
        if method == "pl":
            return clsb
        clb = at_least(b, q)
        return np.where(clb > 0, clsb / np.where(clb > 0, clb, 1.0), 0.0)

    observed = float(cls_at(np.asarray([calc.q(x)]))[0])
    expected = np.percentile(cls_at(b), percentiles)
    return observed, expected, dropped


def _closed_form(fitter: Fitter) -> Fitter:
    if fitter.compiled is None:
        raise UnsupportedModelError(
            "toys need a model of the closed-form kind (xhf.infer.compiled)"
        )
    return fitter


def toy_cls(
    calc: AsymptoticCLs,
    x: float,
    ntoys: int,
    seed: int,
    progress: Any = None,
    *,
    method: str = "cls",
    percentiles: NDArray = _PERCENTILES,
    batched: bool = True,
) -> tuple[float, np.ndarray]:
    """Observed CLs and expected CLs band (-2..+2) at x from ``2 * ntoys`` pseudo-experiments.

    With ``method="pl"`` the p-value is CLs+b instead of CLs; ``percentiles`` of the
    background-only toys give the expected values (default the five bands). The toys are drawn
    in batches of :data:`TOY_BATCH` per hypothesis from ``SeedSequence(seed).spawn(...)``
    and fitted together (``batched=False``: one at a time, on the same toys).

    A toy whose fits fail from every starting point is dropped; if more than 1 % of the toys of
    a hypothesis fail, :class:`~xhf.infer.exceptions.FitNotConvergedError` is raised instead.

    Args:
        calc: the asymptotic calculator of the model and data (for its fits).
        x: tested value of the parameter of interest.
        ntoys: toys per hypothesis.
        seed: seed of the pseudo-experiments (the same for every x).
        progress: a tqdm bar to advance by one per batch, or None.
    """
    fitter = _closed_form(calc.fitter)
    batches = []
    for task in toy_tasks(calc, [x], ntoys, seed, batched):
        batches.append(run_toy_batch(fitter, task))
        if progress is not None:
            progress.update(1)
    observed, expected, _ = _cls_from_toys(calc, x, batches, method, percentiles)
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
    scheduler: Scheduler | None = None,
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
        scheduler: where the batches of toys run (:mod:`xhf.infer.execution`; default in this
            process). Every (x, batch) is one task; the result does not depend on it.

    Returns:
        :class:`~xhf.infer.cls.POILimit`; ``details["failed_toys"]`` counts the toys dropped
        because their fits failed (at most 1 % per hypothesis and x, see :func:`toy_cls`).

    Raises:
        LimitAtBoundError: a limit lies beyond the tested range at the POI's upper bound.
        FitNotConvergedError: a fit to the data failed, more than 1 % of the toys at one x
            failed, or toy CLs does not cross 1 - cl inside the tested range.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise InvalidParameterError(f"seed must be an integer from 0 to 2^32 - 1, not {seed!r}")
    from xhf.infer.pl import pl_upper_limit, power_constraint_sigma

    _closed_form(fitter)
    alpha = 1.0 - cl
    percentiles = _PERCENTILES
    if power_constraint is not None:
        power_constraint_sigma(power_constraint)  # validates P
        percentiles = np.append(_PERCENTILES, 100.0 * power_constraint)
    if method == "pl":
        asym = pl_upper_limit(fitter, data, cl=cl, power_constraint=power_constraint)
    else:
        asym = upper_limit(fitter, data, cl=cl)
    calc = AsymptoticCLs(fitter, data)
    positive = [v for v in (*asym.expected.values(), asym.observed) if v > 0]
    low = 0.5 * min(positive)
    high = min(2.0 * max(asym.expected["+2"], asym.observed), fitter.poi_map.upper)
    xs = np.geomspace(low, high, n_points)
    tasks = toy_tasks(calc, xs, ntoys, seed)
    outcomes = run_tasks(
        run_toy_batch,
        tasks,
        shared=fitter,
        scheduler=scheduler or Scheduler("synchronous"),
        progress=progress,
        unit="batch",
    )
    for failure in outcomes:
        if isinstance(failure, TaskFailure):
            if isinstance(failure.exception, XhfError):
                raise failure.exception
            task = tasks[failure.index]
            raise FitNotConvergedError(
                f"the batch of {task.size} toys at x={task.x:.6g} failed twice "
                f"({failure.error}: {failure.message})"
            )
    per_x = len(tasks) // len(xs)
    observed, expected, dropped = [], [], 0
    for i, x in enumerate(xs):
        obs, exp, lost = _cls_from_toys(
            calc, float(x), outcomes[i * per_x : (i + 1) * per_x], method, percentiles
        )
        observed.append(obs)
        expected.append(exp)
        dropped += lost
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
        "failed_toys": dropped,
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
