"""Express signals made at different reference values in one reference: one POI scale.

A signal part made at the reference value r_a of its parameter x scales as (x / r_a)^p
(docs/workspace-conventions.md; XMASS-I, Phys. Lett. B 809 (2020) 135741: p = 2 for mu_nu^2
and delta^2, p = 2 and 4 for the dark photon's interference and pure terms). The same physics
at the reference r_b is the template times (r_b / r_a)^p; its normfactor then reads
mu_b = mu_a (r_a / r_b)^p. Everything absolute in the sample scales with it: the nominal
yields, the histosys templates and the MC-statistics errors; normsys factors are relative and
stay.

>>> sample = {"name": "signal", "data": [2.0, 1.0], "modifiers": [
...     {"name": "mu", "type": "normfactor", "data": None},
...     {"name": "flux_pp", "type": "histosys", "data": {"hi_data": [2.2, 1.1], "lo_data": [1.8, 0.9]}}]}
>>> scaled = scale_sample(sample, reference_factor(1e-10, 2e-10, 2))
>>> scaled["data"], scaled["modifiers"][1]["data"]["hi_data"]
([8.0, 4.0], [8.8, 4.4])
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np

from xhf.ceilings import MAX_EVENTS
from xhf.exceptions import InvalidInputError, InvalidParameterError

__all__ = ["reference_factor", "rescale_signal", "scale_sample"]


def __dir__() -> list[str]:
    return __all__


def reference_factor(reference: float, target: float, power: float) -> float:
    """(target / reference)^power: the factor on a template moved from one reference to another."""
    return float((float(target) / float(reference)) ** float(power))


def _scaled(values: list[float], factor: float) -> list[float]:
    return [float(v) * factor for v in values]


def scale_sample(sample: Mapping[str, Any], factor: float) -> dict[str, Any]:
    """A copy of a HistFactory sample with every absolute number multiplied by ``factor``."""
    out = copy.deepcopy(dict(sample))
    if factor == 1.0:
        return out
    out["data"] = _scaled(out["data"], factor)
    for mod in out.get("modifiers", []):
        kind = mod["type"]
        if kind == "histosys":
            mod["data"] = {
                "hi_data": _scaled(mod["data"]["hi_data"], factor),
                "lo_data": _scaled(mod["data"]["lo_data"], factor),
            }
        elif kind in ("staterror", "shapesys"):
            mod["data"] = _scaled(mod["data"], factor)
    return out


def _check_scaled(sample: Mapping[str, Any], factor: float, where: str) -> None:
    """A rescaled signal must stay finite and within MAX_EVENTS per bin."""
    data = np.asarray(sample["data"], dtype=float)
    size = float(np.max(np.abs(data), initial=0.0)) if data.size else 0.0
    if not (np.isfinite(factor) and size <= MAX_EVENTS):
        raise InvalidParameterError(
            f"{where}: moved to the common reference (a factor {factor:g}) the signal expects "
            f"{size:g} events in a bin, above the ceiling of {MAX_EVENTS:g} (choose another "
            "reference)"
        )


def _has_normfactor(sample: Mapping[str, Any], normfactor: str) -> bool:
    return any(
        m["name"] == normfactor and m["type"] == "normfactor" for m in sample.get("modifiers", [])
    )


def rescale_signal(
    workspace: Mapping[str, Any],
    parts: list[Mapping[str, Any]],
    factors: Mapping[str, float],
    source: str = "workspace",
) -> dict[str, Any]:
    """A copy of ``workspace`` whose signal parts are multiplied by their factors.

    Args:
        workspace: the pyhf workspace.
        parts: the sidecar's ``signal.parts`` (``sample``, ``normfactor``, ``power``).
        factors: factor per normfactor (:func:`reference_factor`).
        source: the input's name for messages.

    Raises:
        InvalidInputError: a part the sidecar lists is not in the workspace.
    """
    out = copy.deepcopy(dict(workspace))

    for part in parts:
        sample_name, normfactor = str(part["sample"]), str(part["normfactor"])
        found = False
        for channel in out["channels"]:
            for i, sample in enumerate(channel["samples"]):
                if sample["name"] == sample_name and _has_normfactor(sample, normfactor):
                    channel["samples"][i] = scale_sample(sample, factors[normfactor])
                    where = f"{source}: channels[{channel['name']}].samples[{sample_name}]"
                    _check_scaled(channel["samples"][i], factors[normfactor], where)
                    found = True
        if not found:
            raise InvalidInputError(
                f"{source}: the sidecar's signal part {sample_name!r} (normfactor "
                f"{normfactor!r}) is not a sample of the workspace"
            )
    return out
