"""Options shared by several commands (one definition, the same help and checks everywhere)."""

from __future__ import annotations

import math

import click

__all__ = [
    "cl_option",
    "method_option",
    "parse_poi_bounds",
    "poi_bounds_option",
    "power_constraint_option",
    "require_pl",
    "scheduler_options",
    "toy_options",
]


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
    help_text: str = "Limit method: pyhf CLs, the profile likelihood (pl) or the paper's chi2.",
    *,
    multiple: bool = False,
):
    """``--method {cls,chi2,pl}``; with ``multiple`` a repeatable option (default chi2, cls)."""
    if multiple:
        return click.option(
            "--method",
            "methods",
            type=click.Choice(["chi2", "cls", "pl"]),
            multiple=True,
            default=("chi2", "cls"),
            show_default=True,
            help=help_text,
        )
    return click.option(
        "--method",
        type=click.Choice(["cls", "chi2", "pl"]),
        default="cls",
        show_default=True,
        help=help_text,
    )


def parse_poi_bounds(
    ctx: click.Context | None, param: click.Parameter | None, value: str | None
) -> tuple[float, float] | None:
    """``LO,HI`` -> (LO, HI): finite, 0 <= LO < HI (the signal strength is physical from 0)."""
    if value is None:
        return None
    parts = value.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lower, upper = (float(p) for p in parts)
    except ValueError:
        raise click.BadParameter(f"must be LO,HI (two numbers), got {value!r}") from None
    if not (math.isfinite(lower) and math.isfinite(upper)):
        raise click.BadParameter(f"must be finite, got {value!r}")
    if lower < 0:
        raise click.BadParameter(f"LO must be >= 0 (a signal strength), got {lower:g}")
    if not lower < upper:
        raise click.BadParameter(f"LO must be below HI, got {value!r}")
    return lower, upper


def poi_bounds_option(
    help_text: str = "Bounds of the signal normfactor (the POI) to use as given [default: the "
    "workspace's, widened up to 1000x when a limit lies beyond them].",
):
    """``--poi-bounds LO,HI``: bounds of the parameter of interest (the signal normfactor)."""
    return click.option(
        "--poi-bounds", default=None, metavar="LO,HI", callback=parse_poi_bounds, help=help_text
    )


#: ``--power-constraint P``: the power of a power-constrained ``pl`` limit, in (0, 1).
power_constraint_option = click.option(
    "--power-constraint",
    type=float,
    default=None,
    callback=lambda ctx, param, value: None if value is None else _level(ctx, param, value),
    metavar="P",
    help="pl only: do not report a limit below the expected limit at power P in (0, 1) "
    "(0.16: the -1 sigma expected limit, 0.5: the median); both values are reported.",
)


def require_pl(method: str, power_constraint: float | None) -> None:
    """A power constraint applies to ``--method pl`` only."""
    if power_constraint is not None and method != "pl":
        raise click.BadParameter(
            f"applies to --method pl only, not {method}", param_hint="--power-constraint"
        )


def _scheduler(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from xhf.exceptions import InvalidParameterError
    from xhf.infer.execution import resolve_scheduler

    if value is not None:
        try:
            resolve_scheduler(value)
        except InvalidParameterError:
            raise click.BadParameter(
                f"{value!r} is not synchronous, threads, processes or tcp://HOST:PORT"
            ) from None
    return value


def scheduler_options(what: str):
    """``--scheduler`` and ``--jobs N`` (an alias of ``processes`` with N workers)."""

    def decorate(func):
        func = click.option(
            "--jobs",
            type=click.IntRange(min=1),
            default=None,
            help="Alias of --scheduler processes with N local workers (1: synchronous).",
        )(func)
        return click.option(
            "--scheduler",
            default=None,
            callback=_scheduler,
            metavar="{synchronous,threads,processes,tcp://HOST:PORT}",
            help=f"Dask scheduler that runs {what}; results do not depend on it "
            "[default: $XHF_SCHEDULER, else processes on every core].",
        )(func)

    return decorate


def toy_options(func):
    """``--calculator {asymptotics,toybased}``, ``--ntoys N`` and ``--seed S``."""
    func = click.option(
        "--seed",
        type=click.IntRange(0, 2**32 - 1),
        default=0,
        show_default=True,
        help="Seed of the toys (0 to 2^32 - 1).",
    )(func)
    func = click.option(
        "--ntoys",
        type=click.IntRange(min=10),
        default=1000,
        show_default=True,
        help="Toys per hypothesis and tested value.",
    )(func)
    return click.option(
        "--calculator",
        type=click.Choice(["asymptotics", "toybased"]),
        default="asymptotics",
        show_default=True,
        help="Calculator of the CLs or pl p-values (toybased: batched pseudo-experiments).",
    )(func)
