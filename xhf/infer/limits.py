"""Limits in physical units: CLs (asymptotic or toys), profile likelihood and the paper's chi2.

:func:`limit` takes an :class:`~xhf.infer.loading.Analysis` (model, data, sidecar) and returns a
:class:`LimitResult` in the sidecar's parameter: mu_nu in Bohr magnetons, the millicharge delta
in units of e (with the single-flavour limits delta_f = delta_all / sqrt(f_f) of XMASS-I, Phys.
Lett. B 809 (2020) 135741), the B-L coupling g of the dark photon (a tied one-parameter profile
in g for a components patch). ``LimitResult.to_dict()`` is what ``xhf limit --json`` prints.

Every method also reports what the profile likelihood says about the same data
(:func:`~xhf.infer.pl.profile_summary`): the local significance ``Z = sqrt(q0)`` and the
two-sided interval at the same level. A limit, interval end or best fit beyond the upper bound
of the parameter of interest is not an error at first: the bound is widened by
:data:`WIDEN_FACTOR` and everything redone, up to :data:`WIDEN_CEILING` times the workspace's
bound (unless the caller fixed the bounds with ``poi_bounds``).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, NamedTuple

from xhf.exceptions import InvalidParameterError
from xhf.infer.asymptotics import BANDS
from xhf.infer.chi2 import NeymanChi2, chi2_upper_limit
from xhf.infer.cls import POILimit, upper_limit
from xhf.infer.exceptions import (
    BoundTooNarrowError,
    FitNotConvergedError,
    LimitAtBoundError,
    UnsupportedModelError,
)
from xhf.infer.execution import Scheduler
from xhf.infer.fitter import FitOptions
from xhf.infer.loading import Analysis
from xhf.infer.physical import flavor_limits
from xhf.infer.pl import (
    ProfileSummary,
    pl_upper_limit,
    power_constraint_sigma,
    profile_summary,
)

__all__ = [
    "CALCULATORS",
    "METHODS",
    "WIDEN_CEILING",
    "WIDEN_FACTOR",
    "LimitResult",
    "limit",
    "to_physical",
    "with_poi_bounds",
]


def __dir__() -> list[str]:
    return __all__


METHODS = ("cls", "chi2", "pl")
#: a bound too narrow for a limit is multiplied by this factor and the limit redone ...
WIDEN_FACTOR = 10.0
#: ... up to this multiple of the workspace's own upper bound of the parameter of interest.
WIDEN_CEILING = 1000.0
CALCULATORS = ("asymptotics", "toybased")


class LimitResult(NamedTuple):
    """An upper limit in physical units, with its parameter-of-interest values.

    Attributes:
        parameter, unit: the physical parameter (``mu_nu``/``mu_B``, ``delta``/``e``, ``g``).
        method: ``cls``, ``chi2`` or ``pl``.
        cl: confidence (credibility) level.
        observed: observed limit on the parameter (for ``pl`` with a power constraint, the
            constrained one; ``extras["power_constraint"]`` has both).
        expected: expected limits for the bands ``-2`` ... ``+2``.
        poi: the normfactor x is; poi_limit, poi_expected: the limits on x.
        best_fit: best-fit parameter (physical units); poi_best_fit: best-fit x.
        calculator: ``asymptotics``, ``toybased`` or ``flat_prior_posterior`` (chi2).
        fit_status: fit counters and backend.
        mass_mev: dark-photon mass, if any.
        significance: local significance Z = sqrt(q0) of the background-only rejection.
        interval: the two-sided profile-likelihood interval ``{"cl", "lower", "upper"}``
            (physical units).
        extras: method and model specific additions (flavour limits, chi2 values, ...).
    """

    parameter: str
    unit: str
    method: str
    cl: float
    observed: float
    expected: dict[str, float]
    poi: str
    poi_limit: float
    poi_expected: dict[str, float]
    best_fit: float
    poi_best_fit: float
    calculator: str
    fit_status: dict[str, Any]
    mass_mev: float | None
    extras: dict[str, Any]
    significance: float = math.nan
    interval: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``xhf limit --json`` document (required keys plus extras)."""
        out = {
            "parameter": self.parameter,
            "unit": self.unit,
            "method": self.method,
            "cl": self.cl,
            "observed": self.observed,
            "expected": dict(self.expected),
            "poi": self.poi,
            "poi_limit": self.poi_limit,
            "poi_expected": dict(self.poi_expected),
            "best_fit": self.best_fit,
            "poi_best_fit": self.poi_best_fit,
            "calculator": self.calculator,
            "fit_status": dict(self.fit_status),
            "mass_mev": self.mass_mev,
            "significance": self.significance,
            "interval": None if self.interval is None else dict(self.interval),
        }
        out.update(self.extras)
        return out

    def __str__(self) -> str:
        """The plain-text report ``xhf limit`` prints (the same text).

        The source and patch, method, level and parameter; the observed and expected limits
        (with the POI's), the power constraint if any, the best fit, the two-sided interval,
        the local significance, the single-flavour limits, the chi2 values and fit retries.
        """
        result = self
        unit = f" {result.unit}" if result.unit else ""
        lines = [
            f"# {result.extras.get('source', '')}"
            + (f" [patch {result.extras['patch']}]" if result.extras.get("patch") else ""),
            f"# method {result.method} ({result.calculator}), {100 * result.cl:g}% CL upper limit on "
            f"{result.parameter}" + (f" [{result.unit}]" if result.unit else ""),
        ]
        if result.mass_mev is not None:
            lines.append(f"# mass {result.mass_mev:g} MeV")
        lines.append(
            f"observed   {result.observed:.4g}{unit}   ({result.poi} < {result.poi_limit:.4g})"
        )
        exp = result.expected
        lines.append(
            f"expected   {exp['0']:.4g}{unit}   (-2s {exp['-2']:.4g}, -1s {exp['-1']:.4g}, "
            f"+1s {exp['+1']:.4g}, +2s {exp['+2']:.4g})"
        )
        constraint = result.extras.get("power_constraint")
        if constraint:
            lines.append(
                f"unconstrained {constraint['unconstrained']:.4g}{unit}   power constraint "
                f"P = {constraint['power']:g}: not below {constraint['expected_at_power']:.4g}{unit} "
                f"(expected, {constraint['sigma']:+.2f} sigma)"
                + (" -- applied" if constraint["applied"] else " -- not applied")
            )
        lines.append(
            f"best fit   {result.best_fit:.4g}{unit}   ({result.poi} = {result.poi_best_fit:.4g})"
        )
        if result.interval is not None:
            iv = result.interval
            lines.append(
                f"interval   [{iv['lower']:.4g}, {iv['upper']:.4g}]{unit}   "
                f"({100 * iv['cl']:g}% CL, two-sided profile likelihood)"
            )
        lines.append(f"Z          {result.significance:.2f}   (local significance, sqrt(q0))")
        widened = result.extras.get("poi_bounds_widened", 1.0)
        if widened != 1.0:
            lines.append(
                f"# the POI's upper bound was widened {widened:g}x to {result.extras['poi_bounds'][1]:.4g}"
            )
        for flavour, values in result.extras.get("flavor_limits", {}).items():
            lines.append(
                f"nu_{flavour} only  {values['observed']:.4g}{unit}   (expected {values['expected']['0']:.4g})"
            )
        chi2 = result.extras.get("chi2")
        if chi2:
            lines.append(
                f"chi2       {chi2['min']:.2f}/{chi2['ndf']} at best fit, {chi2['null']:.2f} without signal"
            )
        status = result.fit_status
        if status.get("retried"):
            lines.append(f"# {status['retried']} of {status.get('fits', '?')} fits needed a retry")
        return "\n".join(lines)


