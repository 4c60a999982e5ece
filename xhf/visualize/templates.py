"""The background model as a stacked histogram (the layout of XMASS-I's Figure 2)."""

from __future__ import annotations

import numpy as np

from xhf.templates.templateset import TemplateSet
from xhf.visualize.style import figure, label_pseudo_data

__all__ = ["plot_background_model"]


def __dir__() -> list[str]:
    return __all__


def plot_background_model(
    templates: TemplateSet, channel: str = "full_energy", *, data: str | None = "pseudo_poisson"
):
    """Stacked background components in events/(kg day keV) against reconstructed energy.

    Args:
        templates: the template set (its metadata gives the exposure).
        channel: which channel to draw.
        data: a dataset label to overlay (pseudo-data for the replica), or ``None``.

    Returns:
        The matplotlib figure.
    """
    ch = templates.channel(channel)
    exposure = float(templates.metadata.get("exposure_kg_day", 1.0))
    scale = 1.0 / (exposure * ch.bin_widths_kev)
    edges = ch.bin_edges
    fig, ax = figure(10.0, 7.0)
    stacked = np.zeros(ch.n_bins)
    names = list(dict.fromkeys(s.name for c in templates.channels for s in c.backgrounds))
    palette = dict(zip(names, matplotlib_colors(len(names)), strict=True))
    order = sorted(ch.backgrounds, key=lambda s: float(s.yields.sum()))
    for sample in order:
        color = palette[sample.name]
        top = stacked + sample.yields * scale
        ax.fill_between(
            edges,
            np.r_[stacked, stacked[-1]],
            np.r_[top, top[-1]],
            step="post",
            color=color,
            label=sample.name.replace("_", " "),
            linewidth=0,
        )
        stacked = top
    ax.stairs(stacked, edges, color="black", linewidth=1.2, label="total background")
    if data is not None and data in ch.data:
        counts = np.asarray(ch.data[data])
        centers = 0.5 * (edges[:-1] + edges[1:])
        ax.errorbar(
            centers,
            counts * scale,
            yerr=np.sqrt(counts) * scale,
            fmt="o",
            ms=3,
            color="black",
            label=f"{data.replace('_', ' ')} (pseudo-data)",
        )
    ax.set_yscale("log")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(
        max(1e-7, 0.3 * float(np.min(stacked[stacked > 0])) / 100), 40 * float(stacked.max())
    )
    ax.set_xlabel("Reconstructed energy [keV]")
    ax.set_ylabel("Rate [events / (kg day keV)]")
    ax.legend(ncol=3, fontsize=9, loc="upper right", frameon=False)
    label_pseudo_data(ax)
    return fig


def matplotlib_colors(n: int) -> list:
    """``n`` distinguishable colours (tab20)."""
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("tab20")
    return [cmap(i % 20) for i in range(n)]
