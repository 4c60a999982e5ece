"""``xhf limit``: an upper limit in physical units from a workspace (or a patch)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xhf.cli.options import (
    cl_option,
    method_option,
    poi_bounds_option,
    power_constraint_option,
    require_pl,
    scheduler_options,
    toy_options,
)
from xhf.jsonio import check_outputs, dumps, write_json

__all__ = ["limit"]


def __dir__() -> list[str]:
    return __all__


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("workspace", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--patch", default=None, help="Patch to apply (from --patchset or a sibling patchset)."
)
@click.option(
    "--patchset",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="pyhf patchset (grid or components form) for a background-only WORKSPACE.",
)
@method_option(
    "pyhf CLs (q-tilde, the LHC convention), the one-sided profile-likelihood limit (pl, the "
    "xenon-TPC convention) or the paper's chi2 with a flat prior (Eq. 4)."
)
@cl_option
@power_constraint_option
@poi_bounds_option()
@toy_options
@scheduler_options("the batches of toys")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar for toys [default: when stderr is a terminal].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the JSON result to this file.",
)
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
def limit(
    workspace,
    patch,
    patchset,
    method,
    cl,
    power_constraint,
    poi_bounds,
    calculator,
    ntoys,
    seed,
    scheduler,
    jobs,
    progress,
    as_json,
    output,
    force,
) -> None:
    """Upper limit on the signal parameter of WORKSPACE, in physical units.

    The sidecar <name>.meta.json turns the POI into the physical parameter
    (mu_nu = mu_ref sqrt(mu), ...); millicharge results add the single-flavour limits. A
    components patch (dark photon) is a one-parameter profile in the coupling g with the
    interference and pure parts tied. Every method also reports the best fit, the local
    significance Z = sqrt(q0) and the two-sided profile-likelihood interval at --cl. A limit
    beyond the POI's upper bound widens the bound (up to 1000x) and is redone, unless
    --poi-bounds fixes it. --json prints {"parameter", "unit", "method", "cl", "observed",
    "expected": {"-2", "-1", "0", "+1", "+2"}, "best_fit", "significance", "interval": {"cl",
    "lower", "upper"}, ...}.

    \b
    Examples:
      xhf limit workspaces/xmass1_magnetic_moment.json
      xhf limit workspaces/xmass1_millicharge.json --method chi2 --json
      xhf limit workspaces/xmass1_magnetic_moment.json --method pl --power-constraint 0.16
      xhf limit workspaces/xmass1_dark_photon_BkgOnly.json \\
          --patchset workspaces/xmass1_dark_photon_components_patchset.json \\
          --patch dark_photon_m1e_03
      xhf limit ws.json --calculator toybased --ntoys 2000 --seed 7
      xhf limit ws.json --calculator toybased --ntoys 10000 --scheduler tcp://10.0.0.5:8786
    """
    from xhf.infer import limit as compute_limit
    from xhf.infer import load_analysis
    from xhf.infer.execution import Scheduler, resolve_scheduler

    if output is not None:
        check_outputs([output], force=force, inputs=(workspace, patchset))
    require_pl(method, power_constraint)
    if progress is None:
        progress = sys.stderr.isatty()
    analysis = load_analysis(workspace, patchset=patchset, patch=patch)
    where = (
        resolve_scheduler(scheduler, jobs) if calculator == "toybased" else Scheduler("synchronous")
    )
    result = compute_limit(
        analysis,
        method=method,
        cl=cl,
        calculator=calculator,
        ntoys=ntoys,
        seed=seed,
        progress=progress,
        power_constraint=power_constraint,
        poi_bounds=poi_bounds,
        scheduler=where,
    )
    document = result.to_dict()
    if output is not None:
        write_json(output, document, force=force, inputs=(workspace, patchset))
    if as_json:
        click.echo(dumps(document), nl=False)
    else:
        click.echo(str(result))
        if analysis.signal.model is None and not analysis.meta:
            click.echo(
                f"# no sidecar {workspace.stem}.meta.json: the limit is on the normfactor "
                f"{result.poi!r} itself (a plain pyhf workspace), not in physical units"
            )
