"""Maximum-likelihood fits: warm starts, retries, and a parameter of interest that may be tied.

The parameter of interest ``x`` sets one or more signal normfactors, ``normfactor_k =
x ** exponent_k`` (:class:`POIMap`). A single-part signal (magnetic moment, millicharge) maps
``x`` to its normfactor ``mu``; the dark photon of XMASS-I (Phys. Lett. B 809 (2020) 135741),
whose excess is ``(g/g_ref)^2 I + (g/g_ref)^4 P``, maps ``x = s = (g/g_ref)^2`` to
``mu_interference = s`` and ``mu_pure = s^2``: a one-parameter profile in the coupling with
both parts tied, as pyhf's ``fixed_params`` would do with the two normfactors fixed.

:class:`Fitter` runs the fits on the closed-form model (:mod:`xhf.infer.compiled`, damped
Newton with analytic gradients, staterror profiled analytically) and falls back to pyhf's own
fits for models it cannot compile. A fit that does not converge is retried from other starting
points (its own end point, pyhf's suggested initial values with L-BFGS-B, seeded random
perturbations, then pyhf's minimiser -- whichever optimizer pyhf's backend is set to); if all
fail, :class:`~xhf.infer.exceptions.FitNotConvergedError` names the fit and the value of x: a
failed fit is never used as a result.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize, minimize_scalar

from xhf.exceptions import InvalidInputError
from xhf.infer.compiled import CompiledModel
from xhf.infer.exceptions import FitNotConvergedError, UnsupportedModelError
from xhf.infer.minimize import damped_newton

__all__ = ["FitOptions", "FitResult", "Fitter", "POIMap"]

log = logging.getLogger(__name__)


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True)
class POIMap:
    """How the scalar parameter of interest ``x`` sets the signal normfactors.

    Attributes:
        names: the normfactors (pyhf parameter names) set by ``x``.
        indices: their positions in the parameter vector.
        exponents: ``normfactor_k = x ** exponents[k]`` (the first is 1).
        lower, upper: the range of ``x`` allowed by the normfactors' bounds.
        limiting: the normfactor whose upper bound sets ``upper``.
    """

    names: tuple[str, ...]
    indices: tuple[int, ...]
    exponents: tuple[float, ...]
    lower: float
    upper: float
    limiting: str

    @classmethod
    def tied(cls, model: Any, normfactors: Sequence[str], powers: Sequence[float]) -> POIMap:
        """Tie normfactors that scale as ``parameter ** power`` to one ``x``.

        ``x`` is the normfactor of the lowest power; the others are ``x ** (power / lowest)``
        (the dark photon: powers 2 and 4 give ``mu_interference = x``, ``mu_pure = x**2``).
        """
        config = model.config
        missing = [n for n in normfactors if n not in config.par_order]
        if missing:
            raise InvalidInputError(
                f"signal normfactor(s) {missing} are not parameters of the model "
                f"(it has {sorted(config.par_order)})"
            )
        order = np.argsort(powers, kind="stable")
        names = tuple(normfactors[i] for i in order)
        pw = [float(powers[i]) for i in order]
        if pw[0] <= 0:
            raise InvalidInputError(f"signal powers must be positive, got {list(powers)}")
        exponents = tuple(p / pw[0] for p in pw)
        indices = tuple(config.par_slice(n).start for n in names)
        bounds = np.asarray(config.suggested_bounds(), dtype=float)
        uppers = [
            bounds[i, 1] ** (1.0 / e) if bounds[i, 1] > 0 else 0.0
            for i, e in zip(indices, exponents, strict=True)
        ]
        lowers = [
            (bounds[i, 0] ** (1.0 / e) if bounds[i, 0] > 0 else (bounds[i, 0] if e == 1 else 0.0))
            for i, e in zip(indices, exponents, strict=True)
        ]
        k = int(np.argmin(uppers))
        return cls(names, indices, exponents, float(max(lowers)), float(uppers[k]), names[k])

    @classmethod
    def single(cls, model: Any, name: str | None = None) -> POIMap:
        """The model's own parameter of interest (or ``name``), untied."""
        poi = name or model.config.poi_name
        if poi is None:
            raise InvalidInputError(
                "the model has no parameter of interest; name the signal normfactor"
            )
        return cls.tied(model, [poi], [1.0])

    @property
    def tied_parts(self) -> bool:
        """More than one normfactor follows ``x``."""
        return len(self.indices) > 1

    def apply(self, pars: NDArray, x: float) -> NDArray:
        """Set the normfactors of ``pars`` (in place) for ``x``; returns ``pars``.

        >>> pm = POIMap(("mu_interference", "mu_pure"), (0, 1), (1.0, 2.0), 0.0, 10.0, "mu_pure")
        >>> pm.apply(np.zeros(3), 3.0).tolist()
        [3.0, 9.0, 0.0]
        """
        for i, e in zip(self.indices, self.exponents, strict=True):
            pars[i] = x**e
        return pars

    def value(self, pars: NDArray) -> float:
        """``x`` read back from a parameter vector."""
        return float(pars[self.indices[0]])


