"""Workspace stage: pyhf workspaces, patchsets and sidecars from a TemplateSet or a YAML config.

XMASS-I's likelihood (Phys. Lett. B 809 (2020) 135741, Eqs. 4-7) written as HistFactory JSON
(``docs/workspace-conventions.md`` for the names, ``docs/config.md`` for the config format):

- :class:`Likelihood`: a workspace with its sidecar and patchsets, saved and read in one place
  (:mod:`xhf.workspace.likelihood`); every builder returns one;
- :func:`build_workspace`: one signal and its channel's backgrounds;
- :func:`build_background_only`, :func:`build_patchset` (exact excess on a (mass, coupling)
  grid), :func:`build_component_patchset` (interference and pure parts per mass);
- :func:`load_config`: a YAML config of ROOT histograms -> TemplateSet and build choices;
- sidecars: :class:`Sidecar` (versioned, schema-checked, bound by digests to its files;
  :func:`sidecar_document` writes one) and the paper's chi2 (:mod:`xhf.workspace.paper_chi2`).
"""

from xhf.workspace.builder import build_workspace
from xhf.workspace.likelihood import Likelihood
from xhf.workspace.metadata import (
    background_only_metadata,
    patchset_metadata,
    workspace_metadata,
)
from xhf.workspace.paper_chi2 import chi2, chi2_from_templates, chi2_from_workspace
from xhf.workspace.patchset import (
    build_background_only,
    build_component_patchset,
    build_patchset,
    patchset_poi_bounds,
)
from xhf.workspace.sidecar import Sidecar, sidecar_document

__all__ = [
    "Likelihood",
    "Sidecar",
    "background_only_metadata",
    "build_background_only",
    "build_component_patchset",
    "build_patchset",
    "build_workspace",
    "chi2",
    "chi2_from_templates",
    "chi2_from_workspace",
    "patchset_metadata",
    "patchset_poi_bounds",
    "sidecar_document",
    "workspace_metadata",
]


def __dir__() -> list[str]:
    return __all__
