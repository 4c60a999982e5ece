"""The ``xhf`` command line: a click group whose commands follow the analysis pipeline.

Every command is a thin wrapper: parse options, call one library function, write the result.
Errors a user can cause (:class:`xhf.XhfError`) and refusals of the file system (any
``OSError``: read-only or full disk, a name too long) are printed as one line and exit with
code 2 (a scan with failed points: code 1); SIGINT and SIGTERM end a command with one ``Aborted:`` line and exit code 130.
Commands are imported lazily (``xhf --help`` does not import pyhf), one module per command in
``xhf/cli/``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import warnings
from pathlib import Path

import click

from xhf import __version__
from xhf.exceptions import XhfError
from xhf.interrupts import terminate_as_interrupt

__all__ = ["COMMANDS", "cli"]


def __dir__() -> list[str]:
    return __all__


#: Commands in pipeline order: name -> module in xhf.cli (the command object has the same name).
COMMANDS: dict[str, str] = {
    "spectrum": "spectrum",
    "templates": "templates",
    "build": "build",
    "limit": "limit",
    "scan": "scan",
    "diagnostics": "diagnostics",
    "reproduce": "reproduce",
    "publish": "publish",
    "export": "export",
    "experiment": "experiment",
    "combine": "combine",
}


class UserError(click.ClickException):
    """A user mistake: printed as ``Error: <message>``, exit code 2."""

    exit_code = 2


class PipelineGroup(click.Group):
    """Lazily loaded commands in pipeline order; :class:`XhfError` becomes exit code 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [
            name
            for name, module in COMMANDS.items()
            if importlib.util.find_spec(f"xhf.cli.{module}") is not None
        ]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.list_commands(ctx):
            return None
        module = importlib.import_module(f"xhf.cli.{COMMANDS[cmd_name]}")
        command = getattr(module, cmd_name.replace("-", "_"))
        _name_inputs(command)
        return command

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Run the command; in standalone mode every error is a single ``Error:`` line."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            with terminate_as_interrupt():
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("Aborted: outputs already completed are intact.", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context):
        try:
            with warnings.catch_warnings():
                # Numerical warnings (NumPy overflow, MINUIT's "failed" notes) are not for the
                # user: fits report failure by exception and results are checked to be finite.
                warnings.simplefilter("ignore", RuntimeWarning)
                return super().invoke(ctx)
        except XhfError as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            error = UserError(message)
            error.exit_code = getattr(exc, "exit_code", UserError.exit_code)  # 1: incomplete scan
            raise error from None
        except OSError as exc:  # the file system refused a read or a write: name the path
            raise UserError(os_error_message(exc)) from None


def os_error_message(exc: OSError) -> str:
    """``<path>: <reason>`` of an ``OSError`` (its first file name, else ``(file system)``).

    >>> os_error_message(PermissionError(13, "Permission denied", "out/ws.json"))
    'out/ws.json: Permission denied'
    """
    path = exc.filename if exc.filename is not None else "(file system)"
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{os.fsdecode(path)}: {reason}".splitlines()[0]


#: A message that starts with a file name (``ps.json: ...``, ``t.root: xhf_metadata: ...``).
_NAMES_A_FILE = re.compile(r"^[^:\s]+\.(json|ya?ml|csv|txt|root|npz)\b")


def _input_files(ctx: click.Context) -> list[str]:
    """The file arguments of a command (``WORKSPACE``, ``CONFIG``, ``CARD``, ``INPUTS``)."""
    files = []
    for param in ctx.command.params:
        if isinstance(param, click.Argument) and isinstance(param.type, click.Path):
            value = ctx.params.get(param.name)
            values = value if isinstance(value, tuple | list) else (value,)
            files += [str(v) for v in values if v is not None]
    return files


def _name_inputs(command: click.Command) -> None:
    """Make ``command`` (and the subcommands of a group, ``xhf scan dark-photon``) name their
    input file in errors (:func:`_naming_input`); idempotent."""
    if getattr(command, "_names_its_input", False):
        return
    command.invoke = _naming_input(command.invoke)
    command._names_its_input = True
    for sub in getattr(command, "commands", {}).values():
        _name_inputs(sub)


def _naming_input(invoke):
    """Wrap a command's ``invoke``: an input error (a ``ValueError``) of a one-input command
    whose message does not name the input (a library message such as ``bin 2: D + sigma^2 is
    not positive``) is prefixed with the input file, so that every error line names its file.
    """

    def wrapped(ctx: click.Context):
        try:
            return invoke(ctx)
        except XhfError as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            files = _input_files(ctx)
            named = any(Path(f).name in message for f in files) or _NAMES_A_FILE.match(message)
            if len(files) != 1 or named or not isinstance(exc, ValueError):
                raise  # several inputs, already named, or not about the input (a failed scan)
            raise UserError(f"{files[0]}: {message}") from None

    return wrapped


@click.group(cls=PipelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xhf")
def cli() -> None:
    """xhf: solar-neutrino searches in liquid xenon as reusable pyhf likelihoods.

    \b
    Pipeline: spectrum -> templates -> build -> limit -> reproduce -> publish.
    Example:
      xhf spectrum --model magnetic-moment --mu-nu 1e-11 --energies-kev 1,5,30
    """
