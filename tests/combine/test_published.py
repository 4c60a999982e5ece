"""Cards take published tables as they come: bin centres and edges, columns by name or
position, efficiencies from 0 keV with a band, observed data as a rate, background components.

Every expectation is computed here by hand (an analytic integral, a sum over bins, a card that
states the same thing the historic way), not read back from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from xhf.combine import build_experiment_workspace, load_card, read_card
from xhf.detector import TabulatedEfficiency
from xhf.exceptions import InvalidInputError

TONNE_YEAR_KG_DAY = 1000.0 * 365.25


def _card(folder, tables: dict[str, str], **fields):
    """A card in ``folder`` with the given table files; fields replace the defaults."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {"events.txt": "1.5\n7.2\n", "flat.txt": "0 15\n40 15\n", **tables}
    for name, text in tables.items():
        (folder / name).write_text(text)
    doc = {
        "name": "pub",
        "target": "xenon",
        "exposure": {"value": 1.0, "unit": "tonne_year"},
        "energy_window_kev": [1, 30],
        "data": {"events_file": "events.txt"},
        "background": {"rate_file": "flat.txt", "normalization_uncertainty": 0.1},
        "resolution": {"a": 0.31, "b": 0.0037},
        **fields,
    }
    path = folder / "card.yml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _centres(step: float, high: float, fmt: str = "{:.4f}") -> list[str]:
    n = round(high / step)
    return [fmt.format((k + 0.5) * step) for k in range(n)]


def test_rate_at_bin_centres_is_the_integral_of_the_histogram(tmp_path):
    # 0.1 keV centres from 0.05 to 29.95 keV for a 1-30 keV window (refused before)
    centres = _centres(0.1, 30.0)
    text = "energy_kev,rate\n" + "".join(f"{c},{2 + 0.5 * float(c):.6f}\n" for c in centres)
    spec = {"file": "bkg.csv", "binning": "centres"}
    card = read_card(_card(tmp_path, {"bkg.csv": text}, background={"rate_file": spec}))
    lo, hi = card.edges_kev[:-1], card.edges_kev[1:]
    # a histogram of a linear rate sampled at its centres integrates it exactly
    exact = 2 * (hi - lo) + 0.25 * (hi**2 - lo**2)
    np.testing.assert_allclose(card.background_yields, exact, rtol=1e-9)
    assert card.normalization_uncertainty is None  # no constraint given: free, as before


def test_rounded_centres_of_third_of_a_kev_bins_tile_one_kev_bins(tmp_path):
    centres = _centres(1.0 / 3.0, 30.0, "{:.3f}")
    text = "".join(f"{c} 6\n" for c in centres)
    spec = {"file": "bkg.txt", "binning": "centres"}
    card = read_card(_card(tmp_path, {"bkg.txt": text}, background={"rate_file": spec}))
    np.testing.assert_allclose(card.background_yields, 6.0, rtol=1e-9)


def test_rate_between_bin_edges_sums_whole_table_bins(tmp_path):
    edges = [0.0, 0.5, 1.0, 1.25, 1.5, 2.0, *range(3, 31)]
    rates = [1000.0, 500.0, 8.0, 4.0, 2.0, *([1.0] * 28)]
    text = "".join(f"{a} {b} {r}\n" for a, b, r in zip(edges[:-1], edges[1:], rates, strict=True))
    spec = {"file": "bkg.txt", "binning": "edges"}
    card = read_card(_card(tmp_path, {"bkg.txt": text}, background={"rate_file": spec}))
    # 1-2 keV: 8 x 0.25 + 4 x 0.25 + 2 x 0.5; then 1 keV bins at rate 1
    np.testing.assert_allclose(card.background_yields, [4.0] + [1.0] * 28, rtol=1e-12)
    # a card bin that splits a table bin is refused, naming the edge
    with pytest.raises(
        InvalidInputError, match=r"bin edge 2.5 keV falls inside the table's bin 2-3"
    ):
        read_card(
            _card(
                tmp_path / "half",
                {"bkg.txt": text},
                bin_width_kev=0.5,
                background={"rate_file": spec},
            )
        )


@pytest.mark.parametrize(
    "header", ['"energy [keV]","a rate","b"', "energy_kev a_rate b"], ids=["csv", "spaces"]
)
def test_columns_by_name_and_by_position_agree(tmp_path, header):
    sep = "," if "," in header else " "
    rows = "".join(f"{e}{sep}{1 + e}{sep}{3 + 0.1 * e}\n" for e in (0, 10, 20, 40))
    name = "b"
    by_name = read_card(
        _card(
            tmp_path / "n",
            {"t.csv": header + "\n" + rows},
            background={"rate_file": {"file": "t.csv", "column": name}},
        )
    )
    by_position = read_card(
        _card(
            tmp_path / "p",
            {"t.csv": header + "\n" + rows},
            background={"rate_file": {"file": "t.csv", "column": 3}},
        )
    )
    lo, hi = by_name.edges_kev[:-1], by_name.edges_kev[1:]
    np.testing.assert_allclose(by_name.background_yields, 3 * (hi - lo) + 0.05 * (hi**2 - lo**2))
    np.testing.assert_array_equal(by_name.background_yields, by_position.background_yields)
    default = read_card(
        _card(
            tmp_path / "d",
            {"t.csv": header + "\n" + rows},
            background={"rate_file": {"file": "t.csv"}},
        )
    )
    np.testing.assert_allclose(default.background_yields, (hi - lo) + 0.5 * (hi**2 - lo**2))


