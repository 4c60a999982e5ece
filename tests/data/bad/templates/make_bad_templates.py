"""Write the bad template files of tests/data/bad/templates/ (seeded; run it to regenerate).

    python tests/data/bad/templates/make_bad_templates.py

Every file starts from :func:`base`, a small valid TemplateSet written with
``xhf.templates.write_templates``: one channel ``c`` of 4 bins (2, 4, 6, 8, 10 keV) with the
backgrounds ``bkg`` (stat error, norm uncertainty, histosys ``shape``) and ``bkg2`` (free),
the datasets ``asimov`` and ``pseudo_poisson``, and the signal ``magnetic_moment`` (one part
``signal``, power 2). The good files (``good.root``, ``good.npz``, ``good_csv/``) read and
validate; ``xhf reproduce`` on them stops before any fit with ``no signal 'millicharge'``, so
that a case that wrongly reads never starts a long run. Each bad file is the good one damaged
in one place; tests/bad_inputs/test_bad_templates.py runs each through the command line and
holds the exact text each error must contain. ROOT bytes differ on every run (uproot stamps
times and a UUID); the NPZ and CSV bytes are the same.

ROOT (``xhf reproduce --templates F``; the ``build_*.yml`` configs read some with ``xhf build``):

==================================  ========================================================
file                                what it is -> what the error must say
==================================  ========================================================
root_garbage.root                   2 KiB of random bytes -> not a readable ROOT file
root_empty.root                     0 bytes -> not a readable ROOT file
root_truncated.root                 the first 60 % of good.root -> cannot read/list
root_no_metadata.root               histograms without ``xhf_metadata`` -> not a template file
root_missing_histogram.root         ``c/bkg2`` left out -> no histogram 'c/bkg2'
root_missing_key.root               a background without ``stat_error`` -> field ... missing
root_text_reference.root            ``"reference": "1e-10"`` -> must be a number, not str
root_not_a_histogram.root           ``c/bkg`` is a TObjString -> not a 1D histogram
root_mev_axis.root                  axes titled ``energy [MeV]``, edges in MeV -> x axis in MeV
root_nan.root                       ``c/bkg`` bin 1 is NaN -> histogram, bin 1 (4 to 6)
root_inf_variance.root              ``c/bkg`` sumw2 bin 2 is inf -> variance, bin 2 (6 to 8)
root_negative_background.root       ``c/bkg2`` bin 2 is -5 -> negative, bin 2 (6 to 8)
root_mismatched_binning.root        ``c/bkg2`` edge 3 at 9 keV -> binning differs, edge 3
root_duplicated_sample.root         ``bkg`` listed twice -> duplicated background name
root_undescribed_histogram.root     an extra ``c/kr85`` -> not described in xhf_metadata
root_huge.root                      ``c/bkg`` bin 3 is 1e300 -> more than 1e15 events
root_zero_background.root           both backgrounds 0 in bin 3 -> no background (builder)
==================================  ========================================================

NPZ (``xhf reproduce --templates F``):

==================================  ========================================================
npz_garbage.npz                     2 KiB of random bytes -> not an NPZ archive
npz_empty.npz                       0 bytes -> not an NPZ archive
npz_truncated.npz                   the first 60 % of good.npz -> not an NPZ archive
npz_missing_array.npz               no ``c/bkg_stat`` -> no array 'c/bkg_stat'
npz_missing_key.npz                 the document has no ``signals`` -> field signals missing
npz_metadata_not_text.npz           ``xhf_metadata`` is a float array -> not a string array
npz_metadata_raw_json.npz           ``xhf_metadata.npy`` is raw JSON -> not a NumPy array
npz_text_array.npz                  ``c/bkg`` holds strings -> holds text, not numbers
npz_list_unit.npz                   ``"unit": ["mu_B"]`` -> must be a str, not list
npz_nan.npz                         ``c/data_pseudo_poisson`` bin 0 NaN -> bin 0 (2 to 4)
npz_inf_stat.npz                    ``c/bkg_stat`` bin 2 inf -> bin 2 (6 to 8) not finite
npz_negative_background.npz         ``c/bkg`` bin 1 is -3 -> bin 1 (4 to 6) is negative
npz_wrong_length.npz                ``c/bkg2`` has 5 bins -> has 5 bins, the channel has 4
npz_decreasing_edges.npz            ``c/bin_edges`` 2, 4, 8, 6, 10 -> edges must increase
npz_duplicated_array.npz            two zip members ``c/bkg.npy`` -> stored twice
npz_undescribed_array.npz           an extra ``c/kr85`` -> not described in xhf_metadata
npz_huge.npz                        ``c/bkg2`` bin 3 is 1e300 -> more than 1e15 events
npz_zero_background.npz             both backgrounds 0 in bin 3 -> no background (builder)
==================================  ========================================================

CSV directories (``xhf reproduce --templates DIR``; an empty directory, which git cannot
store, is made by the test):

==================================  ========================================================
csv_garbage/                        c.csv is random bytes -> not a readable CSV file
csv_garbage_index/                  templates.json is random bytes -> cannot read
csv_truncated/                      c.csv cut inside its last row -> line 5 has 3 fields
csv_truncated_index/                templates.json cut in half -> not valid JSON
csv_empty_index/                    templates.json is 0 bytes -> not valid JSON
csv_empty_table/                    c.csv is 0 bytes -> needs a header and a row
csv_missing_column/                 no ``bkg_stat`` column -> no column 'bkg_stat'
csv_missing_table/                  no signals/magnetic_moment.csv -> no such file
csv_missing_key/                    a signal without ``reference`` -> field ... missing
csv_text_cell/                      ``fifty`` in ``bkg`` bin 1 -> 'fifty' is not a number
csv_text_norm_uncertainty/          ``"norm_uncertainty": "0.1"`` -> must be a number
csv_mev_columns/                    ``low_MeV,high_MeV`` with MeV edges -> edges in MeV
csv_nan/                            ``nan`` in ``bkg2`` bin 0 -> bin 0 (2 to 4) not finite
csv_inf/                            ``inf`` in the signal, bin 2 -> bin 2 (6 to 8)
csv_negative_background/            ``-5.0`` in ``bkg2`` bin 2 -> bin 2 (6 to 8) negative
csv_mismatched_binning/             the signal's last edge at 12 keV -> binning differs
csv_gap/                            bin 2 of c.csv starts at 6.5 keV -> a gap after bin 1
csv_duplicated_column/              ``bkg`` twice in the header -> appears twice
csv_huge/                           ``1e300`` in ``bkg`` bin 3 -> more than 1e15 events
csv_zero_background/                both backgrounds 0 in bin 3 -> no background (builder)
==================================  ========================================================

``xhf build`` configs (each the same analysis of one bad ROOT file): build_nan.yml,
build_huge.yml, build_mev_axis.yml, build_mismatched_binning.yml, build_zero_background.yml.
"""

