"""Which payload of a notice is its current one: the latest by the notice's own date, not by arrival.

Why: a crawl or an ingest may meet an older revision of a notice after a newer one (an old export
re-read, two overlapping files, a retried page). Taken in arrival order, the older payload became the
"current" notice and its contracts replaced the newer ones. Every payload is still kept as a revision
(raw first, never overwritten); only the current one is parsed into contracts and edges.

Kept apart from the writer so any store asks the same question.
"""

from __future__ import annotations

import datetime as dt


def is_older_revision(incoming: dt.date | None, current: dt.date | None) -> bool:
    """True when the incoming payload is dated before the current one (both dates known).

    Same date or a date missing on either side: nothing says which is newer, arrival order decides.
    """
    return incoming is not None and current is not None and incoming < current
