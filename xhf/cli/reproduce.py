"""``xhf reproduce``: the main job, every result of XMASS-I on the replica, both methods."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from xhf.cli.options import cl_option, method_option, scheduler_options

__all__ = ["reproduce", "shipped_templates"]


def __dir__() -> list[str]:
    return __all__


def shipped_templates() -> Path | None:
    """The shipped replica (``templates/xmass1_replica`` beside the package), if present."""
    path = Path(__file__).resolve().parents[2] / "templates" / "xmass1_replica"
    return path if (path / "templates.json").is_file() else None


def _masses(text: str | None) -> tuple[float, ...] | None:
    if text is None:
        return None
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a comma list of masses", param_hint="--masses-mev"
        ) from None
    if not values or any(not v > 0 for v in values):
        raise click.BadParameter("masses must be positive", param_hint="--masses-mev")
    return values


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Output directory.",
)
@click.option(
    "--templates",
    "templates_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Template set to use (CSV directory, .root or .npz) [default: the shipped replica].",
)
@click.option(
    "--regenerate", is_flag=True, help="Rebuild the replica templates instead of reading them."
)
@method_option("Limit methods (repeatable).", multiple=True)
@cl_option
@click.option(
    "--masses-mev",
    default=None,
    help="Dark-photon masses to scan, comma separated [default: the whole grid].",
)
@scheduler_options("the dark-photon masses")
@click.option("--force", is_flag=True, help="Replace an existing output directory.")
def reproduce(
    outdir, templates_path, regenerate, methods, cl, masses_mev, scheduler, jobs, force
) -> None:
    """Run the whole XMASS-I analysis on the replica: results.json, summary.md, figures.

    Builds the magnetic-moment, millicharge and dark-photon workspaces from the replica
    templates, computes every limit of the paper with the paper's chi2 method and with pyhf's
    CLs (expected bands on Asimov data, "observed" on the Poisson pseudo-data) and draws the
    paper's figures. The replica's data are pseudo-data, never XMASS-I data. The masses of the
    dark-photon curve are tasks on the Dask --scheduler; the outputs do not depend on it.

    \b
    Examples:
      xhf reproduce                       # -> results/
      xhf reproduce -o quick --masses-mev 0.001,10 --method chi2
      xhf reproduce --scheduler synchronous   # the masses in this process
    """
    from tqdm import tqdm

    from xhf.infer.execution import resolve_scheduler
    from xhf.interrupts import reached
    from xhf.jsonio import check_outputs
    from xhf.reproduce import ReproduceOptions, write_reproduction
    from xhf.reproduce import reproduce as run

    sources = [templates_path or (None if regenerate else shipped_templates())]
    check_outputs([outdir], force=force, inputs=sources, directory=True)
    masses = _masses(masses_mev)
    where = resolve_scheduler(scheduler, jobs)
    start = time.perf_counter()
    templates = None
    if not (regenerate or (templates_path is None and shipped_templates() is None)):
        from xhf.templates import read_templates

        # read and validated before any output, progress bar included: a bad file is one line
        templates = read_templates(templates_path or shipped_templates())
    steps = 3 + 3 * len(methods) + 1
    bar = tqdm(total=steps, desc="reproduce", unit="step", file=sys.stderr, leave=False)
    try:
        if templates is None:
            from xhf.replica import build_replica

            bar.set_postfix_str("building the replica")
            reached("replica")
            templates = build_replica()
        bar.update(1)

        def step(label: str) -> None:
            bar.set_postfix_str(label)
            bar.update(1)
            reached(label)

        options = ReproduceOptions(
            methods=tuple(dict.fromkeys(methods)),
            cl=cl,
            masses_mev=masses,
            scheduler=where,
            progress=False,
        )
        result = run(templates, options, step=step)
        bar.set_postfix_str("figures")
        reached("figures")
        files = write_reproduction(outdir, result, templates, force=force, inputs=sources)
        bar.update(1)
    finally:
        bar.close()
    elapsed = time.perf_counter() - start
    for line in _summary_lines(result.results):
        click.echo(line)
    click.echo(
        f"wrote {len(files)} files to {outdir}/ (results.json, summary.md, figures/) "
        f"in {elapsed:.0f} s"
    )


def _summary_lines(results: dict) -> list[str]:
    lines = [
        f"{'analysis':16s} {'flavor':6s} {'mass [MeV]':>10s} {'method':6s} "
        f"{'expected':>10s} {'pseudo-data':>11s} {'paper':>9s}"
    ]
    for e in results["limits"]:
        mass = "-" if e["mass_mev"] is None else f"{e['mass_mev']:g}"
        paper = "-" if e["paper"] is None else f"{e['paper']:.3g}"
        lines.append(
            f"{e['analysis']:16s} {e['flavor']:6s} {mass:>10s} {e['method']:6s} "
            f"{e['expected']:10.3g} {e['observed']:11.3g} {paper:>9s}  {e['unit']}"
        )
    return lines
