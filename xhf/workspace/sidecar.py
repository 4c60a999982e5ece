"""The sidecar ``<name>.meta.json`` as one typed, schema-checked object bound to its file.

pyhf workspaces carry no units, binning or physical parameter; the sidecar does
(docs/workspace-conventions.md). A sidecar that describes another file gives a silent wrong
answer -- a limit "in mu_B" on a millicharge workspace, or a stale reference after a half-done
rebuild -- so every sidecar carries:

- ``schema``: its format version (``xhf-sidecar-v1``, ``xhf/workspace/schema/sidecar-v1.json``);
- ``digest.workspace`` (and for a patchset ``digest.patchset`` and ``digest.patches``, one per
  patch): :func:`pyhf.utils.digest` of the files it describes;
- ``digest.sidecar``: the digest of the sidecar itself without that field, so that a hand edit
  (another reference, another unit) is refused rather than believed.

:class:`Sidecar` is written (:meth:`Sidecar.to_json`) and read (:func:`read_sidecar`,
:meth:`Sidecar.from_json`) here only; :meth:`Sidecar.check_workspace`,
:meth:`Sidecar.check_patchset` and :meth:`Sidecar.check_patch` refuse a sidecar that does not
describe the documents it sits beside. The physical parameter is ``reference * mu^(1/power)``
(XMASS-I, Phys. Lett. B 809 (2020) 135741).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from xhf.exceptions import InvalidInputError
from xhf.jsonio import plain
from xhf.jsonread import read_json
from xhf.physics.rates import MODEL_UNITS
from xhf.workspace.config_schema import check_numbers, check_schema, shown

__all__ = [
    "POWERS",
    "SIDECAR_SCHEMA",
    "Sidecar",
    "check_unit",
    "digest",
    "read_sidecar",
    "sidecar_document",
    "sidecar_path",
    "sidecar_schema",
]


def __dir__() -> list[str]:
    return __all__


#: The sidecar format this xhf writes and reads (the ``schema`` field).
SIDECAR_SCHEMA = "xhf-sidecar-v1"
#: Powers of ``parameter / reference`` a signal part may have (XMASS-I: 2 for the magnetic
#: moment and the millicharge, 2 and 4 for the dark photon's interference and pure parts).
POWERS = (1, 2, 3, 4)
_REGENERATE = "regenerate it with `xhf build` (or delete it: the limit is then in the POI)"


def digest(obj: Any) -> str:
    """``sha256:<hex>`` of a workspace, patchset or patch, as :func:`pyhf.utils.digest`."""
    import pyhf

    return "sha256:" + pyhf.utils.digest(plain(obj))


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """``x.json`` -> ``x.meta.json``.

    >>> sidecar_path("workspaces/xmass1_magnetic_moment.json").name
    'xmass1_magnetic_moment.meta.json'
    """
    path = Path(path)
    return path.with_name(path.name.removesuffix(".json") + ".meta.json")


@cache
def sidecar_schema() -> dict[str, Any]:
    """The JSON schema of the sidecar format :data:`SIDECAR_SCHEMA`."""
    text = resources.files("xhf.workspace").joinpath("schema/sidecar-v1.json").read_text()
    return json.loads(text)


def _short(value: str) -> str:
    return value[:19] + "..." if len(value) > 22 else value


def _seal(body: Mapping[str, Any]) -> str:
    unsealed = copy.deepcopy(dict(body))
    unsealed.get("digest", {}).pop("sidecar", None)
    return digest(unsealed)


@dataclass(frozen=True)
class Sidecar:
    """A checked sidecar: the physical meaning of one workspace or patchset.

    Build one with :meth:`from_json` (a parsed file, checked) or :func:`sidecar_document`
    (the builders). It is immutable; :meth:`to_json` gives the document to write, sealed.

    Attributes:
        body: the sidecar's fields (a read-only copy; ``digest.sidecar`` left out).
        source: the sidecar's file name, for messages.
    """

    body: Mapping[str, Any]
    source: str = "sidecar"

    # -- reading -------------------------------------------------------------------------------
    @classmethod
    def from_json(cls, document: Any, source: str = "sidecar", *, sealed: bool = True) -> Sidecar:
        """Check a parsed sidecar: version, schema, finite numbers, units, powers, seal.

        Args:
            document: the parsed JSON.
            source: the file name that starts every message.
            sealed: require ``digest.sidecar`` to match (False only while building one).

        Raises:
            InvalidInputError: one line ``<source>: <field>: <what is wrong>``.
        """
        if not isinstance(document, dict):
            raise InvalidInputError(f"{source}: (top level): a sidecar must be a JSON object")
        version = document.get("schema")
        if "schema" not in document:
            raise InvalidInputError(
                f"{source}: schema: missing (an unversioned sidecar of an older xhf); "
                + _REGENERATE
            )
        if version != SIDECAR_SCHEMA:
            raise InvalidInputError(
                f"{source}: schema: unsupported sidecar version {shown(version)} "
                f"(this xhf reads {SIDECAR_SCHEMA!r}); " + _REGENERATE
            )
        if not sealed:
            document = {
                **document,
                "digest": {**document.get("digest", {}), "sidecar": _seal(document)},
            }
        check_schema(document, sidecar_schema(), source)
        check_numbers(document, source)
        _check_fields(document, source)
        stated, found = document["digest"]["sidecar"], _seal(document)
        if sealed and stated != found:
            raise InvalidInputError(
                f"{source}: digest.sidecar: the sidecar was edited after xhf wrote it (it states "
                f"{_short(stated)}, its content has {_short(found)}); " + _REGENERATE
            )
        body = copy.deepcopy(document)
        body["digest"].pop("sidecar")
        return cls(_frozen(body), source)

    # -- writing -------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """The document to write: plain JSON values, ``digest.sidecar`` filled in."""
        out = _thawed(self.body)
        out["digest"]["sidecar"] = _seal(out)
        return out

    # -- typed access --------------------------------------------------------------------------
    @property
    def signal(self) -> Mapping[str, Any] | None:
        """The ``signal`` block (None for a background-only workspace)."""
        return self.body["signal"]

    @property
    def background_only(self) -> bool:
        """True for the sidecar of a background-only workspace."""
        return bool(self.body.get("background_only"))

    @property
    def is_patchset(self) -> bool:
        """True for the sidecar of a patchset."""
        return "patchset" in self.body["digest"]

    @property
    def workspace_digest(self) -> str:
        """Digest of the (background-only) workspace described."""
        return str(self.body["digest"]["workspace"])

    @property
    def patchset_digest(self) -> str | None:
        """Digest of the patchset described (None for a workspace's sidecar)."""
        return self.body["digest"].get("patchset")

    @property
    def patch_digests(self) -> Mapping[str, str]:
        """Digest of each patch described, by patch name (empty for a workspace's sidecar)."""
        return self.body["digest"].get("patches", {})

    @property
    def measurement(self) -> str:
        """Name of the workspace's measurement."""
        return str(self.body["measurement"])

    @property
    def poi(self) -> str:
        """The parameter of interest (a normfactor of the workspace)."""
        return str(self.body["poi"])

    @property
    def form(self) -> str | None:
        """Patchset form (``grid``, ``components``, ``power_law``) or None for a workspace."""
        return self.body.get("form")

    # -- binding to the documents --------------------------------------------------------------
    def check_workspace(self, workspace: Any, source: str) -> None:
        """Refuse a sidecar that describes another workspace (``source``: its file name).

        For a patchset sidecar ``workspace`` is the background-only workspace it patches.
        """
        found = digest(workspace)
        if found != self.workspace_digest:
            raise InvalidInputError(
                f"{source}: sidecar {self.source} describes another workspace "
                f"(digest {_short(self.workspace_digest)}, the workspace's is {_short(found)}); "
                "rebuild both with `xhf build`"
            )
        if self.is_patchset or self.signal is None:
            return
        _check_parts(self, workspace, source)

    def check_patchset(self, patchset: Any, source: str) -> None:
        """Refuse a patchset sidecar that describes another patchset."""
        if not self.is_patchset:
            raise InvalidInputError(
                f"{source}: sidecar {self.source} is a workspace's, not a patchset's"
            )
        names = [p.get("metadata", {}).get("name") for p in patchset.get("patches", [])]
        described = self.patch_digests
        for name, patch in zip(names, patchset.get("patches", []), strict=True):
            if name in described and described[name] != digest(patch):
                raise InvalidInputError(
                    f"{source}: patches[{name}]: not the patch sidecar {self.source} describes "
                    f"(digest {_short(described[name])}); rebuild both with `xhf build`"
                )
        if set(names) != set(described) or set(names) != set(self.body.get("patches", {})):
            missing = sorted(set(described) ^ set(names))
            raise InvalidInputError(
                f"{source}: patches: sidecar {self.source} describes other patches "
                f"({', '.join(missing[:3])}...); rebuild both with `xhf build`"
            )
        found = digest(patchset)
        if found != self.patchset_digest:
            raise InvalidInputError(
                f"{source}: sidecar {self.source} describes another patchset (digest "
                f"{_short(str(self.patchset_digest))}, the patchset's is {_short(found)}); "
                "rebuild both with `xhf build`"
            )


def sidecar_document(body: Mapping[str, Any], source: str = "sidecar") -> dict[str, Any]:
    """A builder's sidecar fields -> the checked, versioned and sealed document to write.

    An existing ``schema`` or ``digest.sidecar`` is replaced (a re-sealed copy).
    """
    doc = plain(dict(body))
    doc["schema"] = SIDECAR_SCHEMA
    doc["digest"] = {k: v for k, v in dict(doc.get("digest", {})).items() if k != "sidecar"}
    return Sidecar.from_json(doc, source, sealed=False).to_json()


def read_sidecar(
    path: str | os.PathLike[str], *, required: bool = False, name: str | None = None
) -> Sidecar | None:
    """The checked sidecar of the file ``path`` (None if there is none and not ``required``).

    ``name`` is how messages call the sidecar (default: its path).
    """
    side = sidecar_path(path)
    if not side.is_file():
        if required:
            raise InvalidInputError(
                f"{name or path}: no sidecar {side.name} beside it (needed for physical units)"
            )
        return None
    label = name or str(side)
    return Sidecar.from_json(read_json(side), label)


# -- checks ------------------------------------------------------------------------------------
def check_unit(model: Any, unit: str, where: str) -> None:
    """Refuse a unit that is not the model's own (:data:`xhf.physics.MODEL_UNITS`); ``where``
    starts the message.

    >>> check_unit("millicharge", "e", "s.meta.json: signal.unit")
    >>> check_unit("millicharge", "mu_B", "s.meta.json: signal.unit")
    Traceback (most recent call last):
    ...
    xhf.exceptions.InvalidInputError: s.meta.json: signal.unit: 'mu_B' is not the unit of millicharge ('e')
    """
    if model in MODEL_UNITS and unit != MODEL_UNITS[model]:
        raise InvalidInputError(
            f"{where}: {unit!r} is not the unit of {model} ({MODEL_UNITS[model]!r})"
        )


def _check_fields(doc: Mapping[str, Any], source: str) -> None:
    """What the schema cannot say: integer powers, model units, references of known patches."""
    signal = doc["signal"]
    if doc.get("background_only") and signal is not None:
        raise InvalidInputError(f"{source}: signal: must be null in a background-only sidecar")
    if signal is None:
        if not doc.get("background_only"):
            raise InvalidInputError(
                f"{source}: signal: is null but the sidecar is not background_only"
            )
        return
    for i, part in enumerate(signal["parts"]):
        power = part["power"]
        if power is not None and (isinstance(power, bool) or not isinstance(power, int)):
            raise InvalidInputError(
                f"{source}: signal.parts[{i}].power: must be an integer in {list(POWERS)}, "
                f"not {shown(power)}"
            )
    fractions = signal.get("flavor_fractions")
    if fractions is not None and abs(sum(fractions.values()) - 1) > 1e-3:
        raise InvalidInputError(
            f"{source}: signal.flavor_fractions: must sum to 1 (sum {sum(fractions.values()):g})"
        )
    check_unit(signal["model"], signal["unit"], f"{source}: signal.unit")
    known = doc.get("patches")
    extra = sorted(set(signal.get("references") or {}) - set(known or {}))
    if known is not None and extra:
        raise InvalidInputError(
            f"{source}: signal.references.{extra[0]}: no such patch in the sidecar's 'patches'"
        )
    labels = doc.get("labels")
    for name, values in (known or {}).items():
        if labels is not None and len(values) != len(labels):
            raise InvalidInputError(
                f"{source}: patches.{name}: {len(values)} values for {len(labels)} labels"
            )


def _check_parts(side: Sidecar, workspace: Mapping[str, Any], source: str) -> None:
    """Each signal part's normfactor sits on its sample; the POI is the lowest-power one."""
    signal = side.signal or {}
    modifiers = {
        (sample.get("name"), m.get("name"))
        for channel in workspace.get("channels", [])
        for sample in channel.get("samples", [])
        for m in sample.get("modifiers", [])
        if m.get("type") == "normfactor"
    }
    for i, part in enumerate(signal["parts"]):
        if (part["sample"], part["normfactor"]) not in modifiers:
            raise InvalidInputError(
                f"{source}: sidecar {side.source}: signal.parts[{i}]: the workspace has no "
                f"normfactor {part['normfactor']!r} on a sample {part['sample']!r}"
            )
    powered = [p for p in signal["parts"] if p["power"] is not None]
    lowest = min(powered, key=lambda p: p["power"])["normfactor"] if powered else None
    poi = side.poi
    if lowest is not None and poi != lowest:
        raise InvalidInputError(
            f"{source}: sidecar {side.source}: poi: {poi!r} is not the lowest-power part's "
            f"normfactor {lowest!r}"
        )


def _frozen(obj: Any) -> Any:
    from types import MappingProxyType

    if isinstance(obj, dict):
        return MappingProxyType({k: _frozen(v) for k, v in obj.items()})
    if isinstance(obj, list):
        return tuple(_frozen(v) for v in obj)
    return obj


def _thawed(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: _thawed(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return [_thawed(v) for v in obj]
    return obj
