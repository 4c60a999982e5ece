"""build_workspace: the HistFactory mapping of Eqs. 4-7, checked through pyhf's own model."""

import dataclasses

import numpy as np
import pyhf
import pytest

from xhf.exceptions import InvalidParameterError, InvalidTemplateError
from xhf.jsonio import dumps
from xhf.templates import Sample, Signal, TemplateSet
from xhf.workspace import build_workspace
from xhf.workspace.builder import check_workspace
from xhf.workspace.poi import poi_upper_bound
from xhf.workspace.samples import background_sample


def model_of(ws):
    return pyhf.Workspace(ws).model()


def by_sample(model, pars):
    """Expected events per sample (pyhf's sample order) at ``pars``."""
    values = model.main_model.expected_data(pyhf.tensorlib.astensor(pars), return_by_sample=True)
    return dict(zip(model.config.samples, np.asarray(values), strict=True))


def at(model, **values):
    pars = list(model.config.suggested_init())
    for name, value in values.items():
        pars[model.config.par_slice(name)] = np.atleast_1d(value).tolist()
    return pars


def test_workspace_is_schema_valid_with_conventional_names(templates):
    ws = build_workspace(templates, "magnetic_moment", data="pseudo_poisson").workspace
    pyhf.schema.validate(ws, "workspace.json")
    (measurement,) = ws["measurements"]
    assert measurement["name"] == "xmass1_magnetic_moment"
    assert measurement["config"]["poi"] == "mu"
    samples = {s["name"]: s for s in ws["channels"][0]["samples"]}
    assert list(samples) == ["pb210", "c14", "kr85", "fixed_bkg", "signal"]
    mods = {name: {(m["name"], m["type"]) for m in s["modifiers"]} for name, s in samples.items()}
    assert ("xmass1_norm_pb210", "normsys") in mods["pb210"]
    assert ("xmass1_free_c14", "normfactor") in mods["c14"]
    assert ("xmass1_dead_pmt_2_5kev", "histosys") in mods["pb210"] & mods["c14"]
    assert ("xmass1_kr_flux", "normsys") in mods["kr85"]
    assert mods["fixed_bkg"] == set()
    assert ("mu", "normfactor") in mods["signal"]
    assert ("xmass1_staterror_low_energy", "staterror") in mods["pb210"] & mods["signal"]
    assert (
        ws["observations"][0]["data"]
        == templates.channel("low_energy").data["pseudo_poisson"].tolist()
    )


def test_expected_data_at_nominal_is_the_sum_of_templates(templates):
    ws = build_workspace(templates, "magnetic_moment", data="asimov").workspace
    model = model_of(ws)
    channel = templates.channel("low_energy")
    signal = templates.signal("magnetic_moment").parts[0].yields
    expected = model.expected_actualdata(model.config.suggested_init())
    np.testing.assert_allclose(expected, channel.total_background() + signal, rtol=1e-12)
    samples = by_sample(model, model.config.suggested_init())
    for bkg in channel.backgrounds:
        np.testing.assert_allclose(samples[bkg.name], bkg.yields, rtol=1e-12)


def test_each_nuisance_at_plus_one_sigma_gives_its_up_template(templates):
    ws = build_workspace(templates, "magnetic_moment", data="asimov").workspace
    model = model_of(ws)
    channel = templates.channel("low_energy")
    mm = templates.signal("magnetic_moment").parts[0]
    nominal = by_sample(model, model.config.suggested_init())
    # activity constraints: normsys (1 + sigma) x nominal
    for bkg in channel.backgrounds:
        if bkg.norm_uncertainty:
            moved = by_sample(model, at(model, **{f"xmass1_norm_{bkg.name}": 1.0}))
            np.testing.assert_allclose(moved[bkg.name], (1 + bkg.norm_uncertainty) * bkg.yields)
    # shared shape systematic: every sample carrying it moves to its up template
    moved = by_sample(model, at(model, xmass1_dead_pmt_2_5kev=1.0))
    for name in ("pb210", "c14"):
        up = channel.background(name).variation("dead_pmt_2_5kev").up
        np.testing.assert_allclose(moved[name], up, rtol=1e-12)
    np.testing.assert_allclose(moved["kr85"], nominal["kr85"])
    # flat systematics: hi x nominal, on backgrounds and on the signal
    moved = by_sample(model, at(model, xmass1_kr_flux=1.0, flux_pp=1.0))
    np.testing.assert_allclose(moved["kr85"], 1.05 * channel.background("kr85").yields)
    np.testing.assert_allclose(moved["signal"], 1.06 * mm.yields)
    # signal shape systematic and a free normalisation
    moved = by_sample(model, at(model, xmass1_energy_scale=1.0, xmass1_free_c14=2.0))
    np.testing.assert_allclose(moved["signal"], mm.variation("energy_scale").up, rtol=1e-12)
    np.testing.assert_allclose(moved["c14"], 2.0 * channel.background("c14").yields)


