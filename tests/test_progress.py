"""Progress of the long steps: a line rewritten in place on a terminal, nothing in CI logs or
pipes (``iae_diag.progress``), used by the ingest (per table) and the indicators (per stage)."""

from __future__ import annotations

import io
import sys

import pytest

from fluxiae_writer import write_table
from iae_diag.indicators import build_tables
from iae_diag.indicators.tables import STAGES
from iae_diag.ingest import ingest
from iae_diag.progress import Progress, progress_enabled
from indicators_helpers import SALT, processed
from test_figures import flows_dataset


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_enabled_only_on_a_terminal_outside_ci():
    assert progress_enabled(Terminal(), environ={}) is True
    assert progress_enabled(io.StringIO(), environ={}) is False
    assert progress_enabled(Terminal(), environ={"CI": "true"}) is False
    assert progress_enabled(Terminal(), environ={"CI": "1"}) is False
    assert progress_enabled(Terminal(), environ={"CI": ""}) is True


def test_line_rewritten_in_place_with_french_thousands():
    out = Terminal()
    with Progress("indicators", stream=out, enabled=True) as p:
        p.update("year 2012", 1204311, 1, 2)
        p.update("year 2013", 5, 2, 2)
    assert out.getvalue() == (
        "\rindicators: year 2012 (1/2), 1 204 311 rows"
        "\rindicators: year 2013 (2/2), 5 rows" + " " * 8 + "\n"
    )


def test_disabled_writes_nothing():
    out = Terminal()
    with Progress("ingest", stream=out, enabled=False) as p:
        p.update("Salarie", 10, 1, 5)
    assert out.getvalue() == ""


@pytest.mark.parametrize(
    "tty, ci, shown", [(True, None, True), (False, None, False), (True, "1", False)]
)
def test_indicators_show_each_stage_on_a_terminal_only(tmp_path, monkeypatch, tty, ci, shown):
    """flows_dataset: 6 ACI persons x 6 months + 5 AI persons x 12 months = 96 counted rows."""
    data = processed(flows_dataset(), tmp_path)
    err = Terminal() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    build_tables(data)
    text = err.getvalue()
    if not shown:
        assert text == ""
        return
    n = len(STAGES)
    assert f"\rindicators: annexes financières (1/{n})" in text  # before the rows are counted
    assert f"\rindicators: états mensuels (2/{n}), 96 rows" in text
    assert f"\rindicators: embauches, parcours et sorties (4/{n}), 96 rows" in text
    assert f"\rindicators: structures ({n}/{n}), 96 rows" in text
    assert text.endswith("\n") and text.count("\n") == 1


def test_ingest_shows_each_table_on_a_terminal(tmp_path, monkeypatch):
    for table, rows in flows_dataset().tables().items():
        write_table(tmp_path / "raw", table, rows)
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.delenv("CI", raising=False)
    ingest(tmp_path / "raw", tmp_path / "out", salt=SALT)
    text = err.getvalue()
    assert "\ringest: EtatMensuelIndiv (3/5), 96 rows" in text
    assert "\ringest: Salarie" in text
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    ingest(tmp_path / "raw", tmp_path / "out2", salt=SALT)
    assert sys.stderr.getvalue() == ""
