"""Interruptions: SIGTERM handled like SIGINT, and a test hook that interrupts at a named stage.

A command interrupted by Ctrl-C (SIGINT) or by ``kill`` (SIGTERM) stops with
:class:`KeyboardInterrupt`; the command line prints one line ``Aborted: ...`` and exits with
code 130. Outputs are staged and committed together (:func:`xhf.jsonio.atomic_outputs`), so an
interruption leaves the previous outputs as they were.

Test hook: the environment variable ``XHF_TEST_SIGNAL_AT=<stage>:<SIGINT|SIGTERM>`` makes the
process send itself that signal when it reaches the named stage (:func:`reached`). Commands
report their stages (``build``, ``scan``, ``replica``, ``workspaces``, ``figures``, ...);
``commit`` is the moment right before staged outputs are moved into place. It exists so that
tests can interrupt a command at a chosen point on a machine of any speed; it is not meant
for users.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = [
    "SIGNAL_HOOK",
    "STOP_SIGNALS",
    "reached",
    "signals_deferred",
    "terminate_as_interrupt",
]


def __dir__() -> list[str]:
    return __all__


#: The test hook's environment variable: ``<stage>:<SIGINT|SIGTERM>``.
SIGNAL_HOOK = "XHF_TEST_SIGNAL_AT"
#: The signals that stop a command (exit code 130).
STOP_SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM}


def reached(stage: str) -> None:
    """Report that the process enters ``stage``; the test hook may interrupt it here.

    With ``XHF_TEST_SIGNAL_AT=<stage>:<signal>`` set and ``stage`` matching, the process
    raises that signal in its own thread, so its handler (SIGINT: :class:`KeyboardInterrupt`;
    SIGTERM under :func:`terminate_as_interrupt`: the same) runs before this call returns.
    """
    hook = os.environ.get(SIGNAL_HOOK)
    if not hook:
        return
    where, _, name = hook.rpartition(":")
    if where == stage and name in STOP_SIGNALS:
        signal.raise_signal(STOP_SIGNALS[name])


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def _handlers(handlers: dict[signal.Signals, Callable[[int, FrameType | None], Any]]):
    """Set signal handlers for the block and restore the previous ones; yields False (and sets
    nothing) outside the main thread, where handlers cannot be set."""
    previous = {}
    try:
        for signum, handler in handlers.items():
            previous[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread
        yield False
        return
    try:
        yield True
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`KeyboardInterrupt` as SIGINT does (and SIGINT
    has Python's default handler, whatever a library set before)."""
    with _handlers({signal.SIGINT: signal.default_int_handler, signal.SIGTERM: _raise_interrupt}):
        yield


@contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM that arrive in the block are held and raised again after it (used
    while staged outputs are moved into place, so that a commit is never cut in half)."""
    held: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(signum)

    with _handlers({signal.SIGINT: hold, signal.SIGTERM: hold}):
        yield
    if held:
        signal.raise_signal(held[0])
