"""Templates stage: the :class:`TemplateSet` data model, its file formats and the signal
conventions every detector shares (:mod:`xhf.templates.signals`)."""

from xhf.templates.io import (
    RootHistogram,
    check_same_binning,
    read_csv,
    read_npz,
    read_root,
    read_root_histogram,
    read_templates,
    write_csv,
    write_npz,
    write_root,
    write_templates,
)
from xhf.templates.templateset import (
    MAX_EVENTS,
    Channel,
    Sample,
    Signal,
    TemplateSet,
    Variation,
)

__all__ = [
    "MAX_EVENTS",
    "Channel",
    "RootHistogram",
    "Sample",
    "Signal",
    "TemplateSet",
    "Variation",
    "check_same_binning",
    "read_csv",
    "read_npz",
    "read_root",
    "read_root_histogram",
    "read_templates",
    "write_csv",
    "write_npz",
    "write_root",
    "write_templates",
]


def __dir__() -> list[str]:
    return __all__