from __future__ import annotations

import io
import itertools
import json
import shutil
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from xhf.templates import Channel, Sample, Signal, TemplateSet, Variation, write_templates
from xhf.templates.io.layout import encode_document, table_arrays, tables, to_document

HERE = Path(__file__).resolve().parent
SEED = 20200522
EDGES = np.array([2.0, 4.0, 6.0, 8.0, 10.0])
_EPOCH = (1980, 1, 1, 0, 0, 0)

#: The committed configs read the ROOT files named here with ``xhf build``.
BUILD_CASES = ("nan", "huge", "mev_axis", "mismatched_binning", "zero_background")


def base(*, zero_bin: int | None = None) -> TemplateSet:
    """The small valid TemplateSet every file starts from (``zero_bin``: no background there)."""
    rng = np.random.default_rng(SEED)
    bkg_yields = np.array([60.0, 50.0, 40.0, 30.0])
    bkg2_yields = np.array([30.0, 20.0, 15.0, 10.0])
    asimov = bkg_yields + bkg2_yields
    pseudo = rng.poisson(asimov).astype(float)
    if zero_bin is not None:
        bkg_yields[zero_bin] = bkg2_yields[zero_bin] = 0.0
    bkg = Sample(
        name="bkg",
        yields=bkg_yields,
        stat_error=np.array([4.0, 3.5, 3.0, 2.5]),
        norm_uncertainty=0.1,
        variations=(Variation("shape", bkg_yields * 1.1, bkg_yields * 0.9),),
    )
    bkg2 = Sample(name="bkg2", yields=bkg2_yields, free=True)
    channel = Channel(
        name="c",
        bin_edges=EDGES,
        backgrounds=(bkg, bkg2),
        data={"asimov": asimov, "pseudo_poisson": pseudo},
    )
    part = Sample(name="signal", yields=np.array([5.0, 3.0, 1.0, 0.5]), stat_error=np.full(4, 0.1))
    signal = Signal(
        name="magnetic_moment",
        channel="c",
        parts=(part,),
        parameter="mu_nu",
        unit="mu_B",
        reference=1e-10,
        powers=(2,),
        metadata={"model": "magnetic-moment", "flavor": "all"},
    )
    return TemplateSet(
        (channel,),
        (signal,),
        {"experiment": "xmass1", "pseudo_data": True, "note": "base of the bad-template corpus"},
    )


