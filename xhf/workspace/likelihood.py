"""One likelihood: a pyhf workspace, its sidecar and its patchsets, travelling together.

A pyhf workspace alone carries no physical meaning; its sidecar ``<name>.meta.json``
(:mod:`xhf.workspace.sidecar`) says which parameter the POI measures and in which unit, and a
background-only workspace needs its patchsets (``<base>_patchset.json``, the exact excess on a
(mass, coupling) grid, and ``<base>_components_patchset.json``, the interference and pure parts
per mass; XMASS-I's dark photon, Phys. Lett. B 809 (2020) 135741). :class:`Likelihood` holds
them together. Every builder returns one (:func:`xhf.workspace.build_workspace`,
:func:`xhf.workspace.products.build_likelihood`, the combiner's builders); inference, publishing
and combination read one. It is written here only (:meth:`Likelihood.save`, all files or none,
sorted keys, patchsets compact) and read here only (:meth:`Likelihood.load`).

File names (``docs/workspace-conventions.md``): the workspace ``<name>.json`` (a
background-only one ``<base>_BkgOnly.json``), the patchsets beside it, each file with its
sidecar.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from xhf.exceptions import InvalidInputError, InvalidParameterError, MissingFileError
from xhf.jsonio import atomic_outputs, check_outputs, dumps
from xhf.jsonread import read_json
from xhf.workspace.sidecar import Sidecar, read_sidecar, sidecar_path

__all__ = [
    "BKG_ONLY",
    "PATCHSET_FILES",
    "Likelihood",
    "checked_sidecar",
    "is_patchset",
    "patch_names",
    "patchset_form",
    "write_products",
]


def __dir__() -> list[str]:
    return __all__


#: Suffix of a background-only workspace's file name.
BKG_ONLY = "_BkgOnly"
#: Patchset file suffixes by form, in writing order.
PATCHSET_FILES = {"grid": "_patchset.json", "components": "_components_patchset.json"}
#: The order in which a patch is looked for among the patchsets beside a workspace.
_LOOKUP_ORDER = ("components", "grid")

Check = Callable[[Any, str], None]


def _base(path: Path) -> str:
    return path.name.removesuffix(".json").removesuffix(BKG_ONLY)


def is_patchset(document: Any) -> bool:
    """True for a document of pyhf's patchset form (exactly ``metadata``, ``patches``, ``version``).

    >>> is_patchset({"metadata": {}, "patches": [], "version": "1.0.0"})
    True
    >>> is_patchset({"channels": [], "measurements": [], "observations": [], "version": "1.0.0"})
    False
    """
    return isinstance(document, Mapping) and set(document) == {"metadata", "patches", "version"}


def patch_names(patchset: Mapping[str, Any], source: str = "patchset") -> list[str]:
    """Names of the patches of a patchset dict, in file order (``source`` names it in errors)."""
    try:
        return [p["metadata"]["name"] for p in patchset["patches"]]
    except (KeyError, TypeError):
        raise InvalidInputError(
            f"{source}: not a pyhf patchset: field 'patches[].metadata.name'"
        ) from None


def patchset_form(patchset: Mapping[str, Any], meta: Mapping[str, Any] | None) -> str:
    """``grid`` or ``components``: from the sidecar, the patchset's metadata or its patches."""
    form = (meta or {}).get("form") or patchset.get("metadata", {}).get("form")
    if form in ("grid", "components"):
        return str(form)
    ops = patchset["patches"][0]["patch"] if patchset.get("patches") else []
    names = {op.get("value", {}).get("name") for op in ops if isinstance(op.get("value"), dict)}
    return "components" if len(names) > 1 else "grid"


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


def checked_sidecar(
    path: str | os.PathLike[str],
    document: Mapping[str, Any] | None = None,
    *,
    workspace: Mapping[str, Any] | None = None,
    name: str | None = None,
    source: str | None = None,
) -> dict[str, Any] | None:
    """The checked sidecar ``<name>.meta.json`` of ``path`` as a document (None if none).

    With ``document`` (the file's content) the sidecar must describe it: a workspace, or --
    with ``workspace`` the background-only workspace it patches -- a patchset
    (:class:`xhf.workspace.sidecar.Sidecar`); a mismatch is one line naming both files.
    ``name`` is how messages call the sidecar, ``source`` the file it sits beside.
    """
    side = read_sidecar(path, name=name)
    if side is None or document is None:
        return None if side is None else side.to_json()
    source = source or str(path)
    if workspace is None:
        if side.is_patchset:
            raise InvalidInputError(
                f"{source}: sidecar {side.source} describes a patchset, not this workspace"
            )
        side.check_workspace(document, source)
    else:
        side.check_workspace(workspace, source)
        side.check_patchset(document, source)
    return side.to_json()


