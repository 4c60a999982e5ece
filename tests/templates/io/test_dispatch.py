"""One reader and one writer for every format, chosen by the path."""

from __future__ import annotations

import re

import numpy as np
import pytest

from xhf.exceptions import (
    InvalidInputError,
    InvalidTemplateError,
    MissingFileError,
    OutputExistsError,
)
from xhf.templates import Channel, Sample, TemplateSet
from xhf.templates.io import read_templates, template_format, write_templates

FORMATS = {"t.root": "root", "t.npz": "npz", "csv": "csv"}


@pytest.mark.parametrize("name", FORMATS)
def test_round_trip_through_the_dispatcher(tmp_path, templates, same, name):
    path = write_templates(templates, tmp_path / name)
    assert template_format(path) == FORMATS[name]
    same(templates, read_templates(path))


@pytest.mark.parametrize("name", FORMATS)
def test_existing_output_needs_force(tmp_path, templates, make, same, name):
    path = write_templates(templates, tmp_path / name)
    with pytest.raises(OutputExistsError, match=re.escape(str(path))):
        write_templates(make(seed=2), path)
    same(templates, read_templates(path))
    write_templates(make(seed=2), path, force=True)
    same(make(seed=2), read_templates(path))


@pytest.mark.parametrize("name", FORMATS)
def test_channel_without_templates_keeps_its_binning(tmp_path, same, name):
    empty = Channel(name="empty", bin_edges=np.array([0.0, 0.5, 2.0]), backgrounds=())
    other = Channel(
        name="other",
        bin_edges=np.array([1.0, 2.0]),
        backgrounds=(Sample(name="b", yields=np.array([3.0])),),
    )
    ts = TemplateSet((empty, other))
    same(ts, read_templates(write_templates(ts, tmp_path / name)))


@pytest.mark.parametrize("name", ["t.json", "t.csv", "t.txt"])
def test_unknown_suffix(tmp_path, templates, name):
    path = tmp_path / name
    with pytest.raises(InvalidInputError, match=re.escape(f"{path}: unknown template format")):
        write_templates(templates, path)
    path.write_text("{}")
    with pytest.raises(InvalidInputError, match=re.escape(f"{path}: unknown template format")):
        read_templates(path)


def test_missing_input(tmp_path):
    with pytest.raises(MissingFileError, match=re.escape(str(tmp_path / "nothing"))):
        read_templates(tmp_path / "nothing")


def test_every_read_is_validated_with_the_file_name(tmp_path, templates):
    out = write_templates(templates, tmp_path / "csv")
    index = out / "templates.json"
    sample = templates.channels[0].backgrounds[0]
    text = index.read_text()
    field = f'"norm_uncertainty": {sample.norm_uncertainty!r}'
    assert field in text
    index.write_text(text.replace(field, '"norm_uncertainty": 1.5', 1))
    with pytest.raises(InvalidTemplateError) as err:
        read_templates(out)
    message = str(err.value)
    assert message.startswith(
        f"{out}: channel '{templates.channels[0].name}', sample '{sample.name}'"
    )
    assert "norm_uncertainty" in message


def test_writing_refuses_invalid_templates(tmp_path):
    bad = Sample(name="b", yields=np.array([1.0, -1.0]))
    ts = TemplateSet((Channel(name="c", bin_edges=np.array([0.0, 1.0, 2.0]), backgrounds=(bad,)),))
    with pytest.raises(InvalidTemplateError, match="bin 1 is negative"):
        write_templates(ts, tmp_path / "t.npz")
    assert not (tmp_path / "t.npz").exists()


def test_unknown_document_version(tmp_path, templates):
    out = write_templates(templates, tmp_path / "csv")
    index = out / "templates.json"
    index.write_text(index.read_text().replace('"version": 1', '"version": 99'))
    with pytest.raises(InvalidInputError, match=re.escape(f"{index}: version 99 is not supported")):
        read_templates(out)


@pytest.mark.parametrize("name", FORMATS)
def test_up_to_1e15_events_are_templates_more_are_refused(tmp_path, name, same):
    edges = np.array([0.0, 1.0, 2.0])
    at_ceiling = Sample(name="b", yields=np.array([1e15, 0.0]), stat_error=np.array([1e15, 0.0]))
    ts = TemplateSet(
        (
            Channel(
                name="c",
                bin_edges=edges,
                backgrounds=(at_ceiling,),
                data={"obs": np.array([1e15, 1.0])},
            ),
        )
    )
    same(ts, read_templates(write_templates(ts, tmp_path / name)))
    huge = Sample(name="b", yields=np.array([1.0, 1e16]))
    ts = TemplateSet((Channel(name="c", bin_edges=edges, backgrounds=(huge,)),))
    with pytest.raises(InvalidTemplateError, match=r"sample 'b': bin 1 is 1e\+16, more than 1e15"):
        write_templates(ts, tmp_path / f"huge_{name}")


def test_signal_powers_are_whole_numbers_of_at_least_one():
    from xhf.templates import Signal

    ch = Channel(
        name="c",
        bin_edges=np.array([0.0, 1.0]),
        backgrounds=(Sample(name="b", yields=np.array([1.0])),),
    )
    for powers in [(2.5,), (0,), (True,)]:
        sig = Signal(
            name="s",
            channel="c",
            parts=(Sample(name="p", yields=np.array([1.0])),),
            parameter="g",
            unit="u",
            reference=1.0,
            powers=powers,
        )
        with pytest.raises(InvalidTemplateError, match="must be whole numbers >= 1"):
            TemplateSet((ch,), (sig,)).validate()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("NaN", "not valid JSON (NaN is not a JSON number"),
        ("1e999", "field signals[0].reference must be a finite number, not inf"),
        (str(10**400), "signals[0].reference: an integer of 401 digits, beyond the range"),
        ("1" * 5000, "(top level): an integer of more than 4300 digits"),
    ],
)
def test_numbers_of_the_document_are_finite_json_numbers(tmp_path, templates, value, problem):
    out = write_templates(templates, tmp_path / "csv")
    index = out / "templates.json"
    reference = templates.signals[0].reference
    text = index.read_text()
    assert f'"reference": {reference!r}' in text
    index.write_text(text.replace(f'"reference": {reference!r}', f'"reference": {value}', 1))
    with pytest.raises(InvalidInputError, match=re.escape(f"{index}: {problem}")):
        read_templates(out)
