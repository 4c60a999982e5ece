"""First validation layer of a build config: the versioned JSON schema, with readable messages.

The schema (``xhf/workspace/schema/config-v1.json``, a description on every field) checks
structure and types. A failure becomes one line naming the file and the YAML path of the bad
field, e.g. ``config.yml: backgrounds[2].norm_uncertainty: must be a number`` -- never a
jsonschema dump. Numbers must also be finite (YAML's ``.nan`` and ``.inf`` pass a type check).
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from xhf.exceptions import InvalidInputError
from xhf.jsonread import parse_json
from xhf.yamlio import format_path

__all__ = [
    "CONFIG_VERSION",
    "check_numbers",
    "check_schema",
    "config_schema",
    "format_path",
    "require_mapping",
    "shown",
    "validate_schema",
]


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
    return parse_json(text, f"xhf/workspace/schema/config-v{version}.json")


def _join(path: list[Any], key: str) -> str:
    return format_path([*path, key])


_NUMBER_WITH_UNIT = re.compile(
    r"^\s*[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*[A-Za-z_]"
)


def shown(value: Any, limit: int = 40) -> str:
    """A short rendering of a YAML value for a message (JSON where it can be).

    >>> shown("kg*s"), shown(None), shown(list(range(30)))
    ('"kg*s"', 'null', '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11...')
    """
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    for types, name in ((int | float, "a number"), (str, "a string"), (list, "a list")):
        if isinstance(value, types):
            return name
    return type(value).__name__


def _type_message(types: list[str], instance: Any) -> str:
    message = "must be " + " or ".join(_TYPES.get(t, t) for t in types)
    if {"number", "integer"} & set(types) and isinstance(instance, str):
        if _NUMBER_WITH_UNIT.match(instance):  # "1 keV", "1.0e-10 mu_B"
            return f"{message}, not {shown(instance)} (write the number alone, in the field's unit)"
    return message


def _message(error: ValidationError) -> tuple[str, str]:
    """(YAML path, message) of one jsonschema error."""
    path = list(error.absolute_path)
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = next(k for k in value if k not in instance)
        return _join(path, missing), "is required"
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted((str(k) for k in instance if k not in allowed), key=str)
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return _join(path, extra[0]), f"unknown key{hint}"
    where = format_path(path)
    if kind == "type":
        return where, _type_message([value] if isinstance(value, str) else value, instance)
    if kind == "const":
        return where, f"must be {json.dumps(value)} (got {shown(instance)})"
    if kind == "enum":
        choices = ", ".join(json.dumps(v) for v in value)
        return where, f"must be one of {choices} (got {shown(instance)})"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
        return where, f"must be {sign[kind]} {value:g}"
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


def _bad_number(node: Any, path: list[Any]) -> tuple[list[Any], str] | None:
    if isinstance(node, float) and not math.isfinite(node):
        return path, "must be a finite number"
    if isinstance(node, int) and not isinstance(node, bool) and abs(node) > sys.float_info.max:
        return path, f"is too large (beyond {sys.float_info.max:.1e})"
    if isinstance(node, dict):
        items: Iterable[tuple[Any, Any]] = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return None
    for key, child in items:
        found = _bad_number(child, [*path, key])
        if found is not None:
            return found
    return None


def require_mapping(document: Any, source: str) -> None:
    """A YAML input (config, card) is a mapping; one line naming what it is instead.

    >>> require_mapping(None, "c.yml")
    Traceback (most recent call last):
    ...
    xhf.exceptions.InvalidInputError: c.yml: (top level): must be a mapping, not null
    """
    if not isinstance(document, dict):
        raise InvalidInputError(f"{source}: (top level): must be a mapping, not {_kind(document)}")


def check_numbers(document: Any, source: str) -> None:
    """Refuse NaN, infinities (YAML ``.nan``, ``.inf``, ``1e400``) and integers beyond the
    float range anywhere in ``document``: a type check lets them through.

    Raises:
        InvalidInputError: ``<source>: <yaml path>: must be a finite number`` (or too large).
    """
    bad = _bad_number(document, [])
    if bad is not None:
        raise InvalidInputError(f"{source}: {format_path(bad[0])}: {bad[1]}")


def check_schema(document: Any, schema: dict[str, Any], source: str) -> None:
    """Validate ``document`` against a JSON schema (Draft 2020-12); the most relevant error
    (jsonschema's best match) becomes one line ``<source>: <YAML path>: <what is wrong>``.

    Shared by the config, the sidecar and the experiment-card readers.

    Raises:
        InvalidInputError: the first problem.
    """
    error = best_match(jsonschema.Draft202012Validator(schema).iter_errors(document))
    if error is not None:
        where, message = _message(error)
        raise InvalidInputError(f"{source}: {where}: {message}")


def validate_schema(document: Any, source: str) -> None:
    """Check ``document`` (a parsed YAML config) against the schema of its version.

    Args:
        document: the parsed config.
        source: the file name that starts every message.

    Raises:
        InvalidInputError: ``<source>: <yaml path>: <what is wrong>``, one line.
    """
    require_mapping(document, source)
    version = document.get("version")
    if version != CONFIG_VERSION or isinstance(version, bool):
        got = shown(version) if "version" in document else "missing"
        raise InvalidInputError(f"{source}: version: must be {CONFIG_VERSION} (got {got})")
    check_schema(document, config_schema(version), source)
    check_numbers(document, source)
