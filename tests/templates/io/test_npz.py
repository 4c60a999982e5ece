"""NPZ archives: lossless and byte-stable round trip, bad inputs."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from xhf.exceptions import (
    InvalidInputError,
    InvalidTemplateError,
    MissingFileError,
    OutputExistsError,
)
from xhf.templates.io import read_npz, write_npz


def _rewrite(src: Path, dst: Path, **changes) -> None:
    """A copy of the archive ``src`` with some arrays replaced (``None`` drops one)."""
    with np.load(src, allow_pickle=False) as npz:
        members = {key: npz[key] for key in npz.files}
    members.update(changes)
    members = {key: value for key, value in members.items() if value is not None}
    np.savez(dst, **members)


def test_round_trip_is_exact(tmp_path, templates, same):
    same(templates, read_npz(write_npz(templates, tmp_path / "t.npz")))


def test_bytes_are_deterministic(tmp_path, templates, make):
    first = write_npz(templates, tmp_path / "a.npz").read_bytes()
    second = write_npz(make(), tmp_path / "b.npz").read_bytes()
    assert first == second


def test_plain_numpy_reads_the_archive(tmp_path, templates):
    path = write_npz(templates, tmp_path / "t.npz")
    pb210 = templates.channel("low_energy").background("pb210")
    with np.load(path, allow_pickle=False) as npz:
        doc = json.loads(str(npz["xhf_metadata"][()]))
        assert npz["xhf_metadata"].shape == ()
        np.testing.assert_array_equal(npz["low_energy/pb210"], pb210.yields)
        np.testing.assert_array_equal(npz["low_energy/pb210_stat"], pb210.stat_error)
        np.testing.assert_array_equal(
            npz["low_energy/bin_edges"], templates.channel("low_energy").bin_edges
        )
    assert doc["metadata"] == templates.metadata
    with zipfile.ZipFile(path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_missing_file(tmp_path):
    path = tmp_path / "nope.npz"
    with pytest.raises(MissingFileError, match=re.escape(str(path))):
        read_npz(path)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_unreadable_archive(tmp_path, templates, damage):
    good = write_npz(templates, tmp_path / "good.npz").read_bytes()
    path = tmp_path / "bad.npz"
    path.write_bytes(b"\x00garbage" * 100 if damage == "garbage" else good[: len(good) // 2])
    with pytest.raises(InvalidInputError, match=re.escape(f"{path}: not an NPZ archive")):
        read_npz(path)


def test_missing_array(tmp_path, templates):
    src = write_npz(templates, tmp_path / "t.npz")
    key = "signals/dark_photon_m1e_03/pure_stat"
    _rewrite(src, tmp_path / "bad.npz", **{key: None})
    with pytest.raises(InvalidInputError, match=re.escape(f"bad.npz: no array '{key}'")):
        read_npz(tmp_path / "bad.npz")


def test_archive_without_metadata(tmp_path):
    np.savez(tmp_path / "plain.npz", x=np.ones(3))
    with pytest.raises(InvalidInputError, match="no array 'xhf_metadata'"):
        read_npz(tmp_path / "plain.npz")


@pytest.mark.parametrize(
    ("key", "bad"), [("low_energy/c14", -2.0), ("full_energy/data_asimov", np.nan)]
)
def test_bad_contents_name_file_array_and_bin(tmp_path, templates, key, bad):
    src = write_npz(templates, tmp_path / "t.npz")
    with np.load(src) as npz:
        values = npz[key].copy()
        edges = npz[f"{key.split('/')[0]}/bin_edges"]
    i = values.size // 2
    values[i] = bad
    _rewrite(src, tmp_path / "bad.npz", **{key: values})
    span = f"({edges[i]:g} to {edges[i + 1]:g})"
    with pytest.raises(
        InvalidTemplateError, match=re.escape(f"bad.npz: array '{key}': bin {i} {span} is ")
    ):
        read_npz(tmp_path / "bad.npz")


def test_wrong_length_is_reported_with_the_file_name(tmp_path, templates):
    src = write_npz(templates, tmp_path / "t.npz")
    with np.load(src) as npz:
        shorter = npz["low_energy/kr85"][:-1]
    _rewrite(src, tmp_path / "bad.npz", **{"low_energy/kr85": shorter})
    with pytest.raises(InvalidTemplateError) as err:
        read_npz(tmp_path / "bad.npz")
    assert str(err.value).startswith(str(tmp_path / "bad.npz"))
    assert "'kr85'" in str(err.value)


def test_no_overwrite_without_force(tmp_path, templates, make, same):
    path = write_npz(templates, tmp_path / "t.npz")
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match=re.escape(str(path))):
        write_npz(make(seed=3), path)
    assert path.read_bytes() == before
    write_npz(make(seed=3), path, force=True)
    same(make(seed=3), read_npz(path))


@pytest.mark.parametrize(
    ("dtype", "what"),
    [("<U8", "text"), ("bool", "booleans"), ("complex128", "complex numbers"), ("S8", "bytes")],
)
def test_arrays_that_are_not_numbers_are_refused(tmp_path, templates, dtype, what):
    src = write_npz(templates, tmp_path / "t.npz")
    with np.load(src) as npz:
        values = npz["low_energy/c14"].astype(dtype)
    _rewrite(src, tmp_path / "bad.npz", **{"low_energy/c14": values})
    with pytest.raises(
        InvalidTemplateError, match=re.escape(f"array 'low_energy/c14': holds {what} (")
    ):
        read_npz(tmp_path / "bad.npz")


def test_an_undescribed_array_in_a_table_is_refused_others_are_left_alone(
    tmp_path, templates, same
):
    src = write_npz(templates, tmp_path / "t.npz")
    _rewrite(src, tmp_path / "extra.npz", notes=np.array("by hand"))
    same(templates, read_npz(tmp_path / "extra.npz"))
    _rewrite(src, tmp_path / "bad.npz", **{"low_energy/kr86": np.ones(3)})
    with pytest.raises(InvalidInputError, match="array 'low_energy/kr86' is not described"):
        read_npz(tmp_path / "bad.npz")


def test_a_member_that_is_not_npy_or_stored_twice(tmp_path, templates):
    src = write_npz(templates, tmp_path / "t.npz")
    raw = tmp_path / "raw.npz"
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(raw, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, b"{}" if info.filename == "xhf_metadata.npy" else data)
    with pytest.raises(InvalidInputError, match="member 'xhf_metadata' is not a NumPy array"):
        read_npz(raw)
    twice = tmp_path / "twice.npz"
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(twice, "w") as new:
        for info in old.infolist():
            new.writestr(info, old.read(info))
        with pytest.warns(UserWarning, match="Duplicate name"):
            new.writestr("low_energy/c14.npy", old.read("low_energy/c14.npy"))
    with pytest.raises(InvalidInputError, match="array 'low_energy/c14' is stored twice"):
        read_npz(twice)


def test_a_file_that_does_not_start_as_a_zip(tmp_path, templates):
    src = write_npz(templates, tmp_path / "t.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"XX" + src.read_bytes()[2:])
    with pytest.raises(InvalidInputError, match="not an NPZ archive"):
        read_npz(bad)
