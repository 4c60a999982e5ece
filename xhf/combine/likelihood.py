"""One experiment's published likelihood as the combiner sees it: workspace, sidecar, patchsets.

The sidecar (``docs/workspace-conventions.md``) says what the POI means physically: the model,
the parameter and unit, the reference value and the power of ``parameter / reference`` each
signal part scales with. Without it a combination cannot put two experiments on one scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xhf.exceptions import InvalidInputError

__all__ = ["IDENTITY_KEYS", "Likelihood", "as_likelihood"]


def __dir__() -> list[str]:
    return __all__


#: Sidecar ``signal`` fields that must agree between combined experiments (``None``: unknown).
IDENTITY_KEYS: tuple[str, ...] = ("model", "parameter", "unit", "flavor", "fluxes")


@dataclass(frozen=True)
class Likelihood:
    """A workspace with its sidecar and, for a background-only workspace, its patchsets.

    Attributes:
        workspace: the pyhf workspace (a plain dict).
        sidecar: its ``<name>.meta.json`` (a plain dict).
        source: the input's name in messages (a file name).
        patchsets: ``{form: (patchset, patchset sidecar)}`` with form ``grid`` or
            ``components`` (background-only workspaces only).
    """

    workspace: Mapping[str, Any]
    sidecar: Mapping[str, Any]
    source: str = "workspace"
    patchsets: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any]]] = field(
        default_factory=dict
    )

    @property
    def background_only(self) -> bool:
        """True for a background-only workspace (its signals live in patchsets)."""
        return bool(self.sidecar.get("background_only"))

    def signal(self, sidecar: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The checked ``signal`` block of ``sidecar`` (default: the workspace's)."""
        meta = self.sidecar if sidecar is None else sidecar
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


def as_likelihood(item: Likelihood | tuple, index: int) -> Likelihood:
    """A :class:`Likelihood` from itself or a ``(workspace, sidecar[, source])`` tuple."""
    if isinstance(item, Likelihood):
        return item
    if isinstance(item, tuple) and len(item) in (2, 3):
        source = item[2] if len(item) == 3 else f"input {index + 1}"
        return Likelihood(item[0], item[1], str(source))
    raise InvalidInputError(
        f"input {index + 1}: expected a (workspace, sidecar) pair or a Likelihood"
    )
