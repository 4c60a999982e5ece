"""The paper's published results and the sensitivities they imply (the replica's anchors).

XMASS-I, Phys. Lett. B 809 (2020) 135741 (90 % CL; docs/physics.md, section 11). "Implied
expected" limits are derived from the paper's own chi2 numbers with its method
(docs/physics.md, section 10, (P20) and (P21)): the magnetic moment from the curvature
of its chi2, the dark photon at 1 keV likewise; for the millicharge and the 10 MeV dark photon
the best fit is null, so the published limits stand in for the sensitivity.
"""

from __future__ import annotations

__all__ = ["PAPER_EXPECTED", "PAPER_OBSERVED", "paper_value"]


def __dir__() -> list[str]:
    return __all__


#: (analysis, flavour, mass in MeV or None) -> published 90 % CL limit.
PAPER_OBSERVED: dict[tuple[str, str, float | None], float] = {
    ("magnetic_moment", "all", None): 1.8e-10,
    ("millicharge", "all", None): 5.4e-12,
    ("millicharge", "e", None): 7.3e-12,
    ("millicharge", "mu", None): 1.1e-11,
    ("millicharge", "tau", None): 1.1e-11,
    ("dark_photon", "all", 1e-3): 1.3e-6,
    ("dark_photon", "all", 10.0): 8.8e-5,
}

#: The paper-implied expected limits (docs/physics.md, section 10).
PAPER_EXPECTED: dict[tuple[str, str, float | None], float] = {
    ("magnetic_moment", "all", None): 1.35e-10,
    ("millicharge", "all", None): 5.4e-12,
    ("millicharge", "e", None): 5.4e-12 / 0.54**0.5,
    ("millicharge", "mu", None): 5.4e-12 / 0.23**0.5,
    ("millicharge", "tau", None): 5.4e-12 / 0.23**0.5,
    ("dark_photon", "all", 1e-3): 1.09e-6,
    ("dark_photon", "all", 10.0): 8.8e-5,
}


def paper_value(
    table: dict[tuple[str, str, float | None], float],
    analysis: str,
    flavor: str,
    mass_mev: float | None,
) -> float | None:
    """Look up a paper value, matching masses to 0.1 %."""
    for (a, f, m), value in table.items():
        if a == analysis and f == flavor:
            if m is None and mass_mev is None:
                return value
            if m is not None and mass_mev is not None and abs(m / mass_mev - 1.0) < 1e-3:
                return value
    return None
