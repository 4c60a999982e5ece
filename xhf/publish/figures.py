"""The main job's figures for the submission: which table shows which figure, and thumbnails.

HEPData shows a table's image from two of its additional resources: ``Image file`` (a PNG) and
``Thumbnail image file`` (``thumb_<name>.png``). hepdata_lib makes both with ImageMagick's
``convert``; xhf does not depend on ImageMagick: it takes the PNG ``xhf reproduce`` wrote and
makes the thumbnail with Pillow (matplotlib's own dependency), deterministically.

Figures are matched to tables by their file names (``DIR/figures/*.png``, lower case):

=========================  =========================================================
table                      figure name contains
=========================  =========================================================
magnetic-moment limit      ``magnetic_moment`` (the fit; not ``signal_spectra``)
millicharge limits         ``flavo`` (flavour limits), else ``millicharge``
dark-photon limits, curve  ``exclusion`` (one with the method's name preferred)
spectra of an analysis     the analysis name (``fit_dark_photon``, ...)
signal efficiency          ``efficiency`` or ``response``
=========================  =========================================================

Figures no table claims (the signal spectra, the background model) are attached to the
submission itself.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["TABLE_FIGURES", "figure_resources", "find_figures", "match_figures", "thumbnail_png"]


def __dir__() -> list[str]:
    return __all__


#: Thumbnail size HEPData uses (hepdata_lib's ``convert -thumbnail 240x179``).
THUMBNAIL_SIZE = (240, 179)
_GENERIC = ("signal_spectra", "background_model", "exclusion", "flavo", "efficiency")

#: table key -> (words one of which the figure name must contain, words it must not contain,
#: preferred word).
TABLE_FIGURES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str | None]] = {
    "limit_magnetic_moment": (("magnetic_moment",), _GENERIC, None),
    "limit_millicharge": (("flavo",), (), None),
    "limit_dark_photon": (("exclusion",), (), "chi2"),
    "curve_chi2": (("exclusion",), (), "chi2"),
    "curve_cls": (("exclusion",), (), "cls"),
    "spectrum_magnetic_moment": (("magnetic_moment",), _GENERIC, None),
    "spectrum_millicharge": (("millicharge",), _GENERIC, None),
    "spectrum_dark_photon": (("dark_photon",), _GENERIC, None),
    "efficiency": (("efficiency", "response"), (), None),
}
#: Fallbacks when the first rule finds nothing.
_FALLBACK = {"limit_millicharge": "spectrum_millicharge"}


def find_figures(directory: str | os.PathLike[str]) -> list[Path]:
    """The PNG files of ``directory`` (sorted; none if it does not exist)."""
    path = Path(directory)
    return sorted(p for p in path.glob("*.png") if p.is_file()) if path.is_dir() else []


def _pick(figures: Iterable[Path], rule) -> Path | None:
    wanted, unwanted, preferred = rule
    found = [
        f
        for f in figures
        if any(w in f.stem.lower() for w in wanted)
        and not any(u in f.stem.lower() for u in unwanted)
    ]
    if preferred:
        best = [f for f in found if preferred in f.stem.lower()]
        found = best or found
    return found[0] if found else None


def match_figures(
    figures: Iterable[Path], tables: Iterable[str]
) -> tuple[dict[str, Path], list[Path]]:
    """Figures per table key (see the module doc) and the figures no table claims.

    >>> figs = [Path("fit_dark_photon.png"), Path("exclusion_curve.png"), Path("signal_spectra.png")]
    >>> claimed, rest = match_figures(figs, ["curve_cls", "spectrum_dark_photon"])
    >>> {k: v.name for k, v in claimed.items()}, [p.name for p in rest]
    ({'curve_cls': 'exclusion_curve.png', 'spectrum_dark_photon': 'fit_dark_photon.png'}, ['signal_spectra.png'])
    """
    figures = sorted(figures)
    claimed: dict[str, Path] = {}
    for table in tables:
        rule = TABLE_FIGURES.get(table)
        if rule is None:
            continue
        figure = _pick(figures, rule)
        if figure is None and table in _FALLBACK:
            figure = _pick(figures, TABLE_FIGURES[_FALLBACK[table]])
        if figure is not None:
            claimed[table] = figure
    used = set(claimed.values())
    return claimed, [f for f in figures if f not in used]


def thumbnail_png(png: bytes, size: tuple[int, int] = THUMBNAIL_SIZE) -> bytes:
    """A PNG thumbnail (at most ``size``, aspect kept, transparency over white), reproducible."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        image.load()
        rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat = Image.alpha_composite(background, rgba).convert("RGB")
    flat.thumbnail(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    flat.save(out, format="PNG", optimize=True)
    return out.getvalue()


def figure_resources(claimed: Mapping[str, Path]) -> dict[str, bytes]:
    """``{file name: bytes}`` of every claimed figure and its thumbnail."""
    out: dict[str, bytes] = {}
    for figure in claimed.values():
        png = figure.read_bytes()
        out[figure.name] = png
        out[f"thumb_{figure.name}"] = thumbnail_png(png)
    return out
