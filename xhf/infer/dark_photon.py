"""The U(1)_{B-L} dark photon: limits on the coupling g over the mass range.

XMASS-I (Phys. Lett. B 809 (2020) 135741) excludes g_{B-L} for masses 1e-3 ... 1e3 MeV. The
excess is ``(g/g_ref)^2 I + (g/g_ref)^4 P``, not a power of g, so:

- :func:`exclusion_curve` takes the *components* patchset (one patch per mass, interference
  and pure parts at g_ref) and, per mass, ties ``mu_interference = s``, ``mu_pure = s^2`` with
  ``s = (g/g_ref)^2``: a one-parameter profile in g (q-tilde CLs with asymptotics, or the
  paper's chi2 method), with the expected +-1/2 sigma band;
- :func:`grid_limit` cross-checks it on the *grid* patchset (one patch per (mass, g) point with
  the exact excess, testable with plain ``pyhf cls``): CLs at mu = 1 of every patch of a mass,
  interpolated linearly in (log g, log CLs) to where it crosses 1 - cl.

A mass whose fits fail (or whose limit lies beyond the POI's bound) either stops the curve with
an error naming the patch (``on_failure="raise"``, the default) or becomes a
:class:`FailedPoint` -- the reason, no number -- so that the other masses are kept
(``on_failure="record"``, what ``xhf scan dark-photon`` does); the JSON document then has
``null`` limits and an ``error`` for that mass and the CSV an empty row marked ``failed``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from xhf.exceptions import InvalidInputError, InvalidParameterError
from xhf.infer.asymptotics import BANDS
from xhf.infer.cls import AsymptoticCLs
from xhf.infer.exceptions import FitNotConvergedError, LimitAtBoundError
from xhf.infer.execution import Scheduler, TaskFailure, run_tasks
from xhf.infer.fitter import FitOptions, Fitter, POIMap
from xhf.infer.limits import LimitResult, limit
from xhf.infer.loading import Analysis, check_fixed_poi, patch_names, patch_values
from xhf.infer.physical import SignalInfo
from xhf.workspace.compat import check_version, quiet_pyhf

__all__ = [
    "FailedPoint",
    "PatchedModels",
    "curve_csv",
    "curve_document",
    "exclusion_curve",
    "grid_limit",
]

log = logging.getLogger(__name__)


def __dir__() -> list[str]:
    return __all__


#: Per-point failures a scan records instead of stopping (``on_failure="record"``).
POINT_FAILURES = (FitNotConvergedError, LimitAtBoundError)


class FailedPoint(NamedTuple):
    """A mass of a scan without a limit: the reason instead of a number.

    Attributes:
        mass_mev: dark-photon mass of the patch.
        patch: patch name.
        error: the exception class (``FitNotConvergedError``, ``LimitAtBoundError``).
        message: its message (names the fit and the value of x, or the bound to widen).
    """

    mass_mev: float | None
    patch: str
    error: str
    message: str


class PatchedModels:
    """Models of one background-only workspace under each patch of a patchset.

    The workspace and patchset are validated once; each model is built from the patch
    (``Workspace.model(patches=...)``), so a scan over many patches does not re-validate them.

    Args:
        workspace: background-only workspace dict.
        patchset: patchset dict (grid or components form).
        meta: the patchset's sidecar (required: it gives the parts, powers and reference).
        source: name used in messages.
    """

    def __init__(
        self,
        workspace: dict[str, Any],
        patchset: dict[str, Any],
        meta: dict[str, Any],
        source: str = "patchset",
    ):
        import pyhf

        if not meta or meta.get("signal") is None:
            raise InvalidInputError(f"{source}: the patchset's sidecar (with 'signal') is required")
        self.source = source
        self.meta = meta
        self.signal = SignalInfo.from_sidecar(meta, f"{source} (sidecar)")
        check_version(workspace, source)
        check_version(patchset, source)
        try:
            with quiet_pyhf():
                self.workspace = pyhf.Workspace(workspace)
                self.patchset = pyhf.PatchSet(patchset)
                self.patchset.verify(self.workspace)
        except (
            pyhf.exceptions.InvalidSpecification,
            pyhf.exceptions.InvalidPatchSet,
            pyhf.exceptions.PatchSetVerificationError,
        ) as exc:
            raise InvalidInputError(f"{source}: {str(exc).splitlines()[0]}") from None
        check_fixed_poi(workspace, [p.normfactor for p in self.signal.parts], source)
        self.names = patch_names(patchset)
        labels = meta.get("labels") or list(self.patchset.labels)
        try:
            self.values = {
                p.name: patch_values(labels, p.values, f"patches[{p.name}].metadata.values")
                for p in self.patchset.patches
            }
        except InvalidInputError as exc:
            raise InvalidInputError(f"{source}: {exc}") from None
        self.form = meta.get("form") or ("components" if len(self.signal.parts) > 1 else "grid")

    def analysis(self, name: str) -> Analysis:
        """The :class:`~xhf.infer.loading.Analysis` of one patch."""
        sig = self.signal.for_patch(name)  # components: one reference coupling per mass
        poi = sig.lowest.normfactor
        with quiet_pyhf():  # workspace and patchset are validated: skip the model's schema check
            model = self.workspace.model(
                patches=[self.patchset[name]], poi_name=poi, validate=False
            )
            data = np.asarray(self.workspace.data(model), dtype=float)
        if sig.power_law and len(sig.parts) > 1:
            poi_map = POIMap.tied(
                model, [p.normfactor for p in sig.parts], [p.power for p in sig.parts]
            )
        else:
            poi_map = POIMap.single(model, poi)
        values = self.values[name]
        coupling = (
            next((v for k, v in values.items() if k != "mass_mev"), None)
            if self.form == "grid"
            else None
        )
        return Analysis(
            model,
            data,
            sig,
            poi_map,
            f"{self.source}:{name}",
            name,
            self.form,
            values.get("mass_mev"),
            coupling,
            self.meta,
        )


class _CurveTask(NamedTuple):
    """One mass of the curve: the patch and the limit settings (the models are shared)."""

    name: str
    method: str
    cl: float
    options: FitOptions | None
    record: bool
    power_constraint: float | None
    calculator: str
    ntoys: int
    seed: int


def _limit_or_failure(models: PatchedModels, task: _CurveTask) -> LimitResult | FailedPoint:
    try:
        return limit(
            models.analysis(task.name),
            method=task.method,
            cl=task.cl,
            options=task.options,
            power_constraint=task.power_constraint,
            calculator=task.calculator,
            ntoys=task.ntoys,
            seed=task.seed,
        )
    except POINT_FAILURES as exc:
        if not task.record:
            raise
        mass = models.values[task.name].get("mass_mev")
        log.info("no limit at %s (mass %s MeV): %s", task.name, mass, exc)
        return FailedPoint(mass, task.name, type(exc).__name__, str(exc))


def _one(models: PatchedModels, task: _CurveTask) -> dict[str, Any]:
    out = _limit_or_failure(models, task)
    return {"failed": out._asdict()} if isinstance(out, FailedPoint) else out.to_dict()


def exclusion_curve(
    workspace: dict[str, Any],
    patchset: dict[str, Any],
    meta: dict[str, Any],
    *,
    method: str = "cls",
    cl: float = 0.9,
    source: str = "patchset",
    scheduler: Scheduler | None = None,
    progress: bool = False,
    options: FitOptions | None = None,
    on_failure: str = "raise",
    power_constraint: float | None = None,
    calculator: str = "asymptotics",
    ntoys: int = 1000,
    seed: int = 0,
) -> list[LimitResult | FailedPoint]:
    """Limits on g with expected bands for every mass of a components patchset.

    Every mass is one task of :func:`xhf.infer.execution.run_tasks` (the models are sent to
    each worker once); the result does not depend on the scheduler.

    Args:
        workspace: background-only workspace dict.
        patchset: the components patchset dict.
        meta: its sidecar.
        method: ``cls``, ``pl`` or ``chi2``.
        cl: confidence level.
        source: name used in messages.
        scheduler: where the masses run (default ``synchronous``: in this process).
        progress: tqdm progress bar on stderr.
        options: fit settings.
        on_failure: ``"raise"``: a mass whose fits fail or whose limit lies beyond the POI's
            bound stops the curve with that error (its message names the patch);
            ``"record"``: that mass becomes a :class:`FailedPoint` and the scan goes on. A
            task that fails twice for another reason (a worker that died twice) is recorded
            the same way.
        power_constraint: power P of a constrained ``pl`` limit (:mod:`xhf.infer.pl`).
        calculator: ``asymptotics`` or ``toybased`` (batched toys, :mod:`xhf.infer.toys`).
        ntoys, seed: toy settings (the same seed at every mass).

    Returns:
        One :class:`~xhf.infer.limits.LimitResult` (or, when recording, :class:`FailedPoint`)
        per patch, sorted by mass.

    Raises:
        FitNotConvergedError, LimitAtBoundError: a mass failed (``on_failure="raise"``).
    """
    if on_failure not in ("raise", "record"):
        raise InvalidParameterError(f"on_failure must be 'raise' or 'record', got {on_failure!r}")
    record = on_failure == "record"
    models = PatchedModels(workspace, patchset, meta, source)
    if models.form != "components":
        raise InvalidInputError(
            f"{source}: the exclusion curve needs the components patchset (one patch per mass)"
        )
    names = sorted(models.names, key=lambda n: models.values[n].get("mass_mev", math.inf))
    tasks = [
        _CurveTask(n, method, cl, options, record, power_constraint, calculator, ntoys, seed)
        for n in names
    ]
    outcomes = run_tasks(
        _one,
        tasks,
        shared=models,
        scheduler=scheduler or Scheduler("synchronous"),
        progress=progress,
        unit="mass",
    )
    results: list[LimitResult | FailedPoint] = []
    for name, out in zip(names, outcomes, strict=True):
        if isinstance(out, TaskFailure):
            if not (record and _is_point_failure(out)):
                raise out.exception or FitNotConvergedError(f"{name}: {out.message}")
            mass = models.values[name].get("mass_mev")
            log.warning("no limit at %s (mass %s MeV): %s: %s", name, mass, out.error, out.message)
            results.append(FailedPoint(mass, name, out.error, out.message))
        else:
            results.append(_from_dict(out))
    return results


def _is_point_failure(failure: TaskFailure) -> bool:
    """A failure a scan records: a fit or bound failure, or a task that failed twice for a
    reason that is not a user error (a worker that died, a crash)."""
    from xhf.exceptions import XhfError

    return isinstance(failure.exception, POINT_FAILURES) or not isinstance(
        failure.exception, XhfError
    )


def _from_dict(out: dict[str, Any]) -> LimitResult | FailedPoint:
    if "failed" in out:
        return FailedPoint(**out["failed"])
    keys = [k for k in LimitResult._fields if k != "extras"]
    extras = {k: v for k, v in out.items() if k not in keys}
    return LimitResult(**{k: out[k] for k in keys}, extras=extras)


def grid_limit(
    models: PatchedModels,
    mass_mev: float,
    *,
    cl: float = 0.9,
    names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """CLs limit on g at one mass from the grid patchset: CLs(mu = 1) interpolated in log g.

    Returns:
        dict with ``observed``, ``expected`` (band -> g), ``couplings`` and the CLs values.

    Raises:
        InvalidInputError: the grid has no patch at that mass, or CLs does not cross 1 - cl
            inside the grid (extend the coupling grid).
    """
    if models.form != "grid":
        raise InvalidInputError(f"{models.source}: grid_limit needs the grid patchset")
    alpha = 1.0 - cl
    at_mass = [
        n
        for n in (names or models.names)
        if math.isclose(models.values[n].get("mass_mev", math.nan), mass_mev, rel_tol=1e-9)
    ]
    if not at_mass:
        raise InvalidInputError(f"{models.source}: no grid patch at mass {mass_mev:g} MeV")
    coupling = {n: next(v for k, v in models.values[n].items() if k != "mass_mev") for n in at_mass}
    at_mass.sort(key=lambda n: coupling[n])
    g = np.array([coupling[n] for n in at_mass])
    observed, expected = [], []
    for name in at_mass:
        analysis = models.analysis(name)
        calc = AsymptoticCLs(Fitter(analysis.model, analysis.poi_map), analysis.data)
        obs, exp = calc.cls(1.0)
        observed.append(obs)
        expected.append(exp)
    observed, expected = np.array(observed), np.array(expected)
    out = {"observed": _cross(g, observed, alpha, models.source, "observed")}
    out["expected"] = {
        b: _cross(g, expected[:, k], alpha, models.source, b) for k, b in enumerate(BANDS)
    }
    out["couplings"] = g.tolist()
    out["cls_observed"] = observed.tolist()
    return out


def _cross(g: np.ndarray, cls: np.ndarray, alpha: float, source: str, what: str) -> float:
    """Where CLs crosses alpha, interpolating in log g over the whole coupling grid.

    The interpolated quantity is z = Phi^-1(1 - CLs), close to sqrt(q_A) and smooth in log g,
    through a monotone cubic (PCHIP) over all grid points; the crossing is solved by Brent's
    method inside the bracketing interval. (Linear interpolation of log CLs between neighbours,
    as before, put the expected-band edges up to 6 % off the exact tied-coupling limit on the
    shipped grid.)
    """
    from scipy.interpolate import PchipInterpolator
    from scipy.optimize import brentq
    from scipy.stats import norm

    logs = np.log(np.maximum(cls, 1e-300))
    target = math.log(alpha)
    z = norm.isf(np.clip(cls, 1e-300, 1.0 - 1e-16))
    x = np.log(g)
    curve = PchipInterpolator(x, z)
    zt = norm.isf(alpha)
    for i in range(len(g) - 1):
        if logs[i] >= target > logs[i + 1]:
            root = brentq(lambda u: float(curve(u)) - zt, x[i], x[i + 1])
            return float(np.exp(root))
    raise InvalidInputError(
        f"{source}: CLs ({what}) does not cross {alpha:g} between g = {g[0]:.3g} and {g[-1]:.3g}; "
        "extend the coupling grid"
    )


def _sig(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else float(f"{value:.{digits}g}")


def curve_document(
    results: Sequence[LimitResult | FailedPoint], *, source: dict[str, str] | None = None
) -> dict[str, Any]:
    """The exclusion curve as a JSON document (values rounded to 6 significant digits).

    A :class:`FailedPoint` is written with ``null`` limits and its ``error``; ``failed``
    counts them.

    Raises:
        InvalidInputError: no masses, or no mass with a limit.
    """
    from xhf import __version__

    if not results:
        raise InvalidInputError("no masses in the exclusion curve")
    done = [r for r in results if isinstance(r, LimitResult)]
    if not done:
        raise InvalidInputError(f"no mass of the exclusion curve has a limit: {results[0].message}")
    first = done[0]
    points = []
    for r in results:
        if isinstance(r, FailedPoint):
            points.append(
                {
                    "mass_mev": _sig(r.mass_mev),
                    "observed": None,
                    "expected": {b: None for b in BANDS},
                    "best_fit": None,
                    "significance": None,
                    "interval": None,
                    "poi_limit": None,
                    "patch": r.patch,
                    "fit_status": {"converged": False},
                    "error": f"{r.error}: {r.message}",
                }
            )
            continue
        points.append(
            {
                "mass_mev": _sig(r.mass_mev),
                "observed": _sig(r.observed),
                "expected": {b: _sig(r.expected[b]) for b in BANDS},
                "best_fit": _sig(r.best_fit),
                "significance": _sig(r.significance),
                "interval": None
                if r.interval is None
                else {k: _sig(v) for k, v in sorted(r.interval.items())},
                "poi_limit": _sig(r.poi_limit),
                "patch": r.extras.get("patch"),
                "fit_status": {k: v for k, v in r.fit_status.items() if k != "backend"},
                "error": None,
            }
        )
    return {
        "failed": len(results) - len(done),
        "analysis": "dark_photon",
        "parameter": first.parameter,
        "unit": first.unit,
        "method": first.method,
        "calculator": first.calculator,
        "cl": first.cl,
        "poi": first.poi,
        "source": source or {},
        "points": points,
        "xhf_version": __version__,
    }


def curve_csv(results: Sequence[LimitResult | FailedPoint]) -> str:
    """The exclusion curve as CSV: mass, observed, five expected bands, best fit, POI limit,
    status (``ok``; ``failed`` with empty values for a :class:`FailedPoint`)."""
    header = [
        "mass_mev",
        "observed",
        *(f"expected_{b}" for b in BANDS),
        "best_fit",
        "poi_limit",
        "status",
    ]
    rows = [",".join(header)]
    for r in results:
        if isinstance(r, FailedPoint):
            values = [r.mass_mev, *([None] * 8)]
        else:
            values = [
                r.mass_mev,
                r.observed,
                *(r.expected[b] for b in BANDS),
                r.best_fit,
                r.poi_limit,
            ]
        status = "failed" if isinstance(r, FailedPoint) else "ok"
        rows.append(",".join(["" if v is None else f"{v:.6g}" for v in values] + [status]))
    return "\n".join(rows) + "\n"