def test_staterror_combines_absolute_errors_in_quadrature(templates):
    """pyhf: one gamma per bin, sigma = sqrt(sum_s err_s^2) / sum_s nominal_s over the samples
    carrying the staterror; gamma = 1 + sigma scales exactly those samples."""
    ws = build_workspace(templates, "magnetic_moment", data="asimov").workspace
    model = model_of(ws)
    channel = templates.channel("low_energy")
    carriers = [channel.background("pb210"), channel.background("c14")]
    carriers.append(templates.signal("magnetic_moment").parts[0])
    errors = np.sqrt(sum(s.stat_error**2 for s in carriers))
    relative = errors / sum(s.yields for s in carriers)
    sigmas = model.config.param_set("xmass1_staterror_low_energy").sigmas
    np.testing.assert_allclose(sigmas, relative, rtol=1e-12)
    moved = by_sample(model, at(model, xmass1_staterror_low_energy=(1 + relative).tolist()))
    np.testing.assert_allclose(moved["pb210"], (1 + relative) * carriers[0].yields)
    np.testing.assert_allclose(moved["kr85"], channel.background("kr85").yields)


def test_two_part_signal_scales_as_powers_of_the_coupling(templates):
    ws = build_workspace(templates, "dark_photon_m1e_03", data="asimov").workspace
    assert ws["measurements"][0]["config"]["poi"] == "mu_interference"
    names = [s["name"] for s in ws["channels"][0]["samples"]]
    assert names[-2:] == ["signal_interference", "signal_pure"]
    model = model_of(ws)
    signal = templates.signal("dark_photon_m1e_03")
    s = (1.7e-6 / signal.reference) ** 2
    expected = model.expected_actualdata(at(model, mu_interference=s, mu_pure=s**2))
    background = templates.channel("low_energy").total_background()
    np.testing.assert_allclose(expected, background + signal.expected(1.7e-6), rtol=1e-12)
    bounds = {p["name"]: p["bounds"][0] for p in ws["measurements"][0]["config"]["parameters"]}
    assert set(bounds) == {"mu_interference", "mu_pure"}
    assert bounds["mu_pure"][1] >= bounds["mu_interference"][1] ** 2 * 0.98


def test_poi_bounds_follow_the_rule_or_the_caller(templates):
    ws = build_workspace(templates, "magnetic_moment", data="asimov").workspace
    (mu,) = ws["measurements"][0]["config"]["parameters"]
    channel = templates.channel("low_energy")
    background = [background_sample(b, channel.name) for b in channel.backgrounds]
    rule = poi_upper_bound(background, templates.signal("magnetic_moment").parts[0].yields)
    assert mu == {"bounds": [[0.0, rule]], "inits": [1.0], "name": "mu"}
    ws = build_workspace(
        templates, "magnetic_moment", data="asimov", poi_bounds=(0.0, 5.0)
    ).workspace
    assert ws["measurements"][0]["config"]["parameters"][0]["bounds"] == [[0.0, 5.0]]
    with pytest.raises(InvalidParameterError, match="lower < upper"):
        build_workspace(templates, "magnetic_moment", data="asimov", poi_bounds=(5.0, 1.0))


