"""Publish stage: a HEPData submission with the full likelihood, made with hepdata_lib.

Any analysis built with xhf (workspaces with their sidecars) and its limits (a results.json)
are published for reuse (docs/publishing.md); what the submission says beyond the files (the
file names of each analysis, whether the observations are pseudo-data, the paper, extra
tables) is a :class:`Publication` given by the caller. ``xhf publish`` passes the XMASS-I
replica's (``replica_publication`` of the ``replica`` package).

- :func:`publish`: results.json + workspaces -> ``DIR/submission/`` and
  ``DIR/submission.tar.gz`` (tables with units and qualifiers, figures, one HistFactory archive
  per analysis), validated with hepdata-validator, written atomically;
- :func:`likelihood_archive` / :func:`likelihood_files`: one analysis as ``BkgOnly.json`` +
  ``patchset.json`` (+ sidecars, README, SHA256SUMS) in a deterministic tar.gz;
- :mod:`xhf.publish.reinterpret`: a new signal (e.g. a dark photon at a mass not in the grid)
  as a patch for the published background-only workspace, and its limit.
"""

from __future__ import annotations

import os
from pathlib import Path

from xhf.publish.archive import read_tar_gz, tar_gz
from xhf.publish.inputs import (
    check_hepdata_id,
    check_units,
    load_analysis_inputs,
    load_results,
    parse_results,
)
from xhf.publish.likelihood import likelihood_archive, likelihood_files, power_law_patchset
from xhf.publish.publication import LimitTableText, Publication
from xhf.publish.reinterpret import (
    components_patch,
    dark_photon_counts,
    dark_photon_limit,
    signal_patch,
)
from xhf.publish.submission import (
    InvalidSubmissionError,
    build_submission,
    validate_submission,
    write_submission,
)

__all__ = [
    "InvalidSubmissionError",
    "LimitTableText",
    "Publication",
    "build_submission",
    "check_hepdata_id",
    "check_units",
    "components_patch",
    "dark_photon_counts",
    "dark_photon_limit",
    "likelihood_archive",
    "likelihood_files",
    "load_analysis_inputs",
    "load_results",
    "parse_results",
    "power_law_patchset",
    "publish",
    "read_tar_gz",
    "signal_patch",
    "tar_gz",
    "validate_submission",
    "write_submission",
]


def __dir__() -> list[str]:
    return __all__


def publish(
    output: str | os.PathLike[str] = "hepdata",
    *,
    results: str | os.PathLike[str] = "results",
    workspaces: str | os.PathLike[str] = "workspaces",
    publication: Publication,
    hepdata: str | None = None,
    force: bool = False,
) -> Path:
    """Make, validate and write the HEPData submission; return the output directory.

    Args:
        output: output directory (``submission/`` and ``submission.tar.gz`` inside).
        results: the directory with ``results.json`` (the limits) and optionally
            ``figures/*.png`` (as ``xhf reproduce`` writes them), or the JSON file itself.
        workspaces: directory of the workspaces and patchsets with their sidecars.
        publication: the analyses' files (:attr:`Publication.analyses`) and what the
            submission says about them.
        hepdata: INSPIRE id ``insNNNNNNN`` written into the patchsets (``references.hepdata``)
            and the submission's ``record_ids``; None keeps ``ins0000000`` ("not assigned").
        force: replace an existing ``output``.

    Raises:
        MissingFileError, InvalidInputError, InvalidParameterError: bad inputs (one line).
        OutputExistsError: ``output`` exists and ``force`` is False.
        InvalidSubmissionError: hepdata-validator rejected the result.
    """
    from xhf.filenames import refuse_links
    from xhf.jsonio import check_outputs
    from xhf.publish.figures import find_figures

    hepdata = check_hepdata_id(hepdata)
    output = Path(output)
    check_outputs([output], force=force, inputs=(results, workspaces), directory=True)
    loaded = load_results(results)
    results_dir = Path(results)
    results_dir = results_dir if results_dir.is_dir() else results_dir.parent
    refuse_links(results_dir, [results_dir / "figures"])
    find_figures(results_dir / "figures")  # links, names, PNG/PDF checked before the slow part
    inputs = load_analysis_inputs(workspaces, publication.analyses)
    check_units(loaded, inputs)
    files = build_submission(
        loaded,
        inputs,
        figures_dir=results_dir / "figures",
        results_json=Path(loaded.source).read_bytes(),
        hepdata=hepdata,
        publication=publication,
    )
    return write_submission(files, output, force=force, inputs=(results, workspaces))
