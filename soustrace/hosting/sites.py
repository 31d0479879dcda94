"""Where the sites come from: notices (eForms WebsiteURI, URLs named in the texts, e-mail domains) and users.

A hosting answer is only as good as the site it was read on, so every Site row says how it was found
(`found_by`) and, for a site a contract delivers, which contract named it. Texts are scanned with a
conservative pattern: a bare domain counts only with a common TLD, and procurement platforms, legal
references and webmail domains are never taken for a vendor's or a delivered site.

The finder is pure (`candidates_from_record`, `find_urls`) so it can be tested on parsed records without a
database; `discover` runs it over stored notices and writes the Site rows (and, for delivered sites, a
`delivers-site` relation with the notice text as evidence).
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session

from soustrace.errors import NotFoundError
from soustrace.identity import normalize_name
from soustrace.models import Contract, Notice, NoticeRevision, OrgAlias, Organization, PartyRole, Site
from soustrace.pipelines.store import Writer, normalize_site_url
from soustrace.records import EvidenceRecord, NoticeRecord, OrgRef

log = logging.getLogger(__name__)

# `buyer`: a public buyer's own site (its website or buyer profile in a notice, or added by hand): its legal
# notice names its editor, who built it and who hosts it.
SITE_KINDS = ("vendor-site", "delivered-site", "buyer", "buyer-platform", "editor-site")
SITE_KIND_ALIASES = {"vendor": "vendor-site", "delivered": "delivered-site", "editor": "editor-site",
                     "buyer-site": "buyer"}
EXTRACTOR = "soustrace.sites"
EXTRACTOR_VERSION = "1"

# Free-mail and ISP mailboxes: an address there says nothing about the sender's own website.
WEBMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.fr", "yahoo.com", "hotmail.fr", "hotmail.com", "outlook.fr",
    "outlook.com", "live.fr", "live.com", "msn.com", "icloud.com", "me.com", "aol.com", "aol.fr",
    "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "club-internet.fr", "laposte.net",
    "bbox.fr", "numericable.fr", "gmx.fr", "gmx.com", "gmx.de", "protonmail.com", "proton.me", "yandex.ru",
    "mail.com", "nordnet.fr", "aliceadsl.fr", "cegetel.net", "noos.fr", "voila.fr", "tiscali.fr",
    # other European ISPs and webmails seen in TED notices (a Norwegian winner writing from online.no...)
    "online.no", "online.fr", "telenet.be", "skynet.be", "proximus.be", "orange.be", "hotmail.be", "live.be",
    "yahoo.be", "web.de", "t-online.de", "freenet.de", "gmx.net", "gmx.at", "posteo.de", "mailbox.org",
    "yahoo.de", "aon.at", "chello.at", "bluewin.ch", "hispeed.ch", "sunrise.ch", "libero.it", "virgilio.it",
    "tin.it", "alice.it", "hotmail.it", "yahoo.it", "telefonica.net", "orange.es", "yahoo.es", "sapo.pt",
    "btinternet.com", "sky.com", "virginmedia.com", "hotmail.co.uk", "yahoo.co.uk", "eircom.net", "ziggo.nl",
    "kpnmail.nl", "planet.nl", "home.nl", "telia.com", "bredband.net", "mail.dk", "get2net.dk", "wp.pl",
    "o2.pl", "onet.pl", "interia.pl", "seznam.cz", "centrum.cz", "freemail.hu", "abv.bg", "inbox.lv",
    "mail.ru", "ymail.com", "rocketmail.com", "zoho.com", "tutanota.com",
})

# Domains a notice names for the procedure itself (buyer profiles, publication sites, legal texts):
# they are where the tender was run, not what the contract delivers.
PROCUREMENT_DOMAINS = frozenset({
    "marches-publics.gouv.fr", "achatpublic.com", "marches-publics.info", "marches-securises.fr",
    "boamp.fr", "ted.europa.eu", "europa.eu", "legifrance.gouv.fr", "e-marchespublics.com",
    "megalis.bretagne.bzh", "maximilien.fr", "klekoon.com", "marchesonline.com", "francemarches.com",
    "dematis.com", "aws-achat.com", "synapse-entreprises.com", "centraledesmarches.com", "ugap.fr",
    "projets-achats.marches-publics.gouv.fr", "service-public.fr", "economie.gouv.fr", "data.gouv.fr",
    "chorus-pro.gouv.fr", "entreprise.data.gouv.fr", "annuaire-entreprises.data.gouv.fr", "w3.org",
})

# A bare domain (no scheme, no www.) is accepted only with one of these TLDs: file names such as
# "cahier.zip" or "offre.docx" must not become sites.
BARE_TLDS = frozenset({"fr", "com", "org", "net", "eu", "io", "info", "gouv.fr", "bzh", "paris", "re", "be",
                       "ch", "lu", "de", "app", "site", "tech", "online", "cloud", "corsica", "alsace"})
FILE_SUFFIXES = frozenset({"zip", "pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "xml", "json", "csv",
                           "txt", "png", "jpg", "jpeg", "gif", "html", "htm", "php", "aspx", "mov", "exe"})

_URL_RE = re.compile(r"(?<![@\w.-])(?:(?:https?://)|(?:www\.))[^\s<>\"'()\[\]{}«»,;]+", re.IGNORECASE)
_DOMAIN_RE = re.compile(r"(?<![@\w.\-/])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![\w@-])",
                        re.IGNORECASE)
_EMAIL_RE = re.compile(r"[\w.+-]+@((?:[a-z0-9-]+\.)+[a-z]{2,24})", re.IGNORECASE)


@dataclass(slots=True)
class FoundUrl:
    """A URL or domain read in a text, with its span so it can be cited."""

    url: str
    surface: str
    start: int
    end: int


@dataclass(slots=True)
class SiteCandidate:
    """A site the finder proposes: whose it is (org or the contract of a lot), how it was found, why."""

    url: str
    kind: str
    found_by: str
    org: OrgRef | None = None
    lot: str | None = None  # for delivered sites: the lot whose contract names the site (None = every lot)
    evidence: EvidenceRecord = field(default_factory=EvidenceRecord)


@lru_cache(maxsize=1)
def _tld_extractor():  # type: ignore[no-untyped-def]
    """tldextract with its bundled Public Suffix List snapshot only: no network, ever."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(host: str) -> str | None:
    """`www.jeparticipe.example.fr` → `example.fr`; None when the host has no public suffix."""
    parts = _tld_extractor()(host)
    if not parts.suffix or not parts.domain:
        return None
    return f"{parts.domain}.{parts.suffix}".lower()


