"""``xhf scan``: limits over a parameter grid (``xhf scan dark-photon``: g vs mass)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click

from xhf.cli.options import (
    cl_option,
    method_option,
    power_constraint_option,
    require_pl,
    scheduler_options,
    toy_options,
)

__all__ = ["dark_photon", "scan"]


def __dir__() -> list[str]:
    return __all__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def scan() -> None:
    """Limits over a grid of model parameters.

    \b
    Example:
      xhf scan dark-photon workspaces/xmass1_dark_photon_BkgOnly.json \\
          --patchset workspaces/xmass1_dark_photon_components_patchset.json -o results/dp
    """


@scan.command("dark-photon", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("workspace", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--patchset",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Components patchset (one patch per mass); its sidecar gives the parts.",
)
@method_option("Limit method.")
@cl_option
@power_constraint_option
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results/dark_photon_scan"),
    show_default=True,
    help="Output directory.",
)
@toy_options
@scheduler_options("the masses")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar [default: when stderr is a terminal].",
)
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
def dark_photon(
    workspace,
    patchset,
    method,
    cl,
    power_constraint,
    outdir,
    calculator,
    ntoys,
    seed,
    scheduler,
    jobs,
    progress,
    force,
) -> None:
    """Limit on the B-L coupling g vs the dark-photon mass, with expected bands.

    For every mass of the components patchset the interference and pure parts are tied
    (mu_interference = s, mu_pure = s^2, s = (g/g_ref)^2) and the limit on g found by root
    finding. Writes OUTDIR/dark_photon_limits.json and OUTDIR/dark_photon_limits.csv
    (deterministic bytes) and prints the table.

    A mass whose fits fail (or whose limit lies beyond the POI's bound) gets no number: it is
    written with null limits and its error (CSV: empty values, status "failed"), a warning
    line names it on stderr, the other masses are written, and the command exits with code 2.
    A mass whose task fails twice (it raised, or its worker died twice) is reported the same
    way.

    Each mass is one task on the Dask --scheduler (the workspace is sent to every worker once);
    the files are byte-identical whatever runs them. --calculator toybased fits batches of toys
    per mass (the same --seed at every mass).

    \b
    Example:
      xhf scan dark-photon workspaces/xmass1_dark_photon_BkgOnly.json \\
          --patchset workspaces/xmass1_dark_photon_components_patchset.json -o results/dp
      xhf scan dark-photon ... --method pl --power-constraint 0.16 -o results/dp_pl
      xhf scan dark-photon ... --calculator toybased --ntoys 5000 --scheduler tcp://host:8786
    """
    from xhf.infer.dark_photon import FailedPoint, curve_csv, curve_document, exclusion_curve
    from xhf.infer.exceptions import IncompleteScanError
    from xhf.infer.execution import resolve_scheduler
    from xhf.infer.loading import read_sidecar
    from xhf.interrupts import reached
    from xhf.jsonio import atomic_outputs, check_outputs, dumps
    from xhf.jsonread import read_json

    require_pl(method, power_constraint)
    targets = [outdir / "dark_photon_limits.json", outdir / "dark_photon_limits.csv"]
    check_outputs(targets, force=force, inputs=(workspace, patchset))
    if progress is None:
        progress = sys.stderr.isatty()
    for path in (workspace, patchset):
        if not path.is_file():
            from xhf.exceptions import MissingFileError

            raise MissingFileError(f"{path}: no such file")
    ws_doc, ps_doc = read_json(workspace), read_json(patchset)
    for path, doc in ((workspace, ws_doc), (patchset, ps_doc)):
        if not isinstance(doc, dict):
            from xhf.exceptions import InvalidInputError

            raise InvalidInputError(f"{path}: must be a JSON object")
    read_sidecar(workspace, ws_doc)  # if there is one, it must describe the workspace
    meta = read_sidecar(patchset, ps_doc, workspace=ws_doc)
    if meta is None:
        from xhf.exceptions import InvalidInputError

        raise InvalidInputError(f"{patchset}: its sidecar {patchset.stem}.meta.json is missing")
    where = resolve_scheduler(scheduler, jobs)
    reached("scan")
    results = exclusion_curve(
        ws_doc,
        ps_doc,
        meta,
        method=method,
        cl=cl,
        source=f"{workspace.name} + {patchset.name}",
        scheduler=where,
        progress=progress,
        on_failure="record",
        power_constraint=power_constraint,
        calculator=calculator,
        ntoys=ntoys,
        seed=seed,
    )
    failed = [r for r in results if isinstance(r, FailedPoint)]
    for point in failed:
        mass = "" if point.mass_mev is None else f"mass {point.mass_mev:g} MeV "
        click.echo(f"warning: no limit at {mass}({point.patch}): {point.message}", err=True)
    if len(failed) == len(results):
        raise IncompleteScanError(
            f"no mass of the scan has a limit (nothing written); first: {failed[0].message}"
        )
    document = curve_document(
        results, source={"workspace": workspace.name, "patchset": patchset.name}
    )
    with atomic_outputs(force=force, inputs=(workspace, patchset)) as out:
        out.add(targets[0], dumps(document))
        out.add(targets[1], curve_csv(results))
    first = next(r for r in results if not isinstance(r, FailedPoint))
    unit = f" [{first.unit}]" if first.unit else ""
    click.echo(f"# {method} {100 * cl:g}% CL upper limits on {first.parameter}{unit}")
    click.echo(
        f"# {'mass_mev':>10} {'observed':>11} {'expected':>11} {'-1sigma':>11} {'+1sigma':>11}"
    )
    for r in results:
        if isinstance(r, FailedPoint):
            click.echo(f"  {r.mass_mev or math.nan:10.4g} {'failed':>11}")
            continue
        click.echo(
            f"  {r.mass_mev:10.4g} {r.observed:11.4g} {r.expected['0']:11.4g} "
            f"{r.expected['-1']:11.4g} {r.expected['+1']:11.4g}"
        )
    click.echo(f"# wrote {targets[0]} and {targets[1]}")
    if failed:
        names = ", ".join(
            p.patch if p.mass_mev is None else f"{p.mass_mev:g} MeV" for p in failed[:5]
        )
        more = f" and {len(failed) - 5} more" if len(failed) > 5 else ""
        raise IncompleteScanError(
            f"{len(failed)} of {len(results)} masses have no limit ({names}{more}; null in "
            f"{targets[0].name}, failed in the CSV): see the warnings above"
        )
