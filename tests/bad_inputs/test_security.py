"""Hostile inputs: names that try to leave the output directory, links out of input trees,
files that pretend to be images, and results that would publish wrong numbers.

Every entry of :data:`CASES` lays out good inputs in a fresh directory, breaks them in one
way and runs one command. It must exit with code 2 and print exactly one ``Error:`` line that
names the file and the field, and the whole directory (inputs, an existing output even with
``--force``, a would-be victim file) must be byte for byte what it was: nothing written
outside the output, nothing inside it. The good layouts are tested to pass the same checks.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner

from tests.support.files import snapshot
from xhf.cli import cli

REPO = Path(__file__).resolve().parents[2]
GOOD_WORKSPACE = REPO / "tests" / "data" / "bad" / "workspaces" / "good_workspace.json"
SHIPPED = REPO / "workspaces"
EXAMPLES = REPO / "examples"
GOOD_CSV = REPO / "tests" / "data" / "bad" / "templates" / "good_csv"
VICTIM = b"a file that must not change\n"
FIT_FIGURE = "fig3_fit_magnetic_moment.png"


# ----------------------------------------------------------------------------- file makers
def png(width: int = 4, height: int = 3) -> bytes:
    """A real PNG, drawn by Pillow."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_header(width: int, height: int, depth: int = 8, colour: int = 2, crc=None) -> bytes:
    """PNG signature and IHDR only (the image data of a good PNG follow)."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr, crc)


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def good_results() -> dict:
    """A results.json in the units of the shipped workspaces."""

    def entry(analysis, unit, mass, value):
        return {
            "analysis": analysis,
            "method": "chi2",
            "flavor": "all",
            "mass_mev": mass,
            "unit": unit,
            "expected": value,
            "expected_band": [0.5 * value, 0.7 * value, 1.4 * value, 2.0 * value],
            "observed": 1.1 * value,
            "paper": 1.2 * value,
        }

    point = {"expected": 1e-6, "expected_band": [5e-7, 7e-7, 1.4e-6, 2e-6], "observed": 1.1e-6}
    return {
        "limits": [
            entry("magnetic_moment", "mu_B", None, 1.5e-10),
            entry("millicharge", "e", None, 5e-12),
            entry("dark_photon", "g_BL", 1e-3, 1e-6),
        ],
        "exclusion_curve": [
            {"mass_mev": 1e-3, "chi2": dict(point)},
            {"mass_mev": 10.0, "chi2": dict(point)},
        ],
        "provenance": {"cl": 0.9},
    }


def lay_out(root: Path, command: str) -> list[str]:
    """Good inputs for ``command`` under ``root``; returns the command line."""
    (root / "victim.txt").write_bytes(VICTIM)
    if command == "diagnostics":
        (root / "in").mkdir()
        shutil.copy(GOOD_WORKSPACE, root / "in" / "ws.json")
        (root / "run").mkdir()
        return ["diagnostics", str(root / "in" / "ws.json"), "-o", str(root / "run" / "a" / "out")]
    if command == "publish":
        figures = root / "results" / "figures"
        figures.mkdir(parents=True)
        (root / "results" / "results.json").write_text(json.dumps(good_results()))
        (figures / FIT_FIGURE).write_bytes(png())
        (figures / "fig6_dark_photon_exclusion.png").write_bytes(png(6, 5))
        (figures / "fig1_signal_spectra.pdf").write_bytes(PDF)
        shutil.copytree(SHIPPED, root / "workspaces", ignore=shutil.ignore_patterns("configs"))
        (root / "out").mkdir()
        (root / "out" / "kept.txt").write_bytes(VICTIM)
        return [
            "publish",
            "-o",
            str(root / "out"),
            "--results",
            str(root / "results"),
            "--workspaces",
            str(root / "workspaces"),
            "--force",
        ]
    if command == "reproduce":
        shutil.copytree(GOOD_CSV, root / "tpl")
        shutil.copytree(GOOD_CSV / "signals", root / "elsewhere")
        return ["reproduce", "--templates", str(root / "tpl"), "-o", str(root / "out")]
    if command == "combine-workspaces":
        (root / "in").mkdir()
        for stem in ("a", "b"):
            shutil.copy(SHIPPED / "xmass1_millicharge.json", root / "in" / f"{stem}.json")
            shutil.copy(SHIPPED / "xmass1_millicharge.meta.json", root / "in" / f"{stem}.meta.json")
        return ["combine", str(root / "in" / "a.json"), str(root / "in" / "b.json")]
    assert command == "combine"
    cards = [EXAMPLES / "xenon_tpc" / "card.yml", EXAMPLES / "germanium" / "card.yml"]
    out = root / "out" / "combined.json"
    return ["combine", *map(str, cards), "--model", "magnetic-moment", "-o", str(out)]


# ----------------------------------------------------------------------------- breakers
def channel(name: str | Callable[[Path], str]) -> Callable[[Path], None]:
    """Rename the workspace's channel (in channels and observations)."""

    def make(root: Path) -> None:
        path = root / "in" / "ws.json"
        ws = json.loads(path.read_text())
        new = name(root) if callable(name) else name
        ws["channels"][0]["name"] = new
        ws["observations"][0]["name"] = new
        path.write_text(json.dumps(ws))

    return make