def test_a_file_name_and_a_table_object_name_the_same_table(tmp_path):
    plain = read_card(_card(tmp_path / "a", {}))
    spec = read_card(
        _card(
            tmp_path / "b",
            {},
            background={"rate_file": {"file": "flat.txt"}, "normalization_uncertainty": 0.1},
        )
    )
    np.testing.assert_array_equal(plain.background_yields, spec.background_yields)
    assert plain.describe() | {"card": None} == spec.describe() | {"card": None}


def test_efficiency_may_start_at_zero_kev(tmp_path):
    text = "energy_kev,detection,total\n0,0,0\n2,0.8,0.7\n40,1,0.9\n"
    card = read_card(
        _card(tmp_path, {"eff.csv": text}, efficiency_file={"file": "eff.csv", "column": "total"})
    )
    np.testing.assert_allclose(card.efficiency(np.array([0.0, 1.0, 21.0])), [0.0, 0.35, 0.8])
    assert TabulatedEfficiency([0.0, 1.0], [0.0, 1.0])(0.5) == pytest.approx(0.5)
    with pytest.raises(InvalidInputError, match=r"energy_kev\[0\] = -1 must be >= 0"):
        TabulatedEfficiency([-1.0, 1.0], [0.0, 1.0])


def test_efficiency_at_bin_centres_holds_to_the_outer_edges(tmp_path):
    text = "".join(f"{c} {min(1.0, float(c) / 10):.4f}\n" for c in _centres(1.0, 30.0))
    spec = {"file": "eff.txt", "binning": "centres"}
    card = read_card(_card(tmp_path, {"eff.txt": text}, efficiency_file=spec))
    # the first bin 0-1 keV holds 0.05 down to 0 keV, the last holds 1 up to 30 keV
    np.testing.assert_allclose(
        card.efficiency(np.array([0.0, 0.5, 5.5, 30.0])), [0.05, 0.05, 0.55, 1]
    )


def test_rate_data_become_the_counts_they_came_from(tmp_path):
    rng = np.random.default_rng(7)
    counts = rng.poisson(3.0, 290)  # 0.1 keV bins over 1-30 keV
    tonne_year = 1.5
    rates = counts / (tonne_year * 0.1)
    centres = [f"{1.05 + 0.1 * k:.2f}" for k in range(290)]
    text = "centre,rate,error\n" + "".join(
        f"{c},{r:.6g},{np.sqrt(n) / 0.15:.3g}\n"
        for c, r, n in zip(centres, rates, counts, strict=True)
    )
    card = read_card(
        _card(
            tmp_path,
            {"data.csv": text},
            exposure={"value": tonne_year * TONNE_YEAR_KG_DAY, "unit": "kg_day"},
            data={"rate_file": {"file": "data.csv", "column": "rate", "binning": "centres"}},
        )
    )
    np.testing.assert_array_equal(card.data, counts.reshape(29, 10).sum(axis=1))
    # the same rates with the wrong exposure are not whole numbers of events
    first = int(np.flatnonzero(counts % 15)[0])  # 1.4 / 1.5 x n is whole only for n = 15 k
    low = 1.0 + 0.1 * first
    with pytest.raises(
        InvalidInputError, match=rf"line {first + 2}: bin {low:g}-{low + 0.1:g} keV"
    ):
        read_card(
            _card(
                tmp_path / "wrong",
                {"data.csv": text},
                exposure={"value": 1.4, "unit": "tonne_year"},
                data={"rate_file": {"file": "data.csv", "binning": "centres"}},
            )
        )


