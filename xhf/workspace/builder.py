"""pyhf workspaces from a TemplateSet: XMASS-I's chi2 (Eqs. 4-7) as HistFactory JSON.

:func:`build_workspace` writes one signal and the backgrounds of its channel as a pyhf
workspace (Phys. Lett. B 809 (2020) 135741, Eqs. 4-7; the modifier mapping is in
:mod:`xhf.workspace.samples`, the names in ``docs/workspace-conventions.md``). It is a pure
function: a :class:`~xhf.workspace.likelihood.Likelihood` (the workspace as a plain dict of plain
floats, with its sidecar) out, nothing read or written; :func:`workspace_spec` gives the bare
workspace dict.

>>> import numpy as np
>>> from xhf.templates import Channel, Sample, Signal, TemplateSet
>>> bkg = Sample(name="flat", yields=np.array([100.0, 100.0]), stat_error=np.array([1.0, 1.0]),
...              norm_uncertainty=0.1)
>>> ch = Channel(name="c", bin_edges=np.array([2.0, 4.0, 6.0]), backgrounds=(bkg,),
...              data={"asimov": np.array([100.0, 100.0])})
>>> sig = Signal(name="magnetic_moment", channel="c",
...              parts=(Sample(name="mm", yields=np.array([5.0, 1.0])),), parameter="mu_nu",
...              unit="mu_B", reference=1e-10, powers=(2,), metadata={"model": "magnetic-moment"})
>>> lh = build_workspace(TemplateSet((ch,), (sig,)), "magnetic_moment", data="asimov")
>>> ws = lh.workspace
>>> lh.sidecar["signal"]["unit"]
'mu_B'
>>> ws["measurements"][0]["name"], ws["measurements"][0]["config"]["poi"]
('xmass1_magnetic_moment', 'mu')
>>> [s["name"] for s in ws["channels"][0]["samples"]]
['flat', 'signal']
>>> ws["measurements"][0]["config"]["parameters"][0]["bounds"]
[[0.0, 27.0]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from xhf.exceptions import InvalidParameterError, InvalidTemplateError
from xhf.templates.templateset import Channel, Signal, TemplateSet
from xhf.workspace.compat import pyhf_reason, quiet_pyhf
from xhf.workspace.likelihood import Likelihood
from xhf.workspace.metadata import workspace_metadata
from xhf.workspace.naming import (
    NAME_PATTERN,
    analysis_name,
    measurement_name,
    part_names,
)
from xhf.workspace.poi import part_bounds, round_sig
from xhf.workspace.samples import background_sample, signal_sample

__all__ = [
    "WORKSPACE_VERSION",
    "build_workspace",
    "channel_workspace",
    "check_background",
    "check_workspace",
    "measurement_parameters",
    "observations",
    "poi_name",
    "signal_bounds",
    "workspace_spec",
]


def __dir__() -> list[str]:
    return __all__


#: pyhf workspace schema version written by xhf.
WORKSPACE_VERSION = "1.0.0"


def _signal(templates: TemplateSet, name: str) -> Signal:
    try:
        return templates.signal(name)
    except KeyError:
        known = ", ".join(s.name for s in templates.signals) or "none"
        raise InvalidParameterError(f"no signal {name!r} (signals: {known})") from None


def observations(channel: Channel, data: str) -> list[float]:
    """Counts of the dataset labelled ``data`` in ``channel`` as plain floats."""
    if data not in channel.data:
        known = ", ".join(sorted(channel.data)) or "none"
        raise InvalidParameterError(
            f"channel {channel.name!r} has no dataset {data!r} (datasets: {known})"
        )
    return [float(v) for v in np.asarray(channel.data[data], dtype=float)]


def poi_name(signal: Signal) -> str:
    """The POI of a signal's workspace: the normfactor of its lowest-power part."""
    names = part_names(signal.powers, [p.name for p in signal.parts])
    return names[int(np.argmin(signal.powers))][1]


