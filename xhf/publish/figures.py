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

The figures directory is an input like any other: :func:`find_figures` refuses a symbolic link
in it (:func:`xhf.filenames.refuse_links`), a name that cannot be a file name of the
submission, and a ``.png`` or ``.pdf`` file that is not what its name says: a PNG must start
with the PNG signature and a well-formed ``IHDR`` header (checked against its CRC, then read
by Pillow), a PDF with ``%PDF-`` and end with ``%%EOF`` (the PNG and PDF specifications:
ISO/IEC 15948, ISO 32000).
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from xhf.exceptions import InvalidInputError
from xhf.filenames import refuse_links, safe_file_name

__all__ = [
    "TABLE_FIGURES",
    "check_figure",
    "figure_resources",
    "find_figures",
    "match_figures",
    "thumbnail_png",
]


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
    "detection_probability": (("efficiency", "response"), (), None),
}
#: Fallbacks when the first rule finds nothing.
_FALLBACK = {"limit_millicharge": "spectrum_millicharge"}


#: File signatures (PNG: ISO/IEC 15948 section 5.2; PDF: ISO 32000-1 section 7.5.2).
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PDF_SIGNATURE = b"%PDF-"
#: Largest figure accepted, in bytes and in pixels (below Pillow's decompression-bomb limit).
MAX_FIGURE_BYTES = 50_000_000
MAX_FIGURE_PIXELS = 50_000_000
_PNG_COLOUR_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


def _png_header_problem(blob: bytes) -> str | None:
    """What is wrong with the signature and ``IHDR`` chunk of a PNG, or None."""
    if not blob.startswith(PNG_SIGNATURE):
        return "is not a PNG image (no PNG signature)"
    if len(blob) < 33 or blob[8:16] != b"\x00\x00\x00\rIHDR":
        return "is not a PNG image (no IHDR header)"
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", blob[16:29]
    )
    if struct.unpack(">I", blob[29:33])[0] != zlib.crc32(blob[12:29]):
        return "is not a PNG image (IHDR checksum is wrong)"
    if depth not in _PNG_COLOUR_DEPTHS.get(colour, ()) or (compression, filtering) != (0, 0):
        return f"is not a PNG image (colour type {colour}, bit depth {depth})"
    if interlace not in (0, 1) or width == 0 or height == 0:
        return f"is not a PNG image ({width} x {height} pixels)"
    if width * height > MAX_FIGURE_PIXELS:
        return f"is too large ({width} x {height} pixels, at most {MAX_FIGURE_PIXELS})"
    return None


def check_figure(path: str | os.PathLike[str]) -> None:
    """Raise unless ``path`` (``.png`` or ``.pdf``) is an image of the kind its name says.

    Raises:
        InvalidInputError: ``<path>: figure: <what is wrong>``.
    """
    path = Path(path)
    where = f"{path}: figure"
    size = path.stat().st_size
    if size > MAX_FIGURE_BYTES:
        raise InvalidInputError(f"{where}: is too large ({size} bytes, at most {MAX_FIGURE_BYTES})")
    blob = path.read_bytes()
    if path.suffix.lower() == ".pdf":
        if not blob.startswith(PDF_SIGNATURE) or b"%%EOF" not in blob[-1024:]:
            raise InvalidInputError(f"{where}: is not a PDF document (no %PDF- header or %%EOF)")
        return
    problem = _png_header_problem(blob)
    if problem is None:
        from PIL import Image

        try:
            with Image.open(io.BytesIO(blob)) as image:
                image.verify()
        except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
            problem = f"is not a readable PNG image ({type(exc).__name__})"
    if problem is not None:
        raise InvalidInputError(f"{where}: {problem}")


def find_figures(directory: str | os.PathLike[str]) -> list[Path]:
    """The PNG files of ``directory`` (sorted; none if it does not exist), each checked.

    Every entry of ``directory`` must be a plain file or directory (no symbolic link), every
    ``.png`` and ``.pdf`` file a real image (:func:`check_figure`), and every PNG's name a safe
    file name (it is copied into the submission under that name).
    """
    path = Path(directory)
    if not path.is_dir():
        return []
    entries = sorted(path.iterdir())
    refuse_links(path, entries)
    figures = []
    for entry in entries:
        if entry.is_file() and entry.suffix.lower() in (".png", ".pdf"):
            safe_file_name(entry.name, f"{path}: file name")
            check_figure(entry)
            if entry.suffix == ".png":
                figures.append(entry)
    return figures


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
