"""Result figures: fits with the signal at the limit, flavour limits, the exclusion curve.

The layouts follow XMASS-I's Figures 3-6 (Phys. Lett. B 809 (2020) 135741); every replica
figure is labelled as pseudo-data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from xhf.visualize.style import figure, label_pseudo_data

__all__ = [
    "LITERATURE_MILLICHARGE_LIMITS",
    "plot_exclusion_curve",
    "plot_fit",
    "plot_flavor_limits",
]


def __dir__() -> list[str]:
    return __all__


#: Published 90 % CL limits on the neutrino millicharge |delta| in units of e, by flavour.
LITERATURE_MILLICHARGE_LIMITS: tuple[tuple[str, str, float], ...] = (
    # A. I. Studenikin, EPL 107 (2014) 21001: from the GEMMA reactor (anti-nu_e) data.
    ("e", "GEMMA reactor (Studenikin 2014)", 1.5e-12),
    # J.-W. Chen et al., Phys. Rev. D 90 (2014) 011301: TEXONO germanium reactor data, MCRRPA.
    ("e", "TEXONO reactor (Chen et al. 2014)", 1.0e-12),
)


def plot_fit(
    edges_kev: ArrayLike,
    data: ArrayLike,
    background: ArrayLike,
    signal: ArrayLike,
    *,
    title: str,
    signal_label: str,
    log: bool = True,
):
    """Pseudo-data, best-fit background and background + signal at the limit (Figs. 3, 5)."""
    edges = np.asarray(edges_kev, dtype=float)
    data, background, signal = (np.asarray(x, dtype=float) for x in (data, background, signal))
    centers = 0.5 * (edges[:-1] + edges[1:])
    fig, ax = figure(9.0, 6.5)
    ax.stairs(background, edges, color="tab:blue", lw=1.8, label="best-fit background")
    ax.stairs(
        background + signal,
        edges,
        color="tab:red",
        lw=1.8,
        ls="--",
        label=f"background + {signal_label}",
    )
    ax.errorbar(
        centers,
        data,
        yerr=np.sqrt(np.maximum(data, 1.0)),
        fmt="o",
        ms=3,
        color="black",
        label="pseudo-data (Poisson draw)",
    )
    if log:
        ax.set_yscale("log")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel("Reconstructed energy [keV]")
    ax.set_ylabel(f"Events / {edges[1] - edges[0]:g} keV")
    ax.legend(fontsize=11, frameon=False, title=title, title_fontsize=11, loc="upper right")
    label_pseudo_data(ax)
    return fig


def plot_flavor_limits(
    limits: Mapping[str, Mapping[str, float | None]],
    literature: Sequence[tuple[str, str, float]] = LITERATURE_MILLICHARGE_LIMITS,
):
    """90 % CL millicharge limits per flavour (Fig. 4): the paper, the replica, the literature.

    Args:
        limits: ``{flavour: {"paper": x, "expected": x, "observed": x}}`` in units of e,
            flavours ``all``, ``e``, ``mu``, ``tau``.
    """
    flavours = ["all", "e", "mu", "tau"]
    labels = {"all": "all flavours", "e": r"$\nu_e$", "mu": r"$\nu_\mu$", "tau": r"$\nu_\tau$"}
    fig, ax = figure(8.0, 6.0)
    x = np.arange(len(flavours))
    styles = [
        ("paper", "XMASS-I (paper)", "s", "black"),
        ("expected", "replica, expected (chi2)", "o", "tab:blue"),
        ("observed", "replica, pseudo-data (chi2)", "^", "tab:red"),
    ]
    for k, (key, label, marker, color) in enumerate(styles):
        values = [limits.get(f, {}).get(key) for f in flavours]
        xs = [xi + 0.12 * (k - 1) for xi, v in zip(x, values, strict=True) if v]
        ys = [v for v in values if v]
        ax.scatter(xs, ys, marker=marker, s=70, color=color, label=label, zorder=3)
    for k, (flavour, label, value) in enumerate(literature):
        xi = flavours.index(flavour)
        ax.hlines(value, xi - 0.35, xi + 0.35, colors=f"C{k + 2}", lw=2, label=label)
    ax.set_xticks(x, [labels[f] for f in flavours])
    ax.set_yscale("log")
    ax.set_ylabel(r"90 % CL limit on $|\delta_\nu|$ [e]")
    ax.set_xlim(-0.6, len(flavours) - 0.4)
    ax.legend(fontsize=10, frameon=False, loc="upper left")
    label_pseudo_data(ax, "Neutrino millicharge: XMASS-I and the XMASS-I-like replica")
    return fig


def plot_exclusion_curve(
    masses_mev: ArrayLike,
    expected: ArrayLike,
    band: Mapping[str, ArrayLike],
    observed: ArrayLike | None = None,
    *,
    paper_points: Sequence[tuple[float, float]] = ((1e-3, 1.3e-6), (10.0, 8.8e-5)),
    method: str = "chi2",
    extra: Mapping[str, ArrayLike] | None = None,
):
    """Dark-photon exclusion: g_{B-L} vs M with expected +-1/+-2 sigma bands (Fig. 6).

    Args:
        band: ``{"-2", "-1", "+1", "+2"}`` arrays of the expected-limit quantiles.
        extra: other curves to draw, ``{label: limits}`` (e.g. the other method).
    """
    m = np.asarray(masses_mev, dtype=float)
    fig, ax = figure(9.0, 6.5)
    ax.fill_between(m, band["-2"], band["+2"], color="#ffdd44", label=r"expected $\pm 2\sigma$")
    ax.fill_between(m, band["-1"], band["+1"], color="#44bb44", label=r"expected $\pm 1\sigma$")
    ax.plot(m, expected, "k--", lw=1.5, label=f"expected ({method})")
    if observed is not None:
        ax.plot(m, observed, "k-", lw=2, label=f"pseudo-data ({method})")
    for k, (label, values) in enumerate((extra or {}).items()):
        ax.plot(m, values, lw=1.5, color=f"C{k}", label=label)
    if paper_points:
        pm, pg = zip(*paper_points, strict=True)
        ax.scatter(pm, pg, marker="*", s=220, color="tab:red", zorder=4, label="XMASS-I (paper)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(m[0] / 1.5, m[-1] * 1.5)
    ax.set_xlabel(r"$M_{A'}$ [MeV]")
    ax.set_ylabel(r"90 % CL limit on $g_{B-L}$")
    ax.legend(fontsize=11, frameon=False, loc="upper left")
    label_pseudo_data(ax)
    return fig
