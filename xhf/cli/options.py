"""Options shared by several commands (one definition, the same help and checks everywhere)."""

from __future__ import annotations

import click

__all__ = ["cl_option", "method_option"]


def __dir__() -> list[str]:
    return __all__


def _level(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not 0.0 < value < 1.0:
        raise click.BadParameter(f"must lie strictly between 0 and 1, got {value}")
    return value


#: ``--cl``: the confidence level, strictly between 0 and 1 (the paper: 0.9).
cl_option = click.option(
    "--cl", type=float, default=0.9, show_default=True, callback=_level, help="Confidence level."
)


def method_option(
    help_text: str = "Limit method: pyhf CLs or the paper's chi2 (Eq. 4).",
    *,
    multiple: bool = False,
):
    """``--method {cls,chi2}``; with ``multiple`` a repeatable option defaulting to both."""
    if multiple:
        return click.option(
            "--method",
            "methods",
            type=click.Choice(["chi2", "cls"]),
            multiple=True,
            default=("chi2", "cls"),
            show_default=True,
            help=help_text,
        )
    return click.option(
        "--method",
        type=click.Choice(["cls", "chi2"]),
        default="cls",
        show_default=True,
        help=help_text,
    )
