"""The notebook API: a rate, a likelihood and a limit in five lines::

    import xhf
    rate = xhf.spectrum([1.0, 5.0, 30.0], model="magnetic-moment", mu_nu=1e-11)
    lh = xhf.load("workspaces/xmass1_millicharge.json")     # or xhf.build("config.yml")
    result = xhf.limit(lh, method="cls", cl=0.9)
    print(result)                                           # the text of `xhf limit`

Each function is the library call behind a command: :func:`spectrum` behind ``xhf spectrum``
(the true-energy rate dR/dT of XMASS-I's Eq. 2, Phys. Lett. B 809 (2020) 135741), :func:`build`
behind ``xhf build``, :func:`load` behind what ``xhf limit`` reads, and :func:`limit` behind
``xhf limit`` (``str(result)`` is the text the command prints). Errors in the inputs raise
:class:`xhf.XhfError` subclasses with a one-line message naming the file and the field.
"""

from __future__ import annotations

import os
import warnings
import weakref
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.ceilings import ENERGY_RANGE_KEV, MAX_ENERGIES, MAX_PARAMETERS
from xhf.exceptions import InvalidParameterError

if TYPE_CHECKING:  # pragma: no cover - the types only
    from xhf.infer.limits import LimitResult
    from xhf.physics.rates import RateInputs
    from xhf.workspace.likelihood import Likelihood

__all__ = ["Spectrum", "build", "compute_spectrum", "limit", "load", "spectrum"]


def __dir__() -> list[str]:
    return __all__


#: The unit of every rate :func:`spectrum` returns.
RATE_UNIT = "1/(kg day keV)"


class Spectrum(NamedTuple):
    """A rate with the inputs it was computed with (what ``xhf spectrum --json`` records).

    Attributes:
        rate: dR/dT in events / (kg day keV), one value per energy.
        parameters: the model's physical parameters, defaults filled in.
        atomic: the atomic model used (``fea``, ``epa`` or a file).
        inputs: fluxes, oscillations and couplings.
    """

    rate: NDArray[np.float64]
    parameters: dict[str, Any]
    atomic: str
    inputs: RateInputs


def compute_spectrum(
    energy_kev: ArrayLike,
    model: str = "sm",
    *,
    mu_nu: float | None = None,
    charge: float | None = None,
    coupling: float | None = None,
    mass_mev: float | None = None,
    flavor: str = "all",
    atomic: str | None = None,
    fluxes: str = "b16-gs98",
    interference: bool = False,
    fixed_fractions: bool = False,
    tree_level: bool = False,
    target: str = "xenon",
) -> Spectrum:
    """The rate and the inputs behind it, arguments unchecked (see :func:`spectrum`)."""
    from xhf.physics import XMASS_FRACTIONS, MSWOscillations, RateInputs
    from xhf.physics.rates import REFERENCE_PARAMETERS, differential_rate

    inputs = RateInputs(
        fluxes=fluxes,
        oscillations=XMASS_FRACTIONS if fixed_fractions else MSWOscillations(),
        scheme="tree" if tree_level else "effective",
    )
    parameters = {
        "sm": {},
        "magnetic-moment": {"mu_nu": mu_nu or REFERENCE_PARAMETERS["mu_nu"]},
        "millicharge": {
            "charge": charge or REFERENCE_PARAMETERS["charge"],
            "interference": interference,
        },
        "dark-photon": {
            "coupling": coupling or REFERENCE_PARAMETERS["coupling"],
            "mass_mev": mass_mev or REFERENCE_PARAMETERS["mass_mev"],
        },
    }[model]
    if atomic is None:
        atomic = "epa" if model == "millicharge" and not interference else "fea"
    rate = differential_rate(
        energy_kev,
        model,
        flavor=flavor,
        atomic=atomic,
        target=target,
        inputs=inputs,
        interference=interference,
        **{k: v for k, v in parameters.items() if k != "interference"},
    )
    return Spectrum(np.asarray(rate, dtype=float), parameters, str(atomic), inputs)