def _clean_url(surface: str) -> str:
    return surface.rstrip(".:!?)]}»'\"").rstrip("/") if surface else surface


def _host(url: str) -> str:
    return (urlsplit(url if "://" in url else "https://" + url).hostname or "").lower()


def is_skipped_domain(host: str) -> bool:
    """Procurement platforms, publication sites and legal references are never a contract's deliverable."""
    host = host.lower().removeprefix("www.")
    reg = registered_domain(host) or host
    return any(host == d or host.endswith("." + d) for d in PROCUREMENT_DOMAINS) or reg in PROCUREMENT_DOMAINS


def find_urls(text: str) -> list[FoundUrl]:
    """URLs (with scheme or www.) and bare domains named in a free text, in order, without duplicates."""
    found: list[FoundUrl] = []
    taken: list[tuple[int, int]] = []
    for m in _URL_RE.finditer(text):
        surface = _clean_url(m.group(0))
        host = _host(surface)
        if not host or "." not in host or registered_domain(host) is None:
            continue
        scheme = "http" if surface.lower().startswith("http://") else "https"
        found.append(FoundUrl(f"{scheme}://{host}", surface, m.start(), m.start() + len(surface)))
        taken.append((m.start(), m.end()))
    for m in _DOMAIN_RE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        surface = m.group(1).rstrip(".")
        suffix = surface.rsplit(".", 1)[-1].lower()
        reg = registered_domain(surface)
        if reg is None or suffix in FILE_SUFFIXES:
            continue
        public_suffix = reg.split(".", 1)[1]
        if public_suffix not in BARE_TLDS or re.fullmatch(r"[\d.]+", surface):
            continue
        found.append(FoundUrl(f"https://{surface.lower()}", surface, m.start(), m.start() + len(surface)))
    found.sort(key=lambda f: f.start)
    seen: set[str] = set()
    unique = []
    for f in found:
        if f.url not in seen:
            seen.add(f.url)
            unique.append(f)
    return unique


