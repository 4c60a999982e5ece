"""``xhf publish``: the HEPData submission with the full likelihood (hepdata_lib, validated)."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["publish"]


def __dir__() -> list[str]:
    return __all__


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("hepdata"),
    show_default=True,
    help="Output directory: submission/ (the files) and submission.tar.gz (to upload).",
)
@click.option(
    "--results",
    type=click.Path(path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Output directory of `xhf reproduce` (results.json, figures/*.png).",
)
@click.option(
    "--workspaces",
    type=click.Path(path_type=Path),
    default=Path("workspaces"),
    show_default=True,
    help="Directory of the workspaces, patchsets and their .meta.json sidecars.",
)
@click.option(
    "--hepdata-id",
    default=None,
    metavar="insNNNNNNN",
    help="INSPIRE id of the record: written into every patchset (references.hepdata) and the "
    "submission's record_ids. [default: ins0000000, not assigned]",
)
@click.option("--force", is_flag=True, help="Replace an existing output directory.")
def publish(
    output: Path, results: Path, workspaces: Path, hepdata_id: str | None, force: bool
) -> None:
    """Make the HEPData submission of the replica's results and likelihoods.

    Tables (with units, qualifiers and keywords; every one states that the observations are
    pseudo-data of the XMASS-I-like replica, not XMASS-I data): the magnetic-moment,
    millicharge (all flavours and per flavour) and dark-photon limits; the dark-photon
    exclusion curve with expected bands; per analysis the binned pseudo-data, background
    model and signal at the limit; the signal efficiency (vs reconstructed energy) and the
    detection probability (vs true recoil energy). The figures of `xhf reproduce` are
    attached to their tables, and the likelihood of each analysis is a HistFactory resource
    (BkgOnly.json + patchset.json + README, deterministic tar.gz) and, beside it, an HS3
    resource (the same likelihood as HS3 JSON; the dark photon per mass with its parts tied
    exactly). The result is validated
    with hepdata-validator before it is moved into place; an existing output is kept unless
    --force is given. Refused (one line, exit 2): a symbolic link inside --results or
    --workspaces, a figure that is not the PNG or PDF its name says, a limit that is not
    positive or not in its model's unit, a CL outside (0, 1), two different values for one
    limit (docs/publishing.md).

    \b
    Example:
      xhf reproduce -o results
      xhf publish -o hepdata --results results --workspaces workspaces --hepdata-id ins1234567
      hepdata-validate -a hepdata/submission.tar.gz
    """
    from xhf.publish import publish as make_submission
    from xhf.replica.publication import replica_publication

    out = make_submission(
        output,
        results=results,
        workspaces=workspaces,
        publication=replica_publication(),
        hepdata=hepdata_id,
        force=force,
    )
    files = sorted(p.name for p in (out / "submission").iterdir())
    archives = [name for name in files if name.endswith(("_likelihood.tar.gz", "_hs3.tar.gz"))]
    tables = [name for name in files if name.endswith(".yaml") and name != "submission.yaml"]
    pyhf_count = sum(name.endswith("_likelihood.tar.gz") for name in archives)
    click.echo(f"wrote {out / 'submission.tar.gz'} (validated with hepdata-validator)")
    click.echo(
        f"wrote {out / 'submission'}/: {len(tables)} tables, {pyhf_count} likelihoods "
        f"(pyhf and HS3)"
    )
    for name in archives:
        click.echo(f"  {name}")
