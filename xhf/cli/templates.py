"""``xhf templates``: regenerate the XMASS-I-like replica template set deterministically."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["REPLICA_STEM", "templates"]


def __dir__() -> list[str]:
    return __all__


#: File stem of the shipped replica (``templates/xmass1_replica/`` and ``.root``).
REPLICA_STEM = "xmass1_replica"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("templates"),
    show_default=True,
    help="Output directory.",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(["csv", "root", "npz"]),
    multiple=True,
    default=("csv", "root"),
    show_default=True,
    help="Template formats to write (repeat the option for several).",
)
@click.option(
    "--plots/--no-plots",
    default=True,
    show_default=True,
    help="Also draw the background model (PNG and PDF).",
)
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
@click.option(
    "--ledger",
    is_flag=True,
    help="Print the calibration ledger (every replica parameter, its value and source, and the "
    "effect of the calibrated ones on the expected limits) and write nothing.",
)
def templates(
    outdir: Path, formats: tuple[str, ...], plots: bool, force: bool, ledger: bool
) -> None:
    """Regenerate the XMASS-I-like replica templates (pseudo-data, not XMASS-I data).

    Writes the template set (CSV directory and ROOT file by default) and the stacked
    background-model figures. The same version of xhf always writes the same bytes for the
    CSV/JSON files; templates/README.md documents every assumption. All files are staged and
    moved into place together at the end (with --force the CSV directory is replaced as a
    whole); an interruption or error leaves the previous files as they were.

    \b
    Example:
      xhf templates -o my_templates
      xhf templates -o templates --force      # refresh the shipped replica
      xhf templates --ledger                  # where every number of the replica comes from
    """
    if ledger:
        from xhf.replica.ledger import ledger_markdown

        click.echo(ledger_markdown(), nl=False)
        return
    from xhf.interrupts import reached
    from xhf.jsonio import atomic_outputs, check_outputs
    from xhf.replica import build_replica
    from xhf.templates import write_templates

    suffix = {"csv": "", "root": ".root", "npz": ".npz"}
    targets = [outdir / f"{REPLICA_STEM}{suffix[f]}" for f in dict.fromkeys(formats)]
    figures = [
        outdir / "figures" / f"background_model_{ch}" for ch in ("full_energy", "low_energy")
    ]
    directories = [t for t in targets if not t.suffix]
    check_outputs(directories, force=force, directory=True)
    check_outputs([t for t in targets if t.suffix], force=force)
    if plots:
        check_outputs([p.with_suffix(s) for p in figures for s in (".png", ".pdf")], force=force)
    with (
        click.progressbar(
            length=1 + len(targets) + (2 if plots else 0),
            label="replica",
            file=sys.stderr,
        ) as bar,
        atomic_outputs(force=force) as out,
    ):
        reached("replica")
        replica = build_replica()
        bar.update(1)
        reached("write")
        for target in targets:
            if target in directories:
                write_templates(replica, out.directory(target), force=True)
            else:
                out.add(target, lambda tmp: write_templates(replica, tmp, force=True))
            bar.update(1)
        if plots:
            from xhf.visualize import plot_background_model, save_figure

            reached("figures")
            for stem, channel in zip(figures, ("full_energy", "low_energy"), strict=True):
                save_figure(plot_background_model(replica, channel), stem, outputs=out)
                bar.update(1)
    for target in targets:
        click.echo(f"wrote {target}")
    if plots:
        click.echo(f"wrote {outdir / 'figures'}/background_model_*.png|pdf")
