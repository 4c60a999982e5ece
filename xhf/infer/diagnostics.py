"""Fit diagnostics with cabinetry: pulls, data/model plots, yield tables, nuisance ranking.

cabinetry (scikit-hep) works on any pyhf model: :func:`diagnostics` runs its maximum-likelihood
fit on an :class:`~xhf.infer.loading.Analysis`, draws the post-fit pulls of the constrained
nuisances (the p_j, q_k, r_l of XMASS-I's Eq. 7, Phys. Lett. B 809 (2020) 135741; the per-bin
staterror gammas are left out of the plot), the pre- and post-fit data/model spectra, writes
the yield tables and, on request, the ranking of the nuisances by their impact on the POI (two
extra fits per parameter: slow on a 100-parameter model). A signal whose parts must be tied
(the dark photon) cannot be fitted freely by cabinetry; it is fitted background-only.

Files are produced in a temporary directory and moved into place one by one; nothing is
overwritten without ``force``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from xhf.exceptions import InvalidInputError, OutputExistsError, XhfError
from xhf.infer.exceptions import FitNotConvergedError
from xhf.infer.loading import Analysis
from xhf.jsonio import dumps

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
        FitNotConvergedError: the fit failed or gave a negative post-fit yield; a directory
            ``outdir`` created for the run is removed again.
    """
    import matplotlib

    matplotlib.use("Agg")
    cabinetry = _cabinetry()
    outdir = Path(outdir)
    expected = [outdir / name for name in OUTPUTS]
    expected += [
        outdir / f"{ch}_{when}.pdf"
        for ch in analysis.model.config.channels
        for when in ("prefit", "postfit")
    ]
    existing = [t for t in expected if t.exists()]
    if existing and not force:
        raise OutputExistsError(f"{existing[0]}: exists; use --force to overwrite")
    created = not outdir.exists()
    outdir.mkdir(parents=True, exist_ok=True)
    try:
        return _run(cabinetry, analysis, outdir, ranking=ranking, force=force)
    except XhfError:
        _remove_if_empty(outdir, created)
        raise
    except ValueError as exc:  # cabinetry: "Minimization failed", a negative post-fit yield
        _remove_if_empty(outdir, created)
        raise FitNotConvergedError(
            f"{analysis.source}: the diagnostics fit failed ({' '.join(str(exc).split())})"
        ) from None
    except BaseException:
        _remove_if_empty(outdir, created)
        raise


def _remove_if_empty(outdir: Path, created: bool) -> None:
    """A failed run leaves no directory it created."""
    if created and outdir.is_dir() and not any(outdir.iterdir()):
        outdir.rmdir()


def _run(cabinetry: Any, analysis: Analysis, outdir: Path, *, ranking: bool, force: bool):
    """The fit, plots and tables of :func:`diagnostics` into an existing ``outdir``; a fit
    that fails raises cabinetry's ``ValueError``."""
    model, data = analysis.model, analysis.data.tolist()
    fix = list(model.config.suggested_fixed())
    init = list(model.config.suggested_init())
    background_only = analysis.poi_map.tied_parts
    if background_only:
        for i in analysis.poi_map.indices:
            fix[i], init[i] = True, 0.0
    with tempfile.TemporaryDirectory(dir=outdir, prefix=".diagnostics.") as tmp:
        work = Path(tmp)
        fit = cabinetry.fit.fit(model, data, init_pars=init, fix_pars=fix)
        gammas = [label for label in fit.labels if label.startswith("staterror")]
        cabinetry.visualize.pulls(fit, figure_folder=work, exclude=gammas, close_figure=True)
        pre = cabinetry.model_utils.prediction(model)
        post = cabinetry.model_utils.prediction(model, fit_results=fit)
        for prediction in (pre, post):
            cabinetry.visualize.data_mc(prediction, data, figure_folder=work, close_figure=True)
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
            if background_only:
                raise InvalidInputError(
                    f"{analysis.source}: no ranking for a tied signal (fitted background-only)"
                )
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
        targets = [outdir / p.relative_to(work) for p in produced]
        existing = [t for t in targets if t.exists()]
        if existing and not force:
            raise OutputExistsError(f"{existing[0]}: exists; use --force to overwrite")
        for src, dest in zip(produced, targets, strict=True):
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dest)
    return targets
