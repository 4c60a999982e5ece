"""The XMASS-I-like replica: everything specific to XMASS-I (Phys. Lett. B 809 (2020) 135741).

No XMASS-I Monte Carlo or data is public, so xhf ships a replica built from published numbers
(``templates/README.md``). It sits above the generic stages (physics ... publish, combine),
which never import it; ``xhf.reproduce`` and the CLI pass its pieces in:

- :mod:`~xhf.replica.settings`: every knob with its source; :mod:`~xhf.replica.ledger`: the
  calibration ledger;
- :mod:`~xhf.replica.backgrounds`, :mod:`~xhf.replica.response`, :mod:`~xhf.replica.signals`,
  :mod:`~xhf.replica.build`: the TemplateSet (:func:`build_replica`, ``xhf templates``);
- :mod:`~xhf.replica.configs`: the shipped build configs (``workspaces/configs/``);
- :mod:`~xhf.replica.paper`: the paper's limits;
- :mod:`~xhf.replica.publication`: what ``xhf publish`` says about the replica's record.
"""

from xhf.replica.build import CHANNELS, PSEUDO_DATA_LABELS, build_replica
from xhf.replica.settings import ReplicaSettings

__all__ = ["CHANNELS", "PSEUDO_DATA_LABELS", "ReplicaSettings", "build_replica"]


def __dir__() -> list[str]:
    return __all__
