"""Two overlapping crawls into one database: the summary counts each day once, --resume plans nothing done.

The ledger rows are written through `WindowLedger` as two runs would (the reported case: a 7-day window by
one run, the same days split in two by an overlapping run; 6,000 notices summed as 12,000).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from soustrace.pipelines.store.ledger import WindowLedger, summarize

D = dt.date


def _window(ledger: WindowLedger, start: dt.date, stop: dt.date, expected: int | None, ids: range,
            finish: bool = True) -> None:
    state = ledger.open("boamp", start, stop)
    state.expected, state.fetched, state.ids = expected, len(ids), {f"N{i}" for i in ids}
    if finish:
        ledger.finish(state, set())


def test_overlapping_runs_are_counted_once(engine: Engine) -> None:
    ledger = WindowLedger(engine)
    _window(ledger, D(2024, 3, 1), D(2024, 3, 7), 6000, range(6000))  # run 1: one week
    _window(ledger, D(2024, 3, 1), D(2024, 3, 3), 2500, range(2500))  # run 2: the same week, split
    _window(ledger, D(2024, 3, 4), D(2024, 3, 7), 3500, range(2500, 6000))
    summary = summarize(engine, "boamp", D(2024, 3, 1), D(2024, 3, 7))
    assert (summary["windows"], summary["expected"], summary["stored"]) == (2, 6000, 6000)
    assert summary["incomplete"] == []
    assert ledger.plan("boamp", D(2024, 3, 1), D(2024, 3, 7), "", 7, resume=True) == []


def test_a_stale_running_window_under_newer_complete_ones_is_not_replanned(engine: Engine) -> None:
    ledger = WindowLedger(engine)
    _window(ledger, D(2024, 3, 1), D(2024, 3, 7), 6000, range(10), finish=False)  # killed run, left running
    _window(ledger, D(2024, 3, 1), D(2024, 3, 3), 2500, range(2500))
    _window(ledger, D(2024, 3, 4), D(2024, 3, 7), 3500, range(2500, 6000))
    assert ledger.plan("boamp", D(2024, 3, 1), D(2024, 3, 7), "", 7, resume=True) == []
    summary = summarize(engine, "boamp", D(2024, 3, 1), D(2024, 3, 7))
    assert (summary["expected"], summary["stored"], summary["incomplete"]) == (6000, 6000, [])


def test_a_newer_short_window_is_what_resume_re_crawls(engine: Engine) -> None:
    ledger = WindowLedger(engine)
    _window(ledger, D(2024, 3, 1), D(2024, 3, 7), 6000, range(6000))
    _window(ledger, D(2024, 3, 4), D(2024, 3, 7), 3500, range(3000))  # newer, and short
    summary = summarize(engine, "boamp", D(2024, 3, 1), D(2024, 3, 7))
    assert summary["expected"] == 3500 and summary["stored"] == 3000
    assert [line.split(":")[0] for line in summary["incomplete"]] == [
        "2024-03-01..2024-03-03", "2024-03-04..2024-03-07"]  # the first days: superseded in part
    assert ledger.plan("boamp", D(2024, 3, 1), D(2024, 3, 7), "", 7, resume=True) == [
        (D(2024, 3, 1), D(2024, 3, 3)), (D(2024, 3, 4), D(2024, 3, 7))]