def email_domain(email: str | None) -> str | None:
    """The site an address points to (`contact@editions-kiro.com` → `editions-kiro.com`); None for webmail."""
    if not email:
        return None
    m = _EMAIL_RE.search(email)
    if not m:
        return None
    host = m.group(1).lower()
    reg = registered_domain(host)
    if reg is None or host in WEBMAIL_DOMAINS or reg in WEBMAIL_DOMAINS or is_skipped_domain(host):
        return None
    return reg


def _lot_of_text_key(key: str, lots: Iterable[str]) -> str | None:
    """Text keys such as `LOT-0001/description` tie a text to one lot; notice-level texts tie to none."""
    for lot in lots:
        if lot and lot in key:
            return lot
    return None


def candidates_from_record(rec: NoticeRecord) -> list[SiteCandidate]:
    """Every site a parsed notice names: vendors' WebsiteURI and e-mail domains, delivered sites in texts."""
    out: list[SiteCandidate] = []
    buyer_key = (rec.buyer.name, rec.buyer.national_id) if rec.buyer else None
    for org, url in rec.websites:
        if buyer_key and (org.name, org.national_id) == buyer_key:
            continue  # the store already keeps the buyer's own site
        if is_skipped_domain(_host(url)):
            continue
        out.append(SiteCandidate(url=normalize_site_url(url), kind="vendor-site", found_by="eforms-website",
                                 org=org, evidence=EvidenceRecord(text=url, path="WebsiteURI",
                                                                  extractor=EXTRACTOR)))
    seen_orgs: set[tuple[str | None, str | None]] = set()
    for contract in rec.contracts:
        for party in contract.parties:
            key = (party.org.name, party.org.national_id)
            if party.role not in ("winner", "lead", "member") or key in seen_orgs:
                continue
            seen_orgs.add(key)
            domain = email_domain(party.org.email)
            if domain and not party.org.website:
                out.append(SiteCandidate(url=normalize_site_url(domain), kind="vendor-site", found_by="email",
                                         org=party.org, evidence=EvidenceRecord(
                                             text=party.org.email or "", path="ElectronicMail",
                                             extractor=EXTRACTOR, extractor_version=EXTRACTOR_VERSION)))
    lots = [c.lot for c in rec.contracts]
    texts = dict(rec.texts)
    for contract in rec.contracts:
        if contract.title:
            texts.setdefault(f"{contract.lot}/title" if contract.lot else "title", contract.title)
    excluded = {_host(u) for _, u in rec.websites} | {
        d for d in (email_domain(p.org.email) for c in rec.contracts for p in c.parties) if d}
    for key, text in texts.items():
        for f in find_urls(text or ""):
            host = _host(f.url)
            if is_skipped_domain(host) or host.removeprefix("www.") in excluded:
                continue
            out.append(SiteCandidate(url=f.url, kind="delivered-site", found_by="notice-text",
                                     lot=_lot_of_text_key(key, lots), evidence=EvidenceRecord(
                                         text=f.surface, path=key, start=f.start, end=f.end,
                                         extractor=EXTRACTOR, extractor_version=EXTRACTOR_VERSION)))
    return out


# ---- writing ---------------------------------------------------------------------------------------------


@dataclass
class DiscoverStats:
    notices: int = 0
    reparsed: int = 0
    sites_before: int = 0
    sites_after: int = 0
    by_found: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"notices": self.notices, "reparsed": self.reparsed,
                "new_sites": self.sites_after - self.sites_before, "candidates": self.by_found}


def _contractor(session: Session, contract_id: int) -> Organization | None:
    """Who delivers a contract's site: the group's lead, else the (first) winner, else a member."""
    rows = session.execute(select(PartyRole.role, Organization).join(
        Organization, Organization.id == PartyRole.org_id).where(PartyRole.contract_id == contract_id)).all()
    for wanted in ("lead", "winner", "member"):
        for role, org in rows:
            if role == wanted:
                return org
    return None


