"""The small database every answers test reads: two real notices, real disclosure texts, test-built edges.

Real facts (the notices are read from data/samples; see tests/fixtures/answers/SOURCES.md):
* TED CAN 00000156-2025 (MINARM, SIRET 13001651200019): 2 lots of a framework agreement awarded on 2024-10-16
  to the group EDITIONS KIRO (lead, SIRET 82922038300022) + IMPRIMERIE MARIE (member, SIRET 40775375500021),
  with MICROLYNX (SIRET 40300483100034) declared as subcontractor of EDITIONS KIRO; 224 675 EUR per lot.
* BOAMP 17-1028 (Bordeaux Métropole): awarded to "Moter" on 2016-11-18 for 159 691.60 EUR.
* Disclosure texts: real snippets dev-015, dev-010, dev-014, dev-002 of shared/samples/hosting/dev.jsonl.

TEST CONSTRUCTION, NOT A FINDING: every hosting, delivers-site and runs-on edge below joins two real facts
(a real contractor, a real disclosure text about *another* site) only to exercise the queries. None of the
snippets is about these companies, and the DNS edge stands for a lookup that was never made.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from samples import BOAMP_17_1028, TED_156_2025
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from soustrace.models import Contract, Document, Notice, Organization, Provider
from soustrace.pipelines.store import Store, Writer, sha256
from soustrace.records import ContractRecord, EvidenceRecord, NoticeRecord, OrgRef, PartyRecord

FIXTURES = Path(__file__).parent / "fixtures" / "answers"
TED_RAW = TED_156_2025.read_bytes()
BOAMP_RAW = BOAMP_17_1028.read_bytes()
SNIPPETS = {d["id"]: d for d in map(json.loads, (FIXTURES / "hosting_snippets.jsonl").read_text().splitlines())}
TED_URL = "https://ted.europa.eu/en/notice/-/detail/156-2025"
BOAMP_URL = "https://www.boamp.fr/pages/avis/?q=idweb:17-1028"
DNS_NOTE = "TEST CONSTRUCTION: stands in for a DNS answer; no lookup was made"

KIRO = OrgRef(name="EDITIONS KIRO (MANDATAIRE)", national_id="82922038300022", id_scheme="SIRET", country="FR")
MARIE = OrgRef(name="IMPRIMERIE MARIE (COTRAITANT)", national_id="40775375500021", id_scheme="SIRET", country="FR")
MICROLYNX = OrgRef(name="MICROLYNX", national_id="40300483100034", id_scheme="SIRET", country="FR")
MINARM = OrgRef(name="MINARM/SGA/Sous-Direction de l'Agence Ministérielle de Gestion (SDPAMG)",
                national_id="13001651200019", id_scheme="SIRET", country="FR")

# Catalog facts quoted from shared/samples/hosting/providers_draft.json (until data/providers.json lands).
PROVIDERS = [
    Provider(id="aws", name="Amazon Web Services (AWS)", hq_country="US", jurisdiction="non-EU", cloud_act="true",
             secnumcloud_status="not_qualified_inferred",
             data={"aliases": ["AWS", "Amazon Web Services", "Amazon", "Amazon Web Services EMEA SARL"]}),
    Provider(id="ovhcloud", name="OVHcloud", hq_country="FR", jurisdiction="EU", cloud_act="false",
             secnumcloud_status="qualified (specific offers)", data={"aliases": ["OVH", "OVH SAS", "OVHcloud"]}),
    Provider(id="netlify", name="Netlify", hq_country="US", jurisdiction="non-EU", cloud_act="true",
             secnumcloud_status="not_qualified_inferred",
             data={"aliases": ["Netlify", "Netlify, Inc."], "runs_on": [
                 {"provider_ids": ["aws"], "stated_in": "France Inter: IP lookup of a Netlify-hosted campaign site "
                                                        "resolved to Amazon servers"}]}),
]


def ted_156_2025() -> NoticeRecord:
    """The real TED notice's facts, by hand (the eForms parser has its own tests)."""
    lots = {
        "LOT-0001": "Conception, production et livraison de boîtes multi-activités délivrées dans le cadre du plan "
                    "famille aux enfants de militaires lors des absences opérationnelles - enfants de 3 à 5 ans",
        "LOT-0003": "Conception, production et livraison de boîtes multi-activités délivrées dans le cadre du plan "
                    "famille aux enfants de militaires lors des absences opérationnelles - enfants de 10 à 12 ans",
    }
    contracts = []
    for lot, title in lots.items():
        path = "efac:NoticeResult/efac:TenderingParty[cbc:ID='TPA-0001']"
        contracts.append(ContractRecord(
            lot=lot, title=title, cpv="37524900", procedure="open", award_date=dt.date(2024, 10, 16),
            amount=Decimal("224675"), amount_max=Decimal("1700000"), currency="EUR", offers_received=None,
            parties=[
                PartyRecord(role="lead", org=KIRO, evidence=EvidenceRecord(
                    text="EDITIONS KIRO (MANDATAIRE)", path=f"{path}/efac:Tenderer[1]", extractor="test")),
                PartyRecord(role="member", org=MARIE, evidence=EvidenceRecord(
                    text="IMPRIMERIE MARIE (COTRAITANT)", path=f"{path}/efac:Tenderer[2]", extractor="test")),
                PartyRecord(role="subcontractor", org=MICROLYNX, main_contractors=[KIRO], evidence=EvidenceRecord(
                    text="MICROLYNX", path=f"{path}/efac:SubContractor", extractor="test")),
            ],
        ))
    return NoticeRecord(source="ted", source_id="00000156-2025", raw=TED_RAW, url=TED_URL,
                        publication_date=dt.date(2025, 1, 2), kind="award", schema_version="eforms-sdk-1.11",
                        content_type="application/xml", buyer=MINARM, contracts=contracts)