def signal_bounds(
    channel: Channel, signal: Signal, poi_bounds: Sequence[float] | None = None
) -> dict[str, list[float]]:
    """Bounds of every normfactor of ``signal``: the rule of :mod:`xhf.workspace.poi`.

    Args:
        channel: the signal's channel (its backgrounds set the fluctuation).
        signal: the signal.
        poi_bounds: ``(lower, upper)`` of the POI overriding the rule; the other parts then
            get ``[0, upper ** (p_k / p_poi)]``.
    """
    names = part_names(signal.powers, [p.name for p in signal.parts])
    if poi_bounds is not None:
        lower, upper = (float(b) for b in poi_bounds)
        if not (np.isfinite(lower) and np.isfinite(upper) and lower < upper):
            raise InvalidParameterError(
                f"POI bounds {list(poi_bounds)} must be finite, lower < upper"
            )
        p_poi = min(signal.powers)
        out = {}
        for (_, normfactor), power in zip(names, signal.powers, strict=True):
            if power == p_poi:
                out[normfactor] = [lower, upper]
            else:
                out[normfactor] = [0.0, round_sig(max(upper, 1e-300) ** (power / p_poi))]
        return out
    background = [background_sample(b, channel.name) for b in channel.backgrounds]
    uppers = part_bounds(background, [p.yields for p in signal.parts], signal.powers)
    return {nf: [0.0, upper] for (_, nf), upper in zip(names, uppers, strict=True)}


def measurement_parameters(bounds: Mapping[str, Sequence[float]]) -> list[dict[str, Any]]:
    """Measurement ``parameters`` entries: bounds and an init inside them, sorted by name."""
    out = []
    for name in sorted(bounds):
        lower, upper = (float(b) for b in bounds[name])
        init = 1.0 if lower <= 1.0 <= upper else (lower + upper) / 2.0
        out.append({"bounds": [[lower, upper]], "inits": [init], "name": name})
    return out


def channel_workspace(
    channel: Channel,
    samples: list[dict[str, Any]],
    observations: list[float],
    measurement: str,
    poi: str,
    bounds: Mapping[str, Sequence[float]],
) -> dict[str, Any]:
    """Assemble a one-channel workspace dict (checked with :func:`check_workspace`)."""
    backgrounds = {b.name for b in channel.backgrounds}
    signal = np.zeros(channel.bin_edges.size - 1)
    for sample in samples:
        if sample["name"] not in backgrounds:
            signal = signal + np.abs(np.asarray(sample["data"], dtype=float))
    check_background(channel, observations, signal)
    names = [s["name"] for s in samples]
    for name in names:
        if names.count(name) > 1:
            raise InvalidTemplateError(
                f"channel {channel.name!r}: sample name {name!r} is used twice "
                "(a background must not be called like a signal sample)"
            )
    for name in [channel.name, measurement, *names]:
        if not NAME_PATTERN.match(name):
            raise InvalidParameterError(f"name {name!r} must match ^[A-Za-z0-9_]+$")
    spec = {
        "channels": [{"name": channel.name, "samples": samples}],
        "measurements": [
            {
                "name": measurement,
                "config": {"poi": poi, "parameters": measurement_parameters(bounds)},
            }
        ],
        "observations": [{"name": channel.name, "data": observations}],
        "version": WORKSPACE_VERSION,
    }
    check_workspace(spec)
    return spec


def check_background(
    channel: Channel, observed: Sequence[float], signal: Sequence[float] | None = None
) -> None:
    """Refuse a bin in which the backgrounds expect no events but events are seen or expected.

    With zero expected background the background-only Poisson likelihood of an observed event
    is zero, and the Neyman chi2 of XMASS-I (Phys. Lett. B 809 (2020) 135741, Eq. 4) has no
    variance in such a bin: no limit computed there could be trusted, and no real detector has
    an exactly background-free bin, so this is a template or binning mistake. A bin that is
    empty altogether (no background, no signal, no data, e.g. a zero-exposure card) contributes
    a factor 1 to the likelihood and is allowed.

    Args:
        channel: the channel with its backgrounds.
        observed: the observed counts of the channel.
        signal: the summed signal yields per bin (any sign), if known.

    Raises:
        InvalidTemplateError: naming the channel, the bin and its energy range.

    >>> import numpy as np
    >>> from xhf.templates import Channel, Sample
    >>> ch = Channel(name="c", bin_edges=np.array([2.0, 4.0, 6.0]),
    ...              backgrounds=(Sample(name="b", yields=np.array([3.0, 0.0])),))
    >>> check_background(ch, [2.0, 0.0])
    >>> check_background(ch, [2.0, 1.0])
    Traceback (most recent call last):
    ...
    xhf.exceptions.InvalidTemplateError: channel 'c': bin 1 (4 to 6 keV): no background expected but 1 observed (merge the bin with a neighbour or drop it)
    """
    total = np.zeros(channel.bin_edges.size - 1)
    for sample in channel.backgrounds:
        total = total + np.asarray(sample.yields, dtype=float)
    seen = np.asarray(observed, dtype=float)
    expected = np.zeros_like(total) if signal is None else np.abs(np.asarray(signal, float))
    for i in np.flatnonzero(~(total > 0) & ((seen > 0) | (expected > 0))):
        lo, hi = channel.bin_edges[i], channel.bin_edges[i + 1]
        what = f"{seen[i]:g} observed" if seen[i] > 0 else "a signal expected"
        raise InvalidTemplateError(
            f"channel {channel.name!r}: bin {i} ({lo:g} to {hi:g} keV): no background expected "
            f"but {what} (merge the bin with a neighbour or drop it)"
        )


