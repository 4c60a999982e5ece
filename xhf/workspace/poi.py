"""Bounds of the signal normfactors from the expected signal size.

pyhf's ``upper_limit(data, model, scan=None)`` (TOMS748) starts from the POI bounds and doubles
the upper one until CLs (observed *and* all five expected bands) is below the level there; a
doubled bound outside the model's bounds makes the fit fail. The upper bound must therefore lie
beyond the +2 sigma expected limit and any plausible observed limit, yet not so far that the
fits wander into meaningless regions.

The rule (``docs/config.md``, "POI bounds"): the upper bound is ``N_SIGMA = 10`` expected
standard deviations of the normfactor,

    mu_max = N_SIGMA * sigma_mu,

where sigma_mu is the Asimov uncertainty of mu at mu = 0 from the Fisher information of the
channel's HistFactory model (Poisson bins with the Neyman/Poisson variance of XMASS-I's Eq. 4,
Phys. Lett. B 809 (2020) 135741, with every background nuisance profiled: activity constraints,
free normalisations, shape systematics and MC statistics; bins floored at one event). The +2
sigma expected 90 % CL limit is ~3.3 sigma_mu, so the bound is three times beyond it and still
covers an observed excess of ~8 sigma. It is rounded *up* to two significant digits. Where the
signal is negative in some bin (interference), the bound is capped so that the expected total
B_i + mu S_i stays >= 0 (and rounded *down*). The lower bound is 0.

For a signal of several parts S(t) = sum_k t^p_k S_k (t = parameter / reference), t_max is the
largest of the per-part scales (t_k^p_k = N_SIGMA sigma_k), enlarged by factors 2 until the
summed excess S(t_max) is itself N_SIGMA standard deviations; normfactor mu_k = t^p_k gets the
bound t_max^p_k.

>>> import numpy as np
>>> flat = {"name": "flat", "data": [100.0, 100.0], "modifiers": []}
>>> poi_sigma([flat], np.array([5.0, 1.0]))  # 1 / sqrt(sum S^2 / B)
1.961
>>> poi_upper_bound([flat], np.array([5.0, 1.0]))
20.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xhf.exceptions import InvalidTemplateError

__all__ = ["N_SIGMA", "part_bounds", "poi_sigma", "poi_upper_bound", "round_sig"]


def __dir__() -> list[str]:
    return __all__


#: Expected standard deviations of the normfactor at its upper bound.
N_SIGMA = 10.0


def round_sig(value: float, *, up: bool = True) -> float:
    """Round ``value > 0`` up (or down) to two significant digits.

    >>> round_sig(37.21), round_sig(0.01234), round_sig(37.21, up=False)
    (38.0, 0.013, 37.0)
    """
    exponent = math.floor(math.log10(value))
    mantissa = value / 10.0**exponent * 10.0
    digits = math.ceil(mantissa - 1e-9) if up else math.floor(mantissa + 1e-9)
    return float(f"{digits}e{exponent - 1}")


def _columns(samples: Sequence[Mapping[str, Any]], n_bins: int):
    """Derivatives of the expected counts at nominal, and constraint weights, per parameter."""
    columns: dict[str, NDArray[np.float64]] = {}
    constraints: dict[str, float] = {}
    stat_nominal = np.zeros(n_bins)
    stat_variance = np.zeros(n_bins)
    for sample in samples:
        nominal = np.asarray(sample["data"], dtype=float)
        for mod in sample["modifiers"]:
            name, kind, data = mod["name"], mod["type"], mod["data"]
            if kind == "normfactor":
                derivative, weight = nominal, 0.0
            elif kind == "normsys":
                derivative, weight = (data["hi"] - data["lo"]) / 2.0 * nominal, 1.0
            elif kind == "histosys":
                hi, lo = np.asarray(data["hi_data"]), np.asarray(data["lo_data"])
                derivative, weight = (hi - lo) / 2.0, 1.0
            elif kind == "staterror":
                stat_nominal += nominal
                stat_variance += np.asarray(data, dtype=float) ** 2
                continue
            else:
                raise InvalidTemplateError(f"modifier type {kind!r} is not in xhf's mapping")
            columns[name] = columns.get(name, np.zeros(n_bins)) + derivative
            constraints[name] = weight
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.sqrt(stat_variance) / stat_nominal
    for i in np.flatnonzero(np.isfinite(relative) & (relative > 0)):
        column = np.zeros(n_bins)
        column[i] = stat_nominal[i]
        columns[f"gamma_{i}"] = column
        constraints[f"gamma_{i}"] = 1.0 / relative[i] ** 2
    return columns, constraints


def poi_sigma(background: Sequence[Mapping[str, Any]], signal: NDArray[np.float64]) -> float:
    """Asimov standard deviation of a normfactor on ``signal`` at zero signal.

    Args:
        background: the channel's background samples as HistFactory sample dicts.
        signal: the signal per bin at normfactor 1 (events).

    Returns:
        sigma_mu = sqrt((F^-1)_mu,mu), F the Fisher information of Poisson bins (expected
        counts floored at 1) and the unit-Gaussian (or staterror) constraints.
    """
    signal = np.asarray(signal, dtype=float)
    n_bins = signal.size
    total = np.sum([np.asarray(s["data"], dtype=float) for s in background], axis=0)
    columns, constraints = _columns(background, n_bins)
    names = sorted(columns)
    jacobian = np.column_stack([signal] + [columns[n] for n in names])
    weights = np.array([0.0] + [constraints[n] for n in names])
    fisher = jacobian.T @ (jacobian / np.maximum(total, 1.0)[:, None]) + np.diag(weights)
    unit = np.zeros(len(weights))
    unit[0] = 1.0
    try:
        variance = float(np.linalg.solve(fisher, unit)[0])
    except np.linalg.LinAlgError:
        variance = math.inf
    if not (np.isfinite(variance) and variance > 0) or np.linalg.cond(fisher) > 1e14:
        raise InvalidTemplateError(
            "the signal cannot be told apart from the backgrounds (singular Fisher matrix); "
            "set the POI bounds by hand"
        )
    return math.sqrt(variance)


def _cap(background: Sequence[Mapping[str, Any]], signal: NDArray[np.float64]) -> float:
    negative = signal < 0
    if not np.any(negative):
        return math.inf
    total = np.sum([np.asarray(s["data"], dtype=float) for s in background], axis=0)
    return float(np.min(total[negative] / -signal[negative]))


def poi_upper_bound(
    background: Sequence[Mapping[str, Any]],
    signal: NDArray[np.float64],
    *,
    n_sigma: float = N_SIGMA,
) -> float:
    """Upper bound of a normfactor on ``signal``: ``n_sigma * sigma_mu``, rounded (module rule).

    Args:
        background: the channel's background samples as HistFactory sample dicts.
        signal: the signal per bin at normfactor 1 (events).
        n_sigma: expected standard deviations of mu at the bound.
    """
    signal = np.asarray(signal, dtype=float)
    if not np.any(signal):
        raise InvalidTemplateError("the signal has no events in its channel; cannot bound mu")
    bound = n_sigma * poi_sigma(background, signal)
    cap = _cap(background, signal)
    if cap < bound:
        return round_sig(cap, up=False)
    return round_sig(bound)


def part_bounds(
    background: Sequence[Mapping[str, Any]],
    parts: Sequence[NDArray[np.float64]],
    powers: Sequence[int],
    *,
    n_sigma: float = N_SIGMA,
) -> list[float]:
    """Upper bounds of the normfactors mu_k = t^p_k of a signal with several parts.

    Args:
        background: the channel's background samples as HistFactory sample dicts.
        parts: each part's yields at the reference value (t = 1).
        powers: exponent p_k of each part.
        n_sigma: expected standard deviations of the summed excess at the bound.

    Returns:
        One upper bound per part, rounded up to two significant digits.
    """
    if len(parts) == 1:
        return [poi_upper_bound(background, parts[0], n_sigma=n_sigma)]
    parts = [np.asarray(p, dtype=float) for p in parts]
    scales = [
        (n_sigma * poi_sigma(background, part)) ** (1.0 / power)
        for part, power in zip(parts, powers, strict=True)
        if np.any(part)
    ]
    if not scales:
        raise InvalidTemplateError("the signal has no events in its channel; cannot bound mu")
    scale = max(scales)
    for _ in range(64):
        excess = np.sum([scale**p * s for p, s in zip(powers, parts, strict=True)], axis=0)
        if np.any(excess) and n_sigma * poi_sigma(background, excess) <= 1.0 + 1e-9:
            break
        scale *= 2.0
    return [round_sig(scale**p) for p in powers]
