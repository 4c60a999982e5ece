"""Physical constants and unit conversions.

Internally xhf computes in MeV, cm and s; public rates are in events / (kg day keV).
Values: CODATA 2018 and the PDG Review of Particle Physics (R. L. Workman et al.,
PTEP 2022 083C01); docs/physics.md, section 1, lists them.

>>> round(PI_ALPHA2_OVER_ME2_CM2 / 1e-25, 4)   # the magnetic-moment prefactor (Vogel & Engel)
2.4947
"""

from __future__ import annotations

import math

__all__ = [
    "ALPHA",
    "AVOGADRO",
    "DAY_S",
    "G_FERMI_MEV2",
    "HBARC2_MEV2_CM2",
    "KEV_PER_MEV",
    "M_ELECTRON_MEV",
    "PI_ALPHA2_OVER_ME2_CM2",
    "SIN2_THETA_W_TREE",
]


def __dir__() -> list[str]:
    return __all__


#: Fermi constant G_F / (hbar c)^3 in MeV^-2 (CODATA 2018).
G_FERMI_MEV2 = 1.1663787e-11
#: Electron mass in MeV (CODATA 2018).
M_ELECTRON_MEV = 0.51099895
#: Fine-structure constant (CODATA 2018).
ALPHA = 1.0 / 137.035999084
#: (hbar c)^2 in MeV^2 cm^2, converts MeV^-2 to cm^2.
HBARC2_MEV2_CM2 = 3.8937937e-22
#: Avogadro constant in 1/mol.
AVOGADRO = 6.02214076e23
#: Seconds per day.
DAY_S = 86400.0
#: keV per MeV.
KEV_PER_MEV = 1000.0
#: sin^2(theta_W) used by the tree-level option of the SM cross section (an on-shell-like value
#: at low momentum transfer; docs/physics.md, section 5).
SIN2_THETA_W_TREE = 0.2387
#: pi alpha^2 / m_e^2 in cm^2: the magnetic-moment cross-section scale (Vogel & Engel,
#: Phys. Rev. D 39 (1989) 3378).
PI_ALPHA2_OVER_ME2_CM2 = math.pi * ALPHA**2 / M_ELECTRON_MEV**2 * HBARC2_MEV2_CM2
