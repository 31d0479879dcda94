"""Reported-award extraction on the real chain excerpts (data/samples/chains): what each file yields, and
how many of the awards SOURCES.md states are found (contractor, and contractor with the right buyer).

    python benchmarks/eval_awards.py

The expected awards are the SOURCES.md table's (buyer -> contractor), written as lower-case fragments of
the names; a statement the texts do not make in prose (the vendor is named only by the press as the site's
maker, the buyer only implied) is still listed, so the score shows what the rules cannot read.
"""

from __future__ import annotations

import time
from pathlib import Path

from soustrace.extraction.awards import extract_awards, fold
from soustrace.hosting.excerpts import read_excerpts

CHAINS = Path(__file__).resolve().parents[1] / "data" / "samples" / "chains"
EXPECTED = [  # (file prefix, buyer fragment or None when SOURCES names none, contractor fragment)
    ("01", "cnr", "bluenove"),
    ("06", "sante", "doctolib"),
    ("07", "health data hub", "microsoft"),
    ("09", None, "cap collectif"),
    ("03", None, "octo"),
    ("12", None, "outscale"),
    ("13", "cnam", "atos"),
    ("17", "senat", "open source politics"),
    *(("16", None, c) for c in ("adullact", "atexo", "axyus", "berger-levrault", "bull", "numergy", "oodrive",
                                 "worldline")),
]


def main() -> None:
    found: dict[str, list] = {}
    started = time.perf_counter()
    for path in sorted(CHAINS.glob("*.txt")):
        found[path.name[:2]] = [a for ex in read_excerpts(path) for a in extract_awards(ex.text)]
    elapsed = time.perf_counter() - started
    for prefix, awards in found.items():
        for a in awards:
            print(f"{prefix}  {a.buyer or '(buyer unknown)'} -> {a.contractor}  [{a.rule}, {a.status}, "
                  f"{a.confidence:.2f}, buyer {a.buyer_found}]")
    contractor_hits = buyer_hits = with_buyer = 0
    for prefix, buyer, contractor in EXPECTED:
        hits = [a for a in found.get(prefix, []) if contractor in fold(a.contractor)]
        contractor_hits += bool(hits)
        if buyer:
            with_buyer += 1
            buyer_hits += any(a.buyer and buyer in fold(a.buyer) for a in hits)
    print(f"\nexpected awards: {len(EXPECTED)}; contractor found: {contractor_hits}; "
          f"with the stated buyer: {buyer_hits} of {with_buyer}; statements in all: "
          f"{sum(map(len, found.values()))}; {elapsed:.1f}s for {len(found)} files (model load included)")


if __name__ == "__main__":
    main()