def write_candidates(session: Session, notice: Notice, candidates: list[SiteCandidate],
                     stats: DiscoverStats | None = None) -> list[Site]:
    """Site rows for one notice's candidates; a delivered site also gets a `delivers-site` edge with evidence."""
    writer = Writer(session)
    contracts = list(session.scalars(select(Contract).where(Contract.notice_id == notice.id)))
    written: list[Site] = []
    for cand in candidates:
        if stats is not None:
            stats.by_found[cand.found_by] = stats.by_found.get(cand.found_by, 0) + 1
        if cand.kind != "delivered-site":
            org = writer.org(cand.org, source=notice.source)
            if org is not None:
                written.append(writer.site(cand.url, kind=cand.kind, org=org, found_by=cand.found_by))
            continue
        targets = [c for c in contracts if cand.lot is None or c.lot == cand.lot] or contracts
        for contract in targets:
            org = _contractor(session, contract.id)
            site = writer.site(cand.url, kind="delivered-site", org=org, contract_id=contract.id,
                               found_by=cand.found_by)
            written.append(site)
            if org is not None:
                rel = writer.relation(kind="delivers-site", method="nlp", src=org, contract_id=contract.id,
                                      site_id=site.id, target_url=site.url, confidence=0.7)
                writer.evidence(cand.evidence, kind="nlp", notice=notice, relation_id=rel.id)
    return written


def _db_candidates(session: Session, notice: Notice) -> list[SiteCandidate]:
    """Without a parser: URLs in the stored contract titles are all the text the database keeps."""
    out: list[SiteCandidate] = []
    for contract in session.scalars(select(Contract).where(Contract.notice_id == notice.id)):
        for f in find_urls(contract.title or ""):
            if not is_skipped_domain(_host(f.url)):
                out.append(SiteCandidate(url=f.url, kind="delivered-site", found_by="notice-text",
                                         lot=contract.lot, evidence=EvidenceRecord(
                                             text=f.surface, path="contract.title", start=f.start, end=f.end,
                                             extractor=EXTRACTOR, extractor_version=EXTRACTOR_VERSION)))
    return out


Parser = Callable[[Notice, NoticeRevision], NoticeRecord | None]


def default_parser() -> Parser | None:
    """Re-parse the stored payload with the project's parsers when they are installed."""
    try:
        from soustrace.parsers.payload import parse_payload
    except ImportError:  # pragma: no cover - parsers ship with the package
        return None

    def parse(notice: Notice, rev: NoticeRevision) -> NoticeRecord | None:
        rec = parse_payload(notice.source, notice.source_id, rev.raw, url=notice.url,
                            content_type=rev.content_type)
        return None if rec.parse_error else rec

    return parse


def discover(engine: Engine, *, parser: Parser | None = None, use_default_parser: bool = True,
             progress: Callable[[int, int], None] | None = None) -> DiscoverStats:
    """Run the finder over every parsed notice; idempotent (Site and relation natural keys).

    `progress(done, total)` is called after each notice: over a large store discovery takes minutes.
    """
    parser = parser or (default_parser() if use_default_parser else None)
    stats = DiscoverStats()
    with Session(engine) as session:
        stats.sites_before = len(session.scalars(select(Site.id)).all())
        ids = list(session.scalars(select(Notice.id).where(Notice.parse_status == "ok").order_by(Notice.id)))
    for notice_id in ids:
        with Session(engine) as session, session.begin():
            notice = session.get(Notice, notice_id)
            assert notice is not None
            stats.notices += 1
            rec = None
            if parser is not None:
                rev = session.scalar(select(NoticeRevision).where(
                    NoticeRevision.notice_id == notice.id, NoticeRevision.revision == notice.revision))
                try:
                    rec = parser(notice, rev) if rev is not None else None
                except Exception as exc:  # a parser bug must not stop discovery of the other notices
                    log.warning("could not re-parse %s %s: %s", notice.source, notice.source_id, exc)
            if rec is not None:
                stats.reparsed += 1
                cands = candidates_from_record(rec)
            else:
                cands = _db_candidates(session, notice)
            write_candidates(session, notice, cands, stats)
        if progress is not None:
            progress(stats.notices, len(ids))
    with Session(engine) as session:
        stats.sites_after = len(session.scalars(select(Site.id)).all())
    return stats


# ---- user input ------------------------------------------------------------------------------------------


class OrgNotFound(NotFoundError):
    """The ORG argument matched no organisation, or several."""