def spectrum(
    energy_kev: ArrayLike,
    model: str = "sm",
    *,
    mu_nu: float | None = None,
    charge: float | None = None,
    coupling: float | None = None,
    mass_mev: float | None = None,
    **options: Any,
) -> NDArray[np.float64]:
    """True-energy differential rate dR/dT in events / (kg day keV), as ``xhf spectrum``.

    The rate per unit target mass, time and deposited energy T (before any detector response)
    of solar neutrinos scattering on the target's electrons, integrated over the solar flux
    (XMASS-I, Phys. Lett. B 809 (2020) 135741, Eq. 2). For the SM it is the SM rate; for a
    new-physics model it is the signal, the excess over the SM (interference included for the
    dark photon and, with ``interference``, the millicharge).

    Args:
        energy_kev: deposited energies T in keV.
        model: ``sm``, ``magnetic-moment``, ``millicharge`` or ``dark-photon``.
        mu_nu: magnetic moment in Bohr magnetons (default 1e-11).
        charge: millicharge in units of e (default 1e-12).
        coupling: B-L coupling g (default 1e-6); mass_mev: the dark photon's mass in MeV
            (default 1e-3).
        **options: the other options of ``xhf spectrum`` (:func:`compute_spectrum`), with its
            defaults:
        flavor: ``all`` or the one flavour (``e``, ``mu``, ``tau``) that carries the interaction.
        atomic: ``fea``, ``epa`` (millicharge) or a CSV ``energy_kev,ratio_to_fea`` (default:
            ``epa`` for the millicharge without interference, else ``fea``).
        fluxes: solar model (``shp11-gs98``, ``b16-gs98``, ``b16-agss09met``).
        interference: millicharge: add the sign-dependent interference term.
        fixed_fractions: XMASS-I's fixed flavour fractions instead of the MSW survival
            probability.
        tree_level: tree-level SM couplings instead of the effective ones.
        target: ``xenon``, ``argon``, ``germanium`` or a target JSON file.

    Returns:
        One rate per energy, in 1/(kg day keV).

    Raises:
        InvalidParameterError: an unknown model, an energy or parameter out of range, or a
            rate that is not finite.

    >>> r1, r2 = spectrum([5.0, 5.0], model="magnetic-moment", mu_nu=1e-11)
    >>> bool(np.isclose(spectrum([5.0], model="magnetic-moment", mu_nu=2e-11)[0], 4 * r1))
    True
    """
    from xhf.physics import MODELS

    if model not in MODELS:
        raise InvalidParameterError(f"model: {model!r} is not one of {', '.join(MODELS)}")
    energies = np.atleast_1d(np.asarray(energy_kev, dtype=float))
    low, high = ENERGY_RANGE_KEV
    if energies.ndim != 1 or not 0 < energies.size <= MAX_ENERGIES:
        raise InvalidParameterError(
            f"energy_kev: give 1 to {MAX_ENERGIES} energies in a flat list, got shape "
            f"{energies.shape}"
        )
    outside = energies[~((energies >= low) & (energies <= high))]
    if outside.size:
        raise InvalidParameterError(
            f"energy_kev: {outside[0]:g} keV is outside [{low:g}, {high:g}] keV"
        )
    sizes = {"mu_nu": mu_nu, "charge": charge, "coupling": coupling, "mass_mev": mass_mev}
    for name, value in sizes.items():
        if value is None:
            continue
        size = abs(value) if name == "charge" else value
        if not (isinstance(value, int | float) and 0 < size <= MAX_PARAMETERS[name]):
            raise InvalidParameterError(
                f"{name}: must be {'non-zero with a size' if name == 'charge' else 'positive and'}"
                f" at most {MAX_PARAMETERS[name]:g}, got {value!r}"
            )
    result = compute_spectrum(energies, model, **sizes, **options)
    rate = result.rate.ravel()
    bad = np.flatnonzero(~np.isfinite(rate))
    if bad.size:
        raise InvalidParameterError(
            f"the rate at {energies[bad[0]]:g} keV is not finite; choose other values"
        )
    return rate


def build(config: str | os.PathLike[str]) -> Likelihood:
    """The likelihood ``xhf build CONFIG`` would write, in memory (nothing is written).

    Args:
        config: a YAML build config (``docs/config.md``).

    Returns:
        A :class:`~xhf.workspace.likelihood.Likelihood` (workspace, sidecar and, for a
        multi-part signal, the patchsets); :meth:`~xhf.workspace.likelihood.Likelihood.save`
        writes the files ``xhf build`` writes.
    """
    from xhf.workspace.config import load_config
    from xhf.workspace.products import build_likelihood, default_output

    loaded = load_config(config)
    return build_likelihood(loaded, default_output(loaded))


