"""``xhf export xml``: pyhf's json2xml plus the StatErrorConfig that pyhf's staterror means."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pyhf
import pytest
from click.testing import CliRunner
from pyhf import readxml

from xhf.cli import cli as main
from xhf.publish.histfactory_xml import STAT_ERROR_CONFIG, write_histfactory_xml
from xhf.workspace.compat import quiet_pyhf

SHIPPED = Path(__file__).resolve().parents[2] / "workspaces" / "xmass1_millicharge.json"


def test_every_channel_keeps_the_staterror_threshold_and_the_round_trip_is_exact(tmp_path):
    spec = json.loads(SHIPPED.read_text())
    out = write_histfactory_xml(spec, tmp_path / "xml")
    channels = sorted((out / "config").glob("FitConfig_*.xml"))
    assert [p.name for p in channels] == [f"FitConfig_{c['name']}.xml" for c in spec["channels"]]
    for path in channels:
        root = ET.parse(path).getroot()
        tags = [child.tag for child in root]
        assert tags.count("StatErrorConfig") == 1
        # the DTD's order: Data, StatErrorConfig, Sample...
        assert tags.index("StatErrorConfig") == tags.count("Data")
        assert root.find("StatErrorConfig").attrib == STAT_ERROR_CONFIG
        files = {el.attrib["InputFile"] for el in root.iter() if "InputFile" in el.attrib}
        assert files == {"data/data.root"}
    assert str(tmp_path) not in (out / "FitConfig.xml").read_text()
    with quiet_pyhf():
        original = pyhf.Workspace(spec)
        back = pyhf.Workspace(readxml.parse(str(out / "FitConfig.xml"), str(out)))
        m1, m2 = original.model(), back.model()
    # pyhf's reader names the staterror staterror_<channel>; everything else is unchanged
    rename = {
        f"staterror_{c['name']}": n
        for c in spec["channels"]
        for n in m1.config.parameters
        if n.endswith(f"staterror_{c['name']}")
    }
    assert {rename.get(n, n) for n in m2.config.parameters} == set(m1.config.parameters)
    rng = np.random.default_rng(1)
    for trial in range(3):
        p1 = np.asarray(m1.config.suggested_init(), float)
        if trial:
            p1 = p1 + rng.uniform(-0.2, 0.2, p1.size) * (p1 != 0)
        p2 = np.empty_like(p1)
        for name in m2.config.parameters:
            p2[m2.config.par_slice(name)] = p1[m1.config.par_slice(rename.get(name, name))]
        a = float(m1.logpdf(p1, original.data(m1))[0])
        b = float(m2.logpdf(p2, back.data(m2))[0])
        assert b == pytest.approx(a, rel=1e-10)


def test_cli_writes_refuses_overwrite_and_bad_input_is_one_line(tmp_path):
    out = tmp_path / "xml"
    run = CliRunner().invoke
    first = run(main, ["export", "xml", str(SHIPPED), "-o", str(out)])
    assert first.exit_code == 0, first.output
    before = (out / "FitConfig.xml").read_bytes()
    again = run(main, ["export", "xml", str(SHIPPED), "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"channels": 3}')
    result = run(main, ["export", "xml", str(bad), "-o", str(out), "--force"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith(f"Error: {bad}:")
    assert (out / "FitConfig.xml").read_bytes() == before
