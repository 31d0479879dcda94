"""The offline HTML graph: nothing external in the file, and it really renders in headless Chromium.

Hosting edges in tests/answers_data.py are a TEST CONSTRUCTION joining real facts.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import networkx as nx
import pytest
from answers_data import build

from soustrace.exports.graph import build_graph
from soustrace.exports.graph_files import write_graph
from soustrace.exports.html import render_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_file_is_self_contained(engine) -> None:
    build(engine)
    page = render_html(build_graph(engine, provider="aws"))
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""(src|href)=["']https?:""", page)
    assert "fetch(" not in page and "XMLHttpRequest" not in page
    assert "default-src 'none'" in page  # the browser itself refuses any load
    assert 'id="search"' in page


def test_script_cannot_be_closed_by_data() -> None:
    g = nx.MultiDiGraph()
    g.add_node("org:1", type="organization", label="</script><script>alert(1)</script>")
    page = render_html(g)
    assert page.count("</script>") == 2  # the data's own "</script>" was escaped


def test_too_big_for_a_browser_is_refused() -> None:
    g = nx.MultiDiGraph()
    g.add_nodes_from((f"n{i}", {"type": "organization", "label": str(i)}) for i in range(11))
    with pytest.raises(ValueError, match="too many"):
        render_html(g, max_nodes=10)


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes) into rows of raw pixels."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = bpp = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        ftype, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, bpp, rows


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)")
def test_renders_in_headless_chromium(engine, tmp_path: Path) -> None:
    ids = build(engine)
    g = build_graph(engine, provider="aws")
    [page] = write_graph(g, tmp_path / "aws.html")
    png = tmp_path / "shot.png"
    common = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    subprocess.run([*common, f"--screenshot={png}", "--window-size=1200,800", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert png.exists() and png.stat().st_size > 5000
    _width, bpp, rows = png_pixels(png)
    # not blank: the coloured node discs (provider orange, contract blue) are drawn in the graph area
    colours = {rows[y][x * bpp:x * bpp + 3] for y in range(60, len(rows), 4) for x in range(0, 800, 4)}
    assert len(colours) > 20
    assert any(r > 200 and 100 < g_ < 150 and b < 60 for r, g_, b in colours)  # provider orange #e67e22
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120,
                         check=False).stdout
    assert 'id="search"' in dom
    assert f'data-rendered="{g.number_of_nodes()}"' in dom
    assert len(re.findall(r'<g class="node type-', dom)) == g.number_of_nodes()
    assert 'data-id="provider:aws"' in dom
    assert len(re.findall(r'<path [^>]*class="edge', dom)) == g.number_of_edges()
    # the evidence panel of a node (opened from the URL, as a click would): its hosting edge's quote and URL
    kiro = f"org:{ids.kiro}"
    panel = subprocess.run([*common, "--dump-dom", page.as_uri() + f"#node={kiro}"], capture_output=True,
                           text=True, timeout=120, check=False).stdout
    details = panel[panel.index('id="details"'):]
    assert "EDITIONS KIRO (MANDATAIRE)" in details
    assert "<blockquote>Amazon Web Services</blockquote>" in details
    assert 'href="https://fr.news.yahoo.com/cnr-h%C3%A9berge-partie-site-internet-174224701.html"' in details


def test_folds_contracts_above_the_threshold_and_keeps_counts_and_amounts(engine) -> None:
    ids = build(engine)
    g = build_graph(engine)
    page = render_html(g, aggregate_above=5)
    data = json.loads(re.search(r'<script id="graph-data" type="application/json">(.*?)</script>', page, re.S)[1])
    assert not [n for n in data["nodes"] if n["type"] == "contract"]
    awards = {(e["source"], e["target"]): e for e in data["edges"] if e["kind"] == "awards"}
    kiro = awards[(f"org:{ids.minarm}", f"org:{ids.kiro}")]
    assert (kiro["contracts"], kiro["amounts"]) == (2, "449,350 EUR")  # LOT-0001 + LOT-0003, 224 675 EUR each
    assert "3 contracts folded" in data["graph"]["aggregated"]
    with pytest.raises(ValueError, match="even with contracts folded"):
        render_html(g, aggregate_above=5, max_nodes=5)


def test_an_empty_graph_says_why(engine) -> None:
    page = render_html(build_graph(engine))
    assert '<p id="empty">Nothing to draw: the database holds no contract and no hosting edge' in page


HOSTILE = "Evil <!-- SARL </script><script>alert(1)</script> & \u2028 ]]>"


def test_hostile_names_are_embedded_as_valid_json(engine) -> None:
    g = nx.MultiDiGraph()
    g.add_node("org:1", type="organization", label=HOSTILE)
    g.add_node("provider:aws", type="provider", label="<!--", cloud_act="true")
    g.add_edge("org:1", "provider:aws", kind="hosting", evidence_text="--> <!-- <script>")
    page = render_html(g)
    embedded = re.search(r'<script id="graph-data" type="application/json">(.*?)</script>', page, re.S)[1]
    assert "<" not in embedded and ">" not in embedded and "&" not in embedded
    assert json.loads(embedded)["nodes"][0]["label"] == HOSTILE


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)")
def test_hostile_names_render_in_headless_chromium(tmp_path: Path) -> None:
    g = nx.MultiDiGraph()
    g.add_node("org:1", type="organization", label=HOSTILE)
    g.add_node("provider:aws", type="provider", label="Amazon <!-- Web", cloud_act="true", jurisdiction="non-EU")
    g.add_edge("org:1", "provider:aws", kind="hosting", role="host", evidence_text="<!-- hosted -->")
    page = tmp_path / "hostile.html"
    page.write_text(render_html(g), encoding="utf-8")
    common = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*common, "--dump-dom", page.as_uri() + "#node=org:1"], capture_output=True, text=True,
                         timeout=120, check=False).stdout
    assert 'data-rendered="2"' in dom  # the script ran to the end: no SyntaxError from the data
    details = dom[dom.index('id="details"'):]
    assert "Evil &lt;!-- SARL &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in details
    assert "<blockquote>&lt;!-- hosted --&gt;</blockquote>" in details
    assert "<script>alert(1)" not in dom