def test_building_twice_gives_identical_bytes(templates):
    first = dumps(build_workspace(templates, "magnetic_moment", data="pseudo_poisson").workspace)
    second = dumps(build_workspace(templates, "magnetic_moment", data="pseudo_poisson").workspace)
    assert first == second
    assert '"data": [\n' in first and "numpy" not in first


def test_user_errors_name_what_is_wrong(templates):
    with pytest.raises(InvalidParameterError, match="no signal 'axion'"):
        build_workspace(templates, "axion", data="asimov")
    with pytest.raises(
        InvalidParameterError, match=r"no dataset 'observed'.*asimov, pseudo_poisson"
    ):
        build_workspace(templates, "magnetic_moment", data="observed")
    channel = templates.channel("low_energy")
    clash = Sample(name="signal", yields=channel.backgrounds[0].yields)
    bad = TemplateSet(
        (dataclasses.replace(channel, backgrounds=(*channel.backgrounds, clash)),),
        templates.signals,
    )
    with pytest.raises(InvalidTemplateError, match="sample name 'signal' is used twice"):
        build_workspace(bad, "magnetic_moment", data="asimov")


def test_check_workspace_turns_pyhf_errors_into_one_line(templates):
    ws = build_workspace(templates, "magnetic_moment", data="asimov").workspace
    ws["channels"][0]["samples"][0]["modifiers"].append(
        {"name": "mu", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}
    )
    with pytest.raises(InvalidTemplateError, match="not a valid pyhf workspace"):
        check_workspace(ws)


def test_signal_metadata_is_not_needed(templates):
    plain = Signal(
        name="custom",
        channel="low_energy",
        parts=templates.signals[0].parts,
        parameter="x",
        unit="u",
        reference=1.0,
        powers=(1,),
    )
    ws = build_workspace(templates.with_signals((plain,)), "custom", data="asimov").workspace
    assert ws["measurements"][0]["name"] == "xmass1_custom"


def _zeroed(templates, bin_index, data=None):
    """``templates`` with every background of low_energy zero in ``bin_index``."""
    channel = templates.channel("low_energy")
    backgrounds = []
    for sample in channel.backgrounds:
        yields = sample.yields.copy()
        yields[bin_index] = 0.0
        backgrounds.append(
            Sample(
                name=sample.name,
                yields=yields,
                norm_uncertainty=sample.norm_uncertainty,
                free=sample.free,
            )
        )
    datasets = dict(channel.data if data is None else data)
    zeroed = dataclasses.replace(channel, backgrounds=tuple(backgrounds), data=datasets)
    others = tuple(c for c in templates.channels if c.name != channel.name)
    return TemplateSet((zeroed, *others), templates.signals, templates.metadata)


def test_a_bin_without_background_is_refused_with_its_energy(templates):
    channel = templates.channel("low_energy")
    lo, hi = channel.bin_edges[2], channel.bin_edges[3]
    with pytest.raises(
        InvalidTemplateError,
        match=rf"channel 'low_energy': bin 2 \({lo:g} to {hi:g} keV\): no background expected",
    ):
        build_workspace(_zeroed(templates, 2), "magnetic_moment", data="asimov")


def test_a_bin_empty_of_everything_is_allowed(templates):
    """No background, no data and no signal in a bin: a factor 1 in the likelihood."""
    channel = templates.channel("low_energy")
    data = {label: np.where(np.arange(v.size) == 2, 0.0, v) for label, v in channel.data.items()}
    signals = []
    for sig in templates.signals:
        if sig.channel != channel.name:
            signals.append(sig)
            continue
        parts = tuple(
            Sample(name=p.name, yields=np.where(np.arange(p.yields.size) == 2, 0.0, p.yields))
            for p in sig.parts
        )
        signals.append(
            Signal(
                name=sig.name,
                channel=sig.channel,
                parts=parts,
                parameter=sig.parameter,
                unit=sig.unit,
                reference=sig.reference,
                powers=sig.powers,
                metadata=sig.metadata,
            )
        )
    zeroed = _zeroed(templates, 2, data).with_signals(tuple(signals))
    ws = build_workspace(zeroed, "magnetic_moment", data="asimov").workspace
    assert ws["observations"][0]["data"][2] == 0.0
