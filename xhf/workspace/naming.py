"""Names in xhf workspaces: samples, modifiers, measurements and patches.

One module owns every name the builder writes, so that the builder, the inference stage, the
publisher and the combiner agree (``docs/workspace-conventions.md``). The names follow the
HistFactory form of XMASS-I's chi2 (Phys. Lett. B 809 (2020) 135741, Eqs. 4-7) and are safe to
combine (``pyhf combine`` of any two xhf workspaces builds): every nuisance that belongs to one
experiment carries its name as a prefix, ``<experiment>_norm_<sample>`` for a constrained
activity scale p_j (normsys), ``<experiment>_free_<sample>`` for an unconstrained one
(normfactor), ``<experiment>_<variation>`` for q_k and r_l and ``<experiment>_staterror_<channel>``
for the Monte Carlo statistics. Only the physically shared nuisances (:data:`SHARED_NUISANCES`,
the solar fluxes and the atomic model) keep a common name, and ``mu`` is the signal scale alpha.
A name never changes modifier type: the free and the constrained scale of a sample differ.

>>> format_value(1.3e-6), format_value(1e-3), format_value(10.0), format_value(0.5)
('1p3e_06', '1e_03', '1e01', '5e_01')
>>> norm_name("Ar39", "xmass1", free=True), norm_name("xenon1t_background", "xenon1t")
('xmass1_free_Ar39', 'xenon1t_norm_background')
>>> nuisance_name("dead_pmt_2_5kev", "xmass1"), nuisance_name("flux_pp", "xmass1")
('xmass1_dead_pmt_2_5kev', 'flux_pp')
>>> part_names((2, 4))
[('signal_interference', 'mu_interference'), ('signal_pure', 'mu_pure')]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from xhf.exceptions import InvalidParameterError
from xhf.physics.fluxes import SOURCE_NAMES

__all__ = [
    "DEFAULT_EXPERIMENT",
    "NAME_PATTERN",
    "PLACEHOLDER_SAMPLE",
    "POI",
    "SHARED_NUISANCES",
    "analysis_name",
    "format_value",
    "measurement_name",
    "norm_name",
    "nuisance_name",
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


#: Nuisances that are one physical parameter in every experiment: the flux of each solar
#: source (histosys ``flux_<source>``) and the atomic-model uncertainty (normsys
#: ``atomic_model``). They keep these names, one modifier type and one constraint everywhere.
SHARED_NUISANCES: frozenset[str] = frozenset(
    {"atomic_model", *(f"flux_{source}" for source in SOURCE_NAMES)}
)


def _scoped(experiment: str | None, kind: str, name: str) -> str:
    """``<experiment>_<kind>_<name>``, without repeating an experiment prefix of ``name``."""
    prefix = experiment or DEFAULT_EXPERIMENT
    if name == prefix:
        name = ""
    elif name.startswith(f"{prefix}_"):
        name = name[len(prefix) + 1 :]
    return "_".join(part for part in (prefix, kind, name) if part)


def norm_name(sample: str, experiment: str | None = None, *, free: bool = False) -> str:
    """Parameter of the normalisation p_j of a sample: ``<experiment>_norm_<sample>`` when
    constrained (normsys), ``<experiment>_free_<sample>`` when free (normfactor)."""
    return _scoped(experiment, "free" if free else "norm", sample)


def staterror_name(channel: str, experiment: str | None = None) -> str:
    """Parameter set of the Monte Carlo statistical errors of one channel."""
    return _scoped(experiment, "staterror", channel)


def nuisance_name(name: str, experiment: str | None = None) -> str:
    """A systematic's parameter: shared names (:data:`SHARED_NUISANCES`) unchanged, every
    other one prefixed ``<experiment>_`` (once)."""
    prefix = experiment or DEFAULT_EXPERIMENT
    if name in SHARED_NUISANCES or name.startswith(f"{prefix}_"):
        return name
    return f"{prefix}_{name}"


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
    """A number as a name token: the one formatter of every value in an xhf name.

    The rule: the shortest scientific form that reads back as the same float (the digits of
    Python's ``repr``, so no two different values share a name and nothing is rounded), the
    mantissa without trailing zeros, an exponent of at least two digits; then ``.`` -> ``p``,
    ``e-`` -> ``e_`` and ``e+`` -> ``e``, so that the result matches ``^[a-zA-Z0-9_]+$``
    (pyhf patch names). Values written with three significant digits, like the dark-photon
    masses of the shipped grid, keep their three digits: ``0.00139`` -> ``1p39e_03``.

    Used for the dark-photon signal names ``dark_photon_m<mass>``, the grid patches
    ``<signal>_g<coupling>`` and the names a combination reads back from patch values.

    >>> format_value(1.2345e-3), format_value(0.00139), format_value(1000.0)
    ('1p2345e_03', '1p39e_03', '1e03')
    """
    if not np.isfinite(value) or value < 0:
        raise InvalidParameterError(f"cannot name a value of {value!r}; need a finite number >= 0")
    text = np.format_float_scientific(float(value), unique=True, trim="-", exp_digits=2)
    return text.replace(".", "p").replace("e-", "e_").replace("e+", "e")
