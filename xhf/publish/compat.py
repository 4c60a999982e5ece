"""hepdata_lib 0.21 and hepdata-validator 0.3 with current jsonschema: silence known warnings.

hepdata-validator imports ``jsonschema.RefResolver`` and ``jsonschema.RefResolutionError``,
deprecated since jsonschema 4.18, at import time and uses them while validating; its full
submission validator also reads each data file with ``yaml.load(open(path))`` and leaves the
file to the garbage collector (a ``ResourceWarning``). The warnings come from those libraries,
not from xhf's use of them, and xhf runs with warnings as errors; :func:`quiet_hepdata` ignores
exactly those (the jsonschema ones include pyhf's, see :func:`xhf.workspace.compat.quiet_pyhf`).
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from xhf.exceptions import XhfError

__all__ = ["JSONSCHEMA_DEPRECATION", "MissingDependencyError", "import_publish", "quiet_hepdata"]


def __dir__() -> list[str]:
    return __all__


#: jsonschema's deprecation messages for the names hepdata-validator (and pyhf) use.
JSONSCHEMA_DEPRECATION = (
    r"jsonschema\.(exceptions\.)?(RefResolver|RefResolutionError) is deprecated"
)


@contextmanager
def quiet_hepdata() -> Iterator[None]:
    """Import and run hepdata_lib / hepdata-validator without jsonschema's deprecations."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=JSONSCHEMA_DEPRECATION, category=DeprecationWarning
        )
        warnings.filterwarnings("ignore", message="unclosed file", category=ResourceWarning)
        yield


class MissingDependencyError(XhfError, ImportError):
    """An optional dependency of the publish stage is not installed."""


def import_publish(module: str) -> ModuleType:
    """Import hepdata_lib or hepdata_validator quietly; a clear error if it is missing.

    >>> import_publish("hepdata_lib").__name__
    'hepdata_lib'
    """
    try:
        with quiet_hepdata():
            return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(
            f"xhf publish needs {module.split('.')[0]} (hepdata-lib, hepdata-validator): "
            "pip install 'xhf[publish]'"
        ) from None