# ---------------------------------------------------------------------------------------------
# ROOT: the layout of write_root as plain histograms, damaged, written with uproot


class Hist(NamedTuple):
    """A TH1D to write: contents, sumw2 (None: no sumw2), edges (keV) and x-axis title."""

    values: Any
    variances: Any
    edges: Any
    axis: str = "energy [keV]"


def root_layout(ts: TemplateSet) -> tuple[dict[str, Any], dict[str, Hist | str]]:
    """The document and ``{key: histogram}`` of a TemplateSet, as write_root lays it out."""
    doc = to_document(ts)
    arrays = table_arrays(ts)
    objects: dict[str, Hist | str] = {}
    for table in tables(doc, "base"):
        cols = arrays[table.path]
        for col in table.columns:
            stat = None if col.stat is None else np.asarray(cols[col.stat]) ** 2
            objects[f"{table.path}/{col.name}"] = Hist(cols[col.name], stat, EDGES)
    return doc, objects


def _th1d(hist: Hist) -> Any:
    import uproot

    values = np.asarray(hist.values, dtype=float)
    edges = np.asarray(hist.edges, dtype=float)
    sumw2 = None if hist.variances is None else np.concatenate([[0.0], hist.variances, [0.0]])
    axis = uproot.writing.identify.to_TAxis(
        "xaxis", hist.axis, len(edges) - 1, float(edges[0]), float(edges[-1]), fXbins=edges
    )
    with np.errstate(all="ignore"):
        total = float(np.sum(values))
    return uproot.writing.identify.to_TH1x(
        fName=None,
        fTitle="",
        data=np.concatenate([[0.0], values, [0.0]]),
        fEntries=total,
        fTsumw=total,
        fTsumw2=total,
        fTsumwx=0.0,
        fTsumwx2=0.0,
        fSumw2=sumw2,
        fXaxis=axis,
    )


def write_root_file(path: Path, doc: dict[str, Any] | str | None, objects: dict) -> None:
    """A ROOT file with the document (a dict, raw text, or None for none) and the objects."""
    import uproot

    with uproot.recreate(path) as out:
        if doc is not None:
            out["xhf_metadata"] = doc if isinstance(doc, str) else encode_document(doc)
        for key, obj in objects.items():
            out[key] = obj if isinstance(obj, str) else _th1d(obj)