def check_workspace(spec: Mapping[str, Any], *, model: bool = True) -> None:
    """Validate ``spec`` with pyhf's workspace schema and (``model=True``) build its model.

    Raises:
        InvalidTemplateError: one line with pyhf's reason.
    """
    import pyhf

    try:
        with quiet_pyhf():
            workspace = pyhf.Workspace(dict(spec))
            if model:
                workspace.model()
    except (
        pyhf.exceptions.InvalidSpecification,
        pyhf.exceptions.InvalidModel,
        pyhf.exceptions.InvalidModifier,
        pyhf.exceptions.InvalidNameReuse,
    ) as exc:
        reason = pyhf_reason(exc)
        raise InvalidTemplateError(f"not a valid pyhf workspace: {reason}") from None


def build_workspace(
    templates: TemplateSet,
    signal: str,
    *,
    data: str,
    measurement: str | None = None,
    poi_bounds: Sequence[float] | None = None,
    source: str = "sidecar",
    name: str = "workspace",
) -> Likelihood:
    """The likelihood of one signal and the backgrounds of its channel (Eqs. 4-7), with its
    sidecar.

    Args:
        templates, signal, data, measurement, poi_bounds: as for :func:`workspace_spec`.
        source: how a message names the sidecar if the templates' metadata make it invalid.
        name: the likelihood's name in messages (e.g. its file name).

    Returns:
        A :class:`~xhf.workspace.likelihood.Likelihood`: ``workspace`` is
        :func:`workspace_spec`, ``sidecar`` its ``<name>.meta.json`` document
        (:func:`xhf.workspace.metadata.workspace_metadata`).
    """
    spec = workspace_spec(
        templates, signal, data=data, measurement=measurement, poi_bounds=poi_bounds
    )
    meta = workspace_metadata(spec, templates, signal, data=data, source=source)
    return Likelihood(spec, meta, name)


def workspace_spec(
    templates: TemplateSet,
    signal: str,
    *,
    data: str,
    measurement: str | None = None,
    poi_bounds: Sequence[float] | None = None,
) -> dict[str, Any]:
    """The pyhf workspace of one signal and the backgrounds of its channel (Eqs. 4-7).

    Args:
        templates: the analysis' TemplateSet (validated here).
        signal: name of the signal to test.
        data: label of the dataset used as observations (e.g. ``pseudo_poisson``).
        measurement: measurement name; default ``<experiment>_<analysis>`` from the metadata
            (``xmass1_magnetic_moment``).
        poi_bounds: ``(lower, upper)`` of the POI; default from the expected signal size
            (:mod:`xhf.workspace.poi`).

    Returns:
        A pyhf workspace as a plain dict with sorted-key-ready plain floats. A single-part
        signal is the sample ``signal`` scaled by the POI ``mu``; a two-part signal the samples
        ``signal_interference`` (POI ``mu_interference``) and ``signal_pure`` (``mu_pure``).
    """
    templates.validate()
    sig = _signal(templates, signal)
    channel = templates.channel(sig.channel)
    experiment = templates.metadata.get("experiment")
    samples = [background_sample(b, channel.name, experiment) for b in channel.backgrounds]
    names = part_names(sig.powers, [p.name for p in sig.parts])
    for part, (sample_name, normfactor) in zip(sig.parts, names, strict=True):
        samples.append(signal_sample(part, channel.name, sample_name, normfactor, experiment))
    analysis = analysis_name(sig.metadata, sig.name)
    return channel_workspace(
        channel,
        samples,
        observations(channel, data),
        measurement or measurement_name(templates.metadata.get("experiment"), analysis),
        poi_name(sig),
        signal_bounds(channel, sig, poi_bounds),
    )
