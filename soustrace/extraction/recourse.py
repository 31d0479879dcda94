"""A stop-gap hosting frame, "X a recours à (la société) P pour l'hébergement": the way court rulings and
legal summaries state who hosts a contractor's data ("Pour les besoins de l'hébergement de ses données, la
société Doctolib a recours à la société AWS Sarl").

The shipped hosting extractor (`extraction.extract`) does not read this frame yet; the press reader adds
these findings only where it found nothing for the same provider in the same sentence, so once the
extractor reads the frame itself, this one adds nothing. Same finding shape as the extractor's relations.
"""

from __future__ import annotations

import re
from typing import Any

RULE = "recourse"
CONFIDENCE = 0.75
_CUE = re.compile(r"h[ée]berg|hosting|stockage des donn[ée]es|cloud", re.I)
_FRAME = re.compile(
    r"\b(?:a|ont|avait|avaient)\s+recours\s+(?:aux\s+(?:services|prestations)\s+(?:de\s+|d['’]))?"
    r"(?:(?:à|a)\s+)?(?:la\s+soci[ée]t[ée]\s+|l['’]entreprise\s+|au\s+groupe\s+)?(?:de\s+droit\s+\w+\s+)?"
    r"(?P<provider>[A-Z0-9][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,4})")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]|$)")


def extract_recourse(text: str) -> list[dict[str, Any]]:
    from soustrace.catalog import get_catalog

    catalog = get_catalog()
    out: list[dict[str, Any]] = []
    for sent in _SENTENCE.finditer(text):
        sentence = sent.group(0)
        if not _CUE.search(sentence):
            continue
        for m in _FRAME.finditer(sentence):
            surface = m.group("provider").rstrip(".")
            pid = catalog.resolve(surface)
            if pid is None:
                continue
            start = sent.start() + m.start("provider")
            out.append({"provider_id": pid, "provider": catalog.display_name(pid), "surface": surface,
                        "start": start, "end": start + len(surface), "role": "host", "status": "current",
                        "confidence": CONFIDENCE, "sentence": sentence.strip(), "rule": RULE})
    return out
