"""What ``xhf build`` writes: workspaces, patchsets and their sidecars, all or nothing.

:func:`build_likelihood` is pure (a config in, a
:class:`~xhf.workspace.likelihood.Likelihood` out) and :func:`build_products` gives its documents
by file name; :func:`~xhf.workspace.likelihood.write_products` checks every destination first,
stages every file and then moves them into place together (:func:`xhf.jsonio.atomic_outputs`),
so a failure leaves nothing new behind, a workspace never lands without its sidecar, and an
existing output is never replaced without ``force``.

File names (``docs/workspace-conventions.md``): a power-law signal gives ``<name>.json``; multi-part
signals give the background-only workspace ``<base>_BkgOnly.json``, the grid patchset
``<base>_patchset.json`` (when the config has a coupling grid) and the components patchset
``<base>_components_patchset.json``; each file has its sidecar ``<stem>.meta.json``.

Size: a grid patchset repeats the signal sample with all its histosys templates at every
(mass, coupling) point; the replica's dark photon (43 masses x 8 couplings x 99 bins) is about
18 MB as indented full-precision JSON. Its numbers are therefore rounded to
``GRID_SIGNIFICANT_DIGITS`` = 6 significant digits (at most 5e-6 relative, far below any
systematic they encode; done before the digest is taken, and recorded in the patchset's metadata
and sidecar as ``significant_digits``), and every patchset is written compact (no whitespace):
3.9 MB. Workspaces, sidecars and the components patchset keep every bit; workspaces and
sidecars are indented.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from xhf.exceptions import InvalidParameterError
from xhf.workspace.builder import build_workspace
from xhf.workspace.config import BuildConfig
from xhf.workspace.likelihood import (
    BKG_ONLY,
    PATCHSET_FILES,
    Likelihood,
    is_patchset,
    write_products,
)
from xhf.workspace.metadata import background_only_metadata, patchset_metadata
from xhf.workspace.naming import POI, analysis_name, measurement_name
from xhf.workspace.patchset import (
    build_background_only,
    build_component_patchset,
    build_patchset,
)
from xhf.workspace.sidecar import sidecar_path

__all__ = [
    "GRID_SIGNIFICANT_DIGITS",
    "build_likelihood",
    "build_products",
    "default_output",
    "is_patchset",
    "sidecar_path",
    "write_products",
]


def __dir__() -> list[str]:
    return __all__


#: Significant digits of the numbers in a grid patchset (see the module docstring).
GRID_SIGNIFICANT_DIGITS = 6


def _is_workspace(config: BuildConfig) -> bool:
    return len(config.signals) == 1 and config.templates.signal(config.signals[0]).is_power_law


def default_output(config: BuildConfig) -> Path:
    """``<measurement>.json`` for a workspace, ``<measurement>_BkgOnly.json`` for patchsets."""
    name = config.measurement
    if name is None:
        first = config.templates.signal(config.signals[0])
        analysis = analysis_name(first.metadata, first.name)
        name = measurement_name(config.templates.metadata.get("experiment"), analysis)
    return Path(name + (".json" if _is_workspace(config) else f"{BKG_ONLY}.json"))


def _source(config: BuildConfig, output: Path) -> str:
    """How a message names a sidecar that the config's metadata would make invalid."""
    return f"{config.source}: the sidecar {sidecar_path(output).name}"


def build_likelihood(config: BuildConfig, output: str | os.PathLike[str]) -> Likelihood:
    """The :class:`~xhf.workspace.likelihood.Likelihood` ``xhf build`` writes for ``config``.

    Args:
        config: a loaded config (:func:`xhf.workspace.load_config`).
        output: the workspace path (patchsets: the background-only workspace path); must end
            in ``.json`` (it names the sidecars in messages and the likelihood's source).
    """
    output = Path(output)
    if output.suffix != ".json":
        raise InvalidParameterError(f"{output}: the output must be a .json file")
    ts = config.templates
    if _is_workspace(config):
        return build_workspace(
            ts,
            config.signals[0],
            data=config.data,
            measurement=config.measurement,
            poi_bounds=config.poi_bounds,
            source=_source(config, output),
            name=output.name,
        )
    first = ts.signal(config.signals[0])
    bounds = None if config.poi_bounds is None else {POI: list(config.poi_bounds)}
    background = build_background_only(
        ts,
        first.channel,
        data=config.data,
        measurement=config.measurement,
        signals=config.signals,
        couplings=config.couplings or None,
        poi_bounds=bounds,
    )
    base = output.name.removesuffix(".json").removesuffix(BKG_ONLY)
    sidecar = background_only_metadata(
        background,
        ts,
        first.channel,
        data=config.data,
        analysis=analysis_name(first.metadata, first.name),
        source=_source(config, output),
    )
    patchsets = {}
    if config.couplings:
        patchsets["grid"] = build_patchset(
            background,
            ts,
            config.signals,
            config.couplings,
            hepdata=config.hepdata,
            significant_digits=GRID_SIGNIFICANT_DIGITS,
        )
    patchsets["components"] = build_component_patchset(
        background, ts, config.signals, hepdata=config.hepdata
    )
    sidecars, names = {}, {}
    for form, patchset in patchsets.items():
        names[form] = base + PATCHSET_FILES[form]
        sidecars[form] = patchset_metadata(
            patchset,
            background,
            ts,
            config.signals,
            data=config.data,
            source=_source(config, output.with_name(names[form])),
        )
    return Likelihood(
        background,
        sidecar,
        output.name,
        {form: (patchsets[form], sidecars[form]) for form in patchsets},
        None,
        names,
    )


def build_products(config: BuildConfig, output: str | os.PathLike[str]) -> dict[Path, Any]:
    """Every document ``xhf build`` writes for ``config``, by destination path.

    Args:
        config: a loaded config (:func:`xhf.workspace.load_config`).
        output: the workspace path (patchsets: the background-only workspace path); must end
            in ``.json``.

    Returns:
        ``{path: JSON document}``, sidecars included, in writing order
        (:meth:`~xhf.workspace.likelihood.Likelihood.products` of :func:`build_likelihood`).
    """
    return build_likelihood(config, output).products(output)