def test_background_components_are_samples_with_their_own_constraints(tmp_path):
    tables = {
        "model.csv": "energy_kev,radon,materials\n0,10,4\n40,10,8\n",
        "kr.txt": "".join(f"{c} 1.5\n" for c in _centres(0.5, 30.0)),
    }
    components = [
        {
            "name": "radon",
            "rate_file": {"file": "model.csv", "column": "radon"},
            "normalization_uncertainty": 0.1,
        },
        {
            "name": "materials",
            "rate_file": {"file": "model.csv", "column": "materials"},
            "normalization_uncertainty": 0.2,
        },
        {"name": "krypton", "rate_file": {"file": "kr.txt", "binning": "centres"}, "free": True},
    ]
    card = read_card(_card(tmp_path, tables, background={"components": components}))
    lo, hi = card.edges_kev[:-1], card.edges_kev[1:]
    radon, krypton = 10 * (hi - lo), 1.5 * (hi - lo)
    materials = 4 * (hi - lo) + 0.05 * (hi**2 - lo**2)
    parts = {c.name: c.yields for c in card.background_components}
    np.testing.assert_allclose(parts["radon"], radon)
    np.testing.assert_allclose(parts["materials"], materials)
    np.testing.assert_allclose(parts["krypton"], krypton)
    np.testing.assert_allclose(card.background_yields, radon + materials + krypton)

    lh = build_experiment_workspace(card, "magnetic-moment")
    workspace, sidecar = lh.workspace, lh.sidecar
    samples = {s["name"]: s for s in workspace["channels"][0]["samples"]}
    modifiers = {
        name: {(m["name"], m["type"]): m["data"] for m in samples[name]["modifiers"]}
        for name in ("pub_radon", "pub_materials", "pub_krypton")
    }
    assert modifiers["pub_radon"] == {("pub_norm_radon", "normsys"): {"hi": 1.1, "lo": 0.9}}
    assert modifiers["pub_materials"] == {("pub_norm_materials", "normsys"): {"hi": 1.2, "lo": 0.8}}
    assert modifiers["pub_krypton"] == {("pub_free_krypton", "normfactor"): None}
    asimov = load_card(card).channels[0].data["asimov"]
    np.testing.assert_allclose(asimov, radon + materials + krypton)
    assert [c["name"] for c in sidecar["experiment"]["background_components"]] == [
        "radon",
        "materials",
        "krypton",
    ]


def test_efficiency_band_is_a_histosys_of_the_signal(tmp_path):
    rows = [
        (e, 0.9 * e / (e + 2), 0.8 * e / (e + 2), min(1.0, e / (e + 2))) for e in range(0, 41, 2)
    ]
    text = "E,eff,eff_lo,eff_hi\n" + "".join(
        f"{e},{n:.5f},{lo:.5f},{hi:.5f}\n" for e, n, lo, hi in rows
    )
    band = {"file": "eff.csv", "column": "eff", "lower_column": "eff_lo", "upper_column": "eff_hi"}
    lh = build_experiment_workspace(
        _card(tmp_path / "band", {"eff.csv": text}, efficiency_file=band), "magnetic-moment"
    )
    workspace = lh.workspace
    signal = next(s for s in workspace["channels"][0]["samples"] if s["name"] == "signal")
    histosys = next(m for m in signal["modifiers"] if m["name"] == "pub_efficiency")
    assert histosys["type"] == "histosys"
    # the band's edges are the signal of a card whose efficiency is that edge
    for column, key in (("eff_hi", "hi_data"), ("eff_lo", "lo_data")):
        lh = build_experiment_workspace(
            _card(
                tmp_path / column,
                {"eff.csv": text},
                efficiency_file={"file": "eff.csv", "column": column},
            ),
            "magnetic-moment",
        )
        edge = lh.workspace
        expected = next(s for s in edge["channels"][0]["samples"] if s["name"] == "signal")
        np.testing.assert_allclose(histosys["data"][key], expected["data"], rtol=1e-12)
    assert np.all(np.array(histosys["data"]["hi_data"]) > np.array(signal["data"]))


def test_rate_data_as_a_plain_file_are_rows_of_edges_and_rate(tmp_path):
    text = "".join(f"{lo} {lo + 1} {lo % 3}\n" for lo in range(1, 30))
    card = read_card(
        _card(
            tmp_path,
            {"rate.txt": text},
            exposure={"value": 2.0, "unit": "tonne_year"},
            data={"rate_file": "rate.txt"},
        )
    )
    np.testing.assert_array_equal(card.data, [2.0 * (lo % 3) for lo in range(1, 30)])


def _properties(node, path="card"):
    """Every (path, schema) of an object property, array item or definition of the schema."""
    for name, child in node.get("properties", {}).items():
        yield f"{path}.{name}", child
        yield from _properties(child, f"{path}.{name}")
    for key in ("items", "$defs"):
        children = node.get(key, {})
        pairs = children.items() if key == "$defs" else [("[]", children)] if children else []
        for name, child in pairs:
            yield f"{path}.{name}", child
            yield from _properties(child, f"{path}.{name}")
    for branch in node.get("anyOf", []):
        yield from _properties(branch, path)


def test_every_card_field_is_described():
    from xhf.combine.card import card_schema

    fields = dict(_properties(card_schema()))
    new = {"data.rate_file", "background.components", "column", "efficiency_table.lower_column"}
    assert {f"card.{name}" for name in new} <= set(fields)
    missing = [path for path, schema in fields.items() if not schema.get("description")]
    assert missing == []