def resolve_org(session: Session, ref: str, *, create: bool = True) -> Organization:
    """ORG as a user writes it: an org id, a SIREN/SIRET, an org key, or an exact name (or alias)."""
    ref = ref.strip()
    if len(ref) > MAX_NAME_CHARS:
        raise OrgNotFound(f"an organisation name is at most {MAX_NAME_CHARS} characters ({len(ref):,} given)")
    digits = re.sub(r"[\s.]", "", ref)
    if digits.isdigit() and len(digits) in (9, 14):
        org = session.scalar(select(Organization).where(Organization.siren == digits[:9]))
        if org is None and len(digits) == 14:
            org = session.scalar(select(Organization).where(Organization.siret == digits))
        if org is not None:
            return org
        if create:  # a valid French id is enough to open the organisation
            org = Writer(session).org(OrgRef(national_id=digits, id_scheme="SIRET" if len(digits) == 14 else "SIREN",
                                             country="FR"), source="user")
            if org is not None and org.id_valid:
                return org
        raise OrgNotFound(f"no organisation with SIREN/SIRET {digits}")
    if ref.isdigit():
        org = session.get(Organization, int(ref))
        if org is None:
            raise OrgNotFound(f"no organisation with id {ref}")
        return org
    org = session.scalar(select(Organization).where(Organization.org_key == ref))
    if org is not None:
        return org
    norm = _exact_name(ref)
    # Equality, never a pattern: "%" or "%EVIL%" must not name whichever organisation a LIKE matches.
    matches = {o.id: o for o in session.scalars(select(Organization).where(
        or_(Organization.normalized_name == norm, func.lower(Organization.name) == ref.lower(),
            Organization.id.in_(select(OrgAlias.org_id).where(func.lower(OrgAlias.name) == ref.lower())))))}
    if len(matches) == 1:
        return next(iter(matches.values()))
    if not matches:
        raise OrgNotFound(f"no organisation named {ref!r} (use its SIREN or id)")
    listed = ", ".join(f"{o.id} {o.name} ({o.siren or o.org_key})" for o in matches.values())
    raise OrgNotFound(f"{ref!r} names several organisations: {listed}")


MAX_NAME_CHARS = 500  # the organisation name column; a longer ORG cannot be anyone's name
_WILDCARDS = re.compile(r"[%*?]")


def _exact_name(ref: str) -> str:
    """The normalised form of an ORG name (case and accents ignored), refusing patterns and absurd lengths."""
    if _WILDCARDS.search(ref):
        raise OrgNotFound(f"{ref[:80]!r}: ORG is an exact name, wildcards (% * ?) are not accepted")
    norm = normalize_name(ref)
    if norm is None:
        raise OrgNotFound(f"{ref[:80]!r} is not an organisation name (use its SIREN or id)")
    return norm


def add_site(session: Session, org_ref: str, url: str, *, kind: str = "vendor-site",
             contract_id: int | None = None, found_by: str = "user") -> Site:
    """A site typed by a user; the same site again is a no-op."""
    kind = SITE_KIND_ALIASES.get(kind, kind)
    if kind not in SITE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(SITE_KINDS)}")
    if not _host(url):
        raise ValueError(f"{url!r} is not a URL or domain")
    scheme = urlsplit(url.strip()).scheme.lower() if "://" in url else "https"
    if scheme not in ("http", "https"):
        raise ValueError(f"{url!r}: only http and https sites are crawled ({scheme}:// is refused)")
    org = resolve_org(session, org_ref)
    if kind == "buyer" and org.kind == "company":  # whoever runs a buyer's own site is a public buyer
        org.kind = "public-buyer"
    return Writer(session).site(url, kind=kind, org=org, contract_id=contract_id, found_by=found_by)


def import_sites(engine: Engine, path: Path) -> tuple[int, list[str]]:
    """CSV with columns org,url[,kind]; returns (rows stored, errors by line) — a bad row never stops the rest."""
    errors: list[str] = []
    stored = 0
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"org", "url"} <= {f.strip().lower() for f in reader.fieldnames}:
            raise ValueError("the CSV needs a header with at least the columns org,url")
        for lineno, row in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            try:
                with Session(engine) as session, session.begin():
                    add_site(session, row["org"], row["url"], kind=row.get("kind") or "vendor-site")
                stored += 1
            except (OrgNotFound, ValueError) as exc:
                errors.append(f"line {lineno}: {exc}")
    return stored, errors