def link(where: str, target: str | Callable[[Path], Path]) -> Callable[[Path], None]:
    """Replace ``root/where`` by a symbolic link to ``target`` (absolute, or under root)."""

    def make(root: Path) -> None:
        path = root / where
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        dest = target(root) if callable(target) else Path(target)
        path.symlink_to(dest)

    return make


def figure(name: str, blob: bytes) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        (root / "results" / "figures" / name).write_bytes(blob)

    return make


def results(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        path = root / "results" / "results.json"
        doc = json.loads(path.read_text())
        change(doc)
        path.write_text(json.dumps(doc))

    return make


def set_limit(i: int, key: str, value) -> Callable[[Path], None]:
    def change(doc: dict) -> None:
        doc["limits"][i][key] = value

    return results(change)


def sidecar_at(path: Path, key: str, value) -> None:
    """Set ``key`` of the sidecar at ``path`` and re-seal it, as a hostile author would (its
    own digest is a checksum against accidents, not a signature)."""
    from xhf.exceptions import InvalidInputError
    from xhf.workspace.sidecar import sidecar_document

    meta = json.loads(path.read_text())
    meta[key] = value
    try:
        meta = sidecar_document(meta, path.name)
    except InvalidInputError:  # the sidecar's own schema refuses the value: write it unsealed
        pass
    path.write_text(json.dumps(meta))


def sidecar(name: str, key: str, value) -> Callable[[Path], None]:
    return lambda root: sidecar_at(root / "workspaces" / name, key, value)


def duplicate(i: int, **changes) -> Callable[[Path], None]:
    def change(doc: dict) -> None:
        doc["limits"].append({**doc["limits"][i], **changes})

    return results(change)


def curve_point(change_point: Callable[[dict], None]) -> Callable[[Path], None]:
    def change(doc: dict) -> None:
        change_point(doc["exclusion_curve"])

    return results(change)


def add_args(*args: str) -> Callable[[Path], list[str]]:
    return lambda root: list(args)


def flat_parameter(root: Path) -> None:
    """A free normfactor on a sample with no events: the likelihood does not depend on it,
    Hesse finds a zero second derivative and the fit fails (for real, no monkeypatch)."""
    path = root / "in" / "ws.json"
    ws = json.loads(path.read_text())
    modifier = {"name": "k_dead", "type": "normfactor", "data": None}
    ws["channels"][0]["samples"].append(
        {"name": "dead", "data": [0.0, 0.0], "modifiers": [modifier]}
    )
    path.write_text(json.dumps(ws))


def output_link(root: Path) -> list[str]:
    """An existing output that is a link out of the output directory, and --force."""
    out = root / "run" / "a" / "out"
    out.mkdir(parents=True)
    (out / "sr_prefit.pdf").symlink_to(root / "victim.txt")
    return ["--force"]


def existing_output(root: Path) -> list[str]:
    out = root / "run" / "a" / "out"
    out.mkdir(parents=True)
    (out / "pulls.pdf").write_bytes(VICTIM)
    return ["--force"]


def fit_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """cabinetry's MIGRAD finding no valid minimum (its own error)."""
    import cabinetry

    def fail(*args, **kwargs):
        raise ValueError("Minimization failed, minimum is invalid.")

    monkeypatch.setattr(cabinetry.fit, "fit", fail)


class Case(NamedTuple):
    """One hostile input: command, how the good layout is broken, what the line must name."""

    name: str
    command: str
    make: Callable[[Path], object]
    names: tuple[str, ...]
    monkey: Callable[[pytest.MonkeyPatch], None] | None = None


def diag(name, make, names=("ws.json", "channel name"), monkey=None) -> Case:
    return Case(name, "diagnostics", make, names, monkey)


def linked(name: str, where: str, target, named: str) -> Case:
    """A symbolic link at ``where`` in the publish inputs."""
    return Case(name, "publish", link(where, target), (named, "symbolic link"))


def csv_link(name: str, where: str, target, named: str) -> Case:
    """A symbolic link in a CSV template directory (read by xhf reproduce --templates)."""
    return Case(name, "reproduce", link(f"tpl/{where}", target), (named, "symbolic link"))


def impostor(name: str, file: str, blob: bytes, *words: str) -> Case:
    """A figure whose bytes are not what its name says."""
    return Case(name, "publish", figure(file, blob), (file, "figure", *words))


def bad_result(name: str, make, field: str, *words: str) -> Case:
    """A results.json field that would publish a wrong number."""
    return Case(name, "publish", make, ("results.json", field, *words))


FIG = FIT_FIGURE
FIGS = "results/figures"
PDF_FIG = "fig1_signal_spectra.pdf"
_GOOD_BODY = png()[33:]
_CORRUPT = png()[:33] + chunk(b"IDAT", b"not zlib at all", crc=12345) + chunk(b"IEND", b"")
_MM_SIDECAR = "xmass1_magnetic_moment.meta.json"

CASES: list[Case] = [
    # names from a workspace that become file names (xhf diagnostics)
    diag("channel_dotdot", channel("../../VICTIM")),
    diag("channel_dotdot_deep", channel("../" * 12 + "tmp/x")),
    diag("channel_absolute", channel(lambda r: str(r / "VICTIM"))),
    diag("channel_absolute_etc", channel("/etc/xhf_victim")),
    diag("channel_slash", channel("signal/region")),
    diag("channel_backslash", channel("..\\..\\VICTIM")),
    diag("channel_dot", channel(".")),
    diag("channel_dotdot_only", channel("..")),
    diag("channel_hidden", channel(".bashrc")),
    diag("channel_option_like", channel("-rf")),
    diag("channel_home", channel("~/VICTIM")),
    diag("channel_nul", channel("sr\x00.pdf")),
    diag("channel_newline", channel("sr\nError: fake")),
    diag("channel_escape", channel("sr\x1b[2J")),
    diag("channel_empty", channel("")),
    diag("channel_long_101", channel("c" * 101)),
    diag("channel_very_long", channel("c" * 5000)),
    diag("channel_unicode_slash", channel("sr\u2215x")),
    diag("output_is_link_out", output_link, ("sr_prefit.pdf", "outside")),
    # a fit that does not converge leaves nothing (no empty directory either)
    diag("fit_does_not_converge", lambda r: None, ("ws.json", "fit"), fit_fails),
    diag("fit_flat_parameter", flat_parameter, ("ws.json", "fit", "did not converge")),
    diag("fit_fails_existing_output", existing_output, ("ws.json", "fit"), fit_fails),
    # links in input trees (xhf publish, xhf reproduce --templates)
    linked("figure_link_out", f"{FIGS}/{FIG}", "/etc/passwd", FIG),
    linked("figure_link_in", f"{FIGS}/{FIG}", lambda r: r / "results" / "results.json", FIG),
    linked("figure_link_relative", f"{FIGS}/{FIG}", Path("../../victim.txt"), FIG),
    linked("figure_link_dangling", f"{FIGS}/{FIG}", "/nonexistent/x.png", FIG),
    linked(
        "figure_link_to_png",
        f"{FIGS}/{FIG}",
        lambda r: r / FIGS / "fig6_dark_photon_exclusion.png",
        FIG,
    ),
    linked("figure_dir_link", f"{FIGS}/sub", "/etc", "sub"),
    linked("figures_dir_link", FIGS, "/etc", "figures"),
    linked("results_json_link", "results/results.json", lambda r: r / "victim.txt", "results.json"),
    linked(
        "workspace_link",
        "workspaces/xmass1_magnetic_moment.json",
        lambda r: r / "workspaces" / "xmass1_millicharge.json",
        "xmass1_magnetic_moment.json",
    ),
    linked("sidecar_link_dangling", f"workspaces/{_MM_SIDECAR}", "/nonexistent", _MM_SIDECAR),
    csv_link("csv_table_link_out", "c.csv", "/etc/passwd", "c.csv"),
    csv_link(
        "csv_signal_link_in",
        "signals/magnetic_moment.csv",
        lambda r: r / "tpl" / "c.csv",
        "magnetic_moment.csv",
    ),
    csv_link("csv_index_link", "templates.json", lambda r: r / "victim.txt", "templates.json"),
    csv_link("csv_signals_dir_link", "signals", lambda r: r / "elsewhere", "signals"),
    # files that are not the images they claim to be
    impostor("png_is_text", FIG, b"root:x:0:0:root:/root:/bin/bash\n", "not a PNG"),
    impostor("png_is_pdf", FIG, PDF, "not a PNG"),
    impostor("png_empty", FIG, b"", "not a PNG"),
    impostor("png_signature_only", FIG, b"\x89PNG\r\n\x1a\n", "IHDR"),
    impostor("png_bad_header_crc", FIG, png_header(4, 3, crc=0) + _GOOD_BODY, "checksum"),
    impostor("png_zero_width", FIG, png_header(0, 3) + _GOOD_BODY, "0 x 3"),
    impostor("png_bad_depth", FIG, png_header(4, 3, depth=7) + _GOOD_BODY, "bit depth"),
    impostor("png_corrupt_body", FIG, _CORRUPT, "readable"),
    impostor("png_huge_dimensions", FIG, png_header(100_000, 100_000) + _GOOD_BODY, "too large"),
    impostor("png_uppercase_suffix", "FIG9.PNG", b"GIF89a", "not a PNG"),
    impostor("pdf_is_png", PDF_FIG, png(), "not a PDF"),
    impostor("pdf_truncated", PDF_FIG, PDF[:-7], "not a PDF"),
    Case(
        "figure_name_newline",
        "publish",
        figure("fig\nx.png", png()),
        ("file name", "cannot be a file name"),
    ),
    # results.json: numbers that would publish wrong limits
    bad_result("limit_negative", set_limit(0, "expected", -1.5e-10), "limits[0]'.expected"),
    bad_result("limit_zero_observed", set_limit(0, "observed", 0.0), "limits[0]'.observed"),
    bad_result("limit_nan", set_limit(1, "observed", float("nan")), "limits[1]'.observed"),
    bad_result("limit_inf", set_limit(1, "expected", float("inf")), "limits[1]'.expected"),
    bad_result("paper_negative", set_limit(1, "paper", -5e-12), "limits[1]'.paper", "positive"),
    bad_result("mass_negative", set_limit(2, "mass_mev", -1e-3), "limits[2]'.mass_mev"),
    bad_result(
        "band_negative",
        set_limit(0, "expected_band", [-1e-10, 1e-10, 2e-10, 3e-10]),
        "limits[0]'.expected_band[0]",
        "positive",
    ),
    bad_result(
        "band_not_ordered",
        set_limit(0, "expected_band", [2e-10, 1e-10, 3e-10, 4e-10]),
        "limits[0]'.expected_band",
        "increase",
    ),
    bad_result("unit_wrong", set_limit(0, "unit", "muB"), "limits[0]'.unit", "'mu_B'"),
    bad_result("unit_of_another_model", set_limit(2, "unit", "e"), "limits[2]'.unit", "'g_BL'"),
    bad_result("analysis_unknown", set_limit(0, "analysis", "axion"), "limits[0]'.analysis"),
    bad_result(
        "conflicting_entries",
        duplicate(0, observed=9e-10),
        "limits[3]' and 'limits[0]'",
        "different values",
    ),
    bad_result(
        "conflicting_curve_points",
        curve_point(lambda c: c.append({**c[0], "chi2": {**c[0]["chi2"], "observed": 3e-6}})),
        "exclusion_curve",
        "different values",
    ),
    bad_result(
        "curve_negative",
        curve_point(lambda c: c[0]["chi2"].update(expected=-1e-6)),
        "exclusion_curve'[0].chi2.expected",
        "positive",
    ),
    bad_result("cl_above_one", results(lambda d: d["provenance"].update(cl=1.5)), "provenance.cl"),
    bad_result("cl_zero", results(lambda d: d["provenance"].update(cl=0)), "provenance.cl"),
    bad_result("cl_percent", set_limit(0, "cl", 90), "limits[0]'.cl", "between 0 and 1"),
    Case(
        "measurement_path",
        "publish",
        sidecar(_MM_SIDECAR, "measurement", "../../victim"),
        (_MM_SIDECAR, "measurement", "cannot be a file name"),
    ),
    # names that become file names, and command-line names that must exist (xhf combine)
    Case(
        "combine_analysis_path",
        "combine-workspaces",
        lambda r: sidecar_at(r / "in" / "a.meta.json", "analysis", "../../evil"),
        ("a.meta.json", "analysis"),
    ),
    Case(
        "correlate_typo",
        "combine",
        add_args("--correlate", "atomic_modle"),
        ("--correlate", "atomic_modle", "atomic_model"),
    ),
    Case(
        "correlate_poi", "combine", add_args("--correlate", "mu"), ("--correlate", "'mu'", "known")
    ),
]


def test_the_case_names_are_unique():
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_exits_2_with_one_line_and_writes_nothing(case, tmp_path, monkeypatch):
    if case.command == "diagnostics":
        pytest.importorskip("cabinetry")
    args = lay_out(tmp_path, case.command)
    extra = case.make(tmp_path)
    if extra:
        args += extra
    if case.monkey is not None:
        case.monkey(monkeypatch)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    result = CliRunner().invoke(cli, args)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), lines[0]
    for name in case.names:
        assert name in lines[0], (name, lines[0])
    assert "Traceback" not in result.output
    assert snapshot(tmp_path) == before


def test_the_good_layouts_pass(tmp_path, monkeypatch):
    """The layouts every case breaks: publish's inputs pass every check above, diagnostics
    writes only into its output directory."""
    pytest.importorskip("cabinetry")
    from xhf.publish import check_units, load_analysis_inputs, load_results
    from xhf.publish.figures import find_figures
    from xhf.replica.publication import ANALYSES

    lay_out(tmp_path, "publish")
    loaded = load_results(tmp_path / "results")
    check_units(loaded, load_analysis_inputs(tmp_path / "workspaces", ANALYSES))
    assert [p.name for p in find_figures(tmp_path / "results" / "figures")] == [
        FIT_FIGURE,
        "fig6_dark_photon_exclusion.png",
    ]
    root = tmp_path / "diag"
    root.mkdir()
    args = lay_out(root, "diagnostics")
    monkeypatch.chdir(root)
    before = snapshot(root)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    after = snapshot(root)
    new = sorted(set(after) - set(before))
    assert new and all(k.startswith(os.path.join("run", "a")) for k in new), new
    assert {k: v for k, v in after.items() if k in before} == before
