"""A workspace (or a patch of a patchset) as an HS3 likelihood, with the dark photon tied exactly.

HS3, the HEP Statistics Serialization Standard, is read natively by ROOT >= 6.30 (RooFit) and by
``pyhs3``. :func:`hs3_workspace` writes one ``histfactory_dist`` per channel (samples with their
normfactor / normsys / histosys / staterror / shapesys / shapefactor modifiers; lumi as a
normfactor with a Gaussian constraint), the observed counts as ``binned`` data, one
``product_domain`` with every parameter's bounds, the initial values as a parameter point, one
likelihood and the analysis with its parameter of interest (docs/hs3.md has the mapping table).

Why the publish stage: an HS3 file is a publication format of the likelihood, like the HEPData
archive, and it needs what the inference stage knows -- the patched model, its observed data
and, for a components patch, how the parameter of interest ties the signal normfactors
(:class:`xhf.infer.fitter.POIMap`). The workspace stage cannot import the inference stage
(data flows one way), so the serialisation lives downstream of both.

The tied dark photon: pyhf JSON cannot say that the pure part scales as the square of the
interference part, signal(g) = g^2 I + g^4 P (XMASS-I, Phys. Lett. B 809 (2020) 135741). Here the
interference normfactor is the one free parameter s = (g / g_ref)^2 and the pure part's
normfactor is a ``product`` function ``mu_pure = s * s``, so the published likelihood itself
carries the exact interference.

Interpolation codes are not stored in pyhf JSON; pyhf's defaults (normsys code4, histosys
code4p) are written explicitly. Constraints: Gauss for normsys / histosys / staterror (pyhf's
staterror is Gaussian, HS3's Barlow-Beeston-lite form with the per-bin errors on the samples),
Poisson for shapesys. Parameter names follow ROOT's HistFactory export: ``alpha_<name>`` for
normsys and histosys, ``gamma_stat_<channel>_bin_<i>`` for staterror, ``gamma_<name>_bin_<i>``
for shapesys and shapefactor; normfactors and lumi keep their names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from xhf import __version__
from xhf.exceptions import InvalidInputError
from xhf.workspace.metadata import sidecar_bin_edges

__all__ = [
    "HS3_VERSION",
    "INTERPOLATION",
    "ROOT_STATERROR",
    "analysis_to_hs3",
    "hs3_parameter_names",
    "hs3_workspace",
]


def __dir__() -> list[str]:
    return __all__


#: The HS3 version written in ``metadata.hs3_version``.
HS3_VERSION = "0.2"

#: pyhf's default interpolation codes (not stored in pyhf JSON) as HS3 names.
INTERPOLATION = {"normsys": "code4", "histosys": "code4p"}

#: Constraint of each constrained pyhf modifier, as HS3 names it.
CONSTRAINT = {"normsys": "Gauss", "histosys": "Gauss", "staterror": "Gauss", "shapesys": "Poisson"}


#: Channel-level staterror settings for ROOT, whose importer takes the staterror constraint from
#: here (``constraint`` up to ROOT 6.3x, ``constraint_type`` in newer ROOT; Poisson if absent)
#: rather than from the modifier; pyhs3 reads the modifier's ``constraint`` and ignores this.
ROOT_STATERROR = {"constraint": "Gauss", "constraint_type": "Gauss", "relThreshold": 0.0}


def _distribution(channel: str) -> str:
    return f"model_{channel}"


def _observable(channel: str) -> str:
    return f"obs_x_{channel}"


def hs3_parameter_names(model: Any, source: str = "workspace") -> dict[str, list[str]]:
    """The HS3 name of every component of every pyhf parameter of ``model``.

    Returns:
        pyhf parameter name -> list of HS3 names (one per component, in pyhf's order).

    Raises:
        InvalidInputError: two pyhf parameters would get the same HS3 name.

    >>> import pyhf
    >>> model = pyhf.simplemodels.uncorrelated_background(
    ...     [5.0, 2.0], [10.0, 8.0], [2.0, 1.0], validate=False
    ... )
    >>> hs3_parameter_names(model)["uncorr_bkguncrt"]
    ['gamma_uncorr_bkguncrt_bin_0', 'gamma_uncorr_bkguncrt_bin_1']
    """
    config = model.config
    kinds = dict(config.modifiers)
    channels = {}
    for channel in model.spec["channels"]:
        for sample in channel["samples"]:
            for modifier in sample["modifiers"]:
                channels.setdefault(modifier["name"], channel["name"])
    names: dict[str, list[str]] = {}
    for par in config.par_order:
        kind, n = kinds.get(par), config.param_set(par).n_parameters
        if kind in ("normsys", "histosys"):
            names[par] = [f"alpha_{par}"]
        elif kind == "staterror":
            names[par] = [f"gamma_stat_{channels[par]}_bin_{i}" for i in range(n)]
        elif kind in ("shapesys", "shapefactor"):
            names[par] = [f"gamma_{par}_bin_{i}" for i in range(n)]
        else:  # normfactor, lumi
            names[par] = [par] if n == 1 else [f"{par}_bin_{i}" for i in range(n)]
    seen: dict[str, str] = {}
    for par, hs3 in names.items():
        for name in hs3:
            if name in seen:
                raise InvalidInputError(
                    f"{source}: parameters {seen[name]!r} and {par!r} would both be named "
                    f"{name!r} in HS3"
                )
            seen[name] = par
    return names


def _axis(channel: str, nbins: int, edges: list[float] | None) -> dict[str, Any]:
    if edges is None:
        return {"name": _observable(channel), "min": 0.0, "max": float(nbins), "nbins": nbins}
    return {"name": _observable(channel), "edges": [float(e) for e in edges]}


def _floats(values: Any) -> list[float]:
    return [float(v) for v in values]


def _modifier(mod: Mapping[str, Any], names: dict[str, list[str]], lumi: str | None):
    """One pyhf modifier as HS3 (the table in docs/hs3.md)."""
    kind, name, data = mod["type"], mod["name"], mod.get("data")
    if kind == "lumi":  # a normfactor; its Gaussian constraint goes to the likelihood
        return {"type": "normfactor", "name": name, "parameter": lumi}
    out: dict[str, Any] = {"type": kind, "name": name}
    if kind in ("normfactor", "normsys", "histosys"):
        out["parameter"] = names[name][0]
    else:  # staterror, shapesys, shapefactor: one parameter per bin
        out["parameters"] = names[name]
    if kind in CONSTRAINT:
        out["constraint"] = CONSTRAINT[kind]
    if kind == "normsys":
        out["data"] = {"hi": float(data["hi"]), "lo": float(data["lo"])}
    elif kind == "histosys":
        out["data"] = {
            "hi": {"contents": _floats(data["hi_data"])},
            "lo": {"contents": _floats(data["lo_data"])},
        }
    elif kind == "shapesys":
        out["data"] = {"vals": _floats(data)}
    if kind in INTERPOLATION:
        out["data"]["interpolation"] = INTERPOLATION[kind]
    return out


def _sample(sample: Mapping[str, Any], names: dict[str, list[str]], lumi: str | None):
    mods = sample["modifiers"]
    staterrors = [m for m in mods if m["type"] == "staterror"]
    data: dict[str, Any] = {"contents": _floats(sample["data"])}
    if staterrors:
        # HS3's Barlow-Beeston-lite staterror takes the per-bin errors from the sample itself.
        data["errors"] = _floats(staterrors[0]["data"])
    return {
        "name": sample["name"],
        "data": data,
        "modifiers": [_modifier(m, names, lumi) for m in mods],
    }


def _check_staterror(channel: Mapping[str, Any], source: str) -> None:
    """One staterror per channel with non-zero relative errors (HS3's Barlow-Beeston lite)."""
    kinds = {
        m["name"] for s in channel["samples"] for m in s["modifiers"] if m["type"] == "staterror"
    }
    if len(kinds) > 1:
        raise InvalidInputError(
            f"{source}: channel {channel['name']!r}: {len(kinds)} staterror modifiers "
            f"({', '.join(sorted(kinds))}); HS3 has one per channel"
        )
    if not kinds:
        return
    nominal = sum(
        np.asarray(s["data"], float)
        for s in channel["samples"]
        if any(m["type"] == "staterror" for m in s["modifiers"])
    )
    variance = sum(
        np.asarray(m["data"], float) ** 2
        for s in channel["samples"]
        for m in s["modifiers"]
        if m["type"] == "staterror"
    )
    bad = ~((nominal > 0) & (variance > 0))
    if np.any(bad):
        i = int(np.argmax(bad))
        raise InvalidInputError(
            f"{source}: channel {channel['name']!r}: bin {i}: staterror needs a positive yield "
            "and a positive uncertainty"
        )


def _tie(poi_map: Any, names: dict[str, list[str]]) -> list[dict[str, Any]]:
    """HS3 functions setting the tied normfactors from the first one (``x ** exponent``)."""
    functions = []
    x = names[poi_map.names[0]][0]
    for name, exponent in zip(poi_map.names[1:], poi_map.exponents[1:], strict=True):
        if float(exponent).is_integer():
            functions.append(
                {"type": "product", "name": names[name][0], "factors": [x] * int(exponent)}
            )
        else:
            functions.append(
                {
                    "type": "generic_function",
                    "name": names[name][0],
                    "expression": f"{x}**{float(exponent)!r}",
                }
            )
    return functions


def hs3_workspace(
    model: Any,
    data: Any,
    *,
    poi_map: Any = None,
    meta: Mapping[str, Any] | None = None,
    name: str = "xhf",
    description: str = "",
    source: str = "workspace",
) -> dict[str, Any]:
    """The HS3 document of a pyhf model and its observed data.

    Args:
        model: a ``pyhf.Model`` (its ``spec`` holds the channels and modifiers).
        data: observed main data followed by the auxiliary data (``ws.data(model)``).
        poi_map: a :class:`xhf.infer.fitter.POIMap`; with more than one normfactor, the
            others become functions of the first (the tied dark photon, Phys. Lett. B 809
            (2020) 135741: ``mu_pure = mu_interference ** 2``).
        meta: the sidecar; its ``bin_edges_kev`` become the axis edges (in keV).
        name: the analysis (and likelihood) name.
        description: ``metadata.description``.
        source: name used in error messages.

    Returns:
        A plain dict (Python floats) ready for :func:`xhf.jsonio.write_json`.
    """
    config = model.config
    spec_channels = {c["name"]: c for c in model.spec["channels"]}
    for channel in config.channels:
        _check_staterror(spec_channels[channel], source)
    names = hs3_parameter_names(model, source)
    tied = set(poi_map.names[1:]) if poi_map is not None else set()
    poi = poi_map.names[0] if poi_map is not None else config.poi_name
    kinds = dict(config.modifiers)
    lumi = next((p for p in config.par_order if kinds.get(p) == "lumi"), None)

    observed = np.asarray(data, float)
    distributions, datasets, offset = [], [], 0
    for channel in config.channels:
        spec, nbins = spec_channels[channel], config.channel_nbins[channel]
        axis = _axis(channel, nbins, sidecar_bin_edges(meta, channel, nbins, source))
        dist = {
            "type": "histfactory_dist",
            "name": _distribution(channel),
            "axes": [axis],
            "samples": [_sample(s, names, lumi) for s in spec["samples"]],
        }
        if any("errors" in s["data"] for s in dist["samples"]):
            dist["staterror"] = dict(ROOT_STATERROR)
        distributions.append(dist)
        datasets.append(
            {
                "type": "binned",
                "name": f"obsData_{channel}",
                "axes": [axis],
                "contents": _floats(observed[offset : offset + nbins]),
            }
        )
        offset += nbins

    aux: list[dict[str, Any]] = []
    if lumi is not None:
        ps = config.param_set(lumi)
        aux.append(
            {
                "type": "gaussian_dist",
                "name": f"{lumi}Constraint",
                "x": float(ps.auxdata[0]),
                "mean": lumi,
                "sigma": float(ps.sigmas[0]),
            }
        )

    inits, bounds = config.suggested_init(), config.suggested_bounds()
    fixed = config.suggested_fixed()
    domain_axes, points = [], []
    for par in config.par_order:
        if par in tied:
            continue
        sl = config.par_slice(par)
        for hs3_name, init, (lo, hi), const in zip(
            names[par], inits[sl], bounds[sl], fixed[sl], strict=True
        ):
            if poi_map is not None and par == poi:
                lo, hi = poi_map.lower, poi_map.upper
            domain_axes.append({"name": hs3_name, "min": float(lo), "max": float(hi)})
            point = {"name": hs3_name, "value": float(init)}
            if const:
                point["const"] = True
            points.append(point)

    likelihood: dict[str, Any] = {
        "name": f"{name}_likelihood",
        "distributions": [d["name"] for d in distributions],
        "data": [d["name"] for d in datasets],
    }
    if aux:
        likelihood["aux_distributions"] = [d["name"] for d in aux]
    metadata: dict[str, Any] = {
        "hs3_version": HS3_VERSION,
        "packages": [{"name": "xhf", "version": __version__}],
    }
    if description:
        metadata["description"] = description
    document = {
        "metadata": metadata,
        "distributions": distributions + aux,
        "data": datasets,
        "domains": [{"type": "product_domain", "name": "default_domain", "axes": domain_axes}],
        "parameter_points": [{"name": "default_values", "parameters": points}],
        "likelihoods": [likelihood],
        "analyses": [
            {
                "name": name,
                "likelihood": likelihood["name"],
                "parameters_of_interest": [names[poi][0]] if poi else [],
                "domains": ["default_domain"],
                "init": "default_values",
            }
        ],
    }
    if poi_map is not None and len(poi_map.names) > 1:
        document["functions"] = _tie(poi_map, names)
    return document


def analysis_to_hs3(analysis: Any) -> dict[str, Any]:
    """The HS3 document of an :class:`xhf.infer.loading.Analysis` (a workspace or a patch).

    The analysis name is the sidecar's measurement (or ``xhf``) with the patch appended;
    ``misc.xhf`` records what the parameter of interest means physically (from the sidecar):
    the physical parameter, its unit and reference value, and the power of each signal part.
    """
    signal = analysis.signal
    meta = analysis.meta or {}
    base = str(meta.get("measurement") or "xhf")
    name = f"{base}_{analysis.patch}" if analysis.patch else base
    poi_map = analysis.poi_map
    tied = len(poi_map.names) > 1
    description = base + (f", patch {analysis.patch}" if analysis.patch else "")
    if tied:
        ties = ", ".join(
            f"{n} = {poi_map.names[0]}**{e:g}"
            for n, e in zip(poi_map.names[1:], poi_map.exponents[1:], strict=True)
        )
        description += f": the signal parts tied exactly, {ties}"
    document = hs3_workspace(
        analysis.model,
        analysis.data,
        poi_map=poi_map,
        meta=meta,
        name=name,
        description=description,
        source=analysis.source,
    )
    reference = (signal.references or {}).get(analysis.patch) if analysis.patch else None
    info: dict[str, Any] = {
        "parameter_of_interest": poi_map.names[0],
        "parameter": signal.parameter,
        "unit": signal.unit,
        "reference": reference if reference is not None else signal.reference,
        "parts": [
            {"sample": p.sample, "normfactor": p.normfactor, "power": p.power} for p in signal.parts
        ],
    }
    if meta.get("bin_edges_kev") is not None:
        info["bin_unit"] = "keV"
    if signal.model is not None:
        info["model"] = signal.model
    if analysis.mass_mev is not None:
        info["mass_mev"] = float(analysis.mass_mev)
    if analysis.patch is not None:
        info["patch"] = analysis.patch
    document["misc"] = {"xhf": info}
    return document
