"""The HEPData submission: tables, figures and likelihoods written with hepdata_lib, validated.

:func:`build_submission` returns every file of the submission (``submission.yaml``, one YAML
file per table, the figures and thumbnails, one HistFactory archive per analysis and the main
job's ``results.json``); :func:`write_submission` writes them to ``DIR/submission/`` and
``DIR/submission.tar.gz`` (what one uploads), validates both with hepdata-validator and moves
the directory into place atomically (an existing ``DIR`` is replaced only with ``force``).

Deterministic: hepdata_lib's YAML has no timestamps, and the archives are written by
:mod:`xhf.publish.archive` (fixed mtimes and order) instead of hepdata_lib's ``tarfile`` call,
so the same inputs give the same bytes.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from xhf import __version__
from xhf.exceptions import InvalidInputError, XhfError
from xhf.jsonio import atomic_directory
from xhf.publish.archive import tar_gz
from xhf.publish.assemble import submission_tables
from xhf.publish.compat import import_publish, quiet_hepdata
from xhf.publish.figures import figure_resources, match_figures
from xhf.publish.hs3_resource import hs3_archive, hs3_archive_name
from xhf.publish.inputs import AnalysisInput, Results
from xhf.publish.likelihood import archive_name, likelihood_archive
from xhf.publish.publication import Publication
from xhf.publish.tables import hepdata_lib

__all__ = [
    "SUBMISSION_ARCHIVE",
    "SUBMISSION_DIR",
    "InvalidSubmissionError",
    "build_submission",
    "validate_submission",
    "write_submission",
]


def __dir__() -> list[str]:
    return __all__


#: Inside the output directory: the submission's files and the archive to upload.
SUBMISSION_DIR = "submission"
SUBMISSION_ARCHIVE = "submission.tar.gz"
_CC0 = {"name": "CC0", "url": "https://creativecommons.org/publicdomain/zero/1.0/"}
_TITLES = {
    "magnetic_moment": "neutrino magnetic moment",
    "millicharge": "neutrino millicharge",
    "dark_photon": "B-L dark photon",
}


class InvalidSubmissionError(XhfError, ValueError):
    """hepdata-validator rejected the submission (the message gives its first complaint)."""


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    """hepdata_lib's ``create_files`` writes ``submission.tar.gz`` into the current directory."""
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def _comment(hepdata: str | None, pub: Publication) -> str:
    record = f" HEPData/INSPIRE record: {hepdata}." if hepdata else ""
    return f"{pub.comment} Made with xhf {__version__}.{record}"


def _hs3_description(item: AnalysisInput, pub: Publication) -> str:
    meta = item.main[1]
    what = (
        "one HS3 file per mass, the interference and pure parts tied exactly "
        "(mu_pure = mu_interference**2)"
        if not item.power_law
        else "the workspace as one HS3 file"
    )
    return pub.with_note(
        f"HS3 likelihood of the {_TITLES.get(item.analysis, item.analysis)} analysis "
        f"({meta['measurement']}): {what}, for ROOT >= 6.30 and pyhs3; the same likelihood as "
        "the pyhf resource."
    )


def _archive_description(item: AnalysisInput, pub: Publication) -> str:
    meta = item.main[1]
    if item.power_law:
        files = "BkgOnly.json and a one-patch patchset.json (the signal at the reference value)"
    else:
        files = (
            "BkgOnly.json, patchset.json (one patch per (mass, coupling) point, exact excess) "
            "and components_patchset.json (interference and pure parts per mass)"
        )
    return pub.with_note(
        f"pyhf likelihood of the {_TITLES.get(item.analysis, item.analysis)} analysis "
        f"({meta['measurement']}): {files}, xhf sidecars with units, README with the pyhf "
        "commands."
    )


