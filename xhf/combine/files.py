"""The combiner's edges: likelihoods read from files or built from cards, products to write.

``xhf combine`` takes workspaces (each with its sidecar ``<name>.meta.json`` beside it and, for a
background-only workspace ``<base>_BkgOnly.json``, its patchsets ``<base>_patchset.json`` and
``<base>_components_patchset.json``) and experiment cards, built in memory for the model of the
workspaces (or of ``--model``). :func:`combination_products` returns every document to write by
path, named as ``xhf build`` names its outputs (``docs/workspace-conventions.md``);
:func:`xhf.workspace.products.write_products` writes them all or none.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from xhf.combine.experiment import experiment_likelihood
from xhf.combine.patchsets import combine_patchsets
from xhf.combine.workspaces import COMBINED_EXPERIMENT, combine_workspaces
from xhf.exceptions import InvalidInputError, InvalidParameterError, MissingFileError
from xhf.filenames import safe_file_name
from xhf.workspace.compat import check_version
from xhf.workspace.likelihood import BKG_ONLY, PATCHSET_FILES, Likelihood
from xhf.workspace.naming import format_value
from xhf.workspace.sidecar import sidecar_path
from xhf.workspace.spec_checks import (
    check_parameters_and_modifiers,
    check_patchset,
    check_workspace_size,
)

__all__ = [
    "CARD_SUFFIXES",
    "card_likelihood",
    "combination_products",
    "likelihood_from_products",
    "model_from_likelihoods",
    "read_likelihood",
]


def __dir__() -> list[str]:
    return __all__


#: File suffixes read as experiment cards (anything else is a workspace).
CARD_SUFFIXES: tuple[str, ...] = (".yml", ".yaml")


def _base(path: Path) -> str:
    return path.name.removesuffix(".json").removesuffix(BKG_ONLY)


def _check_workspace(workspace: Any, name: str) -> None:
    if not isinstance(workspace, dict) or "channels" not in workspace:
        raise InvalidInputError(f"{name}: not a pyhf workspace (no 'channels')")
    check_version(workspace, name)
    check_workspace_size(workspace, name)
    check_parameters_and_modifiers(workspace, name)


def _check_patchset(patchset: Any, name: str) -> None:
    check_version(patchset, name)
    check_patchset(patchset, name)


def read_likelihood(path: str | os.PathLike[str]) -> Likelihood:
    """A workspace file with its sidecar (and, if background-only, its patchsets beside it):
    :meth:`xhf.workspace.likelihood.Likelihood.load` with the combiner's checks.

    Raises:
        MissingFileError: the workspace or its sidecar does not exist.
        InvalidInputError: not JSON, not a workspace, or a background-only workspace without
            patchsets.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"{path}: no such file")
    likelihood = Likelihood.load(
        path,
        short=True,
        check=_check_workspace,
        check_patchset=_check_patchset,
        require_sidecar="the combiner needs the physical parameter it records",
    )
    sidecar = likelihood.sidecar or {}
    if sidecar.get("analysis") is not None:
        # the analysis names the default output, combined_<analysis>.json
        safe_file_name(sidecar["analysis"], f"{sidecar_path(path).name}: analysis")
    if likelihood.background_only and not likelihood.patchsets:
        raise InvalidInputError(
            f"{path.name}: a background-only workspace without "
            f"{_base(path)}_patchset.json or {_base(path)}_components_patchset.json beside it"
        )
    return likelihood


def likelihood_from_products(products: Mapping[Path, Any], source: str) -> Likelihood:
    """The :class:`Likelihood` of the documents ``xhf build`` / ``xhf experiment`` would write."""
    return Likelihood.from_products(products, source)


def card_likelihood(card: str | os.PathLike[str], model: str, **options: Any) -> Likelihood:
    """An experiment card built in memory for ``model`` (see
    :func:`xhf.combine.experiment.experiment_products` for the options)."""
    built = experiment_likelihood(card, model, **options)
    return dataclasses.replace(built, source=Path(card).name)