def to_physical(
    analysis: Analysis,
    result: POILimit,
    extras: dict[str, Any] | None = None,
    summary: ProfileSummary | None = None,
) -> LimitResult:
    """Convert limits on x (and the profile ``summary``) into the sidecar's physical parameter."""
    signal = analysis.signal
    if signal.power_law:
        parameter, unit = signal.parameter, signal.unit
        convert = signal.to_parameter
    else:  # exact excess at one grid point: the limit is on its strength mu
        parameter, unit = result.poi, ""

        def convert(x: float) -> float:
            return float(x)

    observed = convert(result.observed)
    expected = {b: convert(result.expected[b]) for b in BANDS}
    more: dict[str, Any] = {"source": analysis.source, "patch": analysis.patch}
    if analysis.coupling is not None:
        more["coupling"] = analysis.coupling
    if signal.power_law and len(signal.parts) > 1:
        more["tied"] = {
            p.normfactor: f"{result.poi}^{p.power / signal.lowest.power:g}" for p in signal.parts
        }
    if signal.model == "millicharge" and signal.flavor == "all" and signal.power_law:
        obs_f = flavor_limits(observed, signal.fractions)
        exp_f = {b: flavor_limits(v, signal.fractions) for b, v in expected.items()}
        more["flavor_limits"] = {
            f: {"observed": obs_f[f], "expected": {b: exp_f[b][f] for b in BANDS}} for f in obs_f
        }
    more.update(result.details)
    constraint = more.get("power_constraint")
    if constraint:
        more["power_constraint"] = {
            **constraint,
            "expected_at_power": convert(constraint["poi_expected_at_power"]),
            "unconstrained": convert(constraint["poi_unconstrained"]),
        }
    interval = None
    significance = math.nan
    if summary is not None:
        significance = summary.significance
        interval = {
            "cl": summary.cl,
            "lower": convert(summary.lower),
            "upper": convert(summary.upper),
        }
        more["poi_interval"] = {"lower": summary.lower, "upper": summary.upper}
        more["q0"] = summary.q0
    more.update(extras or {})
    return LimitResult(
        parameter=parameter,
        unit=unit,
        method=result.method,
        cl=result.cl,
        observed=observed,
        expected=expected,
        poi=result.poi,
        poi_limit=result.observed,
        poi_expected=dict(result.expected),
        best_fit=convert(result.best_fit),
        poi_best_fit=result.best_fit,
        calculator=result.calculator,
        fit_status=result.fit_status,
        mass_mev=analysis.mass_mev,
        extras=more,
        significance=significance,
        interval=interval,
    )


