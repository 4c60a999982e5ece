"""Asymptotic formulae for CLs with the q-tilde test statistic, as pyhf computes them.

Cowan, Cranmer, Gross, Vitells, Eur. Phys. J. C 71 (2011) 1554 (arXiv:1007.1727), in pyhf's
conventions (``pyhf.infer.calculators.AsymptoticCalculator``, base distribution "normal"):
with ``q`` the observed q-tilde at the tested value and ``q_A`` the same on the background-only
Asimov dataset, the test statistic in ``-mu_hat/sigma`` space is

    t = sqrt(q) - sqrt(q_A)                 if sqrt(q) <= sqrt(q_A)
    t = (q - q_A) / (2 sqrt(q_A))           otherwise

and ``CLs+b = Phi(-(t + sqrt(q_A)))``, ``CLb = Phi(-t)``, ``CLs = CLs+b / CLb``. The expected
CLs for the band ``k`` (-2..+2 sigma) sets ``t = -k``, so the expected limit of band ``k`` is
where ``sqrt(q_A) = k + Phi^-1(1 - alpha Phi(k))``: all five bands follow from the single
function ``q_A(x)``, with no further fits.

The one-sided profile-likelihood limit (the convention of the xenon TPCs: Baxter et al., Eur.
Phys. J. C 81 (2021) 907) uses the same test statistic without the division by CLb: the
p-value of the signal hypothesis is ``p_s+b = Phi(-(t + sqrt(q_A)))`` (Cowan et al., Eq. 66 with
the tilde statistic), i.e. ``Phi^-1(1 - p_s+b) = sqrt(q)`` while ``q <= q_A`` and
``(q + q_A) / (2 sqrt(q_A))`` beyond. Its expected value for the band ``k`` is
``Phi(k - sqrt(q_A))``, so the expected limit of band ``k`` is where ``sqrt(q_A) = k +
Phi^-1(1 - alpha)``; a band whose target is not positive has the limit 0 (every positive value
excluded: the sensitivity problem that power-constrained limits address).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

__all__ = [
    "BANDS",
    "cls_expected",
    "cls_observed",
    "expected_sqrt_qa",
    "pl_expected_sqrt_qa",
    "pl_z",
]


def __dir__() -> list[str]:
    return __all__


#: Expected-band labels, in increasing order of the limit.
BANDS = ("-2", "-1", "0", "+1", "+2")
_K = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])


def cls_observed(q: float, q_a: float) -> float:
    """Observed CLs from q-tilde and its Asimov value (pyhf's formula).

    >>> round(cls_observed(0.0, 1.6448536**2), 4)   # q = 0 on a sensitive test
    0.5263
    """
    sq, sqa = np.sqrt(max(q, 0.0)), np.sqrt(max(q_a, 0.0))
    if sqa <= 0.0:
        return 1.0
    t = sq - sqa if sq <= sqa else (q - q_a) / (2.0 * sqa)
    # CLs+b / CLb computed in log space for stability in the far tail
    return float(np.exp(norm.logcdf(-(t + sqa)) - norm.logcdf(-t)))


def cls_expected(q_a: float) -> np.ndarray:
    """Expected CLs for the bands -2..+2 sigma (order of :data:`BANDS`).

    >>> np.round(cls_expected(1.6448536**2), 4).tolist()[2]
    0.1
    """
    sqa = np.sqrt(max(q_a, 0.0))
    return np.exp(norm.logcdf(_K - sqa) - norm.logcdf(_K))


def expected_sqrt_qa(alpha: float) -> np.ndarray:
    """The ``sqrt(q_A)`` at which each expected band's CLs equals ``alpha`` (bands -2..+2).

    >>> np.round(expected_sqrt_qa(0.1), 4).tolist()
    [0.8373, 1.1478, 1.6449, 2.3778, 3.2946]
    """
    return _K + norm.ppf(1.0 - alpha * norm.cdf(_K))


def pl_z(q: float, q_a: float) -> float:
    """``Phi^-1(1 - p_s+b)`` of the observed q-tilde: the one-sided profile-likelihood
    significance of the signal hypothesis (the limit is where it equals ``Phi^-1(cl)``).

    >>> round(pl_z(1.0, 4.0), 6), round(pl_z(9.0, 4.0), 6)
    (1.0, 3.25)
    """
    sq, sqa = np.sqrt(max(q, 0.0)), np.sqrt(max(q_a, 0.0))
    if sq <= sqa or sqa <= 0.0:
        return float(sq)
    return float((q + q_a) / (2.0 * sqa))


def pl_expected_sqrt_qa(alpha: float) -> np.ndarray:
    """The ``sqrt(q_A)`` at which each expected band's ``p_s+b`` equals ``alpha`` (-2..+2).

    >>> np.round(pl_expected_sqrt_qa(0.1), 4).tolist()
    [-0.7184, 0.2816, 1.2816, 2.2816, 3.2816]
    """
    return _K + norm.isf(alpha)
