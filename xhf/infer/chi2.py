"""The paper's limit method: Eq. 4 chi2 profiled, flat prior, 90 % posterior quantile.

XMASS-I (Phys. Lett. B 809 (2020) 135741) fits

    chi2 = sum_i (D_i - B_i - alpha S_i)^2 / (D_i + sigma^2(B_stat)_i + alpha^2 sigma^2(S_stat)_i)
           + chi2_pull                                                          (Eqs. 4-7)

and quotes the 90 % quantile of L ~ exp(-chi2/2), profiled over the nuisances, with a flat
prior on the signal strength alpha >= 0 (docs/physics.md, section 9, derives it from the paper's
numbers). :class:`NeymanChi2` evaluates Eq. 4 on the same pyhf model the CLs limits use: the
expected yields come from the model at the given parameters (:mod:`xhf.infer.compiled`), the
Monte Carlo variances from the staterror inputs of each sample (the staterror gammas stay at 1:
Eq. 4 has the variance in the denominator instead), and every Gaussian-constrained parameter
contributes its pull (Eq. 7; free normfactors have none): a normsys the paper's (1 - p_j)^2 /
sigma_j^2 in its scale factor p_j = code4(theta), a histosys q_k^2 or r_l^2. The profile over
the nuisances is a bounded least-squares fit.

For a signal of several parts the flat prior is on the strength of the highest-power part,
``alpha = x ** prior_exponent`` (mu_nu^2, delta^2, and g^4 for the dark photon, as the paper's
numbers imply). :func:`flat_prior_upper_limit` is the posterior quantile for any chi2(alpha);
:func:`gaussian_band` is the expected band from the Asimov median (docs/inference.md).

The chi2 is evaluated by :class:`xhf.workspace.paper_chi2.PaperChi2`, the same object as the
builder's check of the workspaces (:func:`xhf.workspace.paper_chi2.chi2_from_workspace`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import CubicSpline
from scipy.optimize import least_squares
from scipy.stats import norm

from xhf.infer.asymptotics import BANDS
from xhf.infer.cls import bound_error, search_error
from xhf.infer.compiled import CompiledModel
from xhf.infer.exceptions import FitNotConvergedError, LimitAtBoundError
from xhf.infer.fitter import POIMap
from xhf.infer.minimize import damped_newton
from xhf.infer.roots import AboveRangeError, RootNotFoundError, increasing_root
from xhf.workspace.paper_chi2 import PaperChi2

__all__ = [
    "NEGLIGIBLE_DCHI2",
    "NeymanChi2",
    "chi2_upper_limit",
    "flat_prior_upper_limit",
    "gaussian_band",
    "posterior_quantile",
]


def __dir__() -> list[str]:
    return __all__


#: chi2 above its minimum beyond which the posterior is negligible (exp(-15) ~ 3e-7).
NEGLIGIBLE_DCHI2 = 30.0


class NeymanChi2:
    """Eq. 4 + Eq. 7 on a pyhf model, profiled over its nuisances at fixed x.

    The chi2 itself is :class:`xhf.workspace.paper_chi2.PaperChi2` (the builder's check
    evaluates the same object); this class supplies the expected yields and their Jacobian in
    closed form (:class:`~xhf.infer.compiled.CompiledModel`) and profiles.

    Args:
        model: the pyhf model (normfactor/normsys/histosys/staterror/lumi modifiers).
        poi_map: how x sets the signal normfactors; the samples that carry them are the signal
            (their MC variance scales with their normfactor squared: the alpha^2
            sigma^2(S_stat) of Eq. 4).
    """

    def __init__(self, model: Any, poi_map: POIMap):
        cm = CompiledModel(model)
        self.compiled = cm
        self.poi_map = poi_map
        self.eq4 = PaperChi2(model, poi_map.names)
        gamma = self.eq4.staterror
        in_map = np.zeros(cm.npars, dtype=bool)
        in_map[list(poi_map.indices)] = True
        self.base_pars = cm.init.copy()
        self.base_pars[gamma] = 1.0
        self.var = np.flatnonzero(~cm.fixed & ~gamma & ~in_map)
        self.pull_var = np.searchsorted(self.var, self.eq4.pull_par)
        self.pull_free = np.isin(self.eq4.pull_par, self.var)

    def residuals(self, pars: NDArray, data: NDArray, x: float | None = None):
        """Residual vector (bins, then pulls) and its Jacobian in the free nuisances.

        The sum of the squared residuals is :meth:`PaperChi2.value` at ``pars`` (whose signal
        normfactors are already set by x; ``x`` is accepted for the callers' convenience).
        """
        cm = self.compiled
        main = data[: cm.nmain]
        yields, jac = cm.yields_and_jacobian(pars)
        r_bins, root = self.eq4.bin_residuals(main, yields.sum(axis=0), pars)
        r_pull, d_pull = self.eq4.pull_residuals(pars, data[cm.nmain :])
        j_bins = -(jac[self.var] / root).T
        j_pull = np.zeros((r_pull.size, self.var.size))
        rows = np.flatnonzero(self.pull_free)
        j_pull[rows, self.pull_var[rows]] = d_pull[rows]
        return np.concatenate([r_bins, r_pull]), np.vstack([j_bins, j_pull])

    def value(self, pars: NDArray, data: NDArray, x: float | None = None) -> float:
        """chi2 of Eqs. 4 and 7 at ``pars`` (x read from ``pars`` unless given)."""
        pars = np.asarray(pars, dtype=float).copy()
        x = self.poi_map.value(pars) if x is None else x
        self.poi_map.apply(pars, x)
        pars[self.eq4.staterror] = 1.0
        return self.eq4.value(data, self.compiled.expected_main(pars), pars)

    def asimov(self, data: NDArray) -> NDArray:
        """Background-only Asimov data of this chi2: expected yields and pull centres at x = 0."""
        _, pars = self.profile(np.asarray(data, dtype=float), 0.0)
        cm = self.compiled
        aux = np.asarray(data, dtype=float)[cm.nmain :].copy()
        aux[self.eq4.pull_aux] = pars[self.eq4.pull_par]
        return np.concatenate([cm.expected_main(pars), aux])

    def profile(
        self, data: NDArray, x: float, init: NDArray | None = None
    ) -> tuple[float, NDArray]:
        """Minimum of chi2 over the nuisances at fixed x: (chi2, parameters).

        Raises:
            FitNotConvergedError: if the least-squares fit fails from every start.
        """
        data = np.asarray(data, dtype=float)
        starts = [self.base_pars if init is None else np.asarray(init, dtype=float), self.base_pars]
        lo, hi = self.compiled.bounds[self.var].T
        message = ""
        for start in starts[:1]:  # Gauss-Newton on J^T J first: a few steps
            pars = self.poi_map.apply(start.copy(), x)
            pars[self.eq4.staterror] = 1.0

            def fgh(v, pars=pars):
                pars[self.var] = v
                r, j = self.residuals(pars, data, x)
                return float(r @ r), 2.0 * (j.T @ r), 2.0 * (j.T @ j), None

            v, value, grad, message = damped_newton(fgh, np.clip(pars[self.var], lo, hi), lo, hi)
            if v is not None and np.isfinite(value):
                free = ~(((v <= lo) & (grad > 0)) | ((v >= hi) & (grad < 0)))
                if not free.any() or np.max(np.abs(grad[free])) < 1e-4:
                    pars[self.var] = v
                    return value, pars
        for start in starts:  # then scipy's trust-region least squares
            pars = self.poi_map.apply(start.copy(), x)
            pars[self.eq4.staterror] = 1.0
            cache: dict[bytes, tuple[NDArray, NDArray]] = {}

            def evaluate(v, pars=pars, cache=cache):
                key = v.tobytes()
                if key not in cache:
                    cache.clear()
                    pars[self.var] = v
                    cache[key] = self.residuals(pars, data, x)
                return cache[key]

            def residual(v, evaluate=evaluate):
                return evaluate(v)[0]

            def jacobian(v, evaluate=evaluate):
                return evaluate(v)[1]

            v0 = np.clip(pars[self.var], lo, hi)
            try:
                res = least_squares(
                    residual,
                    v0,
                    jac=jacobian,
                    bounds=(lo, hi),
                    method="trf",
                    x_scale="jac",
                    ftol=1e-12,
                    xtol=1e-12,
                    gtol=1e-12,
                    max_nfev=2000,
                )
            except ValueError as exc:
                message = str(exc)
                continue
            if res.status > 0 and np.all(np.isfinite(res.fun)):
                pars[self.var] = res.x
                return float(res.fun @ res.fun), pars
            message = res.message
        raise FitNotConvergedError(
            f"chi2 profile at {self.poi_map.names[0]}={x:.6g} did not converge ({message})"
        )


def posterior_quantile(alpha: NDArray, chi2: NDArray, cl: float) -> float:
    """The ``cl`` quantile of p(alpha) ~ exp(-chi2(alpha)/2) on a grid starting at alpha = 0.

    chi2 is interpolated with a cubic spline and integrated on a fine grid (flat prior).

    >>> a = np.linspace(0.0, 8.0, 41)
    >>> round(posterior_quantile(a, a**2, 0.9), 3)   # half-normal: 1.645 sigma
    1.645
    """
    alpha = np.asarray(alpha, dtype=float)
    chi2 = np.asarray(chi2, dtype=float)
    spline = CubicSpline(alpha, chi2)
    fine = np.linspace(alpha[0], alpha[-1], 20001)
    c = spline(fine)
    weight = np.exp(-0.5 * (c - c.min()))
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (weight[1:] + weight[:-1]) * np.diff(fine))])
    cdf /= cdf[-1]
    return float(np.interp(cl, cdf, fine))


def flat_prior_upper_limit(
    chi2_of_alpha: Callable[[float], float],
    cl: float = 0.9,
    *,
    scale: float = 1.0,
    alpha_max: float = math.inf,
    n_grid: int = 41,
) -> dict[str, Any]:
    """Upper limit on alpha >= 0: the ``cl`` quantile of exp(-chi2/2) with a flat prior.

    The grid is found adaptively: from ``scale`` the upper end grows until chi2 exceeds its
    minimum by :data:`NEGLIGIBLE_DCHI2`, then the grid is refined to where the posterior lives.

    Args:
        chi2_of_alpha: profiled chi2 as a function of alpha.
        cl: credibility level (0.9).
        scale: a typical alpha (first trial point).
        alpha_max: the largest alpha allowed (the POI bound).
        n_grid: chi2 evaluations in the final grid.

    Returns:
        dict with ``limit``, ``best_fit`` (alpha at the grid minimum), ``chi2_min``,
        ``chi2_null`` (at alpha = 0), and the grid (``alpha``, ``chi2``).

    Raises:
        LimitAtBoundError: the posterior is not negligible at ``alpha_max``.
        FitNotConvergedError: ``chi2_of_alpha`` returned a non-finite value.

    >>> out = flat_prior_upper_limit(lambda a: 85.9 + (a - 1.69) ** 2 / 1.114**2, 0.9)
    >>> round(out["limit"], 2), round(out["chi2_null"], 1)
    (3.16, 88.2)
    """
    evaluated: dict[float, float] = {}

    def f(a: float) -> float:
        a = float(a)
        if a not in evaluated:
            value = float(chi2_of_alpha(a))
            if not math.isfinite(value):
                raise FitNotConvergedError(f"the profiled chi2 is {value} at alpha={a:.6g}")
            evaluated[a] = value
        return evaluated[a]

    null = f(0.0)
    top = min(scale, alpha_max)
    while f(top) - min(evaluated.values()) > 20 * NEGLIGIBLE_DCHI2 and top > 1e-300:
        top /= 4.0
    while f(top) - min(evaluated.values()) < NEGLIGIBLE_DCHI2:
        if top >= alpha_max:
            raise _at_bound(alpha_max)
        top = min(2.0 * top, alpha_max)
    grid = np.linspace(0.0, top, n_grid)
    values = np.array([f(a) for a in grid])
    inside = np.flatnonzero(values - values.min() < NEGLIGIBLE_DCHI2)
    first, last = max(inside[0] - 1, 0), min(inside[-1] + 1, n_grid - 1)
    if (first, last) != (0, n_grid - 1):
        # refine where the posterior lives; outside, chi2 exceeds its minimum by > 30
        grid = np.linspace(grid[first], grid[last], n_grid)
        values = np.array([f(a) for a in grid])
    limit = posterior_quantile(grid, values, cl)
    best = int(np.argmin(values))
    return {
        "limit": limit,
        "best_fit": float(grid[best]),
        "chi2_min": float(values[best]),
        "chi2_null": null,
        "alpha": grid.tolist(),
        "chi2": values.tolist(),
    }


def _at_bound(alpha_max: float) -> LimitAtBoundError:
    return LimitAtBoundError(
        f"the posterior of the signal strength is not negligible at its upper bound "
        f"{alpha_max:.6g}: widen the bound of the signal normfactor"
    )


def gaussian_band(median: float, cl: float = 0.9) -> dict[str, float]:
    """Expected band of the flat-prior limit in the Gaussian approximation of alpha-hat.

    Under the background-only hypothesis alpha-hat ~ N(0, sigma) with sigma fixed by the
    Asimov median, ``sigma = median / Phi^-1((1 + cl) / 2)``; at alpha-hat = N sigma the
    posterior is a Gaussian truncated at 0 and its quantile is
    ``N sigma + sigma Phi^-1(cl + (1 - cl) Phi(-N))``. This equals the asymptotic CLs band
    formula: for a Gaussian likelihood the two methods coincide.

    >>> {k: round(v, 3) for k, v in gaussian_band(1.6449, 0.9).items()}
    {'-2': 0.837, '-1': 1.148, '0': 1.645, '+1': 2.378, '+2': 3.295}
    """
    sigma = median / norm.ppf(0.5 * (1.0 + cl))
    out = {}
    for band, n in zip(BANDS, (-2, -1, 0, 1, 2), strict=True):
        out[band] = float(n * sigma + sigma * norm.ppf(cl + (1.0 - cl) * norm.cdf(-n)))
    return out


def _profile_curve(chi2: NeymanChi2, data: NDArray, exponent: float) -> Callable[[float], float]:
    """chi2 profiled over the nuisances as a function of alpha = x ** exponent (warm-started)."""
    fits: dict[float, NDArray] = {}

    def curve(alpha: float) -> float:
        x = float(alpha) ** (1.0 / exponent)
        near = min(fits, key=lambda k: abs(k - x)) if fits else None
        value, pars = chi2.profile(data, x, None if near is None else fits[near])
        fits[x] = pars
        return value

    return curve


def chi2_upper_limit(
    chi2: NeymanChi2,
    data: NDArray,
    *,
    cl: float = 0.9,
    prior_exponent: float = 1.0,
) -> dict[str, Any]:
    """The paper's limit on x: flat prior on alpha = x ** prior_exponent, posterior quantile.

    The expected limit is the same quantile on the Asimov dataset of the chi2's own
    background-only fit (chi2_A(0) = 0); the band is :func:`gaussian_band` around it.

    Returns:
        dict with ``observed`` and ``expected`` (band -> x), ``best_fit`` (x), ``chi2_min``,
        ``chi2_null``, ``ndf`` (bins - 1) and the alpha grids.

    Raises:
        LimitAtBoundError: the posterior reaches the POI's upper bound (the message names the
            normfactor whose bound to widen).
        FitNotConvergedError: a chi2 profile fit failed from every start.
    """
    data = np.asarray(data, dtype=float)
    pm = chi2.poi_map
    alpha_max = pm.upper**prior_exponent
    asimov = chi2.asimov(data)
    curve_a = _profile_curve(chi2, asimov, prior_exponent)

    def rise(alpha: float) -> float:  # chi2_A(alpha) - 1.645^2: where the limit roughly is
        return curve_a(alpha) - 2.706

    try:
        scale = increasing_root(rise, min(1.0, alpha_max), alpha_max, step=1.0, rtol=0.05, ftol=0.5)
    except AboveRangeError:
        raise bound_error(pm, "expected chi2 limit", cl) from None
    except RootNotFoundError as exc:
        raise search_error("scale of the expected chi2 limit", exc, cl) from None
    try:
        expected = flat_prior_upper_limit(curve_a, cl, scale=scale, alpha_max=alpha_max)
    except LimitAtBoundError:
        raise bound_error(pm, "expected chi2 limit (posterior quantile)", cl) from None
    try:
        observed = flat_prior_upper_limit(
            _profile_curve(chi2, data, prior_exponent), cl, scale=scale, alpha_max=alpha_max
        )
    except LimitAtBoundError:
        raise bound_error(pm, "observed chi2 limit (posterior quantile)", cl) from None
    band = gaussian_band(expected["limit"], cl)
    to_x = lambda a: float(max(a, 0.0) ** (1.0 / prior_exponent))  # noqa: E731
    return {
        "observed": to_x(observed["limit"]),
        "expected": {k: to_x(v) for k, v in band.items()},
        "expected_median_posterior": to_x(expected["limit"]),
        "best_fit": to_x(observed["best_fit"]),
        "chi2_min": observed["chi2_min"],
        "chi2_null": observed["chi2_null"],
        "ndf": int(chi2.compiled.nmain - 1),
        "alpha_limit": observed["limit"],
        "prior": f"flat in {pm.names[0]}^{prior_exponent:g}"
        if prior_exponent != 1
        else f"flat in {pm.names[0]}",
    }
