"""ROOT files: lossless TemplateSet round trip, the analyst's histogram reader, bad inputs."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
import uproot

from xhf.exceptions import (
    InvalidInputError,
    InvalidTemplateError,
    MissingFileError,
    OutputExistsError,
    XhfError,
)
from xhf.templates import Channel, Sample, TemplateSet
from xhf.templates.io import check_same_binning, read_root, read_root_histogram, write_root


def _update(path, name, values, edges):
    """Add a new cycle of ``name`` (uproot reads the highest) holding a plain TH1D."""
    with uproot.update(path) as file:
        file[name] = (np.asarray(values, dtype=float), np.asarray(edges, dtype=float))


def _copy_without(src, dst, dropped):
    with uproot.open(src) as old, uproot.recreate(dst) as new:
        for key, cls in old.classnames(cycle=False).items():
            if cls == "TDirectory" or key == dropped:
                continue
            obj = old[key]
            new[key] = str(obj) if cls == "TObjString" else obj


def test_round_trip_is_exact(tmp_path, templates, same):
    path = write_root(templates, tmp_path / "templates.root")
    same(templates, read_root(path))


def test_layout_is_plain_th1d_with_sumw2(tmp_path, templates):
    path = write_root(templates, tmp_path / "t.root")
    low = templates.channel("low_energy")
    pb210 = low.background("pb210")
    with uproot.open(path) as file:
        classes = file.classnames(cycle=False)
        assert classes["xhf_metadata"] == "TObjString"
        hist = file["low_energy/pb210"]
        assert hist.classname == "TH1D"
        np.testing.assert_array_equal(hist.axis().edges(), low.bin_edges)
        np.testing.assert_array_equal(hist.values(), pb210.yields)
        np.testing.assert_array_equal(hist.variances(), pb210.stat_error**2)
        np.testing.assert_array_equal(hist.values(flow=True)[[0, -1]], [0.0, 0.0])
        var = pb210.variations[0]
        assert classes[f"low_energy/pb210__{var.name}_up"] == "TH1D"
        assert classes["low_energy/data_asimov"] == "TH1D"
        for sig in templates.signals:
            for part in sig.parts:
                assert classes[f"signals/{sig.name}/{part.name}"] == "TH1D"


def test_every_histogram_has_axis_titles_with_units_and_sumw2_where_mc_errors(tmp_path, templates):
    path = write_root(templates, tmp_path / "t.root")
    with_errors = {f"{ch.name}/{b.name}" for ch in templates.channels for b in ch.backgrounds} | {
        f"signals/{sig.name}/{part.name}"
        for sig in templates.signals
        for part in sig.parts
        if part.stat_error is not None
    }
    with_errors = {
        name
        for name in with_errors
        if (
            (ch := name.split("/")[0]) != "signals"
            and templates.channel(ch).background(name.split("/")[1]).stat_error is not None
        )
        or name.startswith("signals/")
    }
    assert with_errors
    with uproot.open(path) as file:
        for key, cls in file.classnames(cycle=False).items():
            if not cls.startswith("TH1"):
                continue
            hist = file[key]
            assert "[keV]" in hist.member("fXaxis").member("fTitle"), key
            assert hist.member("fYaxis").member("fTitle") == "events / bin", key
            has_sumw2 = len(hist.member("fSumw2")) > 0
            assert has_sumw2 == (key in with_errors), key


def test_empty_channel_keeps_its_binning(tmp_path, same):
    ts = TemplateSet((Channel(name="c", bin_edges=np.array([0.0, 1.5, 4.0]), backgrounds=()),))
    same(ts, read_root(write_root(ts, tmp_path / "e.root")))


def test_read_root_histogram(tmp_path, templates):
    path = write_root(templates, tmp_path / "t.root")
    pb210 = templates.channel("low_energy").background("pb210")
    edges, values, variances = read_root_histogram(path, "low_energy/pb210")
    np.testing.assert_array_equal(edges, templates.channel("low_energy").bin_edges)
    np.testing.assert_array_equal(values, pb210.yields)
    np.testing.assert_array_equal(np.sqrt(variances), pb210.stat_error)
    # no sumw2: ROOT's Poisson convention, variance = |content|
    kr85 = templates.channel("low_energy").background("kr85")
    np.testing.assert_array_equal(
        read_root_histogram(path, "low_energy/kr85").variances, kr85.yields
    )


def test_float_histograms_of_the_analyst_are_read(tmp_path):
    path = tmp_path / "mc.root"
    values = np.array([1.5, 0.0, 2.25], dtype=np.float32)
    with uproot.recreate(path) as file:
        file["h"] = (values, np.array([2.0, 3.0, 5.0, 9.0]))
    hist = read_root_histogram(path, "h")
    assert hist.values.dtype == np.float64
    np.testing.assert_array_equal(hist.values, values)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.root"
    with pytest.raises(MissingFileError, match=re.escape(str(path))):
        read_root_histogram(path, "h")
    with pytest.raises(MissingFileError, match=re.escape(str(path))):
        read_root(path)


def test_missing_histogram_lists_close_names(tmp_path, templates):
    path = write_root(templates, tmp_path / "t.root")
    with pytest.raises(InvalidInputError) as err:
        read_root_histogram(path, "low_energy/pb201")
    message = str(err.value)
    assert "t.root" in message and "'low_energy/pb201'" in message
    assert "'low_energy/pb210'" in message and "\n" not in message


def test_missing_histogram_in_template_file(tmp_path, templates):
    path = write_root(templates, tmp_path / "t.root")
    dropped = "full_energy/xe136__dead_pmt_2_5_down"
    _copy_without(path, tmp_path / "broken.root", dropped)
    with pytest.raises(InvalidInputError, match=rf"broken\.root: no histogram '{dropped}'"):
        read_root(tmp_path / "broken.root")


def test_not_a_1d_histogram(tmp_path):
    path = tmp_path / "h2.root"
    with uproot.recreate(path) as file:
        file["h2"] = (np.ones((2, 2)), np.arange(3.0), np.arange(3.0))
        file["dir/h"] = (np.ones(2), np.arange(3.0))
    with pytest.raises(InvalidInputError, match=r"h2\.root: 'h2' is a TH2D, not a 1D histogram"):
        read_root_histogram(path, "h2")
    with pytest.raises(InvalidInputError, match="'dir' is a TDirectory"):
        read_root_histogram(path, "dir")


@pytest.mark.parametrize("bad", [np.nan, -1.0, np.inf])
def test_bad_contents_name_file_histogram_and_bin(tmp_path, bad):
    edges = np.array([2.0, 3.0, 4.0, 6.0, 10.0])
    values = np.array([1.0, 2.0, 3.0, 4.0])
    i = 2
    values[i] = bad
    path = tmp_path / "bad.root"
    with uproot.recreate(path) as file:
        file["ch/bkg"] = (values, edges)
    with pytest.raises(InvalidTemplateError) as err:
        read_root_histogram(path, "ch/bkg")
    message = str(err.value)
    assert message.startswith(f"{path}: histogram 'ch/bkg'")
    assert f"bin {i} ({edges[i]:g} to {edges[i + 1]:g})" in message
    if np.isfinite(bad):
        assert read_root_histogram(path, "ch/bkg", allow_negative=True).values[i] == bad


def test_negative_background_in_template_file(tmp_path, templates):
    path = write_root(templates, tmp_path / "t.root")
    low = templates.channel("low_energy")
    values = low.background("c14").yields.copy()
    values[-1] = -values[-1]
    _update(path, "low_energy/c14", values, low.bin_edges)
    with pytest.raises(
        InvalidTemplateError, match=rf"'low_energy/c14' content: bin {values.size - 1} "
    ):
        read_root(path)


def test_negative_interference_is_allowed_but_not_nan(tmp_path, templates):
    path = write_root(templates, tmp_path / "t.root")
    sig = templates.signal("dark_photon_m1e_03")
    values = sig.parts[0].yields.copy()
    values[1] = np.nan
    _update(
        path,
        f"signals/{sig.name}/{sig.parts[0].name}",
        values,
        templates.channel(sig.channel).bin_edges,
    )
    with pytest.raises(InvalidTemplateError, match=r"bin 1 .* is not finite"):
        read_root(path)


def test_mismatched_binning_names_both_histograms(tmp_path, templates):
    path = write_root(templates, tmp_path / "t.root")
    low = templates.channel("low_energy")
    edges = low.bin_edges.copy()
    edges[3] += 0.5
    _update(path, "low_energy/kr85", low.background("kr85").yields, edges)
    with pytest.raises(InvalidTemplateError) as err:
        read_root(path)
    message = str(err.value)
    assert "'low_energy/kr85'" in message and "'low_energy/data_asimov'" in message
    assert f"edge 3 is {float(edges[3])!r}, not {float(low.bin_edges[3])!r}" in message


def test_check_same_binning():
    edges = np.linspace(2.0, 15.0, 14)
    check_same_binning(edges, edges * (1 + 1e-13), name="a", other_name="b")
    with pytest.raises(
        InvalidTemplateError, match=r"f\.root: binning of 'a' differs from 'b': 13 bins, not 12"
    ):
        check_same_binning(edges, edges[:-1], name="a", other_name="b", source="f.root")


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated"])
def test_unreadable_file(tmp_path, templates, damage):
    good = write_root(templates, tmp_path / "good.root").read_bytes()
    path = tmp_path / "bad.root"
    path.write_bytes(
        {"garbage": b"not ROOT " * 50, "empty": b"", "truncated": good[: len(good) // 2]}[damage]
    )
    with pytest.raises(XhfError) as err:
        read_root(path)
    assert str(err.value).startswith(f"{path}: ") and "\n" not in str(err.value)


def test_plain_root_file_is_not_a_template_file(tmp_path):
    path = tmp_path / "mc.root"
    with uproot.recreate(path) as file:
        file["h"] = (np.ones(2), np.arange(3.0))
    with pytest.raises(InvalidInputError, match="not an xhf template file"):
        read_root(path)


def test_no_overwrite_without_force(tmp_path, templates, make, same):
    path = write_root(templates, tmp_path / "t.root")
    before = path.read_bytes()
    other = make(seed=1)
    with pytest.raises(OutputExistsError, match=re.escape(str(path))):
        write_root(other, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.root"]
    write_root(other, path, force=True)
    same(other, read_root(path))


def test_stat_error_whose_square_underflows_is_refused(tmp_path):
    tiny = Sample(name="b", yields=np.array([1.0, 1.0]), stat_error=np.array([0.5, 1e-200]))
    ts = TemplateSet((Channel(name="c", bin_edges=np.array([0.0, 1.0, 2.0]), backgrounds=(tiny,)),))
    with pytest.raises(InvalidTemplateError, match=r"'b_stat': bin 1"):
        write_root(ts, tmp_path / "t.root")
    assert not (tmp_path / "t.root").exists()


def test_names_that_collide_or_are_reserved(tmp_path, templates):
    low = templates.channel("low_energy")
    clash = replace(low.background("c14"), name="pb210__dead_pmt_2_5_up")
    ts = replace(templates, channels=(replace(low, backgrounds=(*low.backgrounds, clash)),))
    with pytest.raises(InvalidTemplateError, match="'pb210__dead_pmt_2_5_up'"):
        write_root(ts.with_signals(()), tmp_path / "clash.root")
    reserved = TemplateSet((replace(low, name="signals"),))
    with pytest.raises(InvalidTemplateError, match="'signals' is reserved"):
        write_root(reserved, tmp_path / "reserved.root")


def test_stat_error_needs_a_sumw2(tmp_path, templates):
    path = write_root(templates, tmp_path / "t.root")
    low = templates.channel("low_energy")
    _update(path, "low_energy/pb210", low.background("pb210").yields, low.bin_edges)
    with pytest.raises(InvalidTemplateError, match="'low_energy/pb210' has no sumw2"):
        read_root(path)


def _th1d(values, edges, title):
    axis = uproot.writing.identify.to_TAxis(
        "xaxis", title, len(values), float(edges[0]), float(edges[-1]), fXbins=np.asarray(edges)
    )
    data = np.concatenate([[0.0], values, [0.0]])
    return uproot.writing.identify.to_TH1x(None, "", data, 1.0, 1.0, 1.0, 0.0, 0.0, None, axis)


@pytest.mark.parametrize(
    ("title", "unit"),
    [
        ("energy [keV]", None),
        ("E (KeV)", None),
        ("", None),
        ("counts per bin", None),
        ("energy [MeV]", "MeV"),
        ("E_{vis} / eV", "eV"),
        ("Energy (GeV)", "GeV"),
    ],
)
def test_an_x_axis_in_another_energy_unit_is_refused(tmp_path, title, unit):
    path = tmp_path / "h.root"
    with uproot.recreate(path) as file:
        file["h"] = _th1d(np.array([1.0, 2.0]), [2.0, 4.0, 6.0], title)
    if unit is None:
        assert read_root_histogram(path, "h").values.tolist() == [1.0, 2.0]
    else:
        with pytest.raises(InvalidTemplateError, match=rf"'h': the x axis .* is in {unit},"):
            read_root_histogram(path, "h")


def test_edges_that_do_not_increase_are_refused(tmp_path):
    path = tmp_path / "h.root"
    with uproot.recreate(path) as file:
        file["h"] = _th1d(np.array([1.0, 2.0]), [2.0, 4.0, 4.0], "energy [keV]")
    with pytest.raises(InvalidTemplateError, match=r"'h': bin edges must increase \(edge 2"):
        read_root_histogram(path, "h")


def test_huge_contents_and_variances_are_refused(tmp_path):
    path = tmp_path / "h.root"
    with uproot.recreate(path) as file:
        file["big"] = (np.array([1.0, 2e15]), np.array([2.0, 4.0, 6.0]))
    with pytest.raises(
        InvalidTemplateError,
        match=re.escape("'big' content: bin 1 (4 to 6) is 2000000000000000.0, more than 1e15"),
    ):
        read_root_histogram(path, "big")


def test_an_undescribed_histogram_in_a_table_is_refused_others_are_left_alone(
    tmp_path, templates, same
):
    path = write_root(templates, tmp_path / "t.root")
    with uproot.update(path) as file:
        file["notes"] = "written by hand"
        file["other/h"] = (np.array([1.0]), np.array([2.0, 3.0]))
    same(templates, read_root(path))
    with uproot.update(path) as file:
        file["low_energy/kr86"] = (np.array([1.0]), np.array([2.0, 3.0]))
    with pytest.raises(
        InvalidInputError, match=r"t\.root: TH1D 'low_energy/kr86' is not described in xhf_meta"
    ):
        read_root(path)
