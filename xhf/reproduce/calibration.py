"""How far the replica's calibrated parameters move the headline expected limits.

The ledger of the replica (:mod:`xhf.replica.ledger`) records, for each calibrated parameter,
how much the four expected limits of the paper's chi2 method (XMASS-I, Phys. Lett. B 809 (2020)
135741, Eq. 4) move when the parameter spans its plausible range. Measuring that needs the
whole analysis, so it lives here, above the replica, and a slow test compares the measurement
with the recorded :data:`~xhf.replica.ledger.CALIBRATION_EFFECTS`.
"""

from __future__ import annotations

from xhf.replica.build import build_replica
from xhf.replica.ledger import CALIBRATED, LIMITS
from xhf.replica.settings import ReplicaSettings
from xhf.reproduce.run import ReproduceOptions, reproduce

__all__ = ["expected_limits", "measure_calibration_effects"]


def __dir__() -> list[str]:
    return __all__


def expected_limits(settings: ReplicaSettings) -> tuple[float, ...]:
    """The four expected limits of :data:`~xhf.replica.ledger.LIMITS` (paper's chi2 method,
    Asimov data, 90 % CL) of the replica built with ``settings``."""
    options = ReproduceOptions(methods=("chi2",), masses_mev=(1e-3, 10.0), progress=False)
    doc = reproduce(build_replica(settings), options).results
    found = {
        (e["analysis"], e["mass_mev"]): e["expected"] for e in doc["limits"] if e["flavor"] == "all"
    }
    return tuple(float(found[(a, m)]) for a, m, _ in LIMITS)


def measure_calibration_effects(
    settings: ReplicaSettings | None = None,
) -> dict[str, tuple[tuple[float, float], ...]]:
    """Recompute :data:`~xhf.replica.ledger.CALIBRATION_EFFECTS` (per cent, rounded to 0.1)."""
    s = settings or ReplicaSettings()
    nominal = expected_limits(s)
    out = {}
    for cal in CALIBRATED:
        ends = [expected_limits(cal.set(s, v)) for v in cal.plausible]
        out[cal.parameter] = tuple(
            tuple(round(100.0 * (end[i] / nominal[i] - 1.0), 1) + 0.0 for end in ends)
            for i in range(len(LIMITS))
        )
    return out
