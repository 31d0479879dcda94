"""The progress display of long commands: on a terminal it counts, elsewhere it stays silent; data passes through."""

from __future__ import annotations

import io

import click
import pytest
from rich.console import Console

from soustrace.commands import common


def _ctx(quiet: bool) -> click.Context:
    ctx = click.Context(click.Command("x"), obj={"quiet": quiet})
    return ctx


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    buffer = io.StringIO()
    monkeypatch.setattr(common, "err_console", Console(file=buffer, force_terminal=True, width=100))
    return buffer


def test_counted_passes_every_item_in_order_and_shows_the_count_on_a_terminal(terminal: io.StringIO) -> None:
    items = [{"row": i} for i in range(1234)]
    assert list(common.counted(_ctx(False), "awards", iter(items), every=100)) == items
    shown = terminal.getvalue()
    assert "awards" in shown and "1,234 rows" in shown


def test_counted_is_silent_when_quiet(terminal: io.StringIO) -> None:
    assert list(common.counted(_ctx(True), "awards", range(10))) == list(range(10))
    assert terminal.getvalue() == ""


def test_counted_is_silent_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.StringIO()  # a pipe or a log file: only the final summary line belongs there
    monkeypatch.setattr(common, "err_console", Console(file=buffer, force_terminal=False))
    assert sum(common.counted(_ctx(False), "ocds", range(5000))) == sum(range(5000))
    assert buffer.getvalue() == ""


def test_progress_bar_reports_done_of_total(terminal: io.StringIO) -> None:
    with common.progress_bar(_ctx(False), "reprocess") as progress:
        progress(7, 9)
    assert "7/9" in terminal.getvalue()