def root_cases(good: bytes, rng: np.random.Generator) -> dict[str, Callable[[Path], None]]:
    def damaged(change: Callable[[dict, dict], Any]) -> Callable[[Path], None]:
        def write(path: Path) -> None:
            doc, objects = root_layout(base())
            result = change(doc, objects)
            write_root_file(path, result if result is not None else doc, objects)

        return write

    def values(objects: dict, key: str, i: int, value: float, *, variance: bool = False) -> None:
        hist = objects[key]
        field = "variances" if variance else "values"
        array = np.array(getattr(hist, field), dtype=float)
        array[i] = value
        objects[key] = hist._replace(**{field: array})

    def no_stat_error(doc: dict, objects: dict) -> None:
        del doc["channels"][0]["backgrounds"][0]["stat_error"]

    def text_reference(doc: dict, objects: dict) -> None:
        doc["signals"][0]["reference"] = "1e-10"

    def mev_axis(doc: dict, objects: dict) -> None:
        for key, hist in objects.items():
            objects[key] = hist._replace(edges=EDGES / 1000.0, axis="energy [MeV]")

    def mismatched(doc: dict, objects: dict) -> None:
        objects["c/bkg2"] = objects["c/bkg2"]._replace(edges=np.array([2.0, 4.0, 6.0, 9.0, 10.0]))

    def duplicated(doc: dict, objects: dict) -> None:
        backgrounds = doc["channels"][0]["backgrounds"]
        backgrounds.append(dict(backgrounds[0]))

    def undescribed(doc: dict, objects: dict) -> None:
        objects["c/kr85"] = Hist(np.array([3.0, 2.0, 1.0, 0.5]), None, EDGES)

    def zero_background(path: Path) -> None:
        doc, objects = root_layout(base(zero_bin=3))
        write_root_file(path, doc, objects)

    def no_metadata(path: Path) -> None:
        write_root_file(path, None, root_layout(base())[1])

    return {
        "root_garbage.root": lambda p: p.write_bytes(rng.bytes(2048)),
        "root_empty.root": lambda p: p.write_bytes(b""),
        "root_truncated.root": lambda p: p.write_bytes(good[: int(0.6 * len(good))]),
        "root_no_metadata.root": no_metadata,
        "root_missing_histogram.root": damaged(lambda d, o: o.pop("c/bkg2", None) and None),
        "root_missing_key.root": damaged(no_stat_error),
        "root_text_reference.root": damaged(text_reference),
        "root_not_a_histogram.root": damaged(lambda d, o: o.update({"c/bkg": "60 50 40 30"})),
        "root_mev_axis.root": damaged(mev_axis),
        "root_nan.root": damaged(lambda d, o: values(o, "c/bkg", 1, np.nan)),
        "root_inf_variance.root": damaged(
            lambda d, o: values(o, "c/bkg", 2, np.inf, variance=True)
        ),
        "root_negative_background.root": damaged(lambda d, o: values(o, "c/bkg2", 2, -5.0)),
        "root_mismatched_binning.root": damaged(mismatched),
        "root_duplicated_sample.root": damaged(duplicated),
        "root_undescribed_histogram.root": damaged(undescribed),
        "root_huge.root": damaged(lambda d, o: values(o, "c/bkg", 3, 1e300)),
        "root_zero_background.root": zero_background,
    }


# ---------------------------------------------------------------------------------------------
# NPZ: the members of good.npz, damaged, written as write_npz does (stored, fixed times)


def npz_members(path: Path) -> list[tuple[str, Any]]:
    """``[(key, array)]`` of an archive, in file order."""
    with np.load(path, allow_pickle=False) as npz:
        return [(key, npz[key]) for key in npz.files]


