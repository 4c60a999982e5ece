"""Checks of a pyhf workspace or patchset read from a file, beyond pyhf's JSON schema.

pyhf's schema accepts documents that then end in a traceback, a hang or a huge allocation:
measurement bounds ``[0, NaN]``, a ``lumi`` modifier without the measurement's lumi
configuration (pyhf needs its ``auxdata`` and ``sigmas``), a normsys with ``hi = lo = 0``
(code 4 interpolates ``log(hi)`` and ``log(lo)``, pyhf's default, see the HistFactory note
CERN-OPEN-2012-016 and pyhf's ``interpolators/code4``), non-finite modifier data, patch
values that are not numbers, or a model with so many bins that its fit runs for minutes and
then exhausts the memory. Every check here refuses such input in one line that names the file and the
JSON path of the element. :func:`check_workspace_size` and :func:`check_patchset_size` run
before pyhf reads the document (they accept any JSON);
:func:`check_parameters_and_modifiers` runs after pyhf's schema validation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from xhf.ceilings import MAX_BINS, MAX_MODIFIERS, MAX_PATCHES, MAX_SAMPLES
from xhf.exceptions import InvalidInputError

__all__ = [
    "check_parameters_and_modifiers",
    "check_patchset",
    "check_patchset_size",
    "check_workspace_size",
]


def __dir__() -> list[str]:
    return __all__


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in _list(value) if isinstance(v, Mapping)]


def check_workspace_size(workspace: Any, source: str) -> None:
    """Refuse more than MAX_BINS bins in total over the channels, MAX_SAMPLES samples or
    MAX_MODIFIERS modifiers (any JSON is accepted; the schema is checked later).

    >>> check_workspace_size({"channels": [{"samples": [{"data": [1.0] * 20000}]}]}, "w.json")
    Traceback (most recent call last):
    ...
    xhf.exceptions.InvalidInputError: w.json: channels: 20000 bins in total, above the ceiling of 10000
    """
    if not isinstance(workspace, Mapping):
        return
    channels = _dicts(workspace.get("channels"))
    samples = [s for c in channels for s in _dicts(c.get("samples"))]
    bins = sum(
        max((len(_list(s.get("data"))) for s in _dicts(c.get("samples"))), default=0)
        for c in channels
    )
    bins = max(bins, sum(len(_list(o.get("data"))) for o in _dicts(workspace.get("observations"))))
    modifiers = sum(len(_list(s.get("modifiers"))) for s in samples)
    for count, ceiling, what in [
        (bins, MAX_BINS, "bins in total"),
        (len(samples), MAX_SAMPLES, "samples in total"),
        (modifiers, MAX_MODIFIERS, "modifiers in total"),
    ]:
        if count > ceiling:
            raise InvalidInputError(
                f"{source}: channels: {count} {what}, above the ceiling of {ceiling}"
            )


def check_patchset_size(patchset: Any, source: str) -> None:
    """Refuse more than MAX_PATCHES patches (any JSON is accepted)."""
    if isinstance(patchset, Mapping):
        count = len(_list(patchset.get("patches")))
        if count > MAX_PATCHES:
            raise InvalidInputError(
                f"{source}: patches: {count} patches, above the ceiling of {MAX_PATCHES}"
            )


def check_patchset(patchset: Mapping[str, Any], source: str) -> None:
    """Size, and every patch's ``metadata.values`` a list of finite numbers (xhf's patch values
    are the masses and couplings of a grid; pyhf's schema also allows strings)."""
    check_patchset_size(patchset, source)
    for i, patch in enumerate(_dicts(patchset.get("patches"))):
        meta = patch.get("metadata")
        values = meta.get("values") if isinstance(meta, Mapping) else None
        if values is None:
            continue
        name = meta.get("name", i)
        if not isinstance(values, list):
            raise InvalidInputError(
                f"{source}: patches[{name}].metadata.values: must be a list of numbers"
            )
        for k, value in enumerate(values):
            if not _finite(value):
                raise InvalidInputError(
                    f"{source}: patches[{name}].metadata.values[{k}]: {value!r} is not a "
                    "finite number"
                )


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_numbers(values: Any, where: str) -> None:
    for i, value in enumerate(_list(values)):
        if not _finite(value):
            raise InvalidInputError(f"{where}[{i}]: {value!r} is not a finite number")


def _check_modifier(mod: Mapping[str, Any], where: str) -> None:
    kind, data = mod.get("type"), mod.get("data")
    if kind == "normsys" and isinstance(data, Mapping):
        hi, lo = data.get("hi"), data.get("lo")
        if not (_finite(hi) and _finite(lo) and hi > 0 and lo > 0):
            raise InvalidInputError(
                f"{where}: normsys hi and lo must be positive finite factors (interpolation "
                f"code 4 takes their logarithms), not hi={hi!r}, lo={lo!r}"
            )
    elif kind == "histosys" and isinstance(data, Mapping):
        _check_numbers(data.get("hi_data"), f"{where}.data.hi_data")
        _check_numbers(data.get("lo_data"), f"{where}.data.lo_data")
    elif kind in ("staterror", "shapesys"):
        _check_numbers(data, f"{where}.data")


def _check_parameter(par: Mapping[str, Any], where: str) -> None:
    for key in ("inits", "auxdata", "sigmas", "factors"):
        _check_numbers(par.get(key), f"{where}.{key}")
    for k, bound in enumerate(_list(par.get("bounds"))):
        pair = _list(bound)
        if len(pair) != 2 or not all(_finite(b) for b in pair) or not pair[0] <= pair[1]:
            raise InvalidInputError(
                f"{where}.bounds[{k}]: {bound!r} is not a finite [low, high] with low <= high"
            )
    sigmas = _list(par.get("sigmas"))
    if any(s <= 0 for s in sigmas):
        raise InvalidInputError(f"{where}.sigmas: {sigmas!r} must be positive")


def check_parameters_and_modifiers(workspace: Mapping[str, Any], source: str) -> None:
    """Modifier data and measurement parameters of a schema-valid workspace (module doc)."""
    lumi = set()
    for channel in _dicts(workspace.get("channels")):
        for sample in _dicts(channel.get("samples")):
            for mod in _dicts(sample.get("modifiers")):
                where = (
                    f"{source}: channels[{channel.get('name')}].samples[{sample.get('name')}]"
                    f".modifiers[{mod.get('name')}]"
                )
                _check_modifier(mod, where)
                if mod.get("type") == "lumi":
                    lumi.add(mod.get("name"))
    for measurement in _dicts(workspace.get("measurements")):
        name = measurement.get("name")
        config = measurement.get("config")
        pars = _dicts(config.get("parameters")) if isinstance(config, Mapping) else []
        by_name = {p.get("name"): p for p in pars}
        for par in pars:
            _check_parameter(
                par, f"{source}: measurements[{name}].config.parameters[{par.get('name')}]"
            )
        for lumi_name in sorted(lumi, key=str):
            par = by_name.get(lumi_name, {})
            if not (_list(par.get("auxdata")) and _list(par.get("sigmas"))):
                raise InvalidInputError(
                    f"{source}: measurements[{name}].config.parameters: the lumi modifier "
                    f"{lumi_name!r} needs a parameter entry with its auxdata and sigmas"
                )