def boamp_17_1028() -> NoticeRecord:
    return NoticeRecord(
        source="boamp", source_id="17-1028", raw=BOAMP_RAW, url=BOAMP_URL, publication_date=dt.date(2017, 1, 4),
        kind="award", schema_version="V230", content_type="application/xml", buyer=OrgRef(name="Bordeaux Métropole"),
        contracts=[ContractRecord(
            title="Aménagement d'un parking de 116 places sur le site du parc cimetière rive gauche à Mérignac",
            award_date=dt.date(2016, 11, 18), amount=Decimal("159691.6"), currency="EUR",
            parties=[PartyRecord(role="winner", org=OrgRef(name="Moter"), evidence=EvidenceRecord(
                text="Moter", path="DONNEES/ATTRIBUTION/DECISION/TITULAIRE", extractor="test"))])],
    )


@dataclass(slots=True)
class Ids:
    kiro: int
    marie: int
    microlynx: int
    moter: int
    minarm: int
    lot1: int
    lot3: int
    boamp: int
    rel_kiro_aws: int
    rel_kiro_ovh: int
    rel_micro_aws: int
    rel_moter_aws: int
    rel_marie_netlify: int
    rel_site_aws: int
    site: int


def _document(s: Session, snippet_id: str) -> Document:
    snip = SNIPPETS[snippet_id]
    doc = Document(url=snip["source"]["url"], kind="press" if "news" in snip["doc_type"] else "page",
                   sha256=sha256(snip["text"]), text=snip["text"], lang=snip["language"],
                   note=f"excerpt {snippet_id} of shared/samples/hosting/dev.jsonl")
    s.add(doc)
    s.flush()
    return doc


def _span(snippet_id: str, provider_id: str, nth: int = 0) -> EvidenceRecord:
    snip = SNIPPETS[snippet_id]
    spans = [h["span_in_text"] for h in snip["hosting"] if h["provider_id"] == provider_id]
    start, end = spans[nth]
    return EvidenceRecord(text=snip["text"][start:end], path=f"text[{start}:{end}]", start=start, end=end,
                          extractor="test-construction")


def build(engine: Engine) -> Ids:
    """Fill an empty database with the records above; returns the ids tests compare against."""
    with Session(engine) as s, s.begin():
        s.add_all([Provider(id=p.id, name=p.name, hq_country=p.hq_country, jurisdiction=p.jurisdiction,
                            cloud_act=p.cloud_act, secnumcloud_status=p.secnumcloud_status, data=p.data)
                   for p in PROVIDERS])
    Store(engine).add_all([ted_156_2025(), boamp_17_1028()])
    with Session(engine) as s, s.begin():
        w = Writer(s)
        kiro, marie, micro = w.org(KIRO), w.org(MARIE), w.org(MICROLYNX)
        moter = w.org(OrgRef(name="Moter"))
        minarm = w.org(MINARM)
        assert kiro and marie and micro and moter and minarm
        ted = s.scalar(select(Notice).where(Notice.source_id == "00000156-2025"))
        lot1 = s.scalar(select(Contract).where(Contract.notice_id == ted.id, Contract.lot == "LOT-0001"))
        lot3 = s.scalar(select(Contract).where(Contract.notice_id == ted.id, Contract.lot == "LOT-0003"))
        boamp = s.scalar(select(Contract).join(Notice).where(Notice.source_id == "17-1028"))

        def hosting(org: Organization | None, provider: str, role: str, status: str, method: str, conf: float,
                    ev: EvidenceRecord, doc: Document | None, site_id: int | None = None) -> int:
            rel = w.relation(kind="hosting", method=method, src=org, provider_id=provider, role=role,
                             status=status, confidence=conf, site_id=site_id)
            w.evidence(ev, kind=method, document=doc, relation_id=rel.id)
            return rel.id

        r1 = hosting(kiro, "aws", "host", "current", "nlp", 0.9, _span("dev-015", "aws", 2), _document(s, "dev-015"))
        r2 = hosting(kiro, "ovhcloud", "host", "current", "dns", 0.8,
                     EvidenceRecord(text=DNS_NOTE, path="dns:A", extractor="test-construction"), None)
        r3 = hosting(micro, "aws", "sub-processor", "current", "nlp", 0.85, _span("dev-010", "aws"),
                     _document(s, "dev-010"))
        r4 = hosting(moter, "aws", "host", "current", "nlp", 0.7, _span("dev-014", "aws"), _document(s, "dev-014"))
        r5 = hosting(marie, "netlify", "host", "past", "nlp", 0.9, _span("dev-002", "netlify"),
                     _document(s, "dev-002"))
        site = w.site("https://boites.test-construction.invalid", kind="delivered-site", contract_id=lot1.id,
                      found_by="user")
        delivers = w.relation(kind="delivers-site", method="user", src=kiro, site_id=site.id,
                              contract_id=lot1.id, confidence=1.0)
        w.evidence(EvidenceRecord(text="TEST CONSTRUCTION: no such site", extractor="test-construction"),
                   kind="user", relation_id=delivers.id)
        r6 = hosting(None, "aws", "host", "current", "dns", 0.8,
                     EvidenceRecord(text=DNS_NOTE, path="dns:CNAME", extractor="test-construction"), None,
                     site_id=site.id)
        return Ids(kiro=kiro.id, marie=marie.id, microlynx=micro.id, moter=moter.id, minarm=minarm.id,
                   lot1=lot1.id, lot3=lot3.id, boamp=boamp.id, rel_kiro_aws=r1, rel_kiro_ovh=r2, rel_micro_aws=r3,
                   rel_moter_aws=r4, rel_marie_netlify=r5, rel_site_aws=r6, site=site.id)
