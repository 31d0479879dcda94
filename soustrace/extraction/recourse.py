"""The "X a recours à (la société) P pour l'hébergement" findings, now read by the extractor itself.

This module was a stop-gap regex for the way court rulings and legal summaries state who hosts a
contractor's data ("Pour les besoins de l'hébergement de ses données, la société Doctolib a recours à la
société AWS Sarl"). The frame now lives with the other sentence frames (`supplier_frames.recourse_frame`, rule
"recourse", which also reads "fait appel à", "relies on", "est confié à" with a hosting purpose), so the
extractor's own relations are returned here: callers that merged both (the press reader) get the same
findings once, with the extractor's status and vetoes applied.
"""

from __future__ import annotations

from typing import Any

RULE = "recourse"


def extract_recourse(text: str) -> list[dict[str, Any]]:
    """The extractor's relations stated by a recourse frame (same dict shape as `Extraction.relations`)."""
    from soustrace.extraction import extract

    return [rel for rel in extract(text).relations if rel["rule"] == RULE]
