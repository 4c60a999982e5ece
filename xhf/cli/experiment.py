"""``xhf experiment``: an experiment card as a pyhf workspace named as XMASS-I's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from xhf.cli.options import poi_bounds_option
from xhf.physics import FLAVOR_CHOICES
from xhf.physics.fluxes import FLUX_MODELS

__all__ = ["experiment", "model_options", "parse_list"]


def __dir__() -> list[str]:
    return __all__


_MODELS = ("magnetic-moment", "millicharge", "dark-photon")


def parse_list(ctx: click.Context, param: click.Parameter, value: str | None) -> list[float] | None:
    """``"1e-3,1,10"`` -> positive floats (click callback)."""
    if value is None:
        return None
    try:
        values = [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma list of numbers") from None
    if not values or any(not (v > 0 and v != float("inf")) for v in values):
        raise click.BadParameter(f"values must be positive and finite, got {value!r}")
    return values


def model_options(*, required: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The model options shared by ``xhf experiment`` and ``xhf combine`` (for cards)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        options = [
            click.option(
                "--model",
                type=click.Choice(_MODELS),
                required=required,
                help="Signal model."
                + ("" if required else " [default: the model of the workspaces given]"),
            ),
            click.option(
                "--mass-mev",
                callback=parse_list,
                help="Dark-photon masses in MeV, comma separated [default: the replica's grid, "
                "1e-3 to 1e3 MeV, 7 per decade; or the workspaces' masses].",
            ),
            click.option(
                "--couplings",
                callback=parse_list,
                help="Dark photon: couplings of the grid patchset (exact excess), comma "
                "separated [default: no grid patchset; or the workspaces' grid].",
            ),
            click.option(
                "--flavor",
                type=click.Choice(FLAVOR_CHOICES),
                default=None,
                help="Flavours that carry the interaction [default: all].",
            ),
            click.option(
                "--atomic",
                default=None,
                help="Atomic model: fea, epa or a CSV energy_kev,ratio_to_fea "
                "[default: epa for the millicharge, fea otherwise].",
            ),
            click.option(
                "--fluxes",
                type=click.Choice(FLUX_MODELS),
                default=None,
                help="Solar model [default: shp11-gs98, as XMASS-I].",
            ),
            click.option(
                "--oscillations",
                type=click.Choice(["fixed", "msw"]),
                default=None,
                help="Flavour content: XMASS-I's fixed 54/23/23 % or MSW P_ee(E) [default: fixed].",
            ),
            click.option(
                "--data",
                default=None,
                help="Dataset of the card used as observations (asimov: the background "
                "expectation) [default: the card's].",
            ),
        ]
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def card_options(**values: Any) -> dict[str, Any]:
    """The given (not None) model options as keyword arguments of the card builders."""
    out = {k: v for k, v in values.items() if v is not None}
    if "mass_mev" in out and out.get("model", "dark-photon") != "dark-photon":
        raise click.BadParameter("is a dark-photon option", param_hint="--mass-mev")
    out.pop("model", None)
    return out


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("card", type=click.Path(dir_okay=False, path_type=Path))
@model_options(required=True)
@click.option(
    "--reference",
    type=float,
    default=None,
    help="Parameter value of the templates (mu_nu in mu_B, delta in e, g_BL) [default: the "
    "replica's: 1e-10, 5e-12, and per dark-photon mass 1e-6 sqrt(1 + (M/0.1 MeV)^2)].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Workspace file (.json); for the dark photon the background-only workspace, with the "
    "patchsets beside it [default: <name>_<analysis>.json or <name>_<analysis>_BkgOnly.json].",
)
@poi_bounds_option(
    "Bounds of the signal normfactor written into the workspace [default: the builder's "
    "rule, a few times the expected +2 sigma limit]."
)
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
def experiment(
    card: Path,
    model: str,
    mass_mev,
    couplings,
    flavor,
    atomic,
    fluxes,
    oscillations,
    data,
    reference,
    output: Path | None,
    poi_bounds,
    force: bool,
) -> None:
    """Build the pyhf workspace of the experiment card CARD (docs/combination.md).

    The card's background, data, efficiency, resolution, threshold and exposure with the
    signal of --model computed by xhf's physics: the same builder, names and sidecar as the
    XMASS-I workspaces, so `xhf limit` and `xhf combine` read the output. Nothing is written
    if anything fails; existing files are kept unless --force is given. Prints the files
    written.

    \b
    Example:
      xhf experiment examples/xenon_tpc/card.yml --model magnetic-moment -o tpc_mm.json
      xhf experiment examples/germanium/card.yml --model dark-photon --mass-mev 1e-3,10
      xhf experiment examples/xenon_tpc/card.yml --model millicharge --poi-bounds 0,50
    """
    from xhf.combine import experiment_products
    from xhf.workspace.products import write_products

    if reference is not None and not reference > 0:
        raise click.BadParameter(f"must be positive, got {reference}", param_hint="--reference")
    options = card_options(
        model=model,
        mass_mev=mass_mev,
        flavor=flavor,
        atomic=atomic,
        fluxes=fluxes,
        oscillations=oscillations,
        reference=reference,
    )
    if couplings is not None and model != "dark-photon":
        raise click.BadParameter("is a dark-photon option", param_hint="--couplings")
    from xhf.interrupts import reached
    from xhf.jsonio import check_outputs

    if output is not None:
        check_outputs([output], force=force, inputs=[card])
    reached("build")
    products = experiment_products(
        card, model, output, data=data, couplings=couplings, poi_bounds=poi_bounds, **options
    )
    for path in write_products(products, force=force, inputs=[card]):
        click.echo(str(path))
