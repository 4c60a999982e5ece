"""XMASS-I's chi2 (Phys. Lett. B 809 (2020) 135741, Eqs. 4-7), from templates or a workspace.

    chi2 = sum_i (D_i - B_i - alpha S_i)^2 / (D_i + sigma^2(B_stat)_i + alpha^2 sigma^2(S_stat)_i)
           + sum_j (1 - p_j)^2 / sigma^2(B_RI)_j + sum_k q_k^2 + sum_l r_l^2          (Eqs. 4, 7)
    B_i = sum_j p_j (B_ij + sum_k q_k sigma(B_sys)_ijk),  S_i = S0_i + sum_l r_l sigma(S_sys)_il

The paper puts the Monte Carlo statistics in a Neyman denominator where pyhf has one staterror
gamma per bin: the workspace evaluator fixes those gammas at 1 and takes the errors from the
staterror data. Two evaluators of the same formula check the builder against the paper:

- :func:`chi2_from_templates` in the paper's own parameters (alpha, p_j, q_k, r_l), with
  variations applied piecewise linearly (q sigma(B_sys) with the up or the down template) and
  flat systematics as factors 1 + r (hi - 1) (or 1 + r (1 - lo) for r < 0);
- :func:`chi2_from_workspace` at a pyhf parameter point, with pyhf's model for the expectation.
  A normsys parameter theta gives the factor p = code4(theta), and its pull is the paper's
  (1 - p)^2 / sigma^2 in that p; a histosys parameter is q itself (pull q^2).

They agree exactly wherever pyhf's interpolation is the paper's linear one: symmetric
variations (code4p is then linear in q) and normsys at theta = 0, +-1 (elsewhere code4 is a
polynomial, and exponential beyond |theta| = 1, so p = (1 + sigma)^theta while the paper's p is
any number: map p = code4(theta) to compare, as the tests do).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.exceptions import InvalidInputError, InvalidParameterError
from xhf.templates.templateset import Sample, TemplateSet
from xhf.workspace.compat import quiet_pyhf
from xhf.workspace.metadata import INTERPOLATION

__all__ = ["chi2", "chi2_from_templates", "chi2_from_workspace", "is_signal_normfactor"]


def __dir__() -> list[str]:
    return __all__


def chi2(
    data: ArrayLike, expected: ArrayLike, stat_variance: ArrayLike, pull: float = 0.0
) -> float:
    """Eq. 4: the Neyman chi2 of ``data`` against ``expected`` plus the pull terms of Eq. 7.

    Args:
        data: observed counts D_i.
        expected: B_i + alpha S_i.
        stat_variance: sigma^2(B_stat)_i + alpha^2 sigma^2(S_stat)_i (events^2).
        pull: the constraint terms of Eq. 7.

    >>> chi2([10.0, 20.0], [12.0, 20.0], [2.0, 0.0])
    0.3333333333333333
    """
    data = np.asarray(data, dtype=float)
    denominator = data + np.asarray(stat_variance, dtype=float)
    if np.any(denominator <= 0):
        bad = int(np.argmax(denominator <= 0))
        raise InvalidInputError(f"bin {bad}: D + sigma^2 is not positive; Eq. 4 is undefined")
    return float(np.sum((data - np.asarray(expected, dtype=float)) ** 2 / denominator) + pull)


def _flat(factor: tuple[float, float], r: float) -> float:
    hi, lo = factor
    return 1.0 + r * (hi - 1.0) if r >= 0 else 1.0 + r * (1.0 - lo)


def _shifted(sample: Sample, shifts: Mapping[str, float], used: set[str]) -> NDArray[np.float64]:
    nominal = np.asarray(sample.yields, dtype=float)
    out = nominal.copy()
    for var in sample.variations:
        q = float(shifts.get(var.name, 0.0))
        used.add(var.name)
        out += (
            q * (np.asarray(var.up) - nominal) if q >= 0 else q * (nominal - np.asarray(var.down))
        )
    for name, factor in sample.norm_variations.items():
        used.add(name)
        out *= _flat(factor, float(shifts.get(name, 0.0)))
    return out


def _scale(p: float, sigma: float | None, free: bool, name: str) -> float:
    if free:
        return 0.0
    if sigma:
        return (1.0 - p) ** 2 / sigma**2
    if p != 1.0:
        raise InvalidParameterError(f"{name!r} has a fixed normalisation; p must be 1")
    return 0.0


def chi2_from_templates(
    templates: TemplateSet,
    signal: str,
    *,
    data: str,
    alpha: float | Sequence[float] = 1.0,
    norms: Mapping[str, float] | None = None,
    shifts: Mapping[str, float] | None = None,
) -> float:
    """Eqs. 4-7 straight from the templates, in the paper's parameters.

    Args:
        templates: the TemplateSet.
        signal: name of the signal (its channel is the fit region).
        data: dataset label (D_i).
        alpha: the signal scale (one per part for multi-part signals).
        norms: p_j by background sample name (default 1); ``"signal"`` scales the signal when
            its parts carry a ``norm_uncertainty``.
        shifts: q_k, r_l by variation name (histosys and flat systematics; default 0).
    """
    norms = dict(norms or {})
    shifts = dict(shifts or {})
    sig = templates.signal(signal)
    channel = templates.channel(sig.channel)
    alphas = [float(alpha)] if np.ndim(alpha) == 0 else [float(a) for a in alpha]
    if len(alphas) != len(sig.parts):
        raise InvalidParameterError(
            f"signal {signal!r} has {len(sig.parts)} parts; give one alpha each"
        )
    used: set[str] = set()
    expected = np.zeros(channel.n_bins)
    variance = np.zeros(channel.n_bins)
    pull = 0.0
    for sample in channel.backgrounds:
        p = float(norms.pop(sample.name, 1.0))
        pull += _scale(p, sample.norm_uncertainty, sample.free, sample.name)
        expected += p * _shifted(sample, shifts, used)
        if sample.stat_error is not None:
            variance += np.asarray(sample.stat_error, dtype=float) ** 2
    p_signal = float(norms.pop("signal", 1.0))
    sigmas = {p.norm_uncertainty for p in sig.parts if p.norm_uncertainty}
    pull += _scale(p_signal, max(sigmas) if sigmas else None, False, "signal")
    for a, part in zip(alphas, sig.parts, strict=True):
        factor = p_signal if part.norm_uncertainty else 1.0
        expected += a * factor * _shifted(part, shifts, used)
        if part.stat_error is not None:
            variance += a**2 * np.asarray(part.stat_error, dtype=float) ** 2
    if norms:
        raise InvalidParameterError(f"unknown samples in norms: {sorted(norms)}")
    unknown = set(shifts) - used
    if unknown:
        raise InvalidParameterError(f"unknown systematics in shifts: {sorted(unknown)}")
    pull += sum(float(shifts.get(name, 0.0)) ** 2 for name in used)
    return chi2(channel.data[data], expected, variance, pull)


def is_signal_normfactor(name: str) -> bool:
    """Signal scales by convention: ``mu`` and ``mu_<part>``."""
    return name == "mu" or name.startswith("mu_")


def chi2_from_workspace(
    workspace: Mapping[str, Any],
    pars: Mapping[str, float | Sequence[float]],
    *,
    measurement: str | None = None,
) -> float:
    """Eqs. 4-7 from a workspace's pyhf model at a parameter point.

    Args:
        workspace: a pyhf workspace dict (one xhf builds, or a patched background-only one).
        pars: parameter values by name; unnamed parameters sit at their initial values and the
            staterror gammas at 1 (their errors enter the denominator instead).
        measurement: measurement name (default: the first).

    Returns:
        The chi2 of Eq. 4 with the pull terms of Eq. 7.
    """
    import pyhf

    with quiet_pyhf():
        ws = pyhf.Workspace(dict(workspace))
        model = ws.model(
            measurement_name=measurement,
            poi_name=None,
            modifier_settings={k: {"interpcode": v} for k, v in INTERPOLATION.items()},
        )
    config = model.config
    vector = [float(v) for v in config.suggested_init()]
    kinds: dict[str, list[tuple[str, Any]]] = {}
    for channel in workspace["channels"]:
        for sample in channel["samples"]:
            for mod in sample["modifiers"]:
                kinds.setdefault(mod["name"], []).append((mod["type"], mod["data"]))
    for name, value in pars.items():
        if name not in config.par_map:
            raise InvalidParameterError(f"no parameter {name!r} in the workspace")
        if any(kind == "staterror" for kind, _ in kinds[name]):
            raise InvalidParameterError(f"{name!r}: staterror gammas stay at 1 in Eq. 4")
        vector[config.par_slice(name)] = np.atleast_1d(np.asarray(value, dtype=float)).tolist()
    expected = np.asarray(model.expected_actualdata(vector), dtype=float)
    observed = np.asarray(ws.data(model, include_auxdata=False), dtype=float)
    variance = np.zeros_like(observed)
    for channel in workspace["channels"]:
        bins = config.channel_slices[channel["name"]]
        for sample in channel["samples"]:
            scale = 1.0
            errors = None
            for mod in sample["modifiers"]:
                if mod["type"] == "normfactor" and is_signal_normfactor(mod["name"]):
                    scale *= vector[config.par_slice(mod["name"]).start]
                if mod["type"] == "staterror":
                    errors = np.asarray(mod["data"], dtype=float)
            if errors is not None:
                variance[bins] += (scale * errors) ** 2
    pull = 0.0
    for name in config.par_order:
        types = {kind for kind, _ in kinds.get(name, [])}
        theta = vector[config.par_slice(name).start]
        if types & {"normfactor", "staterror"}:
            continue
        if "histosys" in types:
            pull += theta**2
        elif types == {"normsys"}:
            factors = next(data for kind, data in kinds[name] if kind == "normsys")
            hi, lo = float(factors["hi"]), float(factors["lo"])
            interp = pyhf.interpolators.code4([[[[lo], [1.0], [hi]]]], subscribe=False)
            p = float(np.asarray(interp(pyhf.tensorlib.astensor([[theta]]))).ravel()[0])
            sigma = hi - 1.0 if p >= 1.0 else 1.0 - lo
            pull += (p - 1.0) ** 2 / sigma**2
        else:
            raise InvalidParameterError(f"{name!r}: modifier {sorted(types)} is not in Eqs. 4-7")
    return chi2(observed, expected, variance, pull)
