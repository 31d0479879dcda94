"""Untrusted XML: entity bombs and XXE are refused fast, ordinary notices parse, markup flattens."""

from __future__ import annotations

import time

import pytest
from lxml import etree
from samples import TED_R209

from soustrace.parsers.xml import element_path, flatten_text, parse_xml
from soustrace.records import ParseError

FIXTURES = TED_R209.parent


def _billion_laughs(levels: int = 10, fanout: int = 10) -> bytes:
    entities = [b'<!ENTITY lol0 "lol">']
    for level in range(1, levels):
        refs = (b"&lol%d;" % (level - 1)) * fanout
        entities.append(b'<!ENTITY lol%d "%s">' % (level, refs))
    doctype = b"<!DOCTYPE lolz [" + b"".join(entities) + b"]>"
    return b'<?xml version="1.0"?>' + doctype + b"<lolz>&lol%d;</lolz>" % (levels - 1)


XXE_FILE = (b'<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b"<foo>&xxe;</foo>")
XXE_PARAMETER = (b'<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY % ext SYSTEM "http://example.invalid/x.dtd">'
                 b" %ext;]><foo/>")


def _assert_refused_fast(payload: bytes) -> ParseError:
    start = time.perf_counter()
    with pytest.raises(ParseError) as caught:
        parse_xml(payload)
    assert time.perf_counter() - start < 1.0
    return caught.value


def test_billion_laughs_is_refused_within_a_second() -> None:
    error = _assert_refused_fast(_billion_laughs())
    assert "entities" in str(error)


def test_billion_laughs_in_utf16_is_refused_too() -> None:
    payload = _billion_laughs().replace(b'version="1.0"', b'version="1.0" encoding="UTF-16"')
    _assert_refused_fast(payload.decode("ascii").encode("utf-16"))


def test_xxe_reading_a_local_file_is_refused_within_a_second() -> None:
    error = _assert_refused_fast(XXE_FILE)
    assert "passwd" not in str(error)


def test_xxe_parameter_entity_is_refused() -> None:
    _assert_refused_fast(XXE_PARAMETER)


def test_external_dtd_without_entities_is_not_loaded() -> None:
    """A DOCTYPE pointing at a file is harmless once DTDs are never loaded: the text stays as written."""
    root = parse_xml(b'<!DOCTYPE foo SYSTEM "file:///etc/passwd"><foo>plain</foo>')
    assert root.text == "plain"


@pytest.mark.parametrize("payload", [b"", b"   \n", b"<a><b></a>", b"<a>&undefined;</a>", b"not xml"])
def test_broken_payloads_raise_parse_error(payload: bytes) -> None:
    with pytest.raises(ParseError):
        parse_xml(payload)


def test_text_payload_is_refused() -> None:
    with pytest.raises(ParseError):
        parse_xml("<a/>")  # type: ignore[arg-type]


def test_comments_do_not_reach_the_tree() -> None:
    root = parse_xml(b"<a><!-- note --><b>x</b></a>")
    assert [child.tag for child in root] == ["b"]


def test_real_notice_parses() -> None:
    root = parse_xml((FIXTURES / "ted_xml_r209" / "008298-2021.xml").read_bytes())
    assert etree.QName(root).localname == "TED_EXPORT"


def test_flatten_text_joins_inline_markup_and_keeps_paragraphs() -> None:
    el = parse_xml('<D><P>33 000 m<FT TYPE="SUP">2</FT> d\'aménagement,</P>\n'
                   "  <P>  800 ml  de réseau</P></D>".encode())
    assert flatten_text(el) == "33 000 m2 d'aménagement,\n800 ml de réseau"


def test_flatten_text_on_a_real_r209_description() -> None:
    root = parse_xml((FIXTURES / "ted_xml_r209" / "18-412273-001-EXP.xml").read_bytes())
    ns = {"t": etree.QName(root).namespace}
    descr = root.xpath("//t:OBJECT_DESCR[@ITEM='1']/t:SHORT_DESCR", namespaces=ns)[0]
    lines = flatten_text(descr).splitlines()
    assert lines[0] == ("Partie «infrastructures» des travaux de la ligne du bus à haut niveau de service "
                        "secteur Mandelieu Centre.")
    assert "— 33 000 m2 d'aménagement," in lines
    assert "— 1 500 m2 chaussée béton," in lines


def test_flatten_text_of_nothing_is_empty() -> None:
    assert flatten_text(None) == ""


def test_element_path_uses_prefixes_and_indexes_repeated_siblings() -> None:
    root = parse_xml(b'<r xmlns="urn:r" xmlns:c="urn:c"><c:x/><c:x><c:y>v</c:y></c:x><z/></r>')
    y = root.xpath("//c:y", namespaces={"c": "urn:c"})[0]
    assert element_path(y, {"urn:c": "c"}) == "/r/c:x[2]/c:y"
