"""Property test: any mutation of a valid experiment card (its YAML or its table files) reads or
raises an XhfError whose message is one line naming the card; ``xhf experiment`` exits 0 or 2
with one ``Error: <card>: ...`` line, never a traceback."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from tests.support import mutations as m
from xhf.cli import cli
from xhf.combine.card import read_card
from xhf.exceptions import XhfError

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad" / "cards"
GOOD_TEXT = (CORPUS / "good.yml").read_bytes()
GOOD = yaml.safe_load(GOOD_TEXT)
#: The tables good.yml reads (relative to the card).
TABLES = ("tables/background.txt", "tables/efficiency.txt", "tables/events.txt")
SETTINGS = m.SETTINGS
values = m.values([0, 1e-300, 1e-9, 0.5, 2, 31, 1e9, 1e300], (-5, 40))
mutations = m.mutations(GOOD, values)
edits = m.edits
corrupt = m.corrupt
apply = m.apply


def card_folder(tmp: str, card: bytes, table: tuple[str, bytes] | None = None) -> Path:
    """The card as ``card.yml`` with a copy of the corpus tables (one of them replaced)."""
    shutil.copytree(CORPUS / "tables", Path(tmp) / "tables")
    if table is not None:
        (Path(tmp) / table[0]).write_bytes(table[1])
    path = Path(tmp) / "card.yml"
    path.write_bytes(card)
    return path


def read_or_xhf_error(path: Path):
    """The card, or None after an XhfError of one line naming the card; nothing else."""
    try:
        return read_card(path)
    except XhfError as exc:
        message = str(exc)
        assert "\n" not in message, message
        assert message.startswith(f"{path.name}: "), message
        return None


@SETTINGS
@given(mutations)
def test_mutated_cards_read_or_raise_xhf_errors(changes):
    document = apply(GOOD, changes)
    with tempfile.TemporaryDirectory() as tmp:
        read_or_xhf_error(card_folder(tmp, yaml.safe_dump(document).encode()))


@SETTINGS
@given(edits)
def test_corrupted_card_text_reads_or_raises_xhf_errors(changes):
    with tempfile.TemporaryDirectory() as tmp:
        read_or_xhf_error(card_folder(tmp, corrupt(GOOD_TEXT, changes)))


@SETTINGS
@given(st.sampled_from(TABLES), edits)
def test_corrupted_tables_read_or_raise_xhf_errors(table, changes):
    data = corrupt((CORPUS / table).read_bytes(), changes)
    with tempfile.TemporaryDirectory() as tmp:
        read_or_xhf_error(card_folder(tmp, GOOD_TEXT, (table, data)))


PUBLISHED_TEXT = (CORPUS / "good_published.yml").read_bytes()
PUBLISHED = yaml.safe_load(PUBLISHED_TEXT)
#: The multi-column, centre-binned and rate tables good_published.yml reads.
PUBLISHED_TABLES = (
    "tables/background_centres.csv",
    "tables/efficiency_band.csv",
    "tables/data_rate.csv",
)


@SETTINGS
@given(m.mutations(PUBLISHED, values))
def test_mutated_published_cards_read_or_raise_xhf_errors(changes):
    document = apply(PUBLISHED, changes)
    with tempfile.TemporaryDirectory() as tmp:
        read_or_xhf_error(card_folder(tmp, yaml.safe_dump(document).encode()))


@SETTINGS
@given(st.sampled_from(PUBLISHED_TABLES), edits)
def test_corrupted_published_tables_read_or_raise_xhf_errors(table, changes):
    data = corrupt((CORPUS / table).read_bytes(), changes)
    with tempfile.TemporaryDirectory() as tmp:
        read_or_xhf_error(card_folder(tmp, PUBLISHED_TEXT, (table, data)))


#: Cards the CLI test builds in full: the signal over a wide window takes seconds per keV.
_FAST_WINDOW_KEV = 100.0


@SETTINGS
@given(
    st.one_of(
        mutations.map(lambda m: ("yaml", m)),
        edits.map(lambda e: ("text", e)),
        st.tuples(st.sampled_from(TABLES), edits).map(lambda t: ("table", t)),
    ),
    st.sampled_from(["magnetic-moment", "millicharge"]),
)
def test_xhf_experiment_exits_0_or_2_with_one_line(change, model):
    kind, what = change
    table = None
    if kind == "yaml":
        card = yaml.safe_dump(apply(GOOD, what)).encode()
    elif kind == "text":
        card = corrupt(GOOD_TEXT, what)
    else:
        card, table = GOOD_TEXT, (what[0], corrupt((CORPUS / what[0]).read_bytes(), what[1]))
    with tempfile.TemporaryDirectory() as tmp:
        path = card_folder(tmp, card, table)
        read = read_or_xhf_error(path)
        if read is not None and read.edges_kev[-1] - read.edges_kev[0] > _FAST_WINDOW_KEV:
            return  # valid but slow to fold; the reader's part is tested above
        out = Path(tmp) / "out" / "ws.json"
        result = CliRunner().invoke(
            cli, ["experiment", str(path), "--model", model, "-o", str(out)]
        )
        assert result.exit_code in (0, 2), (result.output, result.exception)
        lines = [line for line in result.output.splitlines() if line.strip()]
        if result.exit_code == 2:
            assert len(lines) == 1 and lines[0].startswith("Error: card.yml: "), result.output
            assert not out.parent.exists() or not any(out.parent.iterdir())
        else:
            assert lines == [str(out), str(out.with_name("ws.meta.json"))], result.output
