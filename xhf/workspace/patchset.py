"""Background-only workspaces and pyhf patchsets for signals that are not a power law.

The dark photon's excess is S(g) = (g/g_ref)^2 I + (g/g_ref)^4 P (XMASS-I, Phys. Lett. B 809
(2020) 135741; the millicharge with interference likewise with powers 1 and 2). Released pyhf
cannot tie two normfactors, so xhf publishes such signals as a background-only workspace plus
patchsets (``docs/workspace-conventions.md``):

- the *grid* patchset (:func:`build_patchset`): one patch per (mass, coupling) point whose sample
  ``signal`` holds the exact excess at that point, scaled by ``mu`` (mu = 1 is the model point);
- the *components* patchset (:func:`build_component_patchset`): one patch per mass with
  ``signal_interference`` (``mu_interference``) and ``signal_pure`` (``mu_pure``) at g_ref, for
  the inference stage to tie mu_interference = s, mu_pure = s^2, s = (g/g_ref)^2.

pyhf builds a model only when the measurement's POI is a parameter of it, so a background-only
workspace whose POI ``mu`` exists only in the patches cannot be inspected (``pyhf inspect``
fails, as on published ATLAS BkgOnly files, scikit-hep/pyhf#514). xhf's background-only
workspace therefore carries a *placeholder*: a sample ``signal`` with zero yields and the
normfactor ``mu``. ``pyhf inspect`` and ``pyhf cls`` work on it (CLs = 1: no signal); a grid
patch *replaces* the placeholder with the exact excess, so plain
``pyhf patchset apply BkgOnly.json patchset.json --name NAME | pyhf cls`` or
``pyhf cls BkgOnly.json -p <(pyhf patchset extract patchset.json --name NAME)`` test the point.
A components patch replaces it by ``signal_interference`` and adds ``signal_pure``; ``mu`` then
no longer exists, so such a model is built with ``poi_name="mu_interference"`` (the sidecar's
``poi``): a plain ``pyhf cls`` fails loudly instead of testing a dummy POI.

Patch operations touch only ``/channels/...``, so the same patch applies to a workspace
(``PatchSet.apply``) and to the model spec of ``Workspace.model(patches=...)`` and
``pyhf cls -p``. The POI bounds therefore live in the background-only measurement, for every
POI the patchsets use (pyhf ignores bounds of parameters a model does not have).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from xhf.exceptions import InvalidParameterError, InvalidTemplateError
from xhf.jsonio import round_significant
from xhf.templates.templateset import Signal, TemplateSet
from xhf.workspace.builder import (
    channel_workspace,
    observations,
    poi_name,
    signal_bounds,
)
from xhf.workspace.compat import pyhf_reason, quiet_pyhf
from xhf.workspace.naming import (
    NAME_PATTERN,
    PLACEHOLDER_SAMPLE,
    POI,
    analysis_name,
    format_value,
    measurement_name,
    part_names,
)
from xhf.workspace.poi import N_SIGMA, poi_upper_bound
from xhf.workspace.samples import background_sample, combine_parts, signal_sample

__all__ = [
    "PATCHSET_VERSION",
    "UNASSIGNED_RECORD",
    "build_background_only",
    "build_component_patchset",
    "build_patchset",
    "grid_patch_name",
    "patchset_poi_bounds",
]


def __dir__() -> list[str]:
    return __all__


PATCHSET_VERSION = "1.0.0"
#: pyhf's patchset schema requires an INSPIRE id (``references.hepdata``, ``^ins[0-9]{7}$``).
#: xhf knows none for its inputs; this value means "not assigned" unless the TemplateSet's
#: metadata (``hepdata``) or the caller gives one.
UNASSIGNED_RECORD = "ins0000000"


def _signals(templates: TemplateSet, names: Sequence[str]) -> list[Signal]:
    if not names:
        raise InvalidParameterError("a patchset needs at least one signal")
    out = []
    for name in names:
        try:
            out.append(templates.signal(name))
        except KeyError:
            raise InvalidParameterError(f"no signal {name!r} in the template set") from None
    channels = {s.channel for s in out}
    if len(channels) != 1:
        raise InvalidParameterError(
            f"patchset signals live in several channels: {sorted(channels)}"
        )
    return out


def _couplings(signal: Signal, couplings: Mapping[str, Sequence[float]] | Sequence[float]):
    values = couplings.get(signal.name) if isinstance(couplings, Mapping) else couplings
    if values is None or len(values) == 0:
        raise InvalidParameterError(f"signal {signal.name!r}: no {signal.parameter} grid given")
    values = [float(v) for v in values]
    if any(not (np.isfinite(v) and v > 0) for v in values):
        raise InvalidParameterError(f"signal {signal.name!r}: grid values must be positive")
    return sorted(set(values))


def _weights(signal: Signal, value: float) -> list[float]:
    return [float((value / signal.reference) ** p) for p in signal.powers]


def patchset_poi_bounds(
    templates: TemplateSet,
    signals: Sequence[str],
    couplings: Mapping[str, Sequence[float]] | Sequence[float] | None = None,
) -> dict[str, list[float]]:
    """Bounds of every POI the patchsets of ``signals`` use, for the background-only workspace.

    ``mu`` (grid patches, mu = 1 the model point): the largest rule bound of
    :mod:`xhf.workspace.poi` over all grid points (the exact excess at the point), and at least
    ``N_SIGMA`` so that the model point lies well inside; without a grid the excess at the
    reference value stands for it. The components' normfactors: the largest rule bound over
    the signals.
    """
    sigs = _signals(templates, signals)
    channel = templates.channel(sigs[0].channel)
    background = [background_sample(b, channel.name) for b in channel.backgrounds]
    upper = N_SIGMA
    for sig in sigs:
        values = [sig.reference] if couplings is None else _couplings(sig, couplings)
        for value in values:
            excess = np.sum(
                [w * p.yields for w, p in zip(_weights(sig, value), sig.parts, strict=True)], 0
            )
            upper = max(upper, poi_upper_bound(background, excess))
    bounds = {POI: [0.0, upper]}
    for sig in sigs:
        for name, (lower, high) in signal_bounds(channel, sig).items():
            if name in bounds and name != POI:
                high = max(high, bounds[name][1])
            if name != POI:
                bounds[name] = [lower, high]
    return bounds


def build_background_only(
    templates: TemplateSet,
    channel: str,
    *,
    data: str,
    measurement: str | None = None,
    signals: Sequence[str] | None = None,
    couplings: Mapping[str, Sequence[float]] | Sequence[float] | None = None,
    poi_bounds: Mapping[str, Sequence[float]] | None = None,
) -> dict[str, Any]:
    """The background-only workspace of ``channel`` with the zero-yield placeholder ``signal``.

    Args:
        templates: the TemplateSet.
        channel: channel name.
        data: label of the dataset used as observations.
        measurement: measurement name; default ``<experiment>_<analysis>`` of the signals.
        signals: the signals its patchsets will hold (default: all signals of the channel);
            they set the POI bounds and the default measurement name.
        couplings: the grid of the grid patchset (see :func:`patchset_poi_bounds`).
        poi_bounds: ``{normfactor: (lower, upper)}`` overriding the rule.

    Returns:
        A pyhf workspace dict; its POI ``mu`` sits on the placeholder.
    """
    templates.validate()
    try:
        ch = templates.channel(channel)
    except KeyError:
        raise InvalidParameterError(f"no channel {channel!r} in the template set") from None
    if signals is None:
        signals = [s.name for s in templates.signals if s.channel == channel]
    bounds: dict[str, list[float]] = {POI: [0.0, N_SIGMA]}
    if signals:
        if templates.signal(signals[0]).channel != channel:
            raise InvalidParameterError(f"signal {signals[0]!r} is not in channel {channel!r}")
        bounds = patchset_poi_bounds(templates, signals, couplings)
    if poi_bounds is not None:
        bounds.update({k: [float(b) for b in v] for k, v in poi_bounds.items()})
    if measurement is None:
        first = templates.signal(signals[0]) if signals else None
        analysis = analysis_name(first.metadata, first.name) if first else ch.name
        measurement = measurement_name(templates.metadata.get("experiment"), analysis)
    placeholder = {
        "name": PLACEHOLDER_SAMPLE,
        "data": [0.0] * ch.n_bins,
        "modifiers": [{"name": POI, "type": "normfactor", "data": None}],
    }
    experiment = templates.metadata.get("experiment")
    samples = [background_sample(b, ch.name, experiment) for b in ch.backgrounds]
    samples.append(placeholder)
    return channel_workspace(ch, samples, observations(ch, data), measurement, POI, bounds)


def _placeholder(background_only: Mapping[str, Any], channel: str) -> tuple[int, int]:
    for ci, ch in enumerate(background_only["channels"]):
        if ch["name"] != channel:
            continue
        for si, sample in enumerate(ch["samples"]):
            if sample["name"] == PLACEHOLDER_SAMPLE and not any(sample["data"]):
                return ci, si
    raise InvalidParameterError(
        f"the background-only workspace has no zero-yield {PLACEHOLDER_SAMPLE!r} sample "
        f"in channel {channel!r}; build it with build_background_only"
    )


def grid_patch_name(signal: Signal, value: float) -> str:
    """``<signal>_g<value>``, e.g. ``dark_photon_m1e_03_g1p3e_06``."""
    return f"{signal.name}_g{format_value(value)}"


def _mass(signal: Signal, n_signals: int) -> float | None:
    mass = signal.metadata.get("mass_mev")
    if mass is None and n_signals > 1:
        raise InvalidParameterError(
            f"signal {signal.name!r}: a patchset over several signals needs metadata mass_mev"
        )
    return None if mass is None else float(mass)


def _patchset(
    background_only: Mapping[str, Any],
    templates: TemplateSet,
    sigs: list[Signal],
    patches: list[dict[str, Any]],
    labels: list[str],
    form: str,
    hepdata: str | None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    import pyhf

    seen: set[Any] = set()
    for patch in patches:
        for key in (patch["metadata"]["name"], tuple(patch["metadata"]["values"])):
            if key in seen:
                raise InvalidParameterError(f"two patches share the name or values {key!r}")
            seen.add(key)
    record = hepdata or templates.metadata.get("hepdata") or UNASSIGNED_RECORD
    first = sigs[0]
    measurement = background_only["measurements"][0]["name"]
    description = (
        f"{measurement}: {form} patchset for {first.metadata.get('model', first.name)} "
        f"({first.parameter} in {first.unit}, reference {first.reference:g}); "
        "background-only workspace and conventions: xhf docs/workspace-conventions.md"
    )
    spec = {
        "metadata": {
            "analysis": analysis_name(first.metadata, first.name),
            "description": description,
            "digests": {"sha256": pyhf.utils.digest(dict(background_only))},
            "form": form,
            "labels": labels,
            "measurement": measurement,
            "parameter": first.parameter,
            "reference": float(first.reference),
            "references": {"hepdata": record},
            "unit": first.unit,
            **(extra or {}),
        },
        "patches": patches,
        "version": PATCHSET_VERSION,
    }
    try:
        with quiet_pyhf():
            patchset = pyhf.PatchSet(spec)
            patchset.verify(pyhf.Workspace(dict(background_only)))
    except (
        pyhf.exceptions.InvalidSpecification,
        pyhf.exceptions.InvalidPatchSet,
        pyhf.exceptions.PatchSetVerificationError,
    ) as exc:
        raise InvalidTemplateError(f"not a valid pyhf patchset: {pyhf_reason(exc)}") from None
    return spec


def build_patchset(
    background_only: Mapping[str, Any],
    templates: TemplateSet,
    signals: Sequence[str],
    couplings: Mapping[str, Sequence[float]] | Sequence[float],
    *,
    hepdata: str | None = None,
    significant_digits: int | None = None,
) -> dict[str, Any]:
    """The grid patchset: one patch per (mass, coupling) holding the exact excess, POI ``mu``.

    At each point t = g/g_ref the sample ``signal`` is sum_k t^p_k S_k with its systematics
    (:func:`xhf.workspace.samples.combine_parts`); ``mu = 1`` is the model point.

    A grid of many points is large (every patch repeats the sample with its histosys
    templates); ``significant_digits`` rounds the numbers of every patch (yields, templates,
    errors, factors) so that the file stays small. The rounding happens here, before the
    patchset is checked and before any digest is taken of it, and is recorded in its
    metadata (``significant_digits``).

    Args:
        background_only: the workspace of :func:`build_background_only` (its digest is recorded).
        templates: the TemplateSet holding ``signals``.
        signals: one signal per mass (metadata ``mass_mev``), all in one channel.
        couplings: the grid of parameter values, per signal name or shared.
        hepdata: INSPIRE id ``insNNNNNNN`` of the publication (pyhf requires one).
        significant_digits: round the patches' numbers to this many significant digits
            (:func:`xhf.jsonio.round_significant`); ``None`` keeps every bit.

    Returns:
        A pyhf patchset dict; labels ``["mass_mev", <parameter>]`` (or ``[<parameter>]`` for a
        single signal without a mass), patch names like ``dark_photon_m1e_03_g1p3e_06``.
    """
    sigs = _signals(templates, signals)
    channel = sigs[0].channel
    experiment = templates.metadata.get("experiment")
    ci, si = _placeholder(background_only, channel)
    masses = [_mass(s, len(sigs)) for s in sigs]
    with_mass = all(m is not None for m in masses)
    labels = (["mass_mev"] if with_mass else []) + [sigs[0].parameter]
    patches = []
    for sig, mass in zip(sigs, masses, strict=True):
        for value in _couplings(sig, couplings):
            combined = combine_parts(sig.parts, _weights(sig, value), PLACEHOLDER_SAMPLE)
            sample = signal_sample(combined, channel, PLACEHOLDER_SAMPLE, POI, experiment)
            name = grid_patch_name(sig, value)
            if not NAME_PATTERN.match(name):
                raise InvalidParameterError(f"patch name {name!r} must match ^[a-zA-Z0-9_]+$")
            values = ([mass] if with_mass else []) + [value]
            if significant_digits is not None:
                sample = round_significant(sample, significant_digits)
            patches.append(
                {
                    "metadata": {"name": name, "values": values},
                    "patch": [
                        {"op": "replace", "path": f"/channels/{ci}/samples/{si}", "value": sample}
                    ],
                }
            )
    extra = {} if significant_digits is None else {"significant_digits": significant_digits}
    return _patchset(background_only, templates, sigs, patches, labels, "grid", hepdata, extra)


def build_component_patchset(
    background_only: Mapping[str, Any],
    templates: TemplateSet,
    signals: Sequence[str],
    *,
    hepdata: str | None = None,
) -> dict[str, Any]:
    """The components patchset: one patch per mass with one sample per part at g_ref.

    The patch replaces the placeholder by the lowest-power part (``signal_interference``,
    POI ``mu_interference``) and adds the others (``signal_pure``, ``mu_pure``).

    Args:
        background_only: the workspace of :func:`build_background_only`.
        templates: the TemplateSet holding ``signals``.
        signals: one signal per mass (metadata ``mass_mev``), all in one channel.
        hepdata: INSPIRE id ``insNNNNNNN`` of the publication (pyhf requires one).

    Returns:
        A pyhf patchset dict; labels ``["mass_mev"]``, patch names the signal names.
    """
    sigs = _signals(templates, signals)
    channel = sigs[0].channel
    experiment = templates.metadata.get("experiment")
    ci, si = _placeholder(background_only, channel)
    patches = []
    for sig in sigs:
        mass = _mass(sig, len(sigs))
        names = part_names(sig.powers, [p.name for p in sig.parts])
        order = sorted(range(len(sig.parts)), key=lambda k: sig.powers[k])
        ops = []
        for position, k in enumerate(order):
            sample = signal_sample(sig.parts[k], channel, *names[k], experiment)
            op = "replace" if position == 0 else "add"
            ops.append(
                {"op": op, "path": f"/channels/{ci}/samples/{si + position}", "value": sample}
            )
        if names[order[0]][1] != poi_name(sig):
            raise InvalidTemplateError(f"signal {sig.name!r}: inconsistent POI")
        if not NAME_PATTERN.match(sig.name):
            raise InvalidParameterError(f"patch name {sig.name!r} must match ^[a-zA-Z0-9_]+$")
        values = [mass] if mass is not None else [float(sig.reference)]
        patches.append({"metadata": {"name": sig.name, "values": values}, "patch": ops})
    labels = ["mass_mev"] if all(_mass(s, len(sigs)) is not None for s in sigs) else ["reference"]
    return _patchset(background_only, templates, sigs, patches, labels, "components", hepdata)
