"""``xhf spectrum`` on the command line."""

import json

import pytest
from click.testing import CliRunner

from xhf.cli import cli
from xhf.physics import differential_rate


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_json_output_records_inputs():
    result = run(
        "spectrum",
        "--model",
        "dark-photon",
        "--coupling",
        "1e-4",
        "--mass-mev",
        "10",
        "--energies-kev",
        "1,5,30",
        "--json",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["model"] == "dark-photon"
    assert out["unit"] == "1/(kg day keV)"
    assert out["energy_kev"] == [1.0, 5.0, 30.0]
    assert out["parameters"] == {"coupling": 1e-4, "mass_mev": 10.0}
    assert out["fluxes"] == "b16-gs98" and out["atomic"] == "fea" and out["flavor"] == "all"
    expected = differential_rate([1, 5, 30], "dark-photon", coupling=1e-4, mass_mev=10.0)
    assert out["rate"] == pytest.approx(list(expected), rel=1e-12)


def test_json_is_deterministic():
    args = ("spectrum", "--model", "millicharge", "--json")
    assert run(*args).output == run(*args).output


def test_help_has_example():
    result = run("spectrum", "--help")
    assert result.exit_code == 0
    assert "xhf spectrum --model" in result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--model", "axion"], "--model"),
        (["--model", "dark-photon", "--coupling", "-1"], "--coupling"),
        (["--model", "dark-photon", "--mass-mev", "0"], "--mass-mev"),
        (["--energies-kev", "0,5"], "--energies-kev"),
        (["--energies-kev", "-1"], "--energies-kev"),
        (["--energies-kev", "1:0:5"], "0 < start < stop"),
        (["--energies-kev", "1:10:1"], "count >= 2"),
        (["--model", "millicharge", "--atomic", "no_such_table.csv"], "no_such_table.csv"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, needle):
    result = run("spectrum", *args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0]
    assert "Traceback" not in result.output


def test_log_spaced_energy_range():
    result = run("spectrum", "--energies-kev", "1:100:3", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["energy_kev"] == pytest.approx([1.0, 10.0, 100.0])


def test_a_rate_that_is_not_finite_is_refused_naming_the_options():
    """Ranges keep the rates finite; should one overflow anyway, it is not printed as inf."""
    import click
    import numpy as np

    from xhf.cli.spectrum import _check_finite

    _check_finite([1.0, 2.0], np.array([1.0, 2.0]), "magnetic-moment")
    with pytest.raises(click.BadParameter, match="the rate at 2 keV is not finite") as info:
        _check_finite([1.0, 2.0], np.array([1.0, np.inf]), "magnetic-moment")
    assert info.value.param_hint == "--mu-nu or --energies-kev"


def test_numerical_warnings_do_not_reach_the_user(monkeypatch):
    """A RuntimeWarning raised inside a command (NumPy overflow, MINUIT) is not printed (and
    does not become an error); results are checked to be finite instead."""
    import warnings

    import xhf.cli.spectrum as command

    checked = command._check_finite

    def noisy(*args):
        warnings.warn("overflow encountered in square", RuntimeWarning, stacklevel=1)
        return checked(*args)

    monkeypatch.setattr(command, "_check_finite", noisy)
    result = CliRunner().invoke(cli, ["spectrum", "--energies-kev", "1,5"])
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output and len(result.output.splitlines()) == 4