def model_from_likelihoods(likelihoods: Sequence[Likelihood]) -> tuple[str, dict[str, Any]]:
    """The model and card options that reproduce the workspaces' hypothesis.

    Model, reference, flavour, flux model and, for the dark photon, the masses and the coupling
    grid (so that a card's patches land on the same points). Raises if there is no workspace.
    """
    if not likelihoods:
        raise InvalidParameterError("cards need --model when no workspace is given")
    lk = likelihoods[0]
    if lk.background_only:
        form = "grid" if "grid" in lk.patchsets else next(iter(lk.patchsets))
        signal = lk.signal(lk.patchsets[form][1])
    else:
        signal = lk.signal()
    model = signal.get("model")
    if model not in ("magnetic-moment", "millicharge", "dark-photon"):
        raise InvalidParameterError(
            f"{lk.source}: the sidecar's model is {model!r}; give --model for the cards"
        )
    options: dict[str, Any] = {}
    for key in ("flavor", "fluxes"):
        if signal.get(key) is not None:
            options[key] = signal[key]
    if model == "dark-photon":
        masses = signal.get("mass_mev")
        options["mass_mev"] = masses if isinstance(masses, list) else [masses]
        if "grid" in lk.patchsets:
            grid: dict[str, list[float]] = {}
            for values in lk.patchsets["grid"][1].get("patches", {}).values():
                grid.setdefault(f"dark_photon_m{format_value(values[0])}", []).append(values[1])
            options["couplings"] = grid
    else:
        options["reference"] = float(signal["reference"])
    return str(model), options


def _outputs(output: Path, background_only: bool) -> dict[str, Path]:
    if output.suffix != ".json":
        raise InvalidParameterError(f"{output}: the output must be a .json file")
    if not background_only:
        return {"workspace": output}
    base = _base(output)
    out = {"workspace": output.with_name(base + BKG_ONLY + ".json")}
    out.update({form: output.with_name(base + suffix) for form, suffix in PATCHSET_FILES.items()})
    return out


def _default_output(stem: str, first: Path) -> Path:
    """``combined_<stem>.json``: the analysis name comes from the first input, so it must be a
    safe file name (:func:`xhf.filenames.safe_file_name`)."""
    return Path(safe_file_name(f"{COMBINED_EXPERIMENT}_{stem}.json", f"{first}: analysis"))


def combination_products(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str] | None = None,
    *,
    model: str | None = None,
    measurement: str | None = None,
    reference: float | None = None,
    correlate: Iterable[str] = (),
    **options: Any,
) -> dict[Path, Any]:
    """Every document ``xhf combine`` writes, by path.

    Args:
        inputs: workspace files (with sidecars, and patchsets for background-only ones) and
            experiment cards (``.yml``/``.yaml``), two or more.
        output: the combined workspace (or background-only workspace) path; default
            ``combined_<analysis>.json`` (``combined_<analysis>_BkgOnly.json``).
        model: the model of the cards (default: that of the first workspace).
        measurement: name of the combined measurement.
        reference: common reference value of the parameter (power-law signals).
        correlate: further nuisance names to treat as one parameter.
        **options: model options of the cards (overriding those taken from the workspaces).
    """
    paths = [Path(p) for p in inputs]
    read = {p: read_likelihood(p) for p in paths if p.suffix.lower() not in CARD_SUFFIXES}
    cards = [p for p in paths if p.suffix.lower() in CARD_SUFFIXES]
    if cards:
        inferred_model, inferred = (
            model_from_likelihoods(list(read.values())) if read else (model, {})
        )
        card_model = model or inferred_model
        if card_model is None:
            raise InvalidParameterError("cards need --model when no workspace is given")
        if model is not None and model != inferred_model:
            inferred = {}
        card_options = {**inferred, **{k: v for k, v in options.items() if v is not None}}
        if card_model != "dark-photon":
            card_options.pop("couplings", None)
        for path in cards:
            read[path] = card_likelihood(path, card_model, **card_options)
    likelihoods = [read[p] for p in paths]
    background_only = [lk.background_only for lk in likelihoods]
    if any(background_only) and not all(background_only):
        raise InvalidInputError(
            "mix of background-only workspaces (dark photon) and workspaces with a signal"
        )
    if all(background_only):
        combined = combine_patchsets(likelihoods, measurement=measurement, correlate=correlate)
        analysis = combined.sidecar["analysis"]
        default = _default_output(f"{analysis}{BKG_ONLY}", paths[0])
        names = _outputs(Path(output) if output else default, True)
        return combined.products(names["workspace"])
    combined = combine_workspaces(
        likelihoods, measurement=measurement, reference=reference, correlate=correlate
    )
    default = _default_output(str(combined.sidecar["analysis"]), paths[0])
    target = _outputs(Path(output) if output else default, False)["workspace"]
    return combined.products(target)