class FitOptions(NamedTuple):
    """Minimiser settings.

    Attributes:
        maxiter: iterations per attempt (Newton or L-BFGS-B).
        attempts: starting points tried before giving up: the warm start, its end point,
            pyhf's suggested values (with L-BFGS-B instead of Newton), random perturbations.
        gradient_tolerance: largest projected gradient of -2 log L accepted as converged.
        seed: seed of the random perturbations used by retries.
        backend: ``"auto"`` (closed form when possible), ``"compiled"`` or ``"pyhf"``.
        pyhf_fallback: after the closed-form attempts, try pyhf's own minimiser once.
    """

    maxiter: int = 200
    attempts: int = 4
    gradient_tolerance: float = 2e-3
    seed: int = 0
    backend: str = "auto"
    pyhf_fallback: bool = True


class FitResult(NamedTuple):
    """One converged fit: parameters, the POI value ``x``, ``-2 log L`` and the attempts used."""

    pars: NDArray
    poi: float
    twice_nll: float
    attempts: int


@dataclass
class FitStats:
    """Counters reported with every limit (``fit_status``)."""

    fits: int = 0
    retried: int = 0
    failed: int = 0
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fits": self.fits,
            "retried": self.retried,
            "failed": self.failed,
            "converged": self.failed == 0,
        }


