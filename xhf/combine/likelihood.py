"""The combiner's view of a likelihood (:class:`xhf.workspace.likelihood.Likelihood`).

The sidecar (``docs/workspace-conventions.md``) says what the POI means physically: the model,
the parameter and unit, the reference value and the power of ``parameter / reference`` each
signal part scales with. Without it a combination cannot put two experiments on one scale.
"""

from __future__ import annotations

from xhf.exceptions import InvalidInputError
from xhf.workspace.likelihood import Likelihood

__all__ = ["IDENTITY_KEYS", "Likelihood", "as_likelihood"]


def __dir__() -> list[str]:
    return __all__


#: Sidecar ``signal`` fields that must agree between combined experiments (``None``: unknown).
IDENTITY_KEYS: tuple[str, ...] = ("model", "parameter", "unit", "flavor", "fluxes")


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
