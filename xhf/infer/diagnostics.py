"""Fit diagnostics with cabinetry: pulls, data/model plots, yield tables, nuisance ranking.

cabinetry (scikit-hep) works on any pyhf model: :func:`diagnostics` runs its maximum-likelihood
fit on an :class:`~xhf.infer.loading.Analysis`, draws the post-fit pulls of the constrained
nuisances (the p_j, q_k, r_l of XMASS-I's Eq. 7, Phys. Lett. B 809 (2020) 135741; the per-bin
staterror gammas are left out of the plot), the pre- and post-fit data/model spectra, writes
the yield tables and, on request, the ranking of the nuisances by their impact on the POI (two
extra fits per parameter: slow on a 100-parameter model). The spectra are drawn against
reconstructed energy in keV when the sidecar has the bin edges (``bin_edges_kev``), else
against the bin index. A signal whose parts must be tied (the dark photon) cannot be fitted
freely by cabinetry; it is fitted background-only, and a ranking of it is refused before any
fit (there is no free POI whose impact could be ranked).

Files are produced in a temporary directory, then staged and moved into place together
(:func:`xhf.jsonio.atomic_outputs`); nothing is overwritten without ``force``. Channel names
become file names, so each must pass :func:`xhf.filenames.safe_file_name` and every output is
checked to stay inside ``outdir``; a fit that fails (cabinetry's MIGRAD finds no valid
minimum) is an error, and an output directory made for the run is removed again.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from xhf.exceptions import InvalidInputError, XhfError
from xhf.filenames import confined, safe_file_name
from xhf.infer.fitter import _first_line, _pyhf_failures_not_logged
from xhf.infer.loading import Analysis
from xhf.jsonio import atomic_outputs, check_outputs, dumps
from xhf.workspace.metadata import sidecar_bin_edges

__all__ = ["OUTPUTS", "diagnostics"]


def __dir__() -> list[str]:
    return __all__


#: Files written (besides the per-channel data/model figures and yield tables).
OUTPUTS = ("fit_results.json", "pulls.pdf")


def _cabinetry():
    try:
        import cabinetry
    except ImportError:
        raise InvalidInputError(
            "diagnostics need cabinetry: pip install 'xhf[diagnostics]'"
        ) from None
    return cabinetry


def diagnostics(
    analysis: Analysis,
    outdir: str | os.PathLike[str],
    *,
    ranking: bool = False,
    force: bool = False,
) -> list[Path]:
    """Run cabinetry's fit diagnostics and write them to ``outdir``.

    Args:
        analysis: model and data (:func:`xhf.infer.load_analysis`).
        outdir: output directory (created).
        ranking: also compute and draw the nuisance-parameter ranking (slow).
        force: overwrite existing files.

    Returns:
        The files written.

    Raises:
        OutputExistsError: an output exists and ``force`` is not set.
        InvalidInputError: a channel name that cannot be a file name, or a fit that does not
            converge (nothing is left behind).
    """
    import matplotlib

    matplotlib.use("Agg")
    if ranking and analysis.poi_map.tied_parts:
        parts = ", ".join(analysis.poi_map.names)
        raise InvalidInputError(
            f"{analysis.source}: --ranking: the signal's parts ({parts}) are tied (one "
            "parameter, mu_pure = mu_interference**2), which cabinetry cannot fit, so the fit "
            "is background-only and has no POI to rank against; rank a grid patch instead"
        )
    cabinetry = _cabinetry()
    outdir = Path(outdir)
    channels = [
        safe_file_name(ch, f"{analysis.source}: channel name").replace(" ", "-")
        for ch in analysis.model.config.channels
    ]
    names = [*OUTPUTS, *(f"{ch}_{when}.pdf" for ch in channels for when in ("prefit", "postfit"))]
    expected = [confined(outdir, name, f"{analysis.source}: output") for name in names]
    check_outputs(expected, force=force)
    made = None  # the topmost directory this run creates, removed again if it fails
    for directory in (outdir, *outdir.parents):
        if directory.exists():
            break
        made = directory
    outdir.mkdir(parents=True, exist_ok=True)
    try:
        return _run(cabinetry, analysis, outdir, ranking=ranking, force=force)
    except BaseException as exc:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
        if isinstance(exc, ValueError) and not isinstance(exc, XhfError):
            # cabinetry after the fit: e.g. a negative post-fit yield in a bin
            raise InvalidInputError(
                f"{analysis.source}: fit: the diagnostics fit failed ({' '.join(str(exc).split())})"
            ) from None
        raise


@contextlib.contextmanager
def _minuit_output_discarded() -> Iterator[None]:
    """cabinetry fits with Minuit at print level 1, and Minuit2 then prints its warnings ("W
    MnHesse 2nd derivative zero ...") to standard output -- through Python's ``sys.stdout``
    or, depending on the build, from C++ to file descriptor 1: both are pointed at a scratch
    sink for the duration."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with tempfile.TemporaryFile() as sink, contextlib.redirect_stdout(io.StringIO()):
            os.dup2(sink.fileno(), 1)
            try:
                yield
            finally:
                os.dup2(saved, 1)
    finally:
        os.close(saved)


@contextlib.contextmanager
def _fit_failures(source: str, field: str) -> Iterator[None]:
    """A fit that fails is one line: cabinetry raises ``ValueError("Minimization failed,
    minimum is invalid.")``, pyhf ``FailedMinimization`` (e.g. for a parameter the likelihood
    does not depend on); neither pyhf's log of it nor Minuit's warnings reach the terminal,
    and pyhf's optimizer is the caller's again afterwards."""
    import pyhf

    backend, optimizer = pyhf.get_backend()
    try:
        with _pyhf_failures_not_logged(), _minuit_output_discarded():
            yield
    except (ValueError, pyhf.exceptions.FailedMinimization) as exc:
        raise InvalidInputError(
            f"{source}: {field}: the maximum-likelihood fit did not converge ({_first_line(exc)})"
        ) from None
    finally:  # cabinetry sets a verbose Minuit and restores it only when the fit succeeds
        pyhf.set_backend(backend, optimizer)


def _binning(analysis: Analysis) -> dict[str, Any] | None:
    """A minimal cabinetry config with each channel's bin edges in keV (from the sidecar), or
    None (bin index) when a channel has none."""
    regions = []
    config = analysis.model.config
    for channel in config.channels:
        nbins = config.channel_nbins[channel]
        edges = sidecar_bin_edges(analysis.meta, channel, nbins, analysis.source)
        if edges is None:
            return None
        regions.append(
            {"Name": channel, "Binning": edges, "Variable": "reconstructed energy [keV]"}
        )
    return {"Regions": regions}


def _run(cabinetry, analysis: Analysis, outdir: Path, *, ranking: bool, force: bool) -> list[Path]:
    model, data = analysis.model, analysis.data.tolist()
    fix = list(model.config.suggested_fixed())
    init = list(model.config.suggested_init())
    background_only = analysis.poi_map.tied_parts
    if background_only:
        for i in analysis.poi_map.indices:
            fix[i], init[i] = True, 0.0
    with tempfile.TemporaryDirectory(dir=outdir, prefix=".diagnostics.") as tmp:
        work = Path(tmp)
        with _fit_failures(analysis.source, "fit"):
            fit = cabinetry.fit.fit(model, data, init_pars=init, fix_pars=fix)
        stat = {name for name, kind in model.config.modifiers if kind == "staterror"}
        gammas = [label for label in fit.labels if label.split("[")[0] in stat]
        cabinetry.visualize.pulls(fit, figure_folder=work, exclude=gammas, close_figure=True)
        pre = cabinetry.model_utils.prediction(model)
        post = cabinetry.model_utils.prediction(model, fit_results=fit)
        for prediction in (pre, post):
            cabinetry.visualize.data_mc(
                prediction, data, config=_binning(analysis), figure_folder=work, close_figure=True
            )
            cabinetry.tabulate.yields(
                prediction,
                data,
                per_bin=True,
                per_channel=True,
                table_folder=work,
                save_tables=True,
            )
        summary: dict[str, Any] = {
            "background_only": background_only,
            "best_twice_nll": float(fit.best_twice_nll),
            "parameters": {
                label: {"bestfit": float(b), "uncertainty": float(u)}
                for label, b, u in zip(fit.labels, fit.bestfit, fit.uncertainty, strict=True)
            },
            "poi": analysis.poi_map.names[0],
            "source": analysis.source,
        }
        if ranking:
            with _fit_failures(analysis.source, "ranking"):
                ranked = cabinetry.fit.ranking(model, data, fit_results=fit)
            cabinetry.visualize.ranking(ranked, figure_folder=work, close_figure=True)
            summary["ranking"] = {
                label: {"postfit_up": float(u), "postfit_down": float(d)}
                for label, u, d in zip(
                    ranked.labels, ranked.postfit_up, ranked.postfit_down, strict=True
                )
            }
        (work / "fit_results.json").write_text(dumps(summary))
        produced = sorted(p for p in work.rglob("*") if p.is_file())
        targets = [
            confined(outdir, str(p.relative_to(work)), f"{analysis.source}: output")
            for p in produced
        ]
        with atomic_outputs(force=force) as out:
            for src, dest in zip(produced, targets, strict=True):
                out.add(dest, lambda tmp, src=src: os.replace(src, tmp))
    return targets
