"""The XMASS-I-like replica: templates built from published numbers (``templates/README.md``)."""

from xhf.templates.replica.build import CHANNELS, PSEUDO_DATA_LABELS, build_replica
from xhf.templates.replica.settings import ReplicaSettings

__all__ = ["CHANNELS", "PSEUDO_DATA_LABELS", "ReplicaSettings", "build_replica"]


def __dir__() -> list[str]:
    return __all__
