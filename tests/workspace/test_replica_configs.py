"""Configs for a TemplateSet stored in ROOT: ``xhf build`` on them gives the Python path's bytes."""

import pytest
import yaml

from tests.support.templates import make_templates
from xhf.exceptions import InvalidParameterError, OutputExistsError
from xhf.jsonio import dumps
from xhf.replica.configs import (
    config_for_templates,
    coupling_grid,
    dump_config,
    write_config,
)
from xhf.templates import write_root
from xhf.workspace.config import BuildConfig, load_config
from xhf.workspace.products import build_products

DARK = ["dark_photon_m1e_03", "dark_photon_m1e01"]


@pytest.fixture
def stored(tmp_path):
    """A TemplateSet of every feature, written to ``tmp_path/inputs/templates.root``."""
    ts = make_templates()
    (tmp_path / "inputs").mkdir()
    write_root(ts, tmp_path / "inputs" / "templates.root")
    return ts


def python_products(ts, signals, couplings, out):
    config = BuildConfig(ts, tuple(signals), "pseudo_poisson", None, None, couplings, None, "py")
    return build_products(config, out)


@pytest.mark.parametrize("signals", [["magnetic_moment"], DARK], ids=["workspace", "patchsets"])
def test_the_config_builds_what_the_python_path_builds(tmp_path, stored, signals):
    grid = len(signals) > 1
    couplings = {s: coupling_grid(stored.signal(s).reference) for s in signals} if grid else {}
    config = config_for_templates(
        stored,
        "../inputs/templates.root",
        signals=signals,
        data="pseudo_poisson",
        couplings=couplings,
        references={"paper": "a paper"},
    )
    path = write_config(
        tmp_path / "configs" / "analysis.yml", config, header="generated\nby a test"
    )
    out = tmp_path / "out" / "ws.json"
    from_config = build_products(load_config(path), out)
    from_python = python_products(stored, signals, couplings, out)
    assert list(from_config) == list(from_python)
    for target in from_config:
        assert dumps(from_config[target]) == dumps(from_python[target]), target.name


def test_every_template_is_named_in_the_root_layout(stored):
    config = config_for_templates(
        stored, "t.root", signals=["magnetic_moment"], data="pseudo_poisson"
    )
    assert config["measurement"] == {"data": "pseudo_poisson", "signal": "magnetic_moment"}
    (channel,) = config["channels"]
    assert channel["binning"] == stored.channel("low_energy").bin_edges.tolist()  # not even
    assert channel["data"]["pseudo_poisson"] == {
        "file": "t.root",
        "histogram": "low_energy/data_pseudo_poisson",
        "pseudo_data": True,
        "seed": 20200522,
    }
    backgrounds = {b["name"]: b for b in config["backgrounds"]}
    assert backgrounds["c14"]["free"] is True and "norm_uncertainty" not in backgrounds["c14"]
    assert backgrounds["kr85"]["stat_error"] is False
    assert backgrounds["kr85"]["norm_variations"] == [{"name": "kr_flux", "hi": 1.05, "lo": 0.95}]
    assert backgrounds["pb210"]["variations"] == [
        {
            "name": "dead_pmt_2_5kev",
            "up": "low_energy/pb210__dead_pmt_2_5kev_up",
            "down": "low_energy/pb210__dead_pmt_2_5kev_down",
        }
    ]
    (signal,) = config["signals"]
    assert signal["model"] == "magnetic-moment" and "model" not in signal["metadata"]
    assert signal["parts"][0]["histogram"] == "signals/magnetic_moment/mm"
    assert signal["parts"][0]["power"] == 2


def test_equal_bins_use_the_shorthand():
    from dataclasses import replace

    import numpy as np

    ts = make_templates(n_masses=0)
    channel = replace(ts.channels[0], bin_edges=np.linspace(2.0, 16.0, 8))
    ts = replace(ts, channels=(channel,))
    config = config_for_templates(ts, "t.root", signals=["magnetic_moment"], data="asimov")
    assert config["channels"][0]["binning"] == {"low": 2.0, "high": 16.0, "bins": 7}


def test_the_yaml_reads_back_exactly_and_carries_its_header(stored):
    config = config_for_templates(
        stored,
        "t.root",
        signals=DARK,
        data="pseudo_poisson",
        couplings={s: coupling_grid(1e-6) for s in DARK},
    )
    text = dump_config(config, "line one\nline two")
    assert text.startswith("# line one\n# line two\nversion: 1\n")
    assert yaml.safe_load(text) == config
    assert "couplings: [5.9e-07, 7.1e-07, 8.4e-07, 1.0e-06," in text  # short, on one line
    assert dump_config(config, "line one\nline two") == text


def test_coupling_grid_values_are_short():
    assert coupling_grid(1e-6) == [5.9e-7, 7.1e-7, 8.4e-7, 1e-6, 1.2e-6, 1.4e-6, 1.7e-6, 2e-6]
    assert coupling_grid(2.0, [0.35, 1.0]) == [0.7, 2.0]
    with pytest.raises(InvalidParameterError, match="positive"):
        coupling_grid(0.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"signals": []}, "at least one signal"),
        ({"signals": ["nope"]}, "no signal 'nope'"),
        ({"signals": ["magnetic_moment"], "data": "observed"}, "no dataset 'observed'"),
        ({"signals": DARK[:1], "couplings": {"magnetic_moment": [1.0]}}, "not built"),
    ],
)
def test_bad_requests_are_named(stored, kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        config_for_templates(stored, "t.root", **{"data": "pseudo_poisson", **kwargs})


def test_write_config_does_not_overwrite_without_force(tmp_path):
    path = write_config(tmp_path / "a.yml", {"version": 1})
    with pytest.raises(OutputExistsError):
        write_config(path, {"version": 1})
    write_config(path, {"version": 1}, header="new", force=True)
    assert path.read_text() == "# new\nversion: 1\n"
