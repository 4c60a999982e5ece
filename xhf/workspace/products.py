"""What ``xhf build`` writes: workspaces, patchsets and their sidecars, all or nothing.

:func:`build_products` is pure (a config in, file names and JSON documents out);
:func:`write_products` checks every destination first, stages every file and then moves them
into place together (:func:`xhf.jsonio.atomic_outputs`), so a failure leaves nothing new behind,
a workspace never lands without its sidecar, and an existing output is never replaced without
``force``.

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
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from xhf.exceptions import InvalidParameterError
from xhf.jsonio import atomic_outputs, check_outputs, dumps
from xhf.workspace.builder import build_workspace
from xhf.workspace.config import BuildConfig
from xhf.workspace.metadata import (
    background_only_metadata,
    patchset_metadata,
    workspace_metadata,
)
from xhf.workspace.naming import POI, analysis_name, measurement_name
from xhf.workspace.patchset import (
    build_background_only,
    build_component_patchset,
    build_patchset,
)
from xhf.workspace.sidecar import Sidecar, sidecar_path

__all__ = [
    "GRID_SIGNIFICANT_DIGITS",
    "build_products",
    "default_output",
    "is_patchset",
    "sidecar_path",
    "write_products",
]


def __dir__() -> list[str]:
    return __all__


_BKG_ONLY = "_BkgOnly"
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
    return Path(name + (".json" if _is_workspace(config) else f"{_BKG_ONLY}.json"))


def _source(config: BuildConfig, output: Path) -> str:
    """How a message names a sidecar that the config's metadata would make invalid."""
    return f"{config.source}: the sidecar {sidecar_path(output).name}"


def build_products(config: BuildConfig, output: str | os.PathLike[str]) -> dict[Path, Any]:
    """Every document ``xhf build`` writes for ``config``, by destination path.

    Args:
        config: a loaded config (:func:`xhf.workspace.load_config`).
        output: the workspace path (patchsets: the background-only workspace path); must end
            in ``.json``.

    Returns:
        ``{path: JSON document}``, sidecars included, in writing order.
    """
    output = Path(output)
    if output.suffix != ".json":
        raise InvalidParameterError(f"{output}: the output must be a .json file")
    ts = config.templates
    if _is_workspace(config):
        signal = config.signals[0]
        workspace = build_workspace(
            ts,
            signal,
            data=config.data,
            measurement=config.measurement,
            poi_bounds=config.poi_bounds,
        )
        meta = workspace_metadata(
            workspace, ts, signal, data=config.data, source=_source(config, output)
        )
        return {output: workspace, sidecar_path(output): meta}
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
    base = output.name.removesuffix(".json").removesuffix(_BKG_ONLY)
    products: dict[Path, Any] = {
        output: background,
        sidecar_path(output): background_only_metadata(
            background,
            ts,
            first.channel,
            data=config.data,
            analysis=analysis_name(first.metadata, first.name),
            source=_source(config, output),
        ),
    }
    patchsets = []
    if config.couplings:
        grid = build_patchset(
            background,
            ts,
            config.signals,
            config.couplings,
            hepdata=config.hepdata,
            significant_digits=GRID_SIGNIFICANT_DIGITS,
        )
        patchsets.append((output.with_name(f"{base}_patchset.json"), grid))
    components = build_component_patchset(background, ts, config.signals, hepdata=config.hepdata)
    patchsets.append((output.with_name(f"{base}_components_patchset.json"), components))
    for path, patchset in patchsets:
        products[path] = patchset
        products[sidecar_path(path)] = patchset_metadata(
            patchset, background, ts, config.signals, data=config.data, source=_source(config, path)
        )
    return products


def is_patchset(document: Any) -> bool:
    """True for a document of pyhf's patchset form (exactly ``metadata``, ``patches``, ``version``).

    >>> is_patchset({"metadata": {}, "patches": [], "version": "1.0.0"})
    True
    >>> is_patchset({"channels": [], "measurements": [], "observations": [], "version": "1.0.0"})
    False
    """
    return isinstance(document, Mapping) and set(document) == {"metadata", "patches", "version"}


def write_products(
    products: Mapping[Path, Any],
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> list[Path]:
    """Write every document, or none (:func:`xhf.jsonio.atomic_outputs`).

    Every document is serialised and staged before the first file is moved into place, so a
    failure (or an interruption) leaves the previous files, sidecars included, as they were.
    Patchsets are written compact (:func:`xhf.jsonio.dumps` with ``compact=True``), every other
    document with sorted keys and an indent of 2.

    Args:
        products: ``{path: JSON document}``.
        force: replace existing files.
        inputs: the files the command read: no output may be one of them, even with ``force``.

    Returns:
        The paths written, in order.
    """
    for path, document in products.items():
        if Path(path).name.endswith(".meta.json"):  # every sidecar written is a checked one
            Sidecar.from_json(document, Path(path).name)
    check_outputs(products, force=force, inputs=inputs)
    with atomic_outputs(force=force, inputs=inputs) as out:
        for path, document in products.items():
            out.add(path, dumps(document, compact=is_patchset(document)))
    return out.paths
