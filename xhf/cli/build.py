"""``xhf build``: pyhf workspaces (and patchsets) with sidecars from a YAML config."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["build"]


def __dir__() -> list[str]:
    return __all__


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Workspace file (.json); for multi-part signals the background-only workspace, "
    "with the patchsets beside it. [default: <measurement>.json or "
    "<measurement>_BkgOnly.json in the current directory]",
)
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
def build(config: Path, output: Path | None, force: bool) -> None:
    """Build pyhf workspaces from the analysis config CONFIG (docs/config.md).

    A power-law signal (magnetic moment, millicharge) gives one workspace; multi-part signals
    (dark photon) give a background-only workspace, a patchset over the coupling grid and a
    patchset of interference/pure components. Every file gets a <name>.meta.json sidecar
    with its digest and physical meaning. Nothing is written if anything fails, and existing
    files are kept unless --force is given. Prints the files written.

    \b
    Example:
      xhf build analysis.yml -o workspaces/xmass1_magnetic_moment.json
      pyhf inspect workspaces/xmass1_magnetic_moment.json
    """
    from xhf.interrupts import reached
    from xhf.jsonio import check_outputs
    from xhf.workspace.config import load_config
    from xhf.workspace.products import build_likelihood, default_output

    if output is not None:
        check_outputs([output], force=force, inputs=[config])
    loaded = load_config(config)
    reached("build")
    output = output or default_output(loaded)
    likelihood = build_likelihood(loaded, output)
    for path in likelihood.save(output, force=force, inputs=[config]):
        click.echo(str(path))
