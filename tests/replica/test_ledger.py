"""The calibration ledger: complete, equal to templates/README.md, printed by the CLI."""

from dataclasses import fields
from pathlib import Path

import pytest
from click.testing import CliRunner

from xhf.cli import cli
from xhf.replica.ledger import (
    CALIBRATED,
    CALIBRATION_EFFECTS,
    LIMITS,
    ledger_markdown,
    ledger_rows,
)
from xhf.replica.settings import ReplicaSettings
from xhf.reproduce.calibration import measure_calibration_effects

README = Path(__file__).resolve().parents[2] / "templates" / "README.md"
SOURCES = {"paper", "ICRC2021 talk", "assumption", "calibrated", "convention"}


def test_readme_carries_the_ledger_of_the_code():
    assert ledger_markdown() in README.read_text()


def test_at_most_two_calibrated_parameters_each_with_its_effects():
    assert 1 <= len(CALIBRATED) <= 2
    rows = {r.parameter: r for r in ledger_rows()}
    for cal in CALIBRATED:
        assert rows[cal.parameter].source == "calibrated"
        lo, hi = cal.plausible
        assert lo < cal.get(ReplicaSettings()) < hi
        assert len(CALIBRATION_EFFECTS[cal.parameter]) == len(LIMITS)
        assert cal.get(cal.set(ReplicaSettings(), lo)) == lo
    assert sum(r.source == "calibrated" for r in rows.values()) == len(CALIBRATED)


def test_every_setting_is_in_the_ledger():
    text = ledger_markdown()
    aliases = {
        "backgrounds": "Pb210_surface rate",
        "low_energy_edges_kev": "low_energy channel",
        "full_energy_edges_kev": "full_energy channel",
        "background_systematics": "bkg_reconstruction",
        "signal_systematics": "signal rpe_cut",
        "mu_nu_reference": "signal references",
        "charge_reference": "signal references",
        "dark_photon_per_decade": "signal references",
        "dead_pmt_samples": "dead_pmt_correction",
    }
    for f in fields(ReplicaSettings):
        assert aliases.get(f.name, f.name) in text, f.name
    for comp in ReplicaSettings().backgrounds:
        assert f"| {comp.name} rate" in text


def test_every_row_names_a_source():
    for row in ledger_rows():
        known = row.source in SOURCES or any(s in row.source for s in SOURCES)
        publication = any(ch.isdigit() for ch in row.source) or row.source in {
            "EXO-200",
            "IUPAC",
            "natural U",
        }
        assert known or publication, row


def test_values_follow_the_settings():
    changed = ReplicaSettings(live_days=700.0, efficiency_threshold_kev=3.9)
    text = ledger_markdown(changed)
    assert "| live_days | 700 |" in text and "| efficiency_threshold_kev | 3.9 |" in text


def test_cli_prints_the_ledger_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["templates", "--ledger", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == ledger_markdown()
    assert not out.exists()


@pytest.mark.slow
def test_recorded_effects_are_what_the_code_measures():
    measured = measure_calibration_effects()
    for name, effects in CALIBRATION_EFFECTS.items():
        for got, recorded in zip(measured[name], effects, strict=True):
            assert got == pytest.approx(recorded, abs=0.3), name
