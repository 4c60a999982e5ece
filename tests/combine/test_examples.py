"""The shipped example cards are what examples/make_examples.py writes."""

from __future__ import annotations

import importlib.util


def test_examples_are_regenerated_byte_for_byte(helpers):
    spec = importlib.util.spec_from_file_location(
        "make_examples", helpers.EXAMPLES / "make_examples.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    files = module.example_files()
    assert set(files) == {
        "xenon_tpc/card.yml",
        "xenon_tpc/background.txt",
        "xenon_tpc/efficiency.txt",
        "xenon_tpc/events.txt",
        "germanium/card.yml",
        "germanium/background.txt",
        "germanium/efficiency.txt",
        "germanium/resolution.txt",
        "germanium/counts.txt",
    }
    for name, text in files.items():
        assert (helpers.EXAMPLES / name).read_text() == text, name
