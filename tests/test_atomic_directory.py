"""Whole output directories are replaced atomically: an interruption keeps the old one."""

import pytest

from xhf.exceptions import OutputExistsError
from xhf.jsonio import atomic_directory


def test_new_directory_appears_complete(tmp_path):
    dest = tmp_path / "out"
    with atomic_directory(dest) as staging:
        (staging / "a.txt").write_text("a")
        assert not dest.exists()
    assert (dest / "a.txt").read_text() == "a"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_existing_directory_needs_force_and_survives_an_interruption(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "old.txt").write_text("old")
    with pytest.raises(OutputExistsError, match="--force"):
        with atomic_directory(dest):
            pass
    with pytest.raises(KeyboardInterrupt):
        with atomic_directory(dest, force=True) as staging:
            (staging / "new.txt").write_text("half")
            raise KeyboardInterrupt
    assert [p.name for p in dest.iterdir()] == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging left behind
    with atomic_directory(dest, force=True) as staging:
        (staging / "new.txt").write_text("new")
    assert [p.name for p in dest.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
