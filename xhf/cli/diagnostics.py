"""``xhf diagnostics``: cabinetry fit diagnostics of a workspace (pulls, plots, tables)."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["diagnostics"]


def __dir__() -> list[str]:
    return __all__


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("workspace", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--patch", default=None, help="Patch to apply (with --patchset).")
@click.option(
    "--patchset",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="pyhf patchset.",
)
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results/diagnostics"),
    show_default=True,
    help="Output directory.",
)
@click.option(
    "--ranking", is_flag=True, help="Also rank the nuisances by impact on the POI (slow)."
)
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
def diagnostics(workspace, patch, patchset, outdir, ranking, force) -> None:
    """Post-fit pulls, data/model plots and yield tables of WORKSPACE, with cabinetry.

    Writes fit_results.json, pulls.pdf, <channel>_prefit.pdf, <channel>_postfit.pdf and yield
    tables (and ranking.pdf with --ranking) into OUTPUT.

    \b
    Example:
      xhf diagnostics workspaces/xmass1_magnetic_moment.json -o results/mm_diagnostics
    """
    from xhf.infer.diagnostics import diagnostics as run
    from xhf.infer.loading import load_analysis

    analysis = load_analysis(workspace, patchset=patchset, patch=patch)
    written = run(analysis, outdir, ranking=ranking, force=force)
    for path in written:
        click.echo(str(path))
