"""Which queued spider serves which source (imported lazily: each pulls in its parsers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _disclosures() -> type[Any]:
    from soustrace.distributed.disclosures import QueuedDisclosuresSpider

    return QueuedDisclosuresSpider


QUEUED_SPIDERS: dict[str, Callable[[], type[Any]]] = {"disclosures": _disclosures}
