"""pyhf 0.7 with current jsonschema: silence one known deprecation inside pyhf's validation.

pyhf 0.7.6 validates every workspace, patchset and model with ``jsonschema.RefResolver``,
deprecated since jsonschema 4.18; the warning comes from pyhf, not from xhf's use of it, and
xhf runs with warnings as errors. :func:`quiet_pyhf` ignores exactly that warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["REFRESOLVER_WARNING", "pyhf_reason", "quiet_pyhf"]


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
