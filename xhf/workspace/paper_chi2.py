"""XMASS-I's chi2 (Phys. Lett. B 809 (2020) 135741, Eqs. 4-7), from templates or a workspace.

    chi2 = sum_i (D_i - B_i - alpha S_i)^2 / (D_i + sigma^2(B_stat)_i + alpha^2 sigma^2(S_stat)_i)
           + sum_j (1 - p_j)^2 / sigma^2(B_RI)_j + sum_k q_k^2 + sum_l r_l^2          (Eqs. 4, 7)
    B_i = sum_j p_j (B_ij + sum_k q_k sigma(B_sys)_ijk),  S_i = S0_i + sum_l r_l sigma(S_sys)_il

The paper puts the Monte Carlo statistics in a Neyman denominator where pyhf has one staterror
gamma per bin: on a pyhf model the gammas stay at 1 and the errors come from the staterror data.

- :class:`PaperChi2` is the one evaluator of Eqs. 4-7 on a pyhf model: the denominator, the
  signal samples (those carrying the signal normfactors) and the pulls of Eq. 7, around
  expected yields that the caller supplies. The builder's check (:func:`chi2_from_workspace`,
  pyhf's yields) and the paper's limit method (:class:`xhf.infer.chi2.NeymanChi2`, closed-form
  yields, profiled) both evaluate it, so they agree at every parameter point.
- A normsys parameter theta gives the factor p = code4(theta), and its pull is the paper's
  (1 - p)^2 / sigma^2 in that p (not theta^2: the two agree only at theta = 0, +-1;
  docs/inference.md says why this is the paper's form); a histosys parameter is q itself
  (pull q^2).
- :func:`chi2_from_templates` is an independent evaluation in the paper's own parameters
  (alpha, p_j, q_k, r_l) straight from the templates, with variations applied piecewise
  linearly (q sigma(B_sys) with the up or the down template) and flat systematics as factors
  1 + r (hi - 1) (or 1 + r (1 - lo) for r < 0). It equals :func:`chi2_from_workspace` wherever
  pyhf's interpolation is the paper's linear one -- symmetric variations (code4p is then linear
  in q) -- once the paper's p_j is mapped to p = code4(theta), as the tests do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xhf.exceptions import InvalidInputError, InvalidParameterError
from xhf.templates.templateset import Sample, TemplateSet
from xhf.workspace.compat import quiet_pyhf
from xhf.workspace.interpolation import code4, code4_coefficients
from xhf.workspace.metadata import INTERPOLATION
from xhf.workspace.naming import POI

__all__ = [
    "PaperChi2",
    "chi2",
    "chi2_from_templates",
    "chi2_from_workspace",
    "is_signal_normfactor",
    "residuals",
]


def __dir__() -> list[str]:
    return __all__


def residuals(data: ArrayLike, expected: ArrayLike, stat_variance: ArrayLike):
    """The bins of Eq. 4 as residuals: ((D_i - nu_i) / sqrt(den_i), sqrt(den_i)).

    den_i = D_i + sigma^2(B_stat)_i + alpha^2 sigma^2(S_stat)_i; the sum of the squared
    residuals is the first term of Eq. 4 (least-squares fits minimise it in this form).

    Raises:
        InvalidInputError: a denominator is not positive (Eq. 4 is undefined there).
    """
    data = np.asarray(data, dtype=float)
    denominator = data + np.asarray(stat_variance, dtype=float)
    if np.any(denominator <= 0):
        bad = int(np.argmax(denominator <= 0))
        raise InvalidInputError(f"bin {bad}: D + sigma^2 is not positive; Eq. 4 is undefined")
    root = np.sqrt(denominator)
    return (data - np.asarray(expected, dtype=float)) / root, root


def chi2(
    data: ArrayLike, expected: ArrayLike, stat_variance: ArrayLike, pull: float = 0.0
) -> float:
    """Eq. 4: the Neyman chi2 of ``data`` against ``expected`` plus the pull terms of Eq. 7.

    Args:
        data: observed counts D_i.
        expected: B_i + alpha S_i.
        stat_variance: sigma^2(B_stat)_i + alpha^2 sigma^2(S_stat)_i (events^2).
        pull: the constraint terms of Eq. 7.

    >>> round(chi2([10.0, 20.0], [12.0, 20.0], [2.0, 0.0]), 12)  # (10 - 12)^2 / (10 + 2)
    0.333333333333
    """
    r, _ = residuals(data, expected, stat_variance)
    return float(r @ r + pull)


def _flat(factor: tuple[float, float], r: float) -> float:
    hi, lo = factor
    return 1.0 + r * (hi - 1.0) if r >= 0 else 1.0 + r * (1.0 - lo)


def _shifted(sample: Sample, shifts: Mapping[str, float], used: set[str]) -> NDArray[np.float64]:
    nominal = np.asarray(sample.yields, dtype=float)
    out = nominal.copy()
    for var in sample.variations:
        q = float(shifts.get(var.name, 0.0))
        used.add(var.name)
        out += (
            q * (np.asarray(var.up) - nominal) if q >= 0 else q * (nominal - np.asarray(var.down))
        )
    for name, factor in sample.norm_variations.items():
        used.add(name)
        out *= _flat(factor, float(shifts.get(name, 0.0)))
    return out


def _scale(p: float, sigma: float | None, free: bool, name: str) -> float:
    if free:
        return 0.0
    if sigma:
        return (1.0 - p) ** 2 / sigma**2
    if p != 1.0:
        raise InvalidParameterError(f"{name!r} has a fixed normalisation; p must be 1")
    return 0.0


def chi2_from_templates(
    templates: TemplateSet,
    signal: str,
    *,
    data: str,
    alpha: float | Sequence[float] = 1.0,
    norms: Mapping[str, float] | None = None,
    shifts: Mapping[str, float] | None = None,
) -> float:
    """Eqs. 4-7 straight from the templates, in the paper's parameters.

    Args:
        templates: the TemplateSet.
        signal: name of the signal (its channel is the fit region).
        data: dataset label (D_i).
        alpha: the signal scale (one per part for multi-part signals).
        norms: p_j by background sample name (default 1); ``"signal"`` scales the signal when
            its parts carry a ``norm_uncertainty``.
        shifts: q_k, r_l by variation name (histosys and flat systematics; default 0).
    """
    norms = dict(norms or {})
    shifts = dict(shifts or {})
    sig = templates.signal(signal)
    channel = templates.channel(sig.channel)
    alphas = [float(alpha)] if np.ndim(alpha) == 0 else [float(a) for a in alpha]
    if len(alphas) != len(sig.parts):
        raise InvalidParameterError(
            f"signal {signal!r} has {len(sig.parts)} parts; give one alpha each"
        )
    used: set[str] = set()
    expected = np.zeros(channel.n_bins)
    variance = np.zeros(channel.n_bins)
    pull = 0.0
    for sample in channel.backgrounds:
        p = float(norms.pop(sample.name, 1.0))
        pull += _scale(p, sample.norm_uncertainty, sample.free, sample.name)
        expected += p * _shifted(sample, shifts, used)
        if sample.stat_error is not None:
            variance += np.asarray(sample.stat_error, dtype=float) ** 2
    p_signal = float(norms.pop("signal", 1.0))
    sigmas = {p.norm_uncertainty for p in sig.parts if p.norm_uncertainty}
    pull += _scale(p_signal, max(sigmas) if sigmas else None, False, "signal")
    for a, part in zip(alphas, sig.parts, strict=True):
        factor = p_signal if part.norm_uncertainty else 1.0
        expected += a * factor * _shifted(part, shifts, used)
        if part.stat_error is not None:
            variance += a**2 * np.asarray(part.stat_error, dtype=float) ** 2
    if norms:
        raise InvalidParameterError(f"unknown samples in norms: {sorted(norms)}")
    unknown = set(shifts) - used
    if unknown:
        raise InvalidParameterError(f"unknown systematics in shifts: {sorted(unknown)}")
    pull += sum(float(shifts.get(name, 0.0)) ** 2 for name in used)
    return chi2(channel.data[data], expected, variance, pull)


def is_signal_normfactor(name: str) -> bool:
    """Signal scales by the naming convention (:func:`xhf.workspace.naming.part_names`):
    ``mu`` and ``mu_<part>``."""
    return name == POI or name.startswith(f"{POI}_")


class PaperChi2:
    """Eqs. 4-7 on a pyhf model: the one evaluator of the paper's chi2.

    The expected yields nu_i = B_i + alpha S_i come from the caller (pyhf's model, or the
    closed-form :class:`xhf.infer.compiled.CompiledModel` of the limit method); this class adds
    what Eq. 4 puts around them, read from the model's specification:

    - the denominator D_i + sigma^2(B_stat)_i + sum_s f_s^2 sigma^2(S_stat)_si, with the Monte
      Carlo variances from each sample's staterror inputs; a signal sample (one that carries a
      normfactor of ``signal_normfactors``) scales its variance by the square of the product
      f_s of those normfactors, the alpha^2 of Eq. 4; background variances stay nominal, as in
      the paper. The staterror gammas are not parameters of Eq. 4: callers keep them at 1
      (:attr:`staterror`);
    - the pulls of Eq. 7, one residual per Gaussian-constrained parameter. A normsys parameter
      theta scales its sample(s) by p = code4(theta) (pyhf's interpolation,
      :mod:`xhf.workspace.interpolation`) and its pull is the paper's ``(p - p0) / sigma`` in
      that p, with sigma = hi - 1 above p0 and 1 - lo below, and p0 = code4(aux) (1 for the
      observed auxiliary data, the fitted value on Asimov data); every other constrained
      parameter (histosys q_k, r_l; lumi) has ``(theta - aux) / width``. A normsys name with
      different (hi, lo) on different samples has no single p: it gets the pull in theta.

    Args:
        model: a pyhf model (its ``spec`` and ``config``).
        signal_normfactors: the normfactors that scale the signal (the POI and tied parts).

    Raises:
        InvalidInputError: a signal normfactor is not in the model.
        InvalidParameterError: the model has a modifier that is not in Eqs. 4-7.
    """

    def __init__(self, model: Any, signal_normfactors: Sequence[str]):
        config = model.config
        names = tuple(signal_normfactors)
        missing = [n for n in names if n not in config.par_order]
        if missing:
            raise InvalidInputError(f"signal normfactor(s) {missing} are not in the model")
        self.npars = int(config.npars)
        self.nmain = int(config.nmaindata)
        self.signal_normfactors = names
        kinds: dict[str, set[str]] = {}
        factors: dict[str, set[tuple[float, float]]] = {}
        background = np.zeros(self.nmain)
        signal_variance, signal_scales = [], []
        for channel in model.spec["channels"]:
            bins = config.channel_slices[channel["name"]]
            for sample in channel["samples"]:
                variance = np.zeros(self.nmain)
                scales = []
                for mod in sample["modifiers"]:
                    kind, name = mod["type"], mod["name"]
                    if kind not in _EQ4_MODIFIERS:
                        raise InvalidParameterError(
                            f"{name!r}: modifier {kind!r} is not in Eqs. 4-7"
                        )
                    kinds.setdefault(name, set()).add(kind)
                    if kind == "staterror":
                        variance[bins] += np.asarray(mod["data"], dtype=float) ** 2
                    elif kind == "normfactor" and name in names:
                        scales.append(config.par_slice(name).start)
                    elif kind == "normsys":
                        pair = (float(mod["data"]["hi"]), float(mod["data"]["lo"]))
                        factors.setdefault(name, set()).add(pair)
                if scales:
                    signal_variance.append(variance)
                    signal_scales.append(np.asarray(scales, dtype=int))
                else:
                    background += variance
        self.background_variance = _readonly(background)
        self.signal_variance = _readonly(np.reshape(signal_variance, (-1, self.nmain)))
        self._signal_scales = tuple(signal_scales)
        self._build_pulls(config, kinds, factors)

    def _build_pulls(self, config: Any, kinds: dict, factors: dict) -> None:
        staterror = np.zeros(self.npars, dtype=bool)
        par, aux, width, hi, lo = [], [], [], [], []
        offset = 0
        for name in config.auxdata_order:
            sl = config.par_slice(name)
            n = sl.stop - sl.start
            if "staterror" in kinds.get(name, ()):
                staterror[sl] = True
            else:
                sigmas = config.param_set(name).width()
                hi_lo = _single_factor(kinds[name], factors.get(name, set()))
                for i in range(n):
                    par.append(sl.start + i)
                    aux.append(offset + i)
                    width.append(float(sigmas[i]))
                    hi.append(hi_lo[0])
                    lo.append(hi_lo[1])
            offset += n
        self.staterror = _readonly(staterror)
        self.pull_par = _readonly(np.asarray(par, dtype=int))
        self.pull_aux = _readonly(np.asarray(aux, dtype=int))
        self._width = np.asarray(width, dtype=float)
        hi_, lo_ = np.asarray(hi, dtype=float), np.asarray(lo, dtype=float)
        self._normsys = hi_ > 0
        self._hi, self._lo = hi_[self._normsys], lo_[self._normsys]
        self._coef = code4_coefficients(self._hi, self._lo) if self._hi.size else None

    def variance(self, pars: ArrayLike) -> NDArray[np.float64]:
        """sigma^2(B_stat)_i + sum_s f_s^2 sigma^2(S_stat)_si at ``pars`` (events^2 per bin)."""
        pars = np.asarray(pars, dtype=float)
        out = self.background_variance.copy()
        for row, scales in zip(self.signal_variance, self._signal_scales, strict=True):
            out += np.prod(pars[scales]) ** 2 * row
        return out

    def bin_residuals(self, data: ArrayLike, expected: ArrayLike, pars: ArrayLike):
        """The bins of Eq. 4 as residuals: ((D_i - nu_i) / sqrt(den_i), sqrt(den_i))."""
        return residuals(data, expected, self.variance(pars))

    def pull_residuals(self, pars: ArrayLike, aux: ArrayLike):
        """The pulls of Eq. 7 as residuals and their derivatives in the pulled parameters.

        Args:
            pars: the parameter vector (pyhf's order).
            aux: the auxiliary data (pyhf's order; the centres of the constraints).

        Returns:
            (residuals, d residual / d parameter), both of shape (len(pull_par),): the sum of
            the squared residuals is chi2_pull of Eq. 7.
        """
        theta = np.asarray(pars, dtype=float)[self.pull_par]
        centre = np.asarray(aux, dtype=float)[self.pull_aux]
        r = (theta - centre) / self._width
        d = 1.0 / self._width
        if self._hi.size:
            k = self._normsys
            p, dp = code4(theta[k], self._hi, self._lo, self._coef)
            p0, _ = code4(centre[k], self._hi, self._lo, self._coef)
            above = theta[k] >= centre[k]
            sigma = np.where(above, np.abs(self._hi - 1.0), np.abs(1.0 - self._lo))
            r[k], d[k] = (p - p0) / sigma, dp / sigma
        return r, d

    def value(self, data: ArrayLike, expected: ArrayLike, pars: ArrayLike) -> float:
        """chi2 of Eqs. 4 and 7.

        Args:
            data: main and auxiliary data (pyhf's ``main + aux`` vector).
            expected: nu_i, the expected events per main bin at ``pars``.
            pars: the parameter vector (the staterror gammas are ignored: see the class).
        """
        data = np.asarray(data, dtype=float)
        r_pull, _ = self.pull_residuals(pars, data[self.nmain :])
        return chi2(data[: self.nmain], expected, self.variance(pars), float(r_pull @ r_pull))


_EQ4_MODIFIERS = frozenset({"normfactor", "normsys", "histosys", "staterror", "lumi"})


def _single_factor(kinds: set[str], pairs: set[tuple[float, float]]) -> tuple[float, float]:
    """(hi, lo) of a normsys that is one scale factor p with a sigma on each side, else (0, 0)."""
    if kinds != {"normsys"} or len(pairs) != 1:
        return 0.0, 0.0
    hi, lo = next(iter(pairs))
    return (hi, lo) if hi != 1.0 and lo != 1.0 else (0.0, 0.0)


def _readonly(array: NDArray) -> NDArray:
    array = np.array(array)
    array.flags.writeable = False
    return array


def chi2_from_workspace(
    workspace: Mapping[str, Any],
    pars: Mapping[str, float | Sequence[float]],
    *,
    measurement: str | None = None,
    signal_normfactors: Sequence[str] | None = None,
) -> float:
    """Eqs. 4-7 from a workspace's pyhf model at a parameter point (the builder's check).

    The expected yields are pyhf's; everything else is :class:`PaperChi2`, the evaluator the
    chi2 limit method profiles (``xhf limit --method chi2``).

    Args:
        workspace: a pyhf workspace dict (one xhf builds, or a patched background-only one).
        pars: parameter values by name; unnamed parameters sit at their initial values and the
            staterror gammas at 1 (their errors enter the denominator instead).
        measurement: measurement name (default: the first).
        signal_normfactors: the normfactors that scale the signal (default: ``mu`` and
            ``mu_<part>``, :func:`is_signal_normfactor`).

    Returns:
        The chi2 of Eq. 4 with the pull terms of Eq. 7.
    """
    import pyhf

    with quiet_pyhf():
        ws = pyhf.Workspace(dict(workspace))
        model = ws.model(
            measurement_name=measurement,
            poi_name=None,
            modifier_settings={k: {"interpcode": v} for k, v in INTERPOLATION.items()},
        )
    config = model.config
    if signal_normfactors is None:
        signal_normfactors = [
            name
            for name in config.par_order
            if is_signal_normfactor(name)
            and getattr(config.param_set(name), "pdf_type", None) is None
        ]
    evaluator = PaperChi2(model, signal_normfactors)
    vector = np.asarray(config.suggested_init(), dtype=float)
    vector[evaluator.staterror] = 1.0
    for name, value in pars.items():
        if name not in config.par_map:
            raise InvalidParameterError(f"no parameter {name!r} in the workspace")
        sl = config.par_slice(name)
        if evaluator.staterror[sl].any():
            raise InvalidParameterError(f"{name!r}: staterror gammas stay at 1 in Eq. 4")
        vector[sl] = np.atleast_1d(np.asarray(value, dtype=float))
    expected = np.asarray(model.expected_actualdata(vector.tolist()), dtype=float)
    data = np.asarray(ws.data(model), dtype=float)
    return evaluator.value(data, expected, vector)