@dataclass(frozen=True, eq=False)
class Likelihood:
    """A workspace with its sidecar and, for a background-only workspace, its patchsets.

    Attributes:
        workspace: the pyhf workspace (a plain dict).
        sidecar: its sealed ``<name>.meta.json`` document, or None for a bare pyhf workspace
            (limits are then on the POI itself).
        source: the input's name in messages (a file name).
        patchsets: ``{form: (patchset, patchset sidecar)}`` with form ``grid`` or
            ``components`` (background-only workspaces only).
        patch: the patch a limit applies by default (see :meth:`with_patch`).
        patchset_sources: the file name of each patchset, by form, for messages.
    """

    workspace: Mapping[str, Any]
    sidecar: Mapping[str, Any] | None = None
    source: str = "workspace"
    patchsets: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any]]] = field(
        default_factory=dict
    )
    patch: str | None = None
    patchset_sources: Mapping[str, str] = field(default_factory=dict)

    # -- what it is ----------------------------------------------------------------------------
    @property
    def background_only(self) -> bool:
        """True for a background-only workspace (its signals live in patchsets)."""
        return bool((self.sidecar or {}).get("background_only"))

    @property
    def meta(self) -> Sidecar | None:
        """The sidecar as a typed, schema-checked :class:`~xhf.workspace.sidecar.Sidecar`."""
        if self.sidecar is None:
            return None
        return Sidecar.from_json(dict(self.sidecar), f"{self.source} sidecar")

    @property
    def patches(self) -> list[str]:
        """Names of every patch of every patchset, components first."""
        return [
            name
            for form in _LOOKUP_ORDER
            if form in self.patchsets
            for name in patch_names(self.patchsets[form][0], self.source)
        ]

    def with_patch(self, patch: str | None) -> Likelihood:
        """The same likelihood with ``patch`` chosen for limits (it must exist)."""
        if patch is not None and patch not in self.patches:
            shown = ", ".join(self.patches[:5]) or "none"
            raise InvalidParameterError(f"{self.source}: no patch {patch!r} (patches: {shown})")
        return dataclasses.replace(self, patch=patch)

    def holding(self, patch: str) -> str | None:
        """The form of the patchset holding ``patch`` (components first), or None.

        A malformed patchset holds nothing here (reading it for a limit names the problem).
        """
        for form in _LOOKUP_ORDER:
            try:
                if form in self.patchsets and patch in patch_names(self.patchsets[form][0]):
                    return form
            except InvalidInputError:
                continue
        return None

    def signal(self, sidecar: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The checked ``signal`` block of ``sidecar`` (default: the workspace's)."""
        meta = (self.sidecar or {}) if sidecar is None else sidecar
        where = f"{self.source} sidecar"
        signal = meta.get("signal")
        if not isinstance(signal, Mapping):
            raise InvalidInputError(
                f"{where}: field 'signal' is missing; the combiner needs the physical parameter"
            )
        parts = signal.get("parts")
        if not isinstance(parts, list) or not parts:
            raise InvalidInputError(f"{where}: field 'signal.parts' must be a non-empty list")
        for i, part in enumerate(parts):
            if not isinstance(part, Mapping) or not {"sample", "normfactor", "power"} <= set(part):
                raise InvalidInputError(
                    f"{where}: field 'signal.parts[{i}]' needs sample, normfactor and power"
                )
        reference = signal.get("reference")
        if not isinstance(reference, int | float) or not (np.isfinite(reference) and reference > 0):
            raise InvalidInputError(f"{where}: field 'signal.reference' must be a positive number")
        return dict(signal)

    def patch_reference(self, form: str, name: str) -> float | None:
        """Reference value of one patch where the sidecar states it, else ``None``.

        Looked up in ``patches[name].reference``, then ``signal.references[name]``; a single
        ``signal.reference`` does not say which mass it belongs to.
        """
        _, meta = self.patchsets[form]
        entry = meta.get("patches", {}).get(name)
        if isinstance(entry, Mapping) and entry.get("reference") is not None:
            return float(entry["reference"])
        references = self.signal(meta).get("references")
        if isinstance(references, Mapping) and references.get(name) is not None:
            return float(references[name])
        return None

    # -- writing -------------------------------------------------------------------------------
    def products(self, output: str | os.PathLike[str]) -> dict[Path, Any]:
        """Every document to write, by path: the workspace at ``output``, its sidecar, then each
        patchset (grid, components) beside it with its sidecar."""
        output = Path(output)
        if output.suffix != ".json":
            raise InvalidParameterError(f"{output}: the output must be a .json file")
        products: dict[Path, Any] = {output: self.workspace}
        if self.sidecar is not None:
            products[sidecar_path(output)] = self.sidecar
        for form, suffix in PATCHSET_FILES.items():
            if form in self.patchsets:
                path = output.with_name(_base(output) + suffix)
                products[path], products[sidecar_path(path)] = self.patchsets[form]
        return products

    def save(
        self,
        output: str | os.PathLike[str],
        *,
        force: bool = False,
        inputs: Iterable[str | os.PathLike[str]] = (),
    ) -> list[Path]:
        """Write the workspace, its patchsets and every sidecar, all or none
        (:func:`write_products`); returns the paths written.

        Args:
            output: the workspace path (``.json``); patchsets are written beside it.
            force: replace existing files.
            inputs: files that were read: none may be overwritten, even with ``force``.
        """
        return write_products(self.products(output), force=force, inputs=inputs)

    @classmethod
    def from_products(cls, products: Mapping[Path, Any], source: str) -> Likelihood:
        """The likelihood of the documents of :meth:`products` (``xhf build`` / ``experiment``)."""
        paths = [Path(p) for p in products if not Path(p).name.endswith(".meta.json")]
        first = paths[0]
        patchsets, names = {}, {}
        for path in paths[1:]:
            meta = products.get(sidecar_path(path))
            form = patchset_form(products[path], meta)
            patchsets[form] = (products[path], meta)
            names[form] = path.name
        return cls(
            products[first], products.get(sidecar_path(first)), source, patchsets, None, names
        )

    # -- reading -------------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        patchset: str | os.PathLike[str] | None = None,
        patch: str | None = None,
        siblings: bool = True,
        short: bool = False,
        check: Check | None = None,
        check_patchset: Check | None = None,
        require_sidecar: str | None = None,
    ) -> Likelihood:
        """Read a workspace with its sidecar and patchsets; every problem is one line.

        Args:
            path: the workspace file.
            patchset: a patchset file (default: the patchsets beside a background-only
                workspace, ``<base>_patchset.json`` and ``<base>_components_patchset.json``).
            patch: the patch to choose; without ``patchset`` the sibling patchset holding it
                is the one read.
            siblings: read the sibling patchsets of a background-only workspace when neither
                ``patchset`` nor ``patch`` is given.
            short: name files by their name (not their path) in messages.
            check, check_patchset: further checks of each parsed document (``(document,
                name)``), run before its sidecar is read.
            require_sidecar: refuse a missing sidecar, giving this reason.

        Raises:
            MissingFileError, InvalidInputError: one line naming the file and the field.
        """
        path = Path(path)
        label = path.name if short else str(path)
        if not path.is_file():
            raise MissingFileError(f"{path}: no such workspace file")
        spec = read_json(path)
        if check is not None:
            check(spec, label)
        if not isinstance(spec, dict):
            raise InvalidInputError(f"{path}: a workspace must be a JSON object")
        meta_path = sidecar_path(path)
        if require_sidecar is not None and not meta_path.is_file():
            raise MissingFileError(
                f"{label}: no sidecar {meta_path.name} beside it; {require_sidecar}"
            )
        meta = checked_sidecar(path, spec, name=meta_path.name if short else None, source=label)
        if patch is not None and patchset is None:
            candidates = [_sibling_patchset(path, patch)]
        elif patchset is not None:
            candidates = [Path(patchset)]
        elif siblings and (meta or {}).get("background_only"):
            candidates = [
                c
                for c in (path.with_name(_base(path) + s) for s in PATCHSET_FILES.values())
                if c.is_file()
            ]
        else:
            candidates = []
        patchsets, names = {}, {}
        for candidate in candidates:
            ps_label = candidate.name if short else str(candidate)
            if not candidate.is_file():
                raise MissingFileError(f"{candidate}: no such patchset file")
            document = read_json(candidate)
            if not isinstance(document, dict):
                raise InvalidInputError(f"{ps_label}: a patchset must be a JSON object")
            if check_patchset is not None:
                check_patchset(document, ps_label)
            side_name = sidecar_path(candidate).name if short else None
            if require_sidecar is not None:
                read_sidecar(candidate, required=True, name=side_name)
            ps_meta = checked_sidecar(
                candidate, document, workspace=spec, name=side_name, source=ps_label
            )
            form = patchset_form(document, ps_meta)
            patchsets[form], names[form] = (document, ps_meta), candidate.name
        return cls(spec, meta, label, patchsets, patch, names)


def _sibling_patchset(path: Path, patch: str) -> Path:
    for form in _LOOKUP_ORDER:
        candidate = path.with_name(_base(path) + PATCHSET_FILES[form])
        if candidate.is_file():
            spec = read_json(candidate)
            if isinstance(spec, dict) and patch in patch_names(spec):
                return candidate
    raise InvalidInputError(
        f"{path}: --patch {patch} needs --patchset (no sibling patchset holds it)"
    )
