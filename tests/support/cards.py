"""The example experiment cards, edited copies of them, the replica's workspaces and a fast
asymptotic CLs limit, for the combination tests."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pyhf
import yaml
from scipy.stats import norm

from tests.support import ROOT
from xhf.workspace.compat import quiet_pyhf

EXAMPLES = ROOT / "examples"
TPC_CARD = EXAMPLES / "xenon_tpc" / "card.yml"
GERMANIUM_CARD = EXAMPLES / "germanium" / "card.yml"
BAD_CARDS = ROOT / "tests" / "data" / "bad" / "cards"


def write_card(folder: Path, source: Path = TPC_CARD, **changes) -> Path:
    """A copy of ``source`` and its tables in ``folder``, with top-level fields changed."""
    folder.mkdir(parents=True, exist_ok=True)
    for table in source.parent.glob("*.txt"):
        shutil.copy(table, folder / table.name)
    doc = yaml.safe_load(source.read_text())
    doc.update(changes)
    path = folder / f"{doc['name']}.yml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def replica_workspace(replica, signal: str, data: str = "asimov"):
    """The replica's workspace and sidecar for one signal, as the builder makes them."""
    from xhf.workspace import build_workspace, workspace_metadata

    workspace = build_workspace(replica, signal, data=data).workspace
    return workspace, workspace_metadata(workspace, replica, signal, data=data)


def asimov_limit(workspace, level: float = 0.1, tolerance: float = 1e-4) -> float:
    """The asymptotic CLs (q-tilde) upper limit on the POI for Asimov observations.

    With the background-only Asimov dataset as the data, the observed limit is the median
    expected one and CLs(mu) = 2 (1 - Phi(sqrt(q(mu)))) (Cowan et al., Eur. Phys. J. C 71
    (2011) 1554), with q(mu) = -2 ln lambda(mu) from pyhf's constrained and free fits. The
    limit solves sqrt(q(mu)) = Phi^-1(1 - level / 2) to ``tolerance`` (in sqrt(q), i.e.
    ~``tolerance`` / 1.645 relative in mu): bracketed by doubling from a tenth of the POI's
    upper bound, then regula falsi (Illinois), each fit warm-started from the last one.
    """
    with quiet_pyhf():
        ws = pyhf.Workspace(workspace)
        model = ws.model()
        data = ws.data(model)
        best, free = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
    poi = model.config.poi_index
    upper = model.config.suggested_bounds()[poi][1]
    target = norm.isf(level / 2.0)
    start = np.asarray(best, dtype=float)

    def excess(mu: float) -> float:
        init = start.copy()
        init[poi] = mu
        with quiet_pyhf():
            pars, fixed = pyhf.infer.mle.fixed_poi_fit(
                mu, data, model, init_pars=init.tolist(), return_fitted_val=True
            )
        start[:] = np.asarray(pars, dtype=float)
        return math.sqrt(max(float(fixed) - float(free), 0.0)) - target

    lo, f_lo = 0.0, -target
    hi = upper / 10.0
    f_hi = excess(hi)
    while f_hi < 0:
        if hi >= upper:
            raise AssertionError("the limit lies above the POI bound")
        lo, f_lo, hi = hi, f_hi, min(2.0 * hi, upper)
        f_hi = excess(hi)
    side = 0
    for _ in range(60):
        mu = hi - f_hi * (hi - lo) / (f_hi - f_lo)
        f_mu = excess(mu)
        if abs(f_mu) < tolerance:
            return mu
        if f_mu > 0:
            hi, f_hi = mu, f_mu
            if side == 1:
                f_lo /= 2.0
            side = 1
        else:
            lo, f_lo = mu, f_mu
            if side == -1:
                f_hi /= 2.0
            side = -1
    raise AssertionError("no convergence")


def expected_by_channel(workspace, **values) -> dict[str, np.ndarray]:
    """Expected events per channel with the parameters ``values`` and the others nominal."""
    with quiet_pyhf():
        model = pyhf.Workspace(workspace).model()
    pars = model.config.suggested_init()
    for name, value in values.items():
        pars[model.config.par_slice(name)] = np.atleast_1d(value).tolist()
    main = np.asarray(model.expected_actualdata(pars))
    out, start = {}, 0
    for channel in model.config.channels:
        n = model.config.channel_nbins[channel]
        out[channel] = main[start : start + n]
        start += n
    return out
