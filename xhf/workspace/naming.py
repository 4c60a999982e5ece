"""Names in xhf workspaces: samples, modifiers, measurements and patches.

One module owns every name the builder writes, so that the builder, the inference stage, the
publisher and the combiner agree (``docs/workspace-conventions.md``). The names follow the
HistFactory form of XMASS-I's chi2 (Phys. Lett. B 809 (2020) 135741, Eqs. 4-7): ``norm_<sample>``
for the activity scales p_j, the variation's own name for q_k and r_l, ``staterror_<channel>``
for the Monte Carlo statistics and ``mu`` for the signal scale alpha.

>>> format_value(1.3e-6), format_value(1e-3), format_value(10.0), format_value(0.5)
('1p3e_06', '1e_03', '1e01', '5e_01')
>>> part_names((2, 4))
[('signal_interference', 'mu_interference'), ('signal_pure', 'mu_pure')]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from xhf.exceptions import InvalidParameterError

__all__ = [
    "DEFAULT_EXPERIMENT",
    "NAME_PATTERN",
    "PLACEHOLDER_SAMPLE",
    "POI",
    "analysis_name",
    "format_value",
    "measurement_name",
    "norm_name",
    "part_names",
    "staterror_name",
]


def __dir__() -> list[str]:
    return __all__


#: Sample, channel, patch and label names (pyhf's patch-name pattern, used everywhere).
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")
#: The POI of a single-part (power-law) signal and of the exact-excess patches.
POI = "mu"
#: The zero-yield sample that carries the POI in a background-only workspace.
PLACEHOLDER_SAMPLE = "signal"
#: Measurement prefix when the TemplateSet's metadata names no experiment.
DEFAULT_EXPERIMENT = "xmass1"


def norm_name(sample: str) -> str:
    """Parameter of the normalisation p_j of a sample (normsys or free normfactor)."""
    return f"norm_{sample}"


def staterror_name(channel: str) -> str:
    """Parameter set of the Monte Carlo statistical errors of one channel."""
    return f"staterror_{channel}"


def part_names(powers: Sequence[int], parts: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """Sample and normfactor names of the parts of a signal, in the order of ``powers``.

    One part: ``signal`` with ``mu``. Two parts: the lower power is the interference term
    (``signal_interference``, ``mu_interference``, the POI), the higher the pure term
    (``signal_pure``, ``mu_pure``). More parts use their own names (``signal_<part>``).

    Args:
        powers: exponent of ``parameter / reference`` of each part.
        parts: the parts' own names (only needed for three or more parts).
    """
    if len(powers) == 1:
        return [(PLACEHOLDER_SAMPLE, POI)]
    if len(powers) == 2 and powers[0] != powers[1]:
        low = 0 if powers[0] < powers[1] else 1
        roles = ["interference", "pure"] if low == 0 else ["pure", "interference"]
        return [(f"signal_{role}", f"mu_{role}") for role in roles]
    if parts is None or len(parts) != len(powers):
        raise InvalidParameterError("signals with more than two parts need part names")
    return [(f"signal_{name}", f"mu_{name}") for name in parts]


def analysis_name(metadata: Mapping[str, Any], fallback: str) -> str:
    """The analysis label: ``metadata['analysis']``, else the model with ``_`` (``dark_photon``)."""
    if metadata.get("analysis"):
        return str(metadata["analysis"])
    if metadata.get("model"):
        return str(metadata["model"]).replace("-", "_")
    return fallback


def measurement_name(experiment: str | None, analysis: str) -> str:
    """``<experiment>_<analysis>``, e.g. ``xmass1_magnetic_moment``."""
    return f"{experiment or DEFAULT_EXPERIMENT}_{analysis}"


def format_value(value: float) -> str:
    """A number as a name token: shortest scientific form, ``.`` -> ``p``, ``e-`` -> ``e_``.

    The result matches ``^[a-zA-Z0-9_]+$`` (pyhf patch names): ``1.3e-06`` -> ``1p3e_06``,
    ``10`` -> ``1e01``.
    """
    if not np.isfinite(value) or value < 0:
        raise InvalidParameterError(f"cannot name a value of {value!r}; need a finite number >= 0")
    text = np.format_float_scientific(float(value), unique=True, trim="-", exp_digits=2)
    return text.replace(".", "p").replace("e-", "e_").replace("e+", "e")
