"""xhf.filenames: the one rule for names from inputs that become file names, confinement to
the output directory, and input trees read without links."""

from __future__ import annotations

import pytest

from xhf.exceptions import InvalidInputError
from xhf.filenames import MAX_NAME_CHARS, confined, refuse_links, safe_file_name


@pytest.mark.parametrize(
    "name", ["full_energy", "low energy", "xenon-tpc.v2", "a+b", "_x", "9", "c" * MAX_NAME_CHARS]
)
def test_ordinary_names_pass_unchanged(name):
    assert safe_file_name(name, "f.json: channel") == name


@pytest.mark.parametrize(
    "name",
    ["", ".", "..", "../x", "/abs", "a/b", "a\\b", ".hidden", "-x", " x", "a\x00", "a\nb", "é"],
)
def test_unsafe_names_are_refused_naming_the_field(name):
    with pytest.raises(InvalidInputError, match=r"^f\.json: channel: ") as info:
        safe_file_name(name, "f.json: channel")
    assert "\n" not in str(info.value)


def test_too_long_and_non_string_names_are_refused():
    with pytest.raises(InvalidInputError, match="too long"):
        safe_file_name("c" * (MAX_NAME_CHARS + 1), "f.json: channel")
    with pytest.raises(InvalidInputError, match="must be a string"):
        safe_file_name(3, "f.json: channel")


def test_confined_keeps_paths_inside_the_directory(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert confined(out, "a.pdf", "w") == out / "a.pdf"
    assert confined(out, "sub/a.pdf", "w") == out / "sub" / "a.pdf"
    for name in ("../a.pdf", str(tmp_path / "a.pdf"), ".", "sub/../../a.pdf"):
        with pytest.raises(InvalidInputError, match="outside"):
            confined(out, name, "w")
    (out / "link.pdf").symlink_to(tmp_path / "victim")
    with pytest.raises(InvalidInputError, match="outside"):
        confined(out, "link.pdf", "w")


def test_links_inside_a_tree_are_refused_but_the_root_may_be_one(tmp_path):
    real = tmp_path / "real"
    (real / "figures").mkdir(parents=True)
    (real / "figures" / "a.png").write_bytes(b"x")
    root = tmp_path / "root"
    root.symlink_to(real)
    refuse_links(root, [root / "figures" / "a.png", root / "missing.json"])
    (real / "figures" / "b.png").symlink_to(real / "figures" / "a.png")
    with pytest.raises(InvalidInputError, match=r"b\.png: is a symbolic link"):
        refuse_links(root, [root / "figures" / "b.png"])
    (real / "linked").symlink_to(real / "figures")
    with pytest.raises(InvalidInputError, match="linked: is a symbolic link"):
        refuse_links(root, [root / "linked" / "a.png"])
    with pytest.raises(InvalidInputError, match="is not inside"):
        refuse_links(root, [tmp_path / "elsewhere"])