def load(
    path: str | os.PathLike[str],
    patch: str | None = None,
    *,
    patchset: str | os.PathLike[str] | None = None,
) -> Likelihood:
    """Read a workspace with its sidecar (and patchsets) into a Likelihood, as ``xhf limit`` does.

    Args:
        path: the workspace file (its sidecar ``<name>.meta.json`` is read if it is there).
        patch: the patch a limit applies (from ``patchset`` or a patchset beside ``path``).
        patchset: a patchset file; default: the patchsets beside a background-only workspace.
    """
    from xhf.workspace.likelihood import Likelihood

    return Likelihood.load(path, patchset=patchset, patch=patch)


#: Likelihoods already warned about their missing sidecar (the warning is given once each).
_WARNED: weakref.WeakSet[Any] = weakref.WeakSet()


def _warn_bare(likelihood: Likelihood, poi: str) -> None:
    if likelihood.sidecar is not None or likelihood in _WARNED:
        return
    _WARNED.add(likelihood)
    warnings.warn(
        f"{likelihood.source}: no sidecar: the limit is on the normfactor {poi!r} itself "
        "(a plain pyhf workspace), not in physical units",
        UserWarning,
        stacklevel=3,
    )


def limit(
    likelihood: Likelihood | str | os.PathLike[str],
    *,
    method: str = "cls",
    cl: float = 0.9,
    patch: str | None = None,
    calculator: str = "asymptotics",
    ntoys: int = 1000,
    seed: int = 0,
    power_constraint: float | None = None,
    poi_bounds: tuple[float, float] | None = None,
    scheduler: str | None = None,
) -> LimitResult:
    """The upper limit ``xhf limit`` computes, in the sidecar's physical units.

    Args:
        likelihood: a :class:`~xhf.workspace.likelihood.Likelihood` (or a workspace path).
        method: ``cls`` (pyhf CLs, q-tilde), ``pl`` (one-sided profile likelihood) or
            ``chi2`` (XMASS-I's Eq. 4 chi2 with a flat prior).
        cl: confidence level (the paper: 0.9).
        patch: the patch to apply (default: the likelihood's ``patch``).
        calculator: ``asymptotics`` or ``toybased`` (with ``ntoys`` and ``seed``).
        power_constraint: power P of a power-constrained ``pl`` limit.
        poi_bounds: ``(lower, upper)`` of the POI, used as given.
        scheduler: where toys run (``synchronous``, ``threads``, ``processes``,
            ``tcp://HOST:PORT``; :mod:`xhf.infer.execution`); the result does not depend on it.

    Returns:
        A :class:`~xhf.infer.limits.LimitResult`; ``str(result)`` is what ``xhf limit``
        prints, ``result.to_dict()`` what ``xhf limit --json`` prints.

    Warns:
        UserWarning: once per likelihood without a sidecar: the limit is then on the bare
            normfactor, not in physical units.
    """
    from xhf.infer.execution import Scheduler, resolve_scheduler
    from xhf.infer.limits import limit as compute_limit
    from xhf.infer.loading import likelihood_analysis

    if not isinstance(likelihood, _likelihood_type()):
        likelihood = load(likelihood, patch)
    if power_constraint is not None and method != "pl":
        raise InvalidParameterError(f"power_constraint: applies to method 'pl' only, not {method}")
    if likelihood.background_only and (patch or likelihood.patch) is None:
        example = f" (e.g. {likelihood.patches[0]!r})" if likelihood.patches else ""
        raise InvalidParameterError(
            f"{likelihood.source}: a background-only workspace has no signal; choose a patch "
            f"with patch=...{example}"
        )
    analysis = likelihood_analysis(likelihood, patch)
    _warn_bare(likelihood, analysis.signal.lowest.normfactor)
    where = resolve_scheduler(scheduler) if calculator == "toybased" else Scheduler("synchronous")
    return compute_limit(
        analysis,
        method=method,
        cl=cl,
        calculator=calculator,
        ntoys=ntoys,
        seed=seed,
        power_constraint=power_constraint,
        poi_bounds=poi_bounds,
        scheduler=where,
    )


def _likelihood_type() -> type:
    from xhf.workspace.likelihood import Likelihood

    return Likelihood
