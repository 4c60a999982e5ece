"""POI bounds of a combined workspace: the builder's expected-size rule on the joint model.

The builder bounds each normfactor at ``N_SIGMA`` expected standard deviations of it, from the
Fisher information of the channel's HistFactory model (:mod:`xhf.workspace.poi`). For a
combination the same rule is applied to all channels at once: the bins of every channel are laid
side by side, each sample padded with zeros outside its channel, so that a shared nuisance
(``flux_pp``, ``atomic_model``) acts on every experiment through one column and an
experiment-specific one on its own bins only. The joint sigma is smaller than each experiment's,
so the combined bound is tighter than the inputs' and still ~3 times beyond the +2 sigma
expected limit. Samples without any event (an experiment of zero exposure) add nothing and are
left out (a free normalisation of nothing would make the Fisher matrix singular).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xhf.workspace.poi import part_bounds

__all__ = ["flatten", "signal_part_bounds"]


def __dir__() -> list[str]:
    return __all__


def _pad(values: Sequence[float], offset: int, total: int) -> list[float]:
    out = np.zeros(total)
    out[offset : offset + len(values)] = np.asarray(values, dtype=float)
    return out.tolist()


def _padded_modifier(mod: Mapping[str, Any], offset: int, total: int) -> dict[str, Any]:
    kind, data = mod["type"], mod["data"]
    if kind == "histosys":
        data = {
            "hi_data": _pad(data["hi_data"], offset, total),
            "lo_data": _pad(data["lo_data"], offset, total),
        }
    elif kind in ("staterror", "shapesys"):
        data = _pad(data, offset, total)
    return {"name": mod["name"], "type": kind, "data": data}


def flatten(
    channels: Sequence[Mapping[str, Any]], signal_samples: Mapping[str, str]
) -> tuple[list[dict[str, Any]], dict[str, NDArray[np.float64]]]:
    """All channels as one: padded background samples, and each signal normfactor's yields.

    Args:
        channels: the workspace's channels.
        signal_samples: signal sample name -> its normfactor.

    Returns:
        ``(backgrounds, signals)``: background sample dicts over the concatenated bins (empty
        samples left out) and, per normfactor, its signal yields over the concatenated bins.
    """
    total = sum(len(ch["samples"][0]["data"]) for ch in channels if ch["samples"])
    backgrounds: list[dict[str, Any]] = []
    signals: dict[str, NDArray[np.float64]] = {}
    offset = 0
    for ch in channels:
        n = len(ch["samples"][0]["data"]) if ch["samples"] else 0
        for sample in ch["samples"]:
            nf = signal_samples.get(sample["name"])
            if nf is not None and any(m["name"] == nf for m in sample["modifiers"]):
                signals.setdefault(nf, np.zeros(total))
                signals[nf][offset : offset + n] += np.asarray(sample["data"], dtype=float)
                continue
            if not np.any(np.asarray(sample["data"], dtype=float)):
                continue
            backgrounds.append(
                {
                    "name": sample["name"],
                    "data": _pad(sample["data"], offset, total),
                    "modifiers": [_padded_modifier(m, offset, total) for m in sample["modifiers"]],
                }
            )
        offset += n
    return backgrounds, signals


def signal_part_bounds(
    channels: Sequence[Mapping[str, Any]],
    samples: Mapping[str, str],
    powers: Mapping[str, float],
) -> dict[str, list[float]]:
    """``{normfactor: [0, upper]}`` for the parts of a signal, over all ``channels``.

    Args:
        channels: the combined workspace's channels.
        samples: signal sample name -> normfactor (the parts of every input).
        powers: normfactor -> power of ``parameter / reference``.

    Raises:
        InvalidTemplateError: the rule cannot be applied (a modifier type outside xhf's
            mapping, or a signal that cannot be told apart from the backgrounds).
    """
    backgrounds, signals = flatten(channels, samples)
    total = sum(len(ch["samples"][0]["data"]) for ch in channels if ch["samples"])
    names = list(powers)
    yields = [signals.get(nf, np.zeros(total)) for nf in names]
    uppers = part_bounds(backgrounds, yields, [powers[nf] for nf in names])
    return {nf: [0.0, float(u)] for nf, u in zip(names, uppers, strict=True)}
