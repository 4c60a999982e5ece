"""YAML configs: the analyst's path gives byte-identical workspaces to the Python path."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.support.files import expected_message
from tests.support.templates import make_templates, write_analysis, write_corpus_histograms
from xhf.exceptions import InvalidInputError, MissingFileError
from xhf.jsonio import dumps
from xhf.workspace.config import BuildConfig, load_config
from xhf.workspace.config_schema import config_schema
from xhf.workspace.products import build_products

CORPUS = Path(__file__).parents[1] / "data" / "bad" / "configs"
GRID = {"dark_photon_m1e_03": [5e-7, 1e-6, 1.3e-6], "dark_photon_m1e01": [1e-6, 2e-6]}


def python_config(ts, signals, data, couplings=None):
    return BuildConfig(ts, tuple(signals), data, None, None, couplings or {}, None, "python")


def write_config(directory: Path, document: dict, name: str = "analysis.yml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_config_and_python_paths_give_identical_bytes(tmp_path):
    ts = make_templates()
    document = write_analysis(ts, tmp_path)
    document["measurement"] = {"signal": "magnetic_moment", "data": "pseudo_poisson"}
    loaded = load_config(write_config(tmp_path, document))
    assert loaded.signals == ("magnetic_moment",) and loaded.data == "pseudo_poisson"
    from_config = build_products(loaded, tmp_path / "ws.json")
    from_python = build_products(
        python_config(ts, ["magnetic_moment"], "pseudo_poisson"), tmp_path / "ws.json"
    )
    assert (
        list(from_config) == list(from_python) == [tmp_path / "ws.json", tmp_path / "ws.meta.json"]
    )
    for path in from_config:
        assert dumps(from_config[path]) == dumps(from_python[path]), path.name


def test_dark_photon_config_gives_identical_patchsets(tmp_path):
    ts = make_templates()
    document = write_analysis(ts, tmp_path)
    document["signals"] = [s for s in document["signals"] if s["name"].startswith("dark")]
    for signal in document["signals"]:
        signal["couplings"] = GRID[signal["name"]]
    document["measurement"] = {"data": "asimov"}
    out = tmp_path / "xmass1_dark_photon_BkgOnly.json"
    from_config = build_products(load_config(write_config(tmp_path, document)), out)
    signals = ["dark_photon_m1e_03", "dark_photon_m1e01"]
    from_python = build_products(python_config(ts, signals, "asimov", GRID), out)
    names = [p.name for p in from_config]
    assert names == [
        "xmass1_dark_photon_BkgOnly.json",
        "xmass1_dark_photon_BkgOnly.meta.json",
        "xmass1_dark_photon_patchset.json",
        "xmass1_dark_photon_patchset.meta.json",
        "xmass1_dark_photon_components_patchset.json",
        "xmass1_dark_photon_components_patchset.meta.json",
    ]
    for path in from_config:
        assert dumps(from_config[path]) == dumps(from_python[path]), path.name


def test_paths_are_relative_to_the_config_and_defaults_apply(tmp_path, monkeypatch):
    ts = make_templates(n_masses=0)
    (tmp_path / "inputs").mkdir()
    document = write_analysis(ts, tmp_path / "inputs")
    for channel in document["channels"]:
        channel.pop("binning")  # from the data histogram
        channel["data"].pop("asimov")  # one dataset: no measurement.data needed
    monkeypatch.chdir(tmp_path)
    loaded = load_config(write_config(tmp_path / "inputs", document))
    assert loaded.data == "pseudo_poisson" and loaded.signals == ("magnetic_moment",)
    channel = loaded.templates.channel("low_energy")
    np.testing.assert_array_equal(channel.bin_edges, ts.channel("low_energy").bin_edges)
    np.testing.assert_array_equal(
        channel.background("pb210").stat_error,
        ts.channel("low_energy").background("pb210").stat_error,
    )
    assert loaded.templates.metadata["datasets"]["pseudo_poisson"] == {
        "pseudo_data": True,
        "seed": 20200522,
    }


def test_equal_binning_shorthand(tmp_path):
    write_corpus_histograms(tmp_path / "histograms.root")
    document = yaml.safe_load((CORPUS / "good.yml").read_text())
    document["channels"][0]["binning"] = {"low": 2.0, "high": 8.0, "bins": 3}
    loaded = load_config(write_config(tmp_path, document))
    assert loaded.templates.channel("c").bin_edges.tolist() == [2.0, 4.0, 6.0, 8.0]
    assert loaded.poi_bounds == (0.0, 20.0)


def test_every_schema_field_has_a_description():
    schema = config_schema()
    missing = []

    def resolve(node):
        ref = node.get("$ref", "")
        return schema["$defs"][ref.rsplit("/", 1)[-1]] if ref.startswith("#/$defs/") else node

    def walk(node, path):
        if isinstance(node, dict):
            for key, child in node.get("properties", {}).items():
                if "description" not in child and "description" not in resolve(child):
                    missing.append(f"{path}.{key}")
            for key, child in node.items():
                walk(child, f"{path}/{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, f"{path}[{i}]")

    walk(schema, "")
    assert missing == []
    assert schema["properties"]["version"]["const"] == 1


def corpus():
    return sorted(CORPUS.glob("bad_*.yml"))


def test_corpus_is_large_and_the_reference_config_is_good(tmp_path):
    names = {p.stem for p in corpus()}
    required = {
        # malformed syntax, empty files, encodings
        "bad_yaml_syntax",
        "bad_empty",
        "bad_only_comment",
        "bad_null",
        "bad_not_utf8",
        "bad_control_character",
        "bad_tag",
        # missing fields, wrong types, wrong units
        "bad_missing_field",
        "bad_wrong_type",
        "bad_non_string_key",
        "bad_wrong_unit",
        "bad_number_with_unit",
        # NaN/inf, huge values, negative counts, zero background, mismatched binning
        "bad_nan_number",
        "bad_nan_content",
        "bad_huge_number",
        "bad_huge_integer",
        "bad_huge_content",
        "bad_huge_bins",
        "bad_huge_coupling",
        "bad_negative_background",
        "bad_negative_data",
        "bad_zero_background",
        "bad_mismatched_binning",
        "bad_mismatched_channel_binning",
        "bad_variation_length",
        # duplicated names
        "bad_duplicate_key",
        "bad_duplicated_channel",
        "bad_duplicated_sample",
        "bad_duplicated_signal",
        "bad_duplicated_systematic",
    }
    assert required <= names
    assert (CORPUS / "bad_empty.yml").stat().st_size == 0
    write_corpus_histograms(tmp_path / "histograms.root")
    shutil.copy(CORPUS / "good.yml", tmp_path)
    loaded = load_config(tmp_path / "good.yml")
    assert loaded.templates.channel("c").background("bkg_b").free


@pytest.mark.parametrize("path", corpus(), ids=lambda p: p.stem)
def test_bad_configs_name_the_yaml_path(tmp_path, path):
    write_corpus_histograms(tmp_path / "histograms.root")
    shutil.copy(path, tmp_path / path.name)
    with pytest.raises((InvalidInputError, MissingFileError)) as info:
        load_config(tmp_path / path.name)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path.name}: ")
    assert expected_message(path) in message


def test_missing_config_file(tmp_path):
    with pytest.raises(MissingFileError, match="no such file"):
        load_config(tmp_path / "nope.yml")


def test_config_must_be_a_mapping(tmp_path):
    (tmp_path / "list.yml").write_text(json.dumps([1, 2]))
    with pytest.raises(InvalidInputError, match=r"list.yml: \(top level\): must be a mapping"):
        load_config(tmp_path / "list.yml")
