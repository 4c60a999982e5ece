"""The public API of ``import xhf``: its exact names, and that the five notebook lines work.

``xhf.__all__`` is pinned (adding or removing a name is an API change and must change this
test); every name is importable from ``xhf`` and callable; ``import xhf`` stays light (no
NumPy, no pyhf until a name is used); and the notebook calls agree with the commands they
stand for: ``xhf.spectrum`` with ``xhf spectrum --json``, ``print(xhf.limit(...))`` with
``xhf limit``, ``Likelihood.save`` with the files ``xhf build`` ships.
"""

from __future__ import annotations

import dataclasses
import json
import runpy
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import xhf
from xhf.cli import cli

ROOT = Path(__file__).resolve().parents[1]
WORKSPACES = ROOT / "workspaces"
MILLICHARGE = WORKSPACES / "xmass1_millicharge.json"

PUBLIC = [
    "Likelihood",
    "LimitResult",
    "XhfError",
    "__version__",
    "build",
    "limit",
    "load",
    "spectrum",
]


def run(*args: object) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def test_all_is_pinned():
    assert xhf.__all__ == PUBLIC
    assert dir(xhf) == PUBLIC


@pytest.mark.parametrize("name", PUBLIC)
def test_each_name_imports(name):
    namespace: dict[str, object] = {}
    exec(f"from xhf import {name}", namespace)
    value = namespace[name]
    assert value is getattr(xhf, name)
    if name == "__version__":
        assert isinstance(value, str) and value
    else:
        assert callable(value)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        _ = xhf.nonexistent


def test_import_is_light():
    """``import xhf`` (and so ``xhf --help``) imports neither NumPy nor pyhf."""
    code = (
        "import sys, xhf; print(sorted(m for m in ('numpy', 'pyhf', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


def test_errors_are_xhf_errors():
    assert issubclass(xhf.XhfError, Exception)
    with pytest.raises(xhf.XhfError, match="model: 'axion'"):
        xhf.spectrum([5.0], model="axion")


# -- xhf.spectrum ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("model", "option", "keyword", "value"),
    [
        ("sm", None, None, None),
        ("magnetic-moment", "--mu-nu", "mu_nu", 3e-11),
        ("millicharge", "--charge", "charge", 2e-12),
        ("dark-photon", "--coupling", "coupling", 2e-6),
    ],
)
def test_spectrum_is_the_command(model, option, keyword, value):
    """The same rates as ``xhf spectrum --json`` for each model the command offers."""
    energies = [1.0, 5.0, 30.0]
    args = ["spectrum", "--model", model, "--energies-kev", "1,5,30", "--json"]
    kwargs = {}
    if option is not None:
        args += [option, value]
        kwargs[keyword] = value
    document = json.loads(run(*args))
    rate = xhf.spectrum(energies, model=model, **kwargs)
    assert document["unit"] == "1/(kg day keV)"
    assert rate.shape == (3,)
    np.testing.assert_array_equal(rate, document["rate"])
    assert np.all(np.isfinite(rate)) and np.any(rate != 0)


def test_spectrum_scales_with_the_parameter():
    """The magnetic-moment rate is proportional to mu_nu^2 (the cross section's form)."""
    one = xhf.spectrum([2.0, 20.0], model="magnetic-moment", mu_nu=1e-11)
    three = xhf.spectrum([2.0, 20.0], model="magnetic-moment", mu_nu=3e-11)
    np.testing.assert_allclose(three, 9 * one, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"energy_kev": [-1.0]}, "energy_kev: -1 keV is outside"),
        ({"energy_kev": [5.0], "mu_nu": -1e-11}, "mu_nu: must be positive"),
        ({"energy_kev": [5.0], "mu_nu": float("nan")}, "mu_nu: must be positive"),
        ({"energy_kev": [], "mu_nu": 1e-11}, "energy_kev: give 1 to"),
    ],
)
def test_spectrum_refuses_bad_input(kwargs, message):
    with pytest.raises(xhf.XhfError, match=message):
        xhf.spectrum(model="magnetic-moment", **kwargs)


# -- xhf.load, xhf.limit -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def millicharge():
    return xhf.load(MILLICHARGE)


def test_limit_prints_as_the_command(millicharge):
    """``print(xhf.limit(lh))`` is the text of ``xhf limit``; ``to_dict`` its ``--json``."""
    result = xhf.limit(millicharge, method="cls", cl=0.9)
    assert isinstance(result, xhf.LimitResult)
    assert str(result) + "\n" == run("limit", MILLICHARGE)
    document = json.loads(run("limit", MILLICHARGE, "--json"))
    assert json.loads(json.dumps(result.to_dict())) == document
    assert result.unit == "e" and 0 < result.observed < result.expected["+2"]


