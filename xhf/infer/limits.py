"""Limits in physical units: CLs (asymptotic or toys) and the paper's chi2 method.

:func:`limit` takes an :class:`~xhf.infer.loading.Analysis` (model, data, sidecar) and returns a
:class:`LimitResult` in the sidecar's parameter: mu_nu in Bohr magnetons, the millicharge delta
in units of e (with the single-flavour limits delta_f = delta_all / sqrt(f_f) of XMASS-I, Phys.
Lett. B 809 (2020) 135741), the B-L coupling g of the dark photon (a tied one-parameter profile
in g for a components patch). ``LimitResult.to_dict()`` is what ``xhf limit --json`` prints.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from xhf.exceptions import InvalidParameterError
from xhf.infer.asymptotics import BANDS
from xhf.infer.chi2 import NeymanChi2, chi2_upper_limit
from xhf.infer.cls import POILimit, upper_limit
from xhf.infer.exceptions import FitNotConvergedError, LimitAtBoundError, UnsupportedModelError
from xhf.infer.fitter import FitOptions
from xhf.infer.loading import Analysis
from xhf.infer.physical import flavour_limits

__all__ = ["CALCULATORS", "METHODS", "LimitResult", "limit", "to_physical"]


def __dir__() -> list[str]:
    return __all__


METHODS = ("cls", "chi2")
CALCULATORS = ("asymptotics", "toybased")


class LimitResult(NamedTuple):
    """An upper limit in physical units, with its parameter-of-interest values.

    Attributes:
        parameter, unit: the physical parameter (``mu_nu``/``mu_B``, ``delta``/``e``, ``g``).
        method: ``cls`` or ``chi2``.
        cl: confidence (credibility) level.
        observed: observed limit on the parameter.
        expected: expected limits for the bands ``-2`` ... ``+2``.
        poi: the normfactor x is; poi_limit, poi_expected: the limits on x.
        best_fit: best-fit parameter (physical units); poi_best_fit: best-fit x.
        calculator: ``asymptotics``, ``toybased`` or ``flat_prior_posterior`` (chi2).
        fit_status: fit counters and backend.
        mass_mev: dark-photon mass, if any.
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
        }
        out.update(self.extras)
        return out


def to_physical(
    analysis: Analysis, result: POILimit, extras: dict[str, Any] | None = None
) -> LimitResult:
    """Convert limits on x into the physical parameter of the analysis' sidecar."""
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
        obs_f = flavour_limits(observed, signal.fractions)
        exp_f = {b: flavour_limits(v, signal.fractions) for b, v in expected.items()}
        more["flavour_limits"] = {
            f: {"observed": obs_f[f], "expected": {b: exp_f[b][f] for b in BANDS}} for f in obs_f
        }
    more.update(result.details)
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
    )


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
) -> LimitResult:
    """Upper limit on the analysis' physical parameter.

    Args:
        analysis: model, data and sidecar (:func:`xhf.infer.load_analysis`).
        method: ``cls`` (pyhf's CLs with q-tilde) or ``chi2`` (the paper's Eq. 4 chi2 with a
            flat prior and the posterior quantile).
        cl: confidence level, 0 < cl < 1 (the paper: 0.9).
        calculator: ``asymptotics`` (default) or ``toybased`` (CLs only).
        ntoys, seed, progress: toy settings.
        options: fit settings.

    Raises:
        InvalidParameterError: bad method, calculator or level.
        LimitAtBoundError: the limit lies beyond the POI's bound (the message says which).
        FitNotConvergedError: a fit failed from every starting point, or a limit's search
            failed. Both messages start with the analysis' source (file, patch).
    """
    try:
        return _limit(
            analysis,
            method=method,
            cl=cl,
            calculator=calculator,
            ntoys=ntoys,
            seed=seed,
            progress=progress,
            options=options,
        )
    except (FitNotConvergedError, LimitAtBoundError) as exc:
        raise type(exc)(f"{analysis.source}: {exc}") from None


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
) -> LimitResult:
    if method not in METHODS:
        raise InvalidParameterError(f"method must be one of {METHODS}, got {method!r}")
    if calculator not in CALCULATORS:
        raise InvalidParameterError(f"calculator must be one of {CALCULATORS}, got {calculator!r}")
    if not 0.0 < cl < 1.0:
        raise InvalidParameterError(f"cl must lie in (0, 1), got {cl}")
    if ntoys < 10:
        raise InvalidParameterError(f"ntoys must be at least 10, got {ntoys}")
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
        return to_physical(analysis, result)
    if calculator == "toybased":
        from xhf.infer.toys import toy_upper_limit

        result = toy_upper_limit(
            fitter, analysis.data, cl=cl, ntoys=ntoys, seed=seed, progress=progress
        )
    else:
        result = upper_limit(fitter, analysis.data, cl=cl)
    return to_physical(analysis, result)
