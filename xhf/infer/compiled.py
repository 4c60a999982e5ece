"""A pyhf model in closed form: expected yields, their Jacobian and the likelihood, in NumPy.

pyhf's numpy backend has no automatic differentiation, so its fits take numerical gradients
in every parameter: one fit of a 99-bin, 109-parameter model shaped like the XMASS-I 2-200 keV
fit (Phys. Lett. B 809 (2020) 135741) takes seconds. :class:`CompiledModel` evaluates the same
HistFactory model (the paper's Eqs. 4-7 in HistFactory form, docs/workspace-conventions.md)
directly:

- the yield of sample s in bin n is ``(nominal + sum_k Delta_k(alpha_k)) * prod_m f_m * gamma_n``
  with pyhf's default interpolations (:mod:`xhf.workspace.interpolation`) and their derivatives;
- the Jacobian of the expected yields in closed form, for one parameter vector or T at once;
- the negative log-likelihood with every staterror parameter gamma_n profiled analytically
  (Barlow-Beeston lite: one quadratic equation per bin), so that a fit iterates only over the
  handful of normalisation and shape parameters.

The value is pyhf's ``twice_nll`` to rounding (the tests compare them). Models with modifiers
outside {normfactor, lumi, normsys, histosys, staterror}, non-default interpolation codes or
clipping raise :class:`~xhf.infer.exceptions.UnsupportedModelError`; callers then fall back
to pyhf's own fits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln, xlogy

from xhf.infer.exceptions import UnsupportedModelError
from xhf.workspace.interpolation import code4, code4_coefficients, code4p_coefficients

__all__ = ["CompiledModel"]


def __dir__() -> list[str]:
    return __all__


_TINY = 1e-300
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
_LINEAR, _CODE4 = 0, 1


class CompiledModel:
    """A pyhf model evaluated in closed form (see the module docstring).

    Parameters are in pyhf's order (``model.config.par_order`` expanded), so a parameter
    vector is interchangeable with pyhf's, and data are pyhf's ``main + aux`` vectors.

    Attributes:
        npars: number of scalar parameters.
        nmain: number of main-measurement bins.
        par_names: one label per scalar parameter (``staterror_ch[3]`` for vectors).
        init, bounds, fixed: pyhf's suggested initial values, bounds (npars, 2) and fixed flags.
        samples: sample names in pyhf's order (rows of :meth:`sample_yields`).
        profiled: mask of the staterror parameters profiled in closed form.
        constrained_pars, constraint_widths, staterror_pars: the constraints (read-only).
    """

    def __init__(self, model: Any):
        config = model.config
        self._check_settings(model)
        self.pyhf_model = model
        self.npars = int(config.npars)
        self.nmain = int(config.nmaindata)
        self.samples = tuple(config.samples)
        self.init = np.asarray(config.suggested_init(), dtype=float)
        self.bounds = np.asarray(config.suggested_bounds(), dtype=float)
        self.fixed = np.asarray(config.suggested_fixed(), dtype=bool)
        self.par_names = tuple(self._labels(config))
        self._build(model)

    # ----------------------------------------------------------------------------- building
    @staticmethod
    def _check_settings(model: Any) -> None:
        settings = model.config.modifier_settings
        normsys = settings.get("normsys", {}).get("interpcode", "code4")
        histosys = settings.get("histosys", {}).get("interpcode", "code4p")
        if normsys != "code4" or histosys != "code4p":
            raise UnsupportedModelError(
                f"interpolation codes normsys={normsys}, histosys={histosys}: only pyhf's "
                "defaults (code4, code4p) are implemented in closed form"
            )
        main = model.main_model
        if getattr(main, "clip_sample_data", None) is not None or getattr(
            main, "clip_bin_data", None
        ):
            raise UnsupportedModelError("clipped models are not implemented in closed form")

    @staticmethod
    def _labels(config: Any) -> list[str]:
        labels = [""] * config.npars
        for name in config.par_order:
            sl = config.par_slice(name)
            n = sl.stop - sl.start
            for i in range(n):
                labels[sl.start + i] = name if n == 1 else f"{name}[{i}]"
        return labels

    def _build(self, model: Any) -> None:
        config = model.config
        samples = list(self.samples)
        nsamples, nbins = len(samples), self.nmain
        nominal = np.zeros((nsamples, nbins))
        entries: list[tuple[int, int, float, float, int, slice]] = []
        histosys: dict[str, list] = {}
        staterror: dict[str, dict] = {}
        slices = config.channel_slices
        for channel in model.spec["channels"]:
            sl = slices[channel["name"]]
            for sample in channel["samples"]:
                s = samples.index(sample["name"])
                nominal[s, sl] = np.asarray(sample["data"], dtype=float)
                for mod in sample["modifiers"]:
                    kind, name = mod["type"], mod["name"]
                    if kind not in {"normfactor", "lumi", "normsys", "histosys", "staterror"}:
                        raise UnsupportedModelError(
                            f"modifier {name!r} of type {kind!r} (sample {sample['name']!r}) "
                            "is not implemented in closed form"
                        )
                    p = config.par_slice(name).start
                    if kind in ("normfactor", "lumi"):
                        entries.append((p, _LINEAR, 1.0, 1.0, s, sl))
                    elif kind == "normsys":
                        hi, lo = float(mod["data"]["hi"]), float(mod["data"]["lo"])
                        if hi <= 0 or lo <= 0:
                            raise UnsupportedModelError(
                                f"normsys {name!r} on sample {sample['name']!r}: hi={hi}, "
                                f"lo={lo} must be positive"
                            )
                        entries.append((p, _CODE4, hi, lo, s, sl))
                    elif kind == "histosys":
                        if name not in histosys:
                            histosys[name] = [
                                p,
                                np.zeros((nsamples, nbins)),
                                np.zeros((nsamples, nbins)),
                            ]
                        nom = np.asarray(sample["data"], dtype=float)
                        histosys[name][1][s, sl] = np.asarray(mod["data"]["hi_data"], float) - nom
                        histosys[name][2][s, sl] = nom - np.asarray(mod["data"]["lo_data"], float)
                    else:
                        entry = staterror.setdefault(
                            name, {"bins": np.zeros(nbins, bool), "samples": []}
                        )
                        entry["bins"][sl] = True
                        entry["samples"].append((s, sl))
        self.nominal = nominal
        self._build_factors(entries, nsamples, nbins)
        self._build_histosys(histosys)
        self._build_staterror(config, staterror, nsamples, nbins)
        self._build_constraints(config)

    def _build_factors(self, entries, nsamples: int, nbins: int) -> None:
        blocks: dict[tuple[int, int, int], int] = {}
        block_of_entry = []
        block_index = np.zeros((nsamples, nbins), dtype=int)
        for _, _, _, _, s, sl in entries:
            key = (s, sl.start, sl.stop)
            if key not in blocks:
                blocks[key] = len(blocks)
            block_of_entry.append(blocks[key])
        nblocks = len(blocks)
        block_index[:] = nblocks  # the dummy block: factor 1
        for (s, start, stop), k in blocks.items():
            block_index[s, start:stop] = k
        self._nblocks = nblocks
        self._block_index = block_index
        self._block_flat = block_index.ravel()
        self._entry_par = np.array([e[0] for e in entries], dtype=int)
        self._entry_kind = np.array([e[1] for e in entries], dtype=int)
        self._entry_block = np.array(block_of_entry, dtype=int)
        self._entry_sample = np.array([e[4] for e in entries], dtype=int)
        mask = np.zeros((len(entries), nbins), dtype=bool)
        for i, e in enumerate(entries):
            mask[i, e[5]] = True
        self._entry_bins = mask
        eb = self._entry_block
        self._same_block = (eb[:, None] == eb[None, :]) & ~np.eye(len(entries), dtype=bool)
        self._block_members = np.arange(nblocks + 1)[:, None] == eb[None, :]
        c4 = self._entry_kind == _CODE4
        self._c4 = c4
        hi = np.array([e[2] for e in entries], dtype=float)[c4]
        lo = np.array([e[3] for e in entries], dtype=float)[c4]
        self._c4_hi, self._c4_lo = hi, lo
        self._c4_coef = code4_coefficients(hi, lo) if hi.size else np.zeros((0, 6))

    def _build_histosys(self, histosys: dict) -> None:
        names = list(histosys)
        self._hist_par = np.array([histosys[n][0] for n in names], dtype=int)
        if names:
            up = np.stack([histosys[n][1] for n in names])
            dn = np.stack([histosys[n][2] for n in names])
        else:
            shape = (0, *self.nominal.shape)
            up, dn = np.zeros(shape), np.zeros(shape)
        # the four templates of code4p: D_up, D_dn, S = (D_up+D_dn)/2, A = (D_up-D_dn)/16
        self._hist_templates = np.stack([up, dn, 0.5 * (up + dn), 0.0625 * (up - dn)])

    def _build_staterror(self, config: Any, staterror: dict, nsamples: int, nbins: int) -> None:
        gamma_par = np.full(nbins, -1, dtype=int)
        stat_mask = np.zeros((nsamples, nbins), dtype=bool)
        for name, entry in staterror.items():
            bins = np.flatnonzero(entry["bins"])
            if np.any(gamma_par[bins] >= 0):
                raise UnsupportedModelError(
                    f"staterror {name!r} overlaps another staterror in the same bins"
                )
            start = config.par_slice(name).start
            gamma_par[bins] = start + np.arange(bins.size)
            for s, sl in entry["samples"]:
                stat_mask[s, sl] = True
        self._gamma_par = gamma_par
        self._has_gamma = gamma_par >= 0
        self._stat_mask = stat_mask
        profiled = np.zeros(self.npars, dtype=bool)
        idx = gamma_par[self._has_gamma]
        profiled[idx] = ~self.fixed[idx]
        self.profiled = profiled
        self._free_gamma_bins = self._has_gamma & np.where(
            self._has_gamma, profiled[np.maximum(gamma_par, 0)], False
        )

    def _build_constraints(self, config: Any) -> None:
        pars, sigmas = [], []
        for name in config.auxdata_order:
            pset = config.param_set(name)
            if pset.pdf_type != "normal":
                raise UnsupportedModelError(
                    f"parameter {name!r} has a {pset.pdf_type} constraint; only Gaussian "
                    "constraints are implemented in closed form"
                )
            sl = config.par_slice(name)
            pars.extend(range(sl.start, sl.stop))
            sigmas.extend(float(w) for w in pset.width())
        self._gauss_par = np.array(pars, dtype=int)
        self._gauss_sigma = np.array(sigmas, dtype=float)
        self._gauss_norm = float(np.sum(np.log(self._gauss_sigma)) + _LOG_SQRT_2PI * len(sigmas))
        # position of each gamma's auxiliary measurement in the aux vector
        aux_of_par = np.full(self.npars, -1, dtype=int)
        aux_of_par[self._gauss_par] = np.arange(self._gauss_par.size)
        self._gamma_aux = np.where(self._has_gamma, aux_of_par[np.maximum(self._gamma_par, 0)], -1)
        self._aux_position = aux_of_par
        sigma_of_par = np.ones(self.npars)
        sigma_of_par[self._gauss_par] = self._gauss_sigma
        self._gamma_tau = np.where(
            self._has_gamma, sigma_of_par[np.maximum(self._gamma_par, 0)], 1.0
        )
        self.sigma_of_par = sigma_of_par
        self.constrained = np.zeros(self.npars, dtype=bool)
        self.constrained[self._gauss_par] = True

    # ------------------------------------------------------------------------------ access
    @property
    def constrained_pars(self) -> NDArray:
        """Indices of the Gaussian-constrained parameters, in the order of the auxiliary data."""
        return _readonly(self._gauss_par)

    @property
    def constraint_widths(self) -> NDArray:
        """Widths of their Gaussian constraints (1 for normsys/histosys, the relative MC error
        for a staterror gamma), in the order of the auxiliary data."""
        return _readonly(self._gauss_sigma)

    @property
    def staterror_pars(self) -> NDArray:
        """Index of the staterror gamma of each main bin (-1 where there is none)."""
        return _readonly(self._gamma_par)

    # --------------------------------------------------------------------------- evaluation
    # Every evaluation takes parameters of shape (npars,) or (T, npars) (T vectors, T toys).
    def _factors(self, pars: NDArray):
        theta = pars[..., self._entry_par]
        f = theta.copy()
        df = np.ones_like(theta)
        if self._c4.any():
            f[..., self._c4], df[..., self._c4] = code4(
                theta[..., self._c4], self._c4_hi, self._c4_lo, self._c4_coef
            )
        block = np.where(self._block_members, f[..., None, :], 1.0).prod(axis=-1)
        excl = np.where(self._same_block, f[..., None, :], 1.0).prod(axis=-1)
        return block[..., self._block_index], df * excl

    def _base(self, pars: NDArray):
        value_w, deriv_w = code4p_coefficients(pars[..., self._hist_par])
        base = self.nominal + np.einsum("r...h,rhsn->...sn", value_w, self._hist_templates)
        return base, deriv_w

    def _gammas(self, pars: NDArray) -> NDArray:
        return np.where(self._has_gamma, pars[..., np.maximum(self._gamma_par, 0)], 1.0)

    def sample_yields(self, pars: NDArray) -> NDArray:
        """Expected events per sample and bin, shape (samples, bins), as pyhf's by-sample yields."""
        pars = np.asarray(pars, dtype=float)
        factor, _ = self._factors(pars)
        base, _ = self._base(pars)
        gamma = np.where(self._stat_mask, self._gammas(pars)[None, :], 1.0)
        return base * factor * gamma

    def expected_main(self, pars: NDArray) -> NDArray:
        """Expected events per main-measurement bin."""
        return self.sample_yields(pars).sum(axis=0)

    def expected_aux(self, pars: NDArray) -> NDArray:
        """Auxiliary data at ``pars`` (the Gaussian centres equal the parameter values)."""
        return np.asarray(pars, dtype=float)[self._gauss_par]

    def expected_data(self, pars: NDArray) -> NDArray:
        """Main and auxiliary data at ``pars``: pyhf's ``model.expected_data``."""
        return np.concatenate([self.expected_main(pars), self.expected_aux(pars)])

    def _constraint(self, pars: NDArray, aux: NDArray):
        pull = (aux - pars[..., self._gauss_par]) / self._gauss_sigma
        return 0.5 * np.sum(pull * pull, axis=-1) + self._gauss_norm

    def twice_nll(self, pars: NDArray, data: NDArray) -> float:
        """``-2 log L`` at ``pars``: pyhf's ``infer.mle.twice_nll``."""
        pars = np.asarray(pars, dtype=float)
        data = np.asarray(data, dtype=float)
        n = data[: self.nmain]
        nu = self.expected_main(pars)
        poisson = float(np.sum(nu - xlogy(n, nu) + gammaln(n + 1.0)))
        return 2.0 * (poisson + float(self._constraint(pars, data[self.nmain :])))

    def profile_gammas(self, pars: NDArray, data: NDArray) -> NDArray:
        """Return ``pars`` with the free staterror gammas at their conditional minimum."""
        pars = np.asarray(pars, dtype=float)
        factor, _ = self._factors(pars)
        base, _ = self._base(pars)
        out = pars.copy()
        gamma = self._solve_gammas(pars, base * factor, np.asarray(data, dtype=float))
        out[self._gamma_par[self._free_gamma_bins]] = gamma[self._free_gamma_bins]
        return out

    def _solve_gammas(self, pars: NDArray, yields_no_gamma: NDArray, data: NDArray) -> NDArray:
        """Closed-form conditional MLE of each free gamma (the positive-rate root).

        For bin n with rate A + gamma*B, count d and constraint N(a | gamma, tau):
        B*gamma^2 + (B^2 tau^2 + A - a*B)*gamma + (B tau^2 (A - d) - a*A) = 0.
        """
        gamma = self._gammas(pars)
        free = self._free_gamma_bins
        if not free.any():
            return gamma
        b = (yields_no_gamma * self._stat_mask).sum(axis=-2)[..., free]
        a_ = yields_no_gamma.sum(axis=-2)[..., free] - b
        d = data[..., : self.nmain][..., free]
        aux = data[..., self.nmain :][..., self._gamma_aux[free]]
        tau2 = self._gamma_tau[free] ** 2
        c1 = b * b * tau2 + a_ - aux * b
        c0 = b * tau2 * (a_ - d) - aux * a_
        sq = np.sqrt(np.maximum(c1 * c1 - 4.0 * b * c0, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            root = np.where(
                c1 > 0, 2.0 * c0 / (-c1 - sq), (-c1 + sq) / np.where(b > 0, 2.0 * b, 1.0)
            )
        root = np.where(np.isfinite(root) & (b > 0), root, aux)
        bounds = self.bounds[self._gamma_par[free]]
        gamma[..., free] = np.clip(root, bounds[:, 0], bounds[:, 1])
        return gamma

    def profiled_twice_nll(self, pars: NDArray, data: NDArray):
        """``-2 log L`` with the free gammas profiled, its gradient, and the gammas.

        The gradient is with respect to every parameter at the profiled gammas (zero for the
        profiled ones: envelope theorem).

        Returns:
            (value, gradient (npars,), parameters with the profiled gammas filled in).
        """
        factor, dfe = self._factors(pars)
        base, deriv_w = self._base(pars)
        no_gamma = base * factor
        gamma = self._solve_gammas(pars, no_gamma, data)
        gmat = np.where(self._stat_mask, gamma[None, :], 1.0)
        nu = (no_gamma * gmat).sum(axis=0)
        n = data[: self.nmain]
        nu_safe = np.maximum(nu, _TINY)
        full = pars.copy()
        full[self._gamma_par[self._free_gamma_bins]] = gamma[self._free_gamma_bins]
        aux = data[self.nmain :]
        poisson = float(np.sum(nu_safe - xlogy(n, nu_safe) + gammaln(n + 1.0)))
        value = 2.0 * (poisson + float(self._constraint(full, aux)))
        weight = (1.0 - n / nu_safe)[None, :] * gmat  # d nll / d yield(no gamma)
        grad = np.zeros(self.npars)
        if self._entry_par.size:
            per_block = np.bincount(
                self._block_flat, weights=(weight * base).ravel(), minlength=self._nblocks + 1
            )
            np.add.at(grad, self._entry_par, dfe * per_block[self._entry_block])
        if self._hist_par.size:
            contracted = np.einsum("rhsn,sn->rh", self._hist_templates, weight * factor)
            grad[self._hist_par] += np.einsum("rh,rh->h", deriv_w, contracted)
        fixed_gamma = self._has_gamma & ~self._free_gamma_bins
        if fixed_gamma.any():
            dg = (no_gamma * self._stat_mask * weight / gmat).sum(axis=0)
            np.add.at(grad, self._gamma_par[fixed_gamma], dg[fixed_gamma])
        grad[self._gauss_par] += (full[self._gauss_par] - aux) / self._gauss_sigma**2
        grad[self.profiled] = 0.0
        return value, 2.0 * grad, full

    def _jacobian(self, base, factor, dfe, deriv_w, gmat, rows: NDArray) -> NDArray:
        """d (summed yield) / d parameter for the parameters ``rows``: (..., len(rows), bins)."""
        position = np.full(self.npars, -1)
        position[rows] = np.arange(len(rows))
        jac = np.zeros((len(rows), *base.shape[:-2], self.nmain))  # rows first for add.at
        pos = position[self._entry_par]
        sel = pos >= 0
        if sel.any():
            rate = (base * gmat)[..., self._entry_sample[sel], :] * self._entry_bins[sel]
            _add_rows(jac, pos[sel], np.moveaxis(rate * dfe[..., sel, None], -2, 0))
        pos = position[self._hist_par]
        sel = pos >= 0
        if sel.any():
            templates = self._hist_templates[:, sel]
            contracted = np.einsum("rhsn,...sn->...rhn", templates, factor * gmat)
            per_hist = np.einsum("r...h,...rhn->...hn", deriv_w[..., sel], contracted)
            _add_rows(jac, pos[sel], np.moveaxis(per_hist, -2, 0))
        return np.moveaxis(jac, 0, -2)

    def yields_and_jacobian(self, pars: NDArray):
        """Per-sample yields and the Jacobian of the total yield.

        Returns:
            (yields (samples, bins), jacobian (npars, bins) of the summed yield).
        """
        pars = np.asarray(pars, dtype=float)
        factor, dfe = self._factors(pars)
        base, deriv_w = self._base(pars)
        gmat = np.where(self._stat_mask, self._gammas(pars)[None, :], 1.0)
        jac = self._jacobian(base, factor, dfe, deriv_w, gmat, np.arange(self.npars))
        has = self._has_gamma
        b = (base * factor * self._stat_mask).sum(axis=0)
        jac[self._gamma_par[has], np.flatnonzero(has)] += b[has]
        return base * factor * gmat, jac

    def profiled_newton_terms(
        self, pars: NDArray, data: NDArray, rows: NDArray, log_factorials: Any = None
    ):
        """Profiled ``-2 log L``, its gradient and Gauss-Newton Hessian in the parameters ``rows``.

        The Hessian is the Fisher-scoring one, ``2 J^T diag(w) J`` plus the Gaussian
        constraints, with the profiled gammas eliminated exactly (their block is diagonal):
        ``w_n = 1 / (nu_n (1 + B_n^2 tau_n^2 / nu_n))`` in a bin whose gamma is profiled
        (B_n the yield it multiplies), ``1 / nu_n`` elsewhere.

        Args:
            pars: parameters (npars,), or (T, npars) for T fits at once (toys).
            data: main + auxiliary data (ndata,) or (T, ndata).
            rows: the parameters of the gradient and Hessian.
            log_factorials: ``sum_n log(n_n!)`` (per dataset), if already known.

        Returns:
            (value, gradient (..., R), Hessian (..., R, R), full parameters (..., npars)), with
            the profiled gammas filled in; the value is a float for one parameter vector.
        """
        factor, dfe = self._factors(pars)
        base, deriv_w = self._base(pars)
        no_gamma = base * factor
        gamma = self._solve_gammas(pars, no_gamma, data)
        gmat = np.where(self._stat_mask, gamma[..., None, :], 1.0)
        nu = np.maximum((no_gamma * gmat).sum(axis=-2), _TINY)
        n = data[..., : self.nmain]
        aux = data[..., self.nmain :]
        free = self._free_gamma_bins
        full = np.array(pars, dtype=float)
        full[..., self._gamma_par[free]] = gamma[..., free]
        if log_factorials is None:
            log_factorials = gammaln(n + 1.0).sum(axis=-1)
        poisson = np.sum(nu - xlogy(n, nu), axis=-1) + log_factorials
        value = 2.0 * (poisson + self._constraint(full, aux))
        # einsum, not matmul: no BLAS threads that contend with other processes
        jac = self._jacobian(base, factor, dfe, deriv_w, gmat, rows)
        grad = np.einsum("...rn,...n->...r", jac, 1.0 - n / nu)
        weight = 1.0 / nu
        b = (no_gamma * self._stat_mask).sum(axis=-2)
        weight = np.where(free, weight / (1.0 + weight * b * b * self._gamma_tau**2), weight)
        hess = np.einsum("...rn,...sn->...rs", jac * weight[..., None, :], jac)
        sigma2 = self.sigma_of_par[rows] ** 2
        constrained = self.constrained[rows]
        pos = self._aux_position[rows]
        aux_rows = np.zeros(full[..., rows].shape)
        aux_rows[..., pos >= 0] = aux[..., pos[pos >= 0]]
        grad = grad + np.where(constrained, (full[..., rows] - aux_rows) / sigma2, 0.0)
        diag = np.arange(len(rows))
        hess[..., diag, diag] += np.where(constrained, 1.0 / sigma2, 0.0)
        if np.ndim(value) == 0:
            value = float(value)
        return value, 2.0 * grad, 2.0 * hess, full


def _add_rows(target: NDArray, rows: NDArray, values: NDArray) -> None:
    """``np.add.at(target, rows, values)`` in the same order (the same sums), a row at a time:
    faster for the dozen entries of a model than the unbuffered ``np.add.at``."""
    for row, value in zip(rows, values, strict=True):
        target[row] += value


def _readonly(array: NDArray) -> NDArray:
    view = array.view()
    view.flags.writeable = False
    return view
