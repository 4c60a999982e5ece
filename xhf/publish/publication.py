"""What a submission says about its analyses beyond their files: a :class:`Publication`.

The publish stage reads the likelihoods (workspaces, patchsets, sidecars) and the limits
(``results.json``) of any analysis. What it cannot read from them is said by the caller: which
files belong to which analysis, what the observations are (real data, or pseudo-data that must
be labelled as such on every table and resource), which paper the analysis comes from, and any
extra tables (e.g. the detector's efficiency). The defaults describe an analysis of real data
with no extra statements; the XMASS-I replica passes its own (``replica.publication``).

>>> Publication(analyses={"magnetic_moment": {"workspace": "mm.json"}}).data_word
'data'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LimitTableText", "Publication"]


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True)
class LimitTableText:
    """How the limit table of one analysis is named and described.

    Args:
        name: table name (e.g. ``Magnetic moment upper limit``).
        description: the table's description (the :attr:`Publication.table_note` follows).
        keys: its rows, ``(flavour, mass in MeV or None)``; None: every limit of the analysis
            found in ``results.json``.
    """

    name: str
    description: str
    keys: tuple[tuple[str, float | None], ...] | None = None


@dataclass(frozen=True)
class Publication:
    """The caller's statements about a submission (see the module doc).

    Args:
        analyses: analysis -> role -> file name in the workspaces directory. Roles:
            ``workspace`` (a power-law analysis: one workspace whose POI scales the signal) or
            ``background_only``, ``patchset`` and ``components`` (a signal that is not a power
            of its parameter, published as a grid; see docs/workspace-conventions.md). Every
            file needs its ``.meta.json`` sidecar.
        comment: the submission's comment (what the record is).
        data_word: what the observations are called in variable names and descriptions
            (``data``; ``pseudo-data`` for a replica).
        data_note: said in every resource description and README (e.g. that the observations
            are pseudo-data); empty for none.
        table_note: appended to every table description; empty for none.
        data_qualifier: ``(name, value)`` qualifier on every dependent variable; None for none.
        phrases: keyword phrases added to every table (e.g. ``Pseudo-data``).
        published: label and qualifiers of a column with the limits published elsewhere
            (``results.json`` ``paper``); None: a ``Published`` column only where a value
            exists.
        locations: table locations by kind (``limit``, ``curve``, ``spectrum``).
        limit_tables: analysis -> :class:`LimitTableText`; others get a generic text.
        masses_mev: masses at which grid analyses are tabulated (limits and signal at the
            limit); None: every mass of ``results.json``.
        likelihood_title: heading of a likelihood README, ``{title}`` standing for the
            analysis' title (e.g. ``neutrino magnetic moment``).
        readme_note: the first paragraph of a likelihood README (before "Made with xhf").
        hs3_note: a line of the HS3 archive's README; empty for none.
        producer: what made ``results.json`` and the figures (resource descriptions).
        figure_note: appended to the description of a figure without a table.
        extra_tables: called once, returns ``[(key, hepdata_lib Table)]`` appended to the
            tables (e.g. the detector's efficiency).
    """

    analyses: Mapping[str, Mapping[str, str]]
    comment: str = "Limits and full likelihoods (pyhf / HistFactory JSON and HS3 resources)."
    data_word: str = "data"
    data_note: str = ""
    table_note: str = ""
    data_qualifier: tuple[str, str] | None = None
    phrases: tuple[str, ...] = ()
    published: tuple[str, tuple[tuple[str, str], ...]] | None = None
    locations: Mapping[str, str] = field(default_factory=dict)
    limit_tables: Mapping[str, LimitTableText] = field(default_factory=dict)
    masses_mev: tuple[float, ...] | None = None
    likelihood_title: str = "{title}"
    readme_note: str = ""
    hs3_note: str = ""
    producer: str = "the analysis"
    figure_note: str = ""
    extra_tables: Callable[[], list[tuple[str, Any]]] | None = None

    def location(self, kind: str) -> str:
        """The location of a table of ``kind`` (``limit``, ``curve``, ``spectrum``)."""
        return self.locations.get(kind, "Results of this analysis")

    def with_note(self, text: str) -> str:
        """``text`` followed by :attr:`data_note` (if any)."""
        return f"{text} {self.data_note}" if self.data_note else text
