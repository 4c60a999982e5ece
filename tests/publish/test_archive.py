"""Deterministic tar.gz archives."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from xhf.exceptions import InvalidInputError
from xhf.publish.archive import ARCHIVE_MTIME, read_tar_gz, tar_gz


def test_same_files_same_bytes_whatever_the_order():
    files = {"top/b.json": "{}\n", "top/a.md": b"# a\n", "top/sub/c.txt": "c"}
    reordered = dict(reversed(list(files.items())))
    assert tar_gz(files) == tar_gz(reordered)


def test_members_are_sorted_with_fixed_metadata():
    blob = tar_gz({"top/z.json": "{}", "top/a.json": "[]"})
    assert blob[4:8] == b"\x00\x00\x00\x00"  # gzip header mtime
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["top", "top/a.json", "top/z.json"]
    assert {m.mtime for m in members} == {ARCHIVE_MTIME}
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, "", "")}
    assert [m.mode for m in members] == [0o755, 0o644, 0o644]
    assert gzip.decompress(blob)  # a plain gzip stream


def test_round_trip():
    files = {"x/BkgOnly.json": b'{"a": 1}\n', "x/README.md": "é\n"}
    assert read_tar_gz(tar_gz(files)) == {
        "x/BkgOnly.json": b'{"a": 1}\n',
        "x/README.md": "é\n".encode(),
    }


@pytest.mark.parametrize("name", ["/abs.json", "../up.json", "a/../../b", ""])
def test_unsafe_member_names_are_refused(name):
    with pytest.raises(InvalidInputError, match="relative POSIX path"):
        tar_gz({name: "x"})


def test_unreadable_archive_names_the_source():
    with pytest.raises(InvalidInputError, match=r"bad\.tar\.gz: not a readable tar\.gz"):
        read_tar_gz(b"not an archive", "bad.tar.gz")
