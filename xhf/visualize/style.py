"""Shared figure style and deterministic, atomic saving."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import mplhep

from xhf.jsonio import StagedOutputs, atomic_write

__all__ = ["figure", "label_pseudo_data", "save_figure"]


def __dir__() -> list[str]:
    return __all__


def figure(width: float = 8.0, height: float = 6.0):
    """A new figure and axes in the mplhep ROOT-like style."""
    plt.style.use(mplhep.style.ROOT)
    return plt.subplots(figsize=(width, height))


def label_pseudo_data(ax, text: str = "XMASS-I-like replica, pseudo-data") -> None:
    """The experiment label every replica figure carries: never mistaken for XMASS-I data."""
    ax.text(0.02, 1.01, text, transform=ax.transAxes, fontsize=14, ha="left", va="bottom")


def save_figure(
    fig, stem: str | Path, *, force: bool = False, outputs: StagedOutputs | None = None
) -> list[Path]:
    """Write ``stem.png`` and ``stem.pdf`` atomically, without timestamps (same bytes each run).

    With ``outputs`` (:func:`xhf.jsonio.atomic_outputs`) the files are staged there, to be
    committed with the command's other outputs.
    """
    stem = Path(stem)
    out = []
    for suffix, metadata in (
        (".png", {"Software": None}),
        (".pdf", {"CreationDate": None, "Producer": None}),
    ):
        target = stem.with_suffix(suffix)

        def write(tmp: Path, suffix=suffix, metadata=metadata) -> None:
            fig.savefig(tmp, format=suffix[1:], metadata=metadata, dpi=150, bbox_inches="tight")

        if outputs is not None:
            out.append(outputs.add(target, write))
        else:
            out.append(atomic_write(target, write, force=force))
    plt.close(fig)
    return out
