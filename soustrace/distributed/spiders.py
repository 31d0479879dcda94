"""Which queued spider serves which source (imported lazily: each pulls in its parsers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _disclosures() -> type[Any]:
    from soustrace.distributed.disclosures import QueuedDisclosuresSpider

    return QueuedDisclosuresSpider


def _packages() -> type[Any]:
    from soustrace.distributed.packages import QueuedTedPackagesSpider

    return QueuedTedPackagesSpider


def _window(name: str) -> Callable[[], type[Any]]:
    def load() -> type[Any]:
        from soustrace.distributed import windows

        return getattr(windows, f"Queued{name}Spider")

    return load


QUEUED_SPIDERS: dict[str, Callable[[], type[Any]]] = {"disclosures": _disclosures, "boamp": _window("Boamp"),
                                                      "ted": _window("Ted"), "ted_packages": _packages,
                                                      "decp": _window("Decp")}
# `worker --source NAME`: the queues it serves (TED's packages and its API windows are two queues).
SOURCE_QUEUES = {"disclosures": ["disclosures"], "boamp": ["boamp"], "ted": ["ted_packages", "ted"],
                 "decp": ["decp"]}
