"""pyhf 0.7 with current jsonschema: silence one known deprecation inside pyhf's validation.

pyhf 0.7.6 validates every workspace, patchset and model with ``jsonschema.RefResolver``,
deprecated since jsonschema 4.18; the warning comes from pyhf, not from xhf's use of it, and
xhf runs with warnings as errors. :func:`quiet_pyhf` ignores exactly that warning.
:func:`check_version` refuses a ``version`` pyhf has no schema for before pyhf sees it (pyhf
looks the schema up by that value and fails with a traceback on ``1.0`` or ``"2.0.0"``).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from xhf.exceptions import InvalidInputError

__all__ = ["PYHF_VERSIONS", "REFRESOLVER_WARNING", "check_version", "pyhf_reason", "quiet_pyhf"]

#: The schema versions of pyhf workspaces and patchsets that pyhf 0.7 knows.
PYHF_VERSIONS = ("1.0.0",)


def __dir__() -> list[str]:
    return __all__


#: The message of jsonschema's deprecation warning raised inside pyhf.
REFRESOLVER_WARNING = r"jsonschema\.RefResolver is deprecated"


@contextmanager
def quiet_pyhf() -> Iterator[None]:
    """Run pyhf schema validation without jsonschema's RefResolver deprecation warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=REFRESOLVER_WARNING, category=DeprecationWarning)
        yield


def pyhf_reason(exc: BaseException) -> str:
    """One line for a pyhf error: its message, and for a schema error the field it concerns.

    pyhf's ``InvalidSpecification`` spreads message, path and instance over several lines;
    the command line shows one.

    >>> import pyhf
    >>> try:
    ...     with quiet_pyhf():
    ...         pyhf.Workspace({"channels": [], "version": "1.0.0"})
    ... except pyhf.exceptions.InvalidSpecification as exc:
    ...     print(pyhf_reason(exc))
    [] should be non-empty (at channels)
    >>> pyhf_reason(ValueError("a\\nb"))
    'a'
    """
    lines = str(exc).strip().splitlines()
    reason = lines[0].rstrip(".") if lines else type(exc).__name__
    path = getattr(exc, "path", None)
    if isinstance(path, str) and path and path != "$":
        reason += f" (at {path})"
    return reason


def check_version(document: Any, source: str) -> None:
    """Refuse a workspace or patchset whose ``version`` is not a pyhf schema version.

    >>> check_version({"version": 1.0}, "ws.json")
    Traceback (most recent call last):
    ...
    xhf.exceptions.InvalidInputError: ws.json: version: must be the string "1.0.0", not 1.0
    """
    if not isinstance(document, dict) or "version" not in document:
        return  # pyhf's schema names the missing field
    version = document["version"]
    if not isinstance(version, str) or version not in PYHF_VERSIONS:
        allowed = ", ".join(f'"{v}"' for v in PYHF_VERSIONS)
        raise InvalidInputError(
            f"{source}: version: must be the string {allowed}, not {json.dumps(version)}"
        )