def test_limit_takes_the_methods_of_the_command(millicharge):
    chi2 = xhf.limit(MILLICHARGE, method="chi2", cl=0.9)  # a path is read with xhf.load
    assert str(chi2) + "\n" == run("limit", MILLICHARGE, "--method", "chi2")
    with pytest.raises(xhf.XhfError, match="power_constraint"):
        xhf.limit(millicharge, method="cls", power_constraint=0.16)


def test_save_gives_the_shipped_bytes(tmp_path, millicharge):
    """A loaded likelihood saves to the same bytes (workspace and sidecar) as shipped."""
    assert millicharge.meta.measurement == millicharge.workspace["measurements"][0]["name"]
    written = millicharge.save(tmp_path / MILLICHARGE.name)
    assert [p.name for p in written] == [MILLICHARGE.name, "xmass1_millicharge.meta.json"]
    for path in written:
        assert path.read_bytes() == (WORKSPACES / path.name).read_bytes()
    with pytest.raises(xhf.XhfError):  # no overwrite without force
        millicharge.save(tmp_path / MILLICHARGE.name)


def test_build_gives_the_shipped_bytes(tmp_path):
    """``xhf.build(config)`` in memory is what ``xhf build`` wrote into workspaces/."""
    lh = xhf.build(WORKSPACES / "configs" / "xmass1_millicharge.yml")
    assert isinstance(lh, xhf.Likelihood) and lh.sidecar["signal"]["unit"] == "e"
    for path in lh.save(tmp_path / MILLICHARGE.name):
        assert path.read_bytes() == (WORKSPACES / path.name).read_bytes()


def test_load_chooses_the_patchset_holding_the_patch():
    bkg = WORKSPACES / "xmass1_dark_photon_BkgOnly.json"
    components = json.loads(
        (WORKSPACES / "xmass1_dark_photon_components_patchset.json").read_text()
    )
    first = components["patches"][0]["metadata"]["name"]
    lh = xhf.load(bkg, patch=first)
    assert lh.background_only and lh.patch == first
    assert list(lh.patchsets) == ["components"]
    with pytest.raises(xhf.XhfError, match="no patch 'nope'"):
        lh.with_patch("nope")
    with pytest.raises(xhf.XhfError, match=f"choose a patch with patch=... \\(e.g. '{first}'\\)"):
        xhf.limit(dataclasses.replace(lh, patch=None))


def test_a_bare_workspace_warns_once_per_likelihood(tmp_path):
    """Without a sidecar the limit is on the normfactor: one UserWarning per Likelihood."""
    bare = tmp_path / "bare.json"
    shutil.copy(MILLICHARGE, bare)
    lh = xhf.load(bare)
    assert lh.sidecar is None
    with pytest.warns(UserWarning, match="normfactor 'mu'"):
        first = xhf.limit(lh)
    assert first.unit == "" and first.observed == pytest.approx(first.poi_limit)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xhf.limit(lh, method="chi2")  # the same likelihood: no second warning
    with pytest.warns(UserWarning, match="no sidecar"):
        xhf.limit(xhf.load(bare), method="chi2")


# -- keyword-only constructors -----------------------------------------------------------------
def test_templates_take_keywords_only():
    from xhf.templates import Channel, Sample, Signal

    yields = np.array([1.0, 2.0])
    with pytest.raises(TypeError):
        Sample("b", yields)  # type: ignore[misc]
    sample = Sample(name="b", yields=yields)
    with pytest.raises(TypeError):
        Channel("c", np.array([0.0, 1.0, 2.0]), (sample,))  # type: ignore[misc]
    with pytest.raises(TypeError):
        Signal("s", "c", (sample,), "mu_nu", "mu_B", 1e-10, (2,))  # type: ignore[misc]
    signal = Signal(
        name="s",
        channel="c",
        parts=(sample,),
        parameter="mu_nu",
        unit="mu_B",
        reference=1e-10,
        powers=(2,),
    )
    np.testing.assert_allclose(signal.expected(2e-10), 4 * yields)


# -- the notebook example ----------------------------------------------------------------------
def test_quickstart_example_runs(monkeypatch, capsys):
    """examples/quickstart.py (cells marked ``# %%``) runs the five lines on the replica."""
    monkeypatch.chdir(ROOT)
    namespace = runpy.run_path(str(ROOT / "examples" / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert isinstance(namespace["result"], xhf.LimitResult)
    assert str(namespace["result"]) in out
    assert namespace["rate"].shape == namespace["energy_kev"].shape
