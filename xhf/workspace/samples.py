"""HistFactory samples from TemplateSet samples: the modifier mapping of XMASS-I's Eqs. 4-7.

XMASS-I (Phys. Lett. B 809 (2020) 135741) writes the expectation in bin i as
B_i + alpha S_i with B_i = sum_j p_j (B_ij + sum_k q_k sigma(B_sys)_ijk) (Eq. 5) and
S_i = S0_i + sum_l r_l sigma(S_sys)_il (Eq. 6), constrained by Eq. 7. In HistFactory:

- p_j with an activity constraint sigma(B_RI)_j -> normsys ``<experiment>_norm_<sample>``,
  hi/lo = 1 +- sigma;
- p_j unconstrained -> normfactor ``<experiment>_free_<sample>``;
- q_k, r_l -> histosys named ``<experiment>_<variation>`` (absolute up/down templates; one name
  = one parameter across samples); flat signal systematics -> normsys of that name; the shared
  nuisances (solar fluxes, atomic model) keep their unprefixed names (:mod:`xhf.workspace.naming`);
- sigma(B_stat), sigma(S_stat) -> staterror ``<experiment>_staterror_<channel>`` with each sample's absolute
  errors (pyhf adds them in quadrature over the samples of a bin and constrains one gamma per
  bin with the relative error sqrt(sum_s err_s^2) / sum_s nominal_s);
- alpha -> normfactor ``mu`` on the signal; a ``norm_uncertainty`` of a signal part is a normsys
  ``<experiment>_norm_signal`` shared by all parts of the signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xhf.exceptions import InvalidTemplateError
from xhf.templates.templateset import Sample, Variation
from xhf.workspace.naming import PLACEHOLDER_SAMPLE, norm_name, nuisance_name, staterror_name

__all__ = ["SIGNAL_NORM", "background_sample", "combine_parts", "signal_sample"]


def __dir__() -> list[str]:
    return __all__


#: The normalisation constraint of a signal (``norm_uncertainty`` of its parts): one parameter
#: (prefixed with the experiment when the sample is written).
SIGNAL_NORM = f"norm_{PLACEHOLDER_SAMPLE}"


def _floats(values: Any) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=float)]


def _shape_and_flat(sample: Sample, channel: str, experiment: str | None) -> list[dict[str, Any]]:
    modifiers: list[dict[str, Any]] = [
        {
            "name": nuisance_name(var.name, experiment),
            "type": "histosys",
            "data": {"hi_data": _floats(var.up), "lo_data": _floats(var.down)},
        }
        for var in sample.variations
    ]
    for name in sorted(sample.norm_variations):
        hi, lo = sample.norm_variations[name]
        modifiers.append(
            {
                "name": nuisance_name(name, experiment),
                "type": "normsys",
                "data": {"hi": float(hi), "lo": float(lo)},
            }
        )
    if sample.stat_error is not None:
        modifiers.append(
            {
                "name": staterror_name(channel, experiment),
                "type": "staterror",
                "data": _floats(sample.stat_error),
            }
        )
    return modifiers


def _norm(sample: Sample, where: str, owner: str, experiment: str | None) -> list[dict[str, Any]]:
    """The scale of sample ``owner``: a free normfactor or a normsys (:func:`norm_name`)."""
    if sample.free and sample.norm_uncertainty is not None:
        raise InvalidTemplateError(f"{where}: is free and has a norm_uncertainty; choose one")
    parameter = norm_name(owner, experiment, free=sample.free)
    if sample.free:
        return [{"name": parameter, "type": "normfactor", "data": None}]
    if sample.norm_uncertainty:
        sigma = float(sample.norm_uncertainty)
        return [
            {
                "name": parameter,
                "type": "normsys",
                "data": {"hi": 1.0 + sigma, "lo": 1.0 - sigma},
            }
        ]
    return []


def _checked(name: str, modifiers: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    seen = set()
    for mod in modifiers:
        if mod["name"] in seen:
            raise InvalidTemplateError(f"{where}: modifier name {mod['name']!r} is used twice")
        seen.add(mod["name"])
    return modifiers


def background_sample(
    sample: Sample, channel: str, experiment: str | None = None
) -> dict[str, Any]:
    """The HistFactory sample of background component j (Eq. 5) in ``channel``.

    Its nuisances carry the prefix ``experiment`` (:mod:`xhf.workspace.naming`).
    """
    where = f"channel {channel!r}, background {sample.name!r}"
    modifiers = _norm(sample, where, sample.name, experiment)
    modifiers += _shape_and_flat(sample, channel, experiment)
    return {
        "name": sample.name,
        "data": _floats(sample.yields),
        "modifiers": _checked(sample.name, modifiers, where),
    }


def signal_sample(
    part: Sample, channel: str, name: str, normfactor: str, experiment: str | None = None
) -> dict[str, Any]:
    """The HistFactory sample of one signal part (Eq. 6) scaled by the normfactor ``normfactor``.

    Args:
        part: the part's templates at the reference value of the parameter.
        channel: channel name (for the staterror).
        name: sample name in the workspace (``signal``, ``signal_interference``, ...).
        normfactor: its scale (``mu``, ``mu_interference``, ...).
        experiment: prefix of its experiment-specific nuisances.
    """
    where = f"channel {channel!r}, signal part {part.name!r}"
    renamed = Sample(
        name=name,
        yields=part.yields,
        stat_error=part.stat_error,
        norm_uncertainty=part.norm_uncertainty,
        free=False,
        variations=part.variations,
        norm_variations=part.norm_variations,
    )
    modifiers = [{"name": normfactor, "type": "normfactor", "data": None}]
    modifiers += _norm(renamed, where, PLACEHOLDER_SAMPLE, experiment)
    modifiers += _shape_and_flat(renamed, channel, experiment)
    return {
        "name": name,
        "data": _floats(part.yields),
        "modifiers": _checked(name, modifiers, where),
    }


def combine_parts(parts: Sequence[Sample], weights: Sequence[float], name: str) -> Sample:
    """The exact excess sum_k w_k S_k of several parts as one sample, with its systematics.

    A histosys present on any part becomes a histosys of the sum (parts without it contribute
    their nominal); a flat systematic (normsys or norm_uncertainty) shared by every part with
    the same factors stays a normsys, otherwise it becomes a histosys with the summed shifted
    templates. MC-statistics errors add in quadrature: sqrt(sum_k (w_k err_k)^2).

    Returns:
        The combined sample (named ``name``).
    """
    weights = [float(w) for w in weights]
    nominal = np.sum(
        [w * np.asarray(p.yields, float) for w, p in zip(weights, parts, strict=True)], axis=0
    )

    def shifted(templates: list[NDArray[np.float64]]) -> NDArray[np.float64]:
        return np.sum([w * t for w, t in zip(weights, templates, strict=True)], axis=0)

    flats: dict[str, list[tuple[float, float] | None]] = {}
    for index, part in enumerate(parts):
        factors = dict(part.norm_variations)
        if part.norm_uncertainty:
            factors[SIGNAL_NORM] = (1 + part.norm_uncertainty, 1 - part.norm_uncertainty)
        for key, value in factors.items():
            flats.setdefault(key, [None] * len(parts))[index] = (float(value[0]), float(value[1]))
    names = []
    for part in parts:
        names += [v.name for v in part.variations if v.name not in names]
    variations = []
    for var_name in names:
        ups, downs = [], []
        for part in parts:
            var = next((v for v in part.variations if v.name == var_name), None)
            ups.append(np.asarray(part.yields if var is None else var.up, float))
            downs.append(np.asarray(part.yields if var is None else var.down, float))
        variations.append(Variation(var_name, shifted(ups), shifted(downs)))
    norm_variations: dict[str, tuple[float, float]] = {}
    for key in sorted(flats):
        factors = flats[key]
        if all(f == factors[0] for f in factors) and factors[0] is not None:
            norm_variations[key] = factors[0]
            continue
        ups = [
            np.asarray(p.yields, float) * (1.0 if f is None else f[0])
            for p, f in zip(parts, factors, strict=True)
        ]
        downs = [
            np.asarray(p.yields, float) * (1.0 if f is None else f[1])
            for p, f in zip(parts, factors, strict=True)
        ]
        if any(v.name == key for v in variations):
            raise InvalidTemplateError(
                f"signal {name!r}: {key!r} is both a shape and a flat systematic"
            )
        variations.append(Variation(key, shifted(ups), shifted(downs)))
    errors = [p.stat_error for p in parts]
    stat_error = None
    if any(e is not None for e in errors):
        stat_error = np.sqrt(
            np.sum(
                [
                    (w * np.asarray(e, float)) ** 2
                    for w, e in zip(weights, errors, strict=True)
                    if e is not None
                ],
                axis=0,
            )
        )
    combined = Sample(
        name=name,
        yields=nominal,
        stat_error=stat_error,
        variations=tuple(variations),
        norm_variations=norm_variations,
    )
    return combined
