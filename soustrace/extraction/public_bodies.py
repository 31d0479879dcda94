"""Public bodies named in prose: "le ministère des Solidarités et de la Santé", "Caisse nationale d'assurance
maladie (CNAM)", and when two spellings are one body.

Reported awards need the buyer, and in press and court prose the buyer is a noun phrase headed by a
public-body noun with a proper complement, not a name the catalog or a register knows; the same body is
often named twice in one text, by its ministry and by its minister, in another word order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

# A public body: its head noun (accents folded, lower case), and words that are never a buyer.
BODY_HEADS = {
    "ministere", "ministre", "ministry", "minister", "gouvernement", "government", "etat", "conseil", "council",
    "direction", "directorate", "caisse", "syndicat", "mairie", "ville", "city", "commune", "departement",
    "department", "region", "prefecture", "collectivite", "communaute", "metropole", "assemblee", "senat",
    "universite", "university", "hopital", "hospital", "chu", "gip", "office", "agence", "agency", "authority",
    "autorite", "etablissement", "service", "services", "secretariat", "commission", "haute",
    "institut", "centre", "matignon", "elysee", "premier",
}
COURTS = {"tribunal", "cour", "juge", "juridiction", "court", "judge", "parquet"}
CONNECTORS = {"de", "des", "du", "d'", "d’", "la", "l'", "l’", "et", "of", "the", "and", "for", "pour"}
HEAD_SYNONYMS = {"ministre": "ministere", "minister": "ministry", "ministres": "ministere"}
FILLER = {"de", "des", "du", "d", "la", "le", "les", "l", "et", "of", "the", "and", "chargee", "charge", "en"}


def fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True, slots=True)
class Body:
    start: int  # token indices
    end: int
    text: str
    named: bool
    char: int


def find_bodies(doc: Any) -> list[Body]:
    """Public-body noun phrases of the whole document ("le ministère des Solidarités et de la Santé",
    "Caisse nationale d'assurance maladie (CNAM)"), courts left out."""
    out: list[Body] = []
    i = 0
    n = len(doc)
    while i < n:
        head = fold(doc[i].text)
        prev = fold(doc[i - 1].text) if i else ""
        if head not in BODY_HEADS or prev in COURTS or (head == "premier" and fold(doc[min(i + 1, n - 1)].text)
                                                        != "ministre"):
            i += 1
            continue
        if i and doc[i].text[:1].isupper() and doc[i - 1].text[:1].isupper() and not doc[i - 1].is_sent_start:
            i += 1  # "Amazon Web Services": a word of a company's name, not a public body's head
            continue
        j = i + 1
        named = False
        ministry = head in {"ministere", "ministre", "ministry", "minister", "secretariat"}
        while j < n:
            tok = doc[j]
            low = fold(tok.text)
            pos = getattr(tok, "pos_", "")
            if low in COURTS or tok.is_sent_start:
                break
            if tok.text[:1].isupper() and not tok.is_punct:
                named = named or low not in {"etat"} or head != "conseil"
                j += 1
            elif low in CONNECTORS and j + 1 < n and (doc[j + 1].text[:1].isupper() or fold(doc[j + 1].text)
                                                       in CONNECTORS or doc[j + 1].pos_ in {"NOUN", "ADJ"}):
                j += 1
            elif pos in {"NOUN", "ADJ"} and tok.is_alpha and j > i + 1 and _complement(doc[j - 1]):
                named = named or ministry
                j += 1
            elif pos == "ADJ" or low in {"national", "nationale", "mixte", "regional", "regionale",
                                          "interministerielle", "general", "generale", "departemental", "municipal"}:
                j += 1
            else:
                break
        while j > i + 1 and fold(doc[j - 1].text) in CONNECTORS:
            j -= 1
        if j + 2 < n and doc[j].text == "(" and doc[j + 1].text.isupper() and doc[j + 2].text == ")":
            j += 3
            named = True
        text = doc[i:j].text
        if fold(text).startswith(("conseil d'etat", "conseil d’etat")):
            i = j
            continue
        out.append(Body(i, j, text, named and j - i > 1, doc[i].idx))
        i = j
    return out


def _complement(prev: Any) -> bool:
    """A lower-case word continues a body's name after a connector or another lower-case complement word
    ("Caisse nationale d'assurance maladie", "ministre de la santé")."""
    return fold(prev.text) in CONNECTORS or (prev.pos_ in {"NOUN", "ADJ"} and not prev.text[:1].isupper())


def clean_body(text: str) -> str:
    return text[:1].upper() + text[1:]


def body_signature(name: str) -> frozenset[str]:
    """A public body's words without order or fillers: "Ministre de la santé et des solidarités" and
    "Ministère des Solidarités et de la Santé" are one buyer (a ministry is named by its minister too)."""
    words = re.findall(r"[a-z0-9]+", fold(name))
    return frozenset(HEAD_SYNONYMS.get(w, w) for w in words if w not in FILLER)
