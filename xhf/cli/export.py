"""``xhf export``: a likelihood in another serialisation (``xhf export hs3``: HS3 JSON;
``xhf export xml``: HistFactory XML + ROOT)."""

from __future__ import annotations

from pathlib import Path

import click

from xhf.exceptions import InvalidInputError, OutputExistsError

__all__ = ["export"]


def __dir__() -> list[str]:
    return __all__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def export() -> None:
    """Export a likelihood in another format (HS3, read by ROOT >= 6.30 and pyhs3).

    \b
    Example:
      xhf export hs3 workspaces/xmass1_magnetic_moment.json -o magnetic_moment.hs3.json
    """


@export.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("workspace", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--patchset",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="pyhf patchset (grid or components form) for a background-only WORKSPACE.",
)
@click.option("--patch", default=None, help="The patch of --patchset to export.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="The HS3 JSON file to write.",
)
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
def hs3(workspace: Path, patchset: Path | None, patch: str | None, output: Path, force: bool):
    """Write WORKSPACE (or one patch of a patchset) as an HS3 likelihood.

    One histfactory_dist per channel with its modifiers (pyhf's interpolation codes and
    constraints written explicitly), the observed counts, the parameter bounds and initial
    values, the likelihood and the analysis with its parameter of interest; the sidecar's
    bin edges in keV become the axes. A components patch (dark photon) is exported with the
    interference and pure parts tied exactly: mu_pure is the function mu_interference**2 of
    the one parameter s = (g/g_ref)^2. See docs/hs3.md.

    \b
    Examples:
      xhf export hs3 workspaces/xmass1_millicharge.json -o millicharge.hs3.json
      xhf export hs3 workspaces/xmass1_dark_photon_BkgOnly.json \\
          --patchset workspaces/xmass1_dark_photon_components_patchset.json \\
          --patch dark_photon_m1e_03 -o dark_photon_1kev.hs3.json
    """
    from xhf.infer import load_analysis
    from xhf.jsonio import write_json
    from xhf.publish.hs3 import analysis_to_hs3

    if output.is_dir():
        raise InvalidInputError(f"{output}: is a directory; give a file name with -o")
    if output.exists() and not force:
        raise OutputExistsError(f"{output}: exists; use --force to overwrite")
    document = analysis_to_hs3(load_analysis(workspace, patchset=patchset, patch=patch))
    write_json(output, document, force=force)
    click.echo(
        f"wrote {output} (HS3 {document['metadata']['hs3_version']}: "
        f"{len(document['distributions'])} distributions, "
        f"{len(document['domains'][0]['axes'])} parameters, POI "
        f"{', '.join(document['analyses'][0]['parameters_of_interest'])})"
    )


@export.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("workspace", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="The directory to write (FitConfig.xml, config/, data/data.root).",
)
@click.option("--force", is_flag=True, help="Replace --output if it exists.")
def xml(workspace: Path, output: Path, force: bool):
    """Write WORKSPACE as HistFactory XML + ROOT (for ROOT's hist2workspace).

    pyhf's json2xml with one fix: every channel gets
    <StatErrorConfig RelErrorThreshold="0" ConstraintType="Gaussian"/>, the staterror pyhf
    means (ROOT's default would drop the MC-statistics gammas of bins below 5 % relative
    error). Paths inside the files are relative to the output directory. See docs/hs3.md.

    \b
    Example:
      xhf export xml workspaces/xmass1_millicharge.json -o millicharge_xml
      cd millicharge_xml && hist2workspace FitConfig.xml
    """
    import pyhf

    from xhf.jsonread import read_json
    from xhf.publish.histfactory_xml import write_histfactory_xml
    from xhf.workspace.compat import quiet_pyhf

    spec = read_json(workspace)
    try:
        with quiet_pyhf():
            pyhf.Workspace(spec)
    except (pyhf.exceptions.InvalidSpecification, TypeError, KeyError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidInputError(f"{workspace}: not a pyhf workspace: {first}") from None
    if output.exists() and not force:
        raise OutputExistsError(f"{output}: exists; use --force to overwrite")
    write_histfactory_xml(spec, output, force=force)
    click.echo(f"wrote {output}/ (HistFactory XML, StatErrorConfig threshold 0, Gaussian)")
