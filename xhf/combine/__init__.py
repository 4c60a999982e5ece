"""Combine stage: other experiments as experiment cards, several experiments in one likelihood.

- :func:`read_card`, :func:`load_card`: an experiment described by its published tables (YAML
  card: target, exposure, window, data, background, efficiency, resolution) -> a
  :class:`~xhf.templates.TemplateSet` with the same physics and detector folding as XMASS-I's
  (Phys. Lett. B 809 (2020) 135741, Eqs. 2-3); tables are taken as published
  (:mod:`xhf.combine.published`: columns by name, bin centres, rate data, background components,
  an efficiency band);
- :func:`build_experiment_workspace`, :func:`experiment_likelihood` (a
  :class:`~xhf.workspace.likelihood.Likelihood`), :func:`experiment_products`: its pyhf workspace (or
  background-only workspace and patchsets) and sidecar, named as XMASS-I's;
- :func:`combine_workspaces`, :func:`combine_patchsets`: one joint likelihood with one POI in
  one physical parameter, shared nuisances correlated by name (:data:`SHARED_NUISANCES`).

docs/combination.md documents the card format and the naming rule.
"""

from xhf.combine.card import Card, read_card
from xhf.combine.experiment import (
    build_experiment_workspace,
    experiment_likelihood,
    experiment_products,
    load_card,
)
from xhf.combine.files import combination_products, read_likelihood
from xhf.combine.naming import SHARED_NUISANCES
from xhf.combine.patchsets import combine_patchsets
from xhf.combine.resolution import LinearResolution
from xhf.combine.workspaces import combine_workspaces
from xhf.workspace.likelihood import Likelihood

__all__ = [
    "SHARED_NUISANCES",
    "Card",
    "Likelihood",
    "LinearResolution",
    "build_experiment_workspace",
    "combination_products",
    "combine_patchsets",
    "combine_workspaces",
    "experiment_likelihood",
    "experiment_products",
    "load_card",
    "read_card",
    "read_likelihood",
]


def __dir__() -> list[str]:
    return __all__
