"""The XMASS-I-like replica: templates built from published numbers (``templates/README.md``)."""

from xhf.replica.build import CHANNELS, PSEUDO_DATA_LABELS, build_replica
from xhf.replica.settings import ReplicaSettings

__all__ = ["CHANNELS", "PSEUDO_DATA_LABELS", "ReplicaSettings", "build_replica"]


def __dir__() -> list[str]:
    return __all__
