"""Where the tests find their inputs: one copy of each file.

Real samples live once, in `data/samples/` (shipped for the demo, each folder with its SOURCES.md); the
tests read them there. `tests/fixtures/` holds only what exists for the tests alone: official format
examples (some fictitious, said in their SOURCES.md), recorded API pages, local-site pages, IP-range lists.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
FIXTURES = Path(__file__).parent / "fixtures"

BOAMP = SAMPLES / "boamp"
EFORMS_REAL = SAMPLES / "ted" / "eforms_real"
TED_R209 = SAMPLES / "ted" / "ted_xml_r209"
DECP_REAL = SAMPLES / "decp" / "real"
TED_156_2025 = EFORMS_REAL / "eforms_can_156-2025_FRA_transcribed.xml"
BOAMP_17_1028 = BOAMP / "boamp_xml_v230_17-1028.xml"