def build_submission(
    results: Results,
    inputs: Mapping[str, AnalysisInput],
    *,
    figures_dir: str | os.PathLike[str] | None = None,
    results_json: bytes | None = None,
    hepdata: str | None = None,
    publication: Publication | None = None,
) -> dict[str, bytes]:
    """Every file of the HEPData submission, ``{file name: bytes}`` (flat, as HEPData wants).

    Args:
        results: the main job's results (:func:`xhf.publish.load_results`).
        inputs: the analyses' workspaces (:func:`xhf.publish.load_analysis_inputs`).
        figures_dir: the main job's figures (PNG files are attached; see
            :mod:`xhf.publish.figures`); None for none.
        results_json: the bytes of results.json, attached as a resource if given.
        hepdata: INSPIRE id ``insNNNNNNN`` of the record (patchsets and ``record_ids``).
        publication: what the submission says beyond the files (notes, extra tables; see
            :class:`~xhf.publish.publication.Publication`); default: real data, no notes.
    """
    from xhf.publish.figures import find_figures

    pub = publication or Publication(analyses={name: {} for name in inputs})

    lib = hepdata_lib()
    figures = find_figures(figures_dir) if figures_dir is not None else []  # checked first
    tables = submission_tables(results, inputs, pub)
    claimed, unclaimed = match_figures(figures, [key for key, _ in tables])
    with tempfile.TemporaryDirectory(prefix="xhf-publish-") as scratch_name:
        scratch = Path(scratch_name)
        staged = scratch / "staged"
        staged.mkdir()
        for name, blob in figure_resources(claimed).items():
            (staged / name).write_bytes(blob)
        submission = lib.Submission()
        submission.comment = _comment(hepdata, pub)
        if hepdata:
            submission.add_record_id(int(hepdata.removeprefix("ins")), "inspire")
        for key, table in tables:
            figure = claimed.get(key)
            if figure is not None:
                table.add_additional_resource(
                    "Image file", str(staged / figure.name), copy_file=True
                )
                table.add_additional_resource(
                    "Thumbnail image file", str(staged / f"thumb_{figure.name}"), copy_file=True
                )
            submission.add_table(table)
        for item in inputs.values():
            # the likelihood twice: pyhf (HistFactory JSON) and, beside it, HS3
            for name, blob, description, file_type in (
                (
                    archive_name(item),
                    likelihood_archive(item, hepdata=hepdata, publication=pub),
                    _archive_description(item, pub),
                    "HistFactory",
                ),
                (
                    hs3_archive_name(item),
                    hs3_archive(item, note=pub.hs3_note),
                    _hs3_description(item, pub),
                    "HS3",
                ),
            ):
                path = staged / name
                path.write_bytes(blob)
                submission.add_additional_resource(
                    description,
                    str(path),
                    copy_file=True,
                    file_type=file_type,
                    resource_license=dict(_CC0),
                )
        for figure in unclaimed:
            path = staged / figure.name
            path.write_bytes(figure.read_bytes())
            submission.add_additional_resource(
                f"Figure {figure.stem} of {pub.producer}{pub.figure_note}",
                str(path),
                copy_file=True,
            )
        if results_json is not None:
            path = staged / "results.json"
            path.write_bytes(results_json)
            submission.add_additional_resource(
                f"All results of {pub.producer} (limits, exclusion curves, provenance), JSON",
                str(path),
                copy_file=True,
            )
        outdir = scratch / SUBMISSION_DIR
        with (
            _working_directory(scratch),
            contextlib.redirect_stdout(io.StringIO()),
            quiet_hepdata(),
        ):
            submission.create_files(str(outdir), validate=False)
        return {p.name: p.read_bytes() for p in sorted(outdir.iterdir()) if p.is_file()}


def validate_submission(
    directory: str | os.PathLike[str] | None = None,
    *,
    archive: str | os.PathLike[str] | None = None,
) -> None:
    """Validate a submission directory or archive with hepdata-validator.

    Raises:
        InvalidSubmissionError: naming the file and the validator's first message.
    """
    module = import_publish("hepdata_validator.full_submission_validator")
    with quiet_hepdata():
        validator = module.FullSubmissionValidator()
        if archive is not None:
            valid = validator.validate(archive=str(archive))
        else:
            valid = validator.validate(directory=str(directory))
    if valid:
        return
    for file_name, messages in validator.get_messages().items():
        for message in messages:
            text = str(getattr(message, "message", message)).splitlines()[0]
            raise InvalidSubmissionError(
                f"{archive or directory}: hepdata-validator: {Path(file_name).name}: {text}"
            )
    raise InvalidSubmissionError(f"{archive or directory}: hepdata-validator rejected it")


def write_submission(
    files: Mapping[str, bytes],
    output: str | os.PathLike[str],
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write ``output/submission/`` and ``output/submission.tar.gz``, validated, atomically.

    Everything is written into a temporary sibling of ``output`` and validated there; only
    then is it renamed into place. An existing ``output`` is an error unless ``force``, in
    which case it is replaced as a whole; never when it is (or holds) one of ``inputs``.

    Returns:
        The output directory.
    """
    output = Path(output)
    with atomic_directory(output, force=force, inputs=inputs) as staging:
        directory = staging / SUBMISSION_DIR
        directory.mkdir()
        for name, blob in files.items():
            if "/" in name or name in ("", ".", ".."):
                raise InvalidInputError(f"submission file name {name!r} must be a plain name")
            (directory / name).write_bytes(blob)
        archive = staging / SUBMISSION_ARCHIVE
        archive.write_bytes(tar_gz(files))
        validate_submission(directory)
        validate_submission(archive=archive)
    return output