def write_npz_members(path: Path, members: list[tuple[str, Any]]) -> None:
    """A zip of ``.npy`` members (``bytes`` are stored as they are), like write_npz."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, value in members:
            if isinstance(value, bytes):
                data = value
            else:
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.asarray(value), allow_pickle=False)
                data = buffer.getvalue()
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # a duplicated name, on purpose
                archive.writestr(info, data)


def npz_cases(good: Path, rng: np.random.Generator) -> dict[str, Callable[[Path], None]]:
    good_bytes = good.read_bytes()

    def damaged(change: Callable[[dict[str, Any], list[tuple[str, Any]]], Any]):
        def write(path: Path) -> None:
            members = npz_members(good)
            doc = json.loads(str(dict(members)["xhf_metadata"]))
            change(doc, members)
            members = [
                (k, np.array(encode_document(doc)) if k == "xhf_metadata" and _is_doc(v) else v)
                for k, v in members
            ]
            write_npz_members(path, members)

        return write

    def replace(key: str, new: Any) -> Callable[[dict, list], None]:
        def change(doc: dict, members: list) -> None:
            i = [k for k, _ in members].index(key)
            members[i] = (key, new(np.array(members[i][1])))

        return change

    def set_bin(i: int, value: float) -> Callable[[Any], Any]:
        def edit(array: Any) -> Any:
            array[i] = value
            return array

        return edit

    def drop(key: str) -> Callable[[dict, list], None]:
        return lambda doc, members: members.remove(next(m for m in members if m[0] == key))

    def zero_background(path: Path) -> None:
        write_templates(base(zero_bin=3), path)

    def duplicated(doc: dict, members: list) -> None:
        members.append(("c/bkg", np.array([1.0, 2.0, 3.0, 4.0])))

    def raw_metadata(doc: dict, members: list) -> None:
        members[0] = ("xhf_metadata", encode_document(doc).encode())

    return {
        "npz_garbage.npz": lambda p: p.write_bytes(rng.bytes(2048)),
        "npz_empty.npz": lambda p: p.write_bytes(b""),
        "npz_truncated.npz": lambda p: p.write_bytes(good_bytes[: int(0.6 * len(good_bytes))]),
        "npz_missing_array.npz": damaged(drop("c/bkg_stat")),
        "npz_missing_key.npz": damaged(lambda doc, m: doc.pop("signals")),
        "npz_metadata_not_text.npz": damaged(replace("xhf_metadata", lambda a: np.zeros(3))),
        "npz_metadata_raw_json.npz": damaged(raw_metadata),
        "npz_text_array.npz": damaged(replace("c/bkg", lambda a: a.astype(str))),
        "npz_list_unit.npz": damaged(lambda doc, m: doc["signals"][0].update(unit=["mu_B"])),
        "npz_nan.npz": damaged(replace("c/data_pseudo_poisson", set_bin(0, np.nan))),
        "npz_inf_stat.npz": damaged(replace("c/bkg_stat", set_bin(2, np.inf))),
        "npz_negative_background.npz": damaged(replace("c/bkg", set_bin(1, -3.0))),
        "npz_wrong_length.npz": damaged(replace("c/bkg2", lambda a: np.append(a, 5.0))),
        "npz_decreasing_edges.npz": damaged(
            replace("c/bin_edges", lambda a: np.array([2.0, 4.0, 8.0, 6.0, 10.0]))
        ),
        "npz_duplicated_array.npz": damaged(duplicated),
        "npz_undescribed_array.npz": damaged(
            lambda doc, m: m.append(("c/kr85", np.array([3.0, 2.0, 1.0, 0.5])))
        ),
        "npz_huge.npz": damaged(replace("c/bkg2", set_bin(3, 1e300))),
        "npz_zero_background.npz": zero_background,
    }


def _is_doc(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind == "U"


# ---------------------------------------------------------------------------------------------
# CSV: a copy of good_csv/ with one text edit


def _edit_cell(text: str, column: str, row: int, cell: str) -> str:
    lines = text.splitlines()
    j = lines[0].split(",").index(column)
    fields = lines[row + 1].split(",")
    fields[j] = cell
    lines[row + 1] = ",".join(fields)
    return "\n".join(lines) + "\n"


def csv_cases(good: Path, rng: np.random.Generator) -> dict[str, Callable[[Path], None]]:
    def damaged(name: str, change: Callable[[str], str | bytes | None]):
        def write(path: Path) -> None:
            shutil.copytree(good, path)
            file = path / name
            new = change(file.read_text())
            if new is None:
                file.unlink()
                if file.parent != path and not any(file.parent.iterdir()):
                    file.parent.rmdir()  # git keeps no empty directory
            elif isinstance(new, bytes):
                file.write_bytes(new)
            else:
                file.write_text(new)

        return write

    def document(change: Callable[[dict], None]) -> Callable[[str], str]:
        def edit(text: str) -> str:
            doc = json.loads(text)
            change(doc)
            return json.dumps(doc, indent=2, sort_keys=True) + "\n"

        return edit

    def cell(column: str, row: int, value: str) -> Callable[[str], str]:
        return lambda text: _edit_cell(text, column, row, value)

    def drop_column(text: str) -> str:
        rows = [line.split(",") for line in text.splitlines()]
        j = rows[0].index("bkg_stat")
        return "\n".join(",".join(r[:j] + r[j + 1 :]) for r in rows) + "\n"

    def duplicate_column(text: str) -> str:
        rows = [line.split(",") for line in text.splitlines()]
        j = rows[0].index("bkg")
        return "\n".join(",".join([*r, r[j]]) for r in rows) + "\n"

    def mev_columns(text: str) -> str:
        lines = text.splitlines()
        lines[0] = lines[0].replace("low_kev,high_kev", "low_MeV,high_MeV")
        for k, (lo, hi) in enumerate(itertools.pairwise(EDGES), start=1):
            fields = lines[k].split(",")
            fields[:2] = [repr(lo / 1000.0), repr(hi / 1000.0)]
            lines[k] = ",".join(fields)
        return "\n".join(lines) + "\n"

    def cut_last_row(text: str) -> str:
        lines = text.splitlines()
        return "\n".join(lines[:-1]) + "\n" + ",".join(lines[-1].split(",")[:3])

    def zero_background(path: Path) -> None:
        write_templates(base(zero_bin=3), path)

    return {
        "csv_garbage": damaged("c.csv", lambda t: rng.bytes(2048)),
        "csv_garbage_index": damaged("templates.json", lambda t: rng.bytes(2048)),
        "csv_truncated": damaged("c.csv", cut_last_row),
        "csv_truncated_index": damaged("templates.json", lambda t: t[: len(t) // 2]),
        "csv_empty_index": damaged("templates.json", lambda t: b""),
        "csv_empty_table": damaged("c.csv", lambda t: b""),
        "csv_missing_column": damaged("c.csv", drop_column),
        "csv_missing_table": damaged("signals/magnetic_moment.csv", lambda t: None),
        "csv_missing_key": damaged(
            "templates.json", document(lambda d: d["signals"][0].pop("reference"))
        ),
        "csv_text_cell": damaged("c.csv", cell("bkg", 1, "fifty")),
        "csv_text_norm_uncertainty": damaged(
            "templates.json",
            document(lambda d: d["channels"][0]["backgrounds"][0].update(norm_uncertainty="0.1")),
        ),
        "csv_mev_columns": damaged("c.csv", mev_columns),
        "csv_nan": damaged("c.csv", cell("bkg2", 0, "nan")),
        "csv_inf": damaged("signals/magnetic_moment.csv", cell("signal", 2, "inf")),
        "csv_negative_background": damaged("c.csv", cell("bkg2", 2, "-5.0")),
        "csv_mismatched_binning": damaged(
            "signals/magnetic_moment.csv", cell("high_kev", 3, "12.0")
        ),
        "csv_gap": damaged("c.csv", cell("low_kev", 2, "6.5")),
        "csv_duplicated_column": damaged("c.csv", duplicate_column),
        "csv_huge": damaged("c.csv", cell("bkg", 3, "1e300")),
        "csv_zero_background": zero_background,
    }


# ---------------------------------------------------------------------------------------------
# xhf build configs over one ROOT file each

CONFIG = """\
# xhf build on {root}; tests/bad_inputs/test_bad_templates.py holds the expected error.
version: 1
measurement:
  poi_bounds: [0, 20]
