"""Templates stage: the :class:`TemplateSet` data model, its file formats and the replica."""

from xhf.templates.templateset import Channel, Sample, Signal, TemplateSet, Variation

__all__ = ["Channel", "Sample", "Signal", "TemplateSet", "Variation"]


def __dir__() -> list[str]:
    return __all__
