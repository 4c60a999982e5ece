"""Which nuisances a combination correlates: one name is one parameter.

HistFactory correlates modifiers by name, across samples, channels and -- after a combination
-- experiments. The rule xhf follows (docs/combination.md):

- physically shared nuisances keep one name everywhere and are correlated: the solar flux of
  each source (``flux_pp``, ``flux_7Be``, ... ``flux_<source>`` for every source of
  :mod:`xhf.physics.fluxes`) and the atomic-model uncertainty (``atomic_model``); the
  signal normfactors (``mu``, ``mu_interference``, ``mu_pure``) are the one POI;
- everything experiment-specific is kept apart by its name: the builder prefixes it with the
  experiment name (``<name>_norm_background``, ``<name>_efficiency``, ``xmass1_dead_pmt_2_5kev``,
  ``<name>_staterror_<channel>``; :mod:`xhf.workspace.naming`), and channels must differ
  between experiments;
- a name found in two inputs that is neither shared nor explicitly requested
  (``correlate=``) is a clash -- two experiments' ``norm_background`` are two parameters, not
  one -- and an error naming both inputs.

>>> "flux_7Be" in SHARED_NUISANCES, "norm_background" in SHARED_NUISANCES
(True, False)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from xhf.exceptions import InvalidInputError, InvalidParameterError
from xhf.workspace.naming import SHARED_NUISANCES

__all__ = [
    "SHARED_NUISANCES",
    "channel_names",
    "check_disjoint",
    "modifier_names",
]


def __dir__() -> list[str]:
    return __all__


def channel_names(workspace: Mapping[str, Any]) -> list[str]:
    """Channel names of a workspace, in its order."""
    return [str(ch["name"]) for ch in workspace.get("channels", [])]


def modifier_names(workspace: Mapping[str, Any]) -> set[str]:
    """Every modifier (parameter) name of a workspace."""
    return {
        str(mod["name"])
        for ch in workspace.get("channels", [])
        for sample in ch.get("samples", [])
        for mod in sample.get("modifiers", [])
    }


def check_disjoint(
    inputs: Sequence[tuple[str, Mapping[str, Any]]],
    signal_normfactors: Iterable[str],
    correlate: Iterable[str] = (),
) -> list[str]:
    """Raise on a channel or nuisance found in two inputs that is not meant as one parameter.

    Args:
        inputs: ``(source, workspace)`` pairs; ``source`` names the input in messages.
        signal_normfactors: the POI normfactors (shared by construction).
        correlate: further names the user declares to be one parameter.

    Returns:
        The sorted nuisance names correlated across inputs (in two or more; POIs excluded).

    Raises:
        InvalidInputError: one line naming the clash and both inputs.
        InvalidParameterError: a ``correlate`` name no input has (a typo would otherwise
            leave the nuisances it meant uncorrelated, silently).
    """
    pois = set(signal_normfactors)
    allowed = set(SHARED_NUISANCES) | pois | set(correlate)
    seen_channels: dict[str, str] = {}
    seen_modifiers: dict[str, str] = {}
    shared: set[str] = set()
    for source, workspace in inputs:
        for name in channel_names(workspace):
            if name in seen_channels:
                raise InvalidInputError(
                    f"{source}: channel {name!r} is also a channel of {seen_channels[name]}; "
                    "the channels of different experiments must have different names"
                )
            seen_channels[name] = source
        for name in sorted(modifier_names(workspace)):
            if name not in seen_modifiers:
                seen_modifiers[name] = source
                continue
            if name not in allowed:
                raise InvalidInputError(
                    f"{source}: nuisance {name!r} is also in {seen_modifiers[name]} and is not "
                    f"a shared physical nuisance ({', '.join(sorted(SHARED_NUISANCES))}); "
                    "prefix experiment-specific nuisances with the experiment name, or pass "
                    f"--correlate {name} if it is one parameter"
                )
            if name not in pois:
                shared.add(name)
    known = sorted(set(seen_modifiers) - pois)
    for name in sorted(set(correlate)):
        if name not in seen_modifiers or name in pois:
            raise InvalidParameterError(
                f"--correlate: {name!r} is not a nuisance of any input (known: "
                f"{', '.join(known) or 'none'})"
            )
    return sorted(shared)