class Fitter:
    """Fits of one model with a (possibly tied) parameter of interest.

    Args:
        model: a ``pyhf.pdf.Model``.
        poi_map: how ``x`` sets the signal normfactors (default: the model's POI).
        options: minimiser settings.
    """

    def __init__(
        self, model: Any, poi_map: POIMap | None = None, options: FitOptions | None = None
    ):
        self.model = model
        self.poi_map = poi_map or POIMap.single(model)
        self.options = options or FitOptions()
        self.compiled: CompiledModel | None = None
        if self.options.backend in ("auto", "compiled"):
            try:
                self.compiled = CompiledModel(model)
            except UnsupportedModelError as exc:
                if self.options.backend == "compiled":
                    raise
                log.info("falling back to pyhf fits: %s", exc)
        self.backend = "compiled" if self.compiled is not None else "pyhf"
        config = model.config
        self.init = np.asarray(config.suggested_init(), dtype=float)
        self.bounds = np.asarray(config.suggested_bounds(), dtype=float)
        self.fixed = np.asarray(config.suggested_fixed(), dtype=bool)
        pm = self.poi_map
        for i, e in zip(pm.indices, pm.exponents, strict=True):  # the map's bounds rule
            self.bounds[i] = (pm.lower if e == 1 else max(pm.lower, 0.0) ** e, pm.upper**e)
        self.stats = FitStats()
        #: typical size of x: a free fit varies x / poi_scale (set it from the sensitivity)
        self.poi_scale = 1.0
        self._rng = np.random.default_rng(self.options.seed)
        in_map = np.zeros(self.init.size, dtype=bool)
        in_map[list(self.poi_map.indices)] = True
        self._in_map = in_map
        profiled = self.compiled.profiled if self.compiled is not None else np.zeros_like(in_map)
        self._var = np.flatnonzero(~self.fixed & ~in_map & ~profiled)

    @property
    def minimised_indices(self) -> NDArray:
        """Indices of the parameters the numerical minimiser varies: neither fixed, nor in the
        POI map, nor profiled analytically by the compiled model."""
        return self._var

    def reseeded(self, seed) -> Fitter:
        """A shallow copy with fresh fit statistics and its own generator for the jittered
        retries (``seed``: anything :func:`numpy.random.default_rng` takes), so that what it
        does not depend on what the original fitted before."""
        other = copy.copy(self)
        other.stats = FitStats()
        other._rng = np.random.default_rng(seed)
        return other

    # ---------------------------------------------------------------------------- helpers
    def expected_data(self, pars: NDArray) -> NDArray:
        """Main + auxiliary data expected at ``pars`` (an Asimov dataset)."""
        if self.compiled is not None:
            return self.compiled.expected_data(pars)
        return np.asarray(self.model.expected_data(np.asarray(pars)), dtype=float)

    def twice_nll(self, pars: NDArray, data: NDArray) -> float:
        """``-2 log L`` at ``pars``."""
        if self.compiled is not None:
            return self.compiled.twice_nll(pars, data)
        import pyhf

        return float(
            np.ravel(pyhf.infer.mle.twice_nll(np.asarray(pars), np.asarray(data), self.model))[0]
        )

    def _start(self, init: NDArray | None, x: float | None, xb: tuple[float, float]) -> NDArray:
        pars = self.init.copy() if init is None else np.array(init, dtype=float)
        pars[self.fixed] = self.init[self.fixed]
        if x is None:
            x0 = self.poi_map.value(pars)
            x = float(np.clip(x0 if np.isfinite(x0) else xb[0], xb[0], xb[1]))
        return self.poi_map.apply(pars, x)

    # ------------------------------------------------------------------------------- fits
    def fit(
        self,
        data: NDArray,
        poi: float | None = None,
        init: NDArray | None = None,
        poi_bounds: tuple[float, float] | None = None,
    ) -> FitResult:
        """Minimise ``-2 log L``: conditional at ``x = poi``, or free in ``x`` if ``poi`` is None.

        Args:
            data: main + auxiliary data.
            poi: fixed value of ``x``; None fits it within ``poi_bounds``.
            init: starting parameters (warm start); default pyhf's suggested values.
            poi_bounds: range of ``x`` in a free fit (default the map's bounds).

        Raises:
            FitNotConvergedError: if no starting point converges.
        """
        data = np.asarray(data, dtype=float)
        xb = poi_bounds or (self.poi_map.lower, self.poi_map.upper)
        self.stats.fits += 1
        first = self._start(init, poi, xb)
        end: NDArray | None = None
        last = "no attempt"
        n_compiled = self.options.attempts if self.compiled is not None else 0
        n_pyhf = 1 if self.options.pyhf_fallback else 0
        if self.compiled is None:
            n_pyhf = max(self.options.attempts, 1)
        total = n_compiled + n_pyhf
        for attempt in range(1, total + 1):
            start = self._attempt_start(attempt, first, end, poi, xb, attempt == n_compiled + 1)
            if attempt > n_compiled:
                result, last = self._fit_pyhf(data, poi, start, xb)
            else:
                method = "lbfgsb" if attempt == 3 else "newton"
                result, last, end = self._fit_compiled(data, poi, start, xb, method)
            if result is not None:
                if attempt > 1:
                    self.stats.retried += 1
                    log.info("fit converged at attempt %d", attempt)
                return result._replace(attempts=attempt)
        self.stats.failed += 1
        what = "free fit" if poi is None else f"fit at {self.poi_map.names[0]}={poi:.6g}"
        message = f"{what} did not converge after {total} attempts ({last})"
        self.stats.messages.append(message)
        raise FitNotConvergedError(message)

    def _attempt_start(self, attempt, first, end, poi, xb, suggested) -> NDArray:
        """Start of an attempt: the warm start, the previous end point, pyhf's suggested
        values, then seeded random perturbations of them."""
        if attempt == 1:
            return first
        if attempt == 2 and end is not None and np.all(np.isfinite(end)):
            return end
        pars = self._start(None, poi, xb)
        if attempt == 3 or suggested:
            return pars
        jitter = self._rng.normal(0.0, 0.5, size=pars.size)
        pars[self._var] = np.clip(pars[self._var] + jitter[self._var], *self.bounds[self._var].T)
        return pars

    def _fit_compiled(self, data, poi, start, xb, method="newton"):
        cm = self.compiled
        var = self._var
        free_x = poi is None
        idx = np.asarray(self.poi_map.indices)
        exps = np.asarray(self.poi_map.exponents)
        scale = self.poi_scale
        pars = start.copy()
        nv = var.size
        lo, hi = self.bounds[var].T.copy()
        v0 = pars[var].copy()
        if free_x:
            x_start = self.poi_map.value(start)
            v0 = np.append(v0, x_start / scale)
            lo, hi = np.append(lo, xb[0] / scale), np.append(hi, xb[1] / scale)
        rows = np.concatenate([var, idx]) if free_x else var
        chain = np.zeros((v0.size, rows.size))
        chain[np.arange(nv), np.arange(nv)] = 1.0

        def unpack(v):
            pars[var] = v[:nv]
            x = v[nv] * scale if free_x else poi
            pars[idx] = x**exps
            return x

        def fgh(v):
            x = unpack(v)
            value, grad, hess, full = cm.profiled_newton_terms(pars, data, rows)
            if free_x:
                chain[nv, nv:] = exps * np.power(x, exps - 1.0) * scale
                return value, chain @ grad, chain @ hess @ chain.T, full
            return value, grad, hess, full

        v0 = np.clip(v0, lo, hi)
        if method == "newton":
            v, value, grad, message = damped_newton(fgh, v0, lo, hi, self.options.maxiter)
        else:
            v, value, grad, message = _lbfgsb(fgh, v0, lo, hi, self.options.maxiter)
        end = pars.copy()
        if v is None or not np.isfinite(value):
            return None, message or "non-finite likelihood", end
        projected = np.where(((v <= lo) & (grad > 0)) | ((v >= hi) & (grad < 0)), 0.0, grad)
        worst = float(np.max(np.abs(projected))) if projected.size else 0.0
        if worst > self.options.gradient_tolerance:
            return None, f"{message}; largest gradient {worst:.2g}", end
        x = unpack(v)
        _, _, _, full = fgh(v)
        return FitResult(full, float(x), float(value), 1), "", end

    def _fit_pyhf(self, data, poi, start, xb):
        import pyhf

        if self.poi_map.tied_parts and poi is None:
            return self._fit_pyhf_tied_free(data, start, xb)
        fixed = self.fixed.copy()
        bounds = self.bounds.copy()
        if poi is None:
            fixed[list(self.poi_map.indices[1:])] = True
            bounds[self.poi_map.indices[0]] = xb
        else:
            fixed[self._in_map] = True
        init = np.clip(start, bounds[:, 0], bounds[:, 1])
        try:
            with _pyhf_failures_not_logged():
                pars, value = pyhf.infer.mle.fit(
                    data,
                    self.model,
                    init_pars=init.tolist(),
                    par_bounds=bounds.tolist(),
                    fixed_params=fixed.tolist(),
                    return_fitted_val=True,
                )
        except pyhf.exceptions.FailedMinimization as exc:
            return None, f"pyhf's minimiser failed: {_first_line(exc)}"
        pars = np.asarray(pars, dtype=float)
        value = float(np.ravel(value)[0])
        if not np.isfinite(value):
            return None, "pyhf: non-finite likelihood"
        return FitResult(pars, self.poi_map.value(pars), value, 1), ""

    def _fit_pyhf_tied_free(self, data, start, xb):
        """Free fit of a tied x with pyhf: a bounded 1-D minimisation of the conditional fits.

        Any failed conditional fit, or a 1-D search that does not converge, fails the attempt:
        the minimum of the fits that happened to succeed is not a fit result.
        """
        cache: dict[float, FitResult] = {}

        def profile(x: float) -> float:
            result, message = self._fit_pyhf(
                data, float(x), self.poi_map.apply(start.copy(), float(x)), xb
            )
            if result is None:
                raise _ProfileFailedError(f"at {self.poi_map.names[0]}={x:.6g}: {message}")
            cache[float(x)] = result
            return result.twice_nll

        try:
            res = minimize_scalar(
                profile, bounds=xb, method="bounded", options={"xatol": 1e-6 * max(xb[1], 1e-12)}
            )
            for x in (float(res.x), float(xb[0])):
                if x not in cache:
                    profile(x)
        except _ProfileFailedError as exc:
            return None, f"pyhf tied profile: conditional fit {exc}"
        if not res.success:
            return None, f"pyhf tied profile: {res.message}"
        best = min(cache.values(), key=lambda r: r.twice_nll)
        return best, ""


class _ProfileFailedError(Exception):
    """A conditional fit inside the tied profile failed (stops the 1-D search)."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextlib.contextmanager
def _pyhf_failures_not_logged() -> Iterator[None]:
    """Keep pyhf from logging a failed minimisation (a traceback and the whole minimiser
    state on stderr): the Fitter retries it and reports it if every attempt fails."""
    logger = logging.getLogger("pyhf.optimize.mixins")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _lbfgsb(fgh, v0, lo, hi, maxiter):
    """L-BFGS-B on the profiled likelihood (a second opinion for the retries)."""

    def objective(v):
        value, grad, _, _ = fgh(v)
        if not np.isfinite(value):
            return 1e300, np.zeros_like(v)
        return value, grad

    res = minimize(
        objective,
        v0,
        jac=True,
        method="L-BFGS-B",
        bounds=list(zip(lo, hi, strict=True)),
        options={"maxiter": maxiter, "ftol": 1e-14, "gtol": 1e-9, "maxcor": 30},
    )
    value, grad = objective(res.x)
    return res.x, value, grad, f"L-BFGS-B: {res.message}"