def with_poi_bounds(analysis: Analysis, bounds: tuple[float, float]) -> Analysis:
    """The analysis with the parameter of interest x bounded to ``[lower, upper]``.

    Tied normfactors follow (``normfactor_k`` within ``bound ** exponent_k``).

    Raises:
        InvalidParameterError: a bound is not finite, ``lower >= upper``, or ``lower < 0`` for
            a physical parameter (a sidecar's power law or tied parts: x is a squared coupling).
    """
    lower, upper = (float(b) for b in bounds)
    name = analysis.poi_map.names[0]
    if not (math.isfinite(lower) and math.isfinite(upper)):
        raise InvalidParameterError(f"poi bounds of '{name}': must be finite, got {bounds}")
    if not lower < upper:
        raise InvalidParameterError(
            f"poi bounds of '{name}': the lower bound {lower:g} must be below the upper {upper:g}"
        )
    physical = analysis.poi_map.tied_parts or analysis.signal.model is not None
    if lower < 0 and physical:
        raise InvalidParameterError(
            f"poi bounds of '{name}': the lower bound {lower:g} must be >= 0 (the signal "
            f"strength of {analysis.signal.parameter or name} is physical from 0)"
        )
    pm = dataclasses.replace(analysis.poi_map, lower=lower, upper=upper)
    return dataclasses.replace(analysis, poi_map=pm)


