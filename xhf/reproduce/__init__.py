"""The main job: the whole XMASS-I analysis (PLB 809 (2020) 135741) on the replica."""

from xhf.reproduce.outputs import summary_markdown, write_reproduction
from xhf.reproduce.run import ReproduceOptions, Reproduction, replica_workspaces, reproduce

__all__ = [
    "ReproduceOptions",
    "Reproduction",
    "replica_workspaces",
    "reproduce",
    "summary_markdown",
    "write_reproduction",
]


def __dir__() -> list[str]:
    return __all__
