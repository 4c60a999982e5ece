"""``xhf combine``: several experiments' workspaces (or cards) as one joint workspace."""

from __future__ import annotations

from pathlib import Path

import click

from xhf.cli.experiment import card_options, model_options
from xhf.cli.options import cl_option, method_option, power_constraint_option, require_pl

__all__ = ["combine"]


def __dir__() -> list[str]:
    return __all__


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Combined workspace (.json); for the dark photon the background-only workspace, with "
    "the patchsets beside it [default: combined_<analysis>.json or "
    "combined_<analysis>_BkgOnly.json].",
)
@model_options(required=False)
@click.option(
    "--reference",
    type=float,
    default=None,
    help="Common reference value of the physical parameter [default: the first input's].",
)
@click.option(
    "--correlate",
    multiple=True,
    help="A nuisance name to treat as one parameter across inputs besides the shared ones "
    "(flux_<source>, atomic_model); repeat for several. A name no input has is an error.",
)
@click.option(
    "--measurement", default=None, help="Measurement name [default: combined_<analysis>]."
)
@click.option(
    "--limit",
    "with_limit",
    is_flag=True,
    help="Also compute the joint limit, significance and interval of the combined workspace "
    "(as `xhf limit`), print it and write it beside the workspace as <name>_limit.json.",
)
@method_option("Method of --limit (pl: the xenon-TPC convention).")
@cl_option
@power_constraint_option
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
def combine(
    inputs: tuple[Path, ...],
    output: Path | None,
    model,
    mass_mev,
    couplings,
    flavor,
    atomic,
    fluxes,
    oscillations,
    data,
    reference,
    correlate,
    measurement,
    with_limit: bool,
    method: str,
    cl: float,
    power_constraint,
    force: bool,
) -> None:
    """Combine INPUTS (workspaces with their sidecars, or experiment cards) into one workspace.

    Every signal is expressed in the same physical parameter and reference (one POI), the
    shared nuisances (solar fluxes flux_<source>, atomic_model) are one parameter and
    everything else stays apart; a name found in two inputs that is not shared is an error
    (docs/combination.md). Cards are built for the model of the workspaces given, or --model.
    Background-only workspaces (dark photon) are combined with their patchsets. `xhf limit`
    reads the output. Prints the files written. With --limit the joint limit (--method pl for
    the xenon-TPC convention), its significance and interval come in the same call: computed
    before anything is written, printed as `xhf limit` prints it and written to
    <name>_limit.json (power-law models; the dark photon's masses are scanned with `xhf scan
    dark-photon` on the outputs).

    \b
    Example:
      xhf combine workspaces/xmass1_magnetic_moment.json examples/xenon_tpc/card.yml \\
          -o combined_magnetic_moment.json
      xhf combine tpc_mm.json ge_mm.json -o combined.json --force
      xhf combine workspaces/xmass1_magnetic_moment.json examples/xenon_tpc/card.yml \\
          examples/germanium/card.yml --limit --method pl --power-constraint 0.16
    """
    from xhf.combine import combination_products
    from xhf.workspace.products import write_products

    if len(inputs) < 2:
        raise click.BadParameter("give at least two inputs", param_hint="INPUTS")
    if reference is not None and not 0 < reference <= 1:
        # every physical parameter (mu_B, e, g_BL) is far below 1 (xhf.ceilings.MAX_PARAMETERS)
        raise click.BadParameter(
            f"must be positive and at most 1, got {reference}", param_hint="--reference"
        )
    options = card_options(
        model=model,
        mass_mev=mass_mev,
        flavor=flavor,
        atomic=atomic,
        fluxes=fluxes,
        oscillations=oscillations,
        data=data,
    )
    if couplings is not None:
        options["couplings"] = couplings
    from xhf.interrupts import reached
    from xhf.jsonio import check_outputs

    if output is not None:
        check_outputs([output], force=force, inputs=inputs)
    reached("build")
    products = combination_products(
        inputs,
        output,
        model=model,
        measurement=measurement,
        reference=reference,
        correlate=correlate,
        **options,
    )
    report = None
    if with_limit:
        report = _joint_limit(products, method, cl, power_constraint)
        workspace = next(iter(products))
        products[workspace.with_name(f"{workspace.stem}_limit.json")] = report.to_dict()
    for path in write_products(products, force=force, inputs=inputs):
        click.echo(str(path))
    if report is not None:
        click.echo(str(report))


def _joint_limit(products, method: str, cl: float, power_constraint):
    """The limit of the combined workspace (the first product, with its sidecar)."""
    from xhf.infer import limit as compute_limit
    from xhf.infer.loading import likelihood_analysis
    from xhf.workspace.likelihood import Likelihood

    require_pl(method, power_constraint)
    combined = Likelihood.from_products(products, next(iter(products)).name)
    if combined.background_only:
        raise click.BadParameter(
            "the dark photon's combination is one limit per mass: run `xhf scan dark-photon` "
            "on the combined workspace and its components patchset",
            param_hint="--limit",
        )
    analysis = likelihood_analysis(combined)
    return compute_limit(analysis, method=method, cl=cl, power_constraint=power_constraint)