def limit(
    analysis: Analysis,
    *,
    method: str = "cls",
    cl: float = 0.9,
    calculator: str = "asymptotics",
    ntoys: int = 1000,
    seed: int = 0,
    progress: bool = False,
    options: FitOptions | None = None,
    power_constraint: float | None = None,
    poi_bounds: tuple[float, float] | None = None,
    scheduler: Scheduler | None = None,
) -> LimitResult:
    """Upper limit on the analysis' physical parameter, with significance and interval.

    Args:
        analysis: model, data and sidecar (:func:`xhf.infer.load_analysis`).
        method: ``cls`` (pyhf's CLs with q-tilde), ``pl`` (the one-sided profile-likelihood
            limit of the xenon TPCs, :mod:`xhf.infer.pl`) or ``chi2`` (the paper's Eq. 4 chi2
            with a flat prior and the posterior quantile).
        cl: confidence level, 0 < cl < 1 (the paper: 0.9).
        calculator: ``asymptotics`` (default) or ``toybased`` (CLs and pl).
        ntoys, seed, progress: toy settings.
        options: fit settings.
        power_constraint: power P in (0, 1) of a power-constrained ``pl`` limit.
        poi_bounds: ``(lower, upper)`` of x to use as given (no widening).
        scheduler: where the batches of toys run (:mod:`xhf.infer.execution`; default in
            this process); the result does not depend on it.

    Raises:
        InvalidParameterError: bad method, calculator, level, power or bounds.
        LimitAtBoundError: the limit lies beyond the POI's bound even after widening it (or
            beyond ``poi_bounds``); the message says which.
        FitNotConvergedError: a fit failed from every starting point, or a limit's search
            failed. Both messages start with the analysis' source (file, patch).
    """
    if poi_bounds is not None:
        analysis = with_poi_bounds(analysis, poi_bounds)
    original = analysis.poi_map
    widened = 1.0
    while True:
        try:
            result = _limit(
                analysis,
                method=method,
                cl=cl,
                calculator=calculator,
                ntoys=ntoys,
                seed=seed,
                progress=progress,
                options=options,
                power_constraint=power_constraint,
                scheduler=scheduler,
            )
        except BoundTooNarrowError as exc:
            if poi_bounds is not None or widened * WIDEN_FACTOR > WIDEN_CEILING:
                tried = "" if widened == 1.0 else f" (after widening it {widened:g}x)"
                raise type(exc)(f"{analysis.source}: {exc}{tried}") from None
            widened *= WIDEN_FACTOR
            bounds = (original.lower, original.upper * widened)
            analysis = with_poi_bounds(analysis, bounds)
            continue
        except (FitNotConvergedError, LimitAtBoundError) as exc:
            raise type(exc)(f"{analysis.source}: {exc}") from None
        pm = analysis.poi_map
        extras = {
            **result.extras,
            "poi_bounds": [pm.lower, pm.upper],
            "poi_bounds_widened": widened,
        }
        return result._replace(extras=extras)


def _limit(
    analysis: Analysis,
    *,
    method: str,
    cl: float,
    calculator: str,
    ntoys: int,
    seed: int,
    progress: bool,
    options: FitOptions | None,
    power_constraint: float | None = None,
    scheduler: Scheduler | None = None,
) -> LimitResult:
    if method not in METHODS:
        raise InvalidParameterError(f"method must be one of {METHODS}, got {method!r}")
    if calculator not in CALCULATORS:
        raise InvalidParameterError(f"calculator must be one of {CALCULATORS}, got {calculator!r}")
    if not 0.0 < cl < 1.0:
        raise InvalidParameterError(f"cl must lie in (0, 1), got {cl}")
    if ntoys < 10:
        raise InvalidParameterError(f"ntoys must be at least 10, got {ntoys}")
    if power_constraint is not None:
        if method != "pl":
            raise InvalidParameterError(
                f"a power constraint applies to the pl method only, not {method!r}"
            )
        power_constraint_sigma(power_constraint)  # validates P
    fitter = analysis.fitter(options)
    if method == "chi2":
        if calculator != "asymptotics":
            raise InvalidParameterError(
                "the chi2 method has no calculator choice (drop --calculator)"
            )
        try:
            chi2 = NeymanChi2(analysis.model, analysis.poi_map)
        except UnsupportedModelError as exc:
            raise UnsupportedModelError(f"{analysis.source}: the chi2 method needs {exc}") from None
        out = chi2_upper_limit(
            chi2, analysis.data, cl=cl, prior_exponent=analysis.signal.prior_exponent
        )
        result = POILimit(
            observed=out["observed"],
            expected=out["expected"],
            best_fit=out["best_fit"],
            cl=cl,
            method="chi2",
            calculator="flat_prior_posterior",
            poi=analysis.poi_map.names[0],
            fit_status={"converged": True, "backend": "compiled"},
            details={
                "chi2": {
                    "min": out["chi2_min"],
                    "null": out["chi2_null"],
                    "ndf": out["ndf"],
                    "prior": out["prior"],
                    "expected_band": "gaussian approximation around the Asimov median",
                }
            },
        )
    elif calculator == "toybased":
        from xhf.infer.toys import toy_upper_limit

        result = toy_upper_limit(
            fitter,
            analysis.data,
            cl=cl,
            ntoys=ntoys,
            seed=seed,
            progress=progress,
            method=method,
            power_constraint=power_constraint,
            scheduler=scheduler,
        )
    elif method == "pl":
        result = pl_upper_limit(fitter, analysis.data, cl=cl, power_constraint=power_constraint)
    else:
        result = upper_limit(fitter, analysis.data, cl=cl)
    summary = profile_summary(fitter, analysis.data, cl=cl)
    return to_physical(analysis, result, summary=summary)