channels:
  - name: c
    data:
      observed: {{file: {root}, histogram: c/data_pseudo_poisson}}
backgrounds:
  - name: bkg
    file: {root}
    histogram: c/bkg
    norm_uncertainty: 0.1
    variations:
      - {{name: shape, up: c/bkg__shape_up, down: c/bkg__shape_down}}
  - name: bkg2
    file: {root}
    histogram: c/bkg2
    free: true
signals:
  - name: magnetic_moment
    model: magnetic-moment
    parameter: mu_nu
    unit: mu_B
    reference: 1.0e-10
    file: {root}
    parts:
      - {{histogram: signals/magnetic_moment/signal, power: 2}}
"""


def main(out: Path = HERE) -> None:
    """Write the corpus into ``out`` (replacing the files it writes there)."""
    for old in out.iterdir():
        if old.name.startswith(("root_", "npz_", "csv_", "build_", "good")):
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    rng = np.random.default_rng(SEED)
    write_templates(base(), out / "good.root")
    write_templates(base(), out / "good.npz")
    write_templates(base(), out / "good_csv")
    cases = {
        **root_cases((out / "good.root").read_bytes(), rng),
        **npz_cases(out / "good.npz", rng),
        **csv_cases(out / "good_csv", rng),
    }
    for name, write in cases.items():
        write(out / name)
    for case in BUILD_CASES:
        (out / f"build_{case}.yml").write_text(CONFIG.format(root=f"root_{case}.root"))
    print(f"wrote {len(cases)} bad template files and {len(BUILD_CASES)} configs to {out}")


if __name__ == "__main__":
    main()
