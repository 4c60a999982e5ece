"""The errors the inference stage raises, on top of :mod:`xhf.exceptions`.

Both derive from :class:`xhf.XhfError` (the command line prints them as one line and exits
with code 2) and from the matching built-in exception.
"""

from __future__ import annotations

from xhf.exceptions import InvalidParameterError, XhfError

__all__ = [
    "BoundTooNarrowError",
    "FitNotConvergedError",
    "IncompleteScanError",
    "LimitAtBoundError",
    "UnsupportedModelError",
]


def __dir__() -> list[str]:
    return __all__


class LimitAtBoundError(InvalidParameterError):
    """A limit (or a best fit) reaches a bound of the parameter of interest.

    The message names the parameter, the bound and a value to widen it to; a limit is never
    returned when the answer lies outside the range the fit may explore.
    """


class BoundTooNarrowError(LimitAtBoundError):
    """A limit, an interval's end or the best fit lies above the upper bound of the parameter
    of interest: a wider bound gives the answer (the limit functions retry with one)."""


class FitNotConvergedError(XhfError, RuntimeError):
    """A maximum-likelihood or chi2 fit failed to converge from every starting point tried,
    or the search for a limit failed (no bracket, a jump instead of a crossing)."""


class IncompleteScanError(XhfError, RuntimeError):
    """Some points of a scan have no limit: they are written as failed (``null`` and the
    reason), never as numbers; the command line writes the others, names the failed points
    and exits with code 1 (a computation that did not finish, not a bad input: code 2)."""

    #: The command line's exit code for this error.
    exit_code = 1


class UnsupportedModelError(XhfError, ValueError):
    """A model uses a feature the closed-form evaluator does not implement.

    The inference stage then falls back to pyhf's own (slower) fits; the error only reaches a
    user who asks for the closed-form backend explicitly.
    """
