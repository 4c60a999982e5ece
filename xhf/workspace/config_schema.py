"""First validation layer of a build config: the versioned JSON schema, with readable messages.

The schema (``xhf/workspace/schema/config-v1.json``, a description on every field) checks
structure and types. A failure becomes one line naming the file and the YAML path of the bad
field, e.g. ``config.yml: backgrounds[2].norm_uncertainty: must be a number`` -- never a
jsonschema dump. Numbers must also be finite (YAML's ``.nan`` and ``.inf`` pass a type check).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from xhf.exceptions import InvalidInputError

__all__ = ["CONFIG_VERSION", "config_schema", "format_path", "validate_schema"]


def __dir__() -> list[str]:
    return __all__


#: The config format version this module validates.
CONFIG_VERSION = 1

_TYPES = {
    "number": "a number",
    "integer": "an integer",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


@cache
def config_schema(version: int = CONFIG_VERSION) -> dict[str, Any]:
    """The JSON schema of config format ``version``."""
    text = resources.files("xhf.workspace").joinpath(f"schema/config-v{version}.json").read_text()
    return json.loads(text)


def format_path(path: Iterable[Any]) -> str:
    """``["backgrounds", 2, "norm_uncertainty"]`` -> ``backgrounds[2].norm_uncertainty``.

    >>> format_path(["backgrounds", 2, "norm_uncertainty"]), format_path([])
    ('backgrounds[2].norm_uncertainty', '(top level)')
    """
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _join(path: list[Any], key: str) -> str:
    return format_path([*path, key])


def _message(error: ValidationError) -> tuple[str, str]:
    """(YAML path, message) of one jsonschema error."""
    path = list(error.absolute_path)
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = next(k for k in value if k not in instance)
        return _join(path, missing), "is required"
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in allowed)
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return _join(path, str(extra[0])), f"unknown key{hint}"
    where = format_path(path)
    if kind == "type":
        types = [value] if isinstance(value, str) else value
        return where, "must be " + " or ".join(_TYPES.get(t, t) for t in types)
    if kind == "const":
        return where, f"must be {json.dumps(value)}"
    if kind == "enum":
        return where, "must be one of " + ", ".join(json.dumps(v) for v in value)
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
        return where, f"must be {sign[kind]} {value}"
    if kind == "pattern":
        if value == "^[A-Za-z0-9_]+$":
            return where, "must contain only letters, digits and underscores"
        return where, f"must match {value}"
    if kind in ("minItems", "maxItems"):
        low = error.schema.get("minItems")
        if low is not None and low == error.schema.get("maxItems"):
            return where, f"must have exactly {low} items"
        return where, f"must have {'at least' if kind == 'minItems' else 'at most'} {value} items"
    if kind in ("minLength", "minProperties"):
        return where, "must not be empty"
    if kind == "propertyNames":
        return where, f"key {instance!r} must contain only letters, digits and underscores"
    if kind in ("anyOf", "oneOf"):
        return where, "must be " + error.schema.get("description", "of another form").split(":")[0]
    return where, error.message.splitlines()[0]


def _non_finite(node: Any, path: list[Any]) -> list[Any] | None:
    if isinstance(node, float) and not math.isfinite(node):
        return path
    if isinstance(node, dict):
        items: Iterable[tuple[Any, Any]] = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return None
    for key, child in items:
        found = _non_finite(child, [*path, key])
        if found is not None:
            return found
    return None


def validate_schema(document: Any, source: str) -> None:
    """Check ``document`` (a parsed YAML config) against the schema of its version.

    Args:
        document: the parsed config.
        source: the file name that starts every message.

    Raises:
        InvalidInputError: ``<source>: <yaml path>: <what is wrong>``, one line.
    """
    if not isinstance(document, dict):
        raise InvalidInputError(f"{source}: (top level): must be a mapping")
    version = document.get("version")
    if version != CONFIG_VERSION:
        shown = json.dumps(version) if version is not None else "missing"
        raise InvalidInputError(f"{source}: version: must be {CONFIG_VERSION} (got {shown})")
    schema = config_schema(version)
    validator = jsonschema.Draft202012Validator(schema)
    error = best_match(validator.iter_errors(document))
    if error is not None:
        where, message = _message(error)
        raise InvalidInputError(f"{source}: {where}: {message}")
    bad = _non_finite(document, [])
    if bad is not None:
        raise InvalidInputError(f"{source}: {format_path(bad)}: must be a finite number")
