"""Fetch sites' disclosure pages: legal notice, privacy policy, terms, sub-processor lists.

Who hosts a site is rarely on its home page: French law (LCEN art. 6 III) puts it in the *mentions
légales*, GDPR art. 28 lists put it in sub-processor pages, privacy policies name "hébergement" recipients.
So the spider reads each site's home page, follows the links whose text (or path) says they are such a page,
and only when a site has no such link tries a few common paths one after the other (a 404 there is just
"no such page").

It is a polite crawler of small sites, not a bulk scraper: robots.txt is obeyed, one request at a time per
domain with AutoThrottle, a handful of pages per site. The spider only fetches; `DisclosuresPipeline`
stores pages and runs the extraction.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from soustrace.hosting.page_text import extract_page_text
from soustrace.models.base import utcnow
from soustrace.spiders.items import DisclosurePage, SiteVisit
from soustrace.spiders.safe_target import ForbiddenTarget

# Link texts (accents and case folded) that name a disclosure page, most specific first.
LINK_TEXTS: dict[str, tuple[str, ...]] = {
    "subprocessors": ("sous-traitants", "sous traitants", "sub-processors", "subprocessors", "sub processors",
                      "list of processors", "liste des sous-traitants"),
    "legal": ("mentions legales", "mention legale", "informations legales", "legal notice", "legal notices",
              "legal information", "imprint", "impressum", "notice legale", "legal"),
    "privacy": ("confidentialite", "donnees personnelles", "vie privee", "protection des donnees", "rgpd",
                "privacy", "data protection", "gdpr"),
    "terms": ("cgu", "conditions generales", "conditions d'utilisation", "terms of use", "terms of service",
              "terms and conditions", "terms", "cgv"),
}
HREF_PARTS: dict[str, tuple[str, ...]] = {
    "subprocessors": ("sous-traitants", "subprocessors", "sub-processors", "soustraitants"),
    "legal": ("mentions-legales", "mentions_legales", "mentionslegales", "informations-legales", "legal-notice",
              "imprint", "impressum", "legal"),
    "privacy": ("confidentialite", "privacy", "donnees-personnelles", "rgpd", "vie-privee", "data-protection"),
    "terms": ("cgu", "conditions-generales", "terms", "cgv"),
}
# Tried in order, only for a category the home page has no link for.
COMMON_PATHS: dict[str, tuple[str, ...]] = {
    "legal": ("mentions-legales", "legal", "informations-legales", "legal-notice", "imprint"),
    "privacy": ("confidentialite", "privacy", "politique-de-confidentialite", "donnees-personnelles"),
    "subprocessors": ("sous-traitants", "subprocessors", "sub-processors"),
}
# Scrapy's RETRY_EXCEPTIONS without its download timeout: network faults are retried, limits are not.
NETWORK_FAULTS = [
    "scrapy.exceptions.CannotResolveHostError",
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
]
HOSTING_WORDS = re.compile(r"h[ée]berg|hosted|hosting", re.IGNORECASE)
NOT_FOUND = (404, 410)


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: "Mentions  Légales" → "mentions legales"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("’", "'")
    return re.sub(r"\s+", " ", text).strip()


def classify_link(text: str, href: str) -> str | None:
    """Which disclosure page a link leads to, by its text first and its path second."""
    label = fold(text)
    if label and len(label) <= 80:
        for kind, needles in LINK_TEXTS.items():
            if any(re.search(rf"(?<![a-z]){re.escape(n)}(?![a-z])", label) for n in needles):
                return kind
    path = fold(urlsplit(href).path)
    for kind, parts in HREF_PARTS.items():
        if any(re.search(rf"(?<![a-z]){re.escape(p)}(?![a-z])", path) for p in parts):
            return kind
    return None


def site_domain(url: str) -> str:
    """The registered domain of a URL's host (`www.kiro.fr` → `kiro.fr`); the host itself for IPs and
    hosts without a public suffix (`127.0.0.1`, `localhost`)."""
    from soustrace.hosting.sites import registered_domain

    host = (urlsplit(url).hostname or "").lower()
    if not host or host.replace(".", "").isdigit() or ":" in host:
        return host
    return registered_domain(host) or host


def same_site(url: str, root: str) -> bool:
    """A page on another registered domain is never evidence for this site's host."""
    return site_domain(url) == site_domain(root)


def site_root(url: str) -> str:
    """The site root with a trailing slash, so relative paths stay under it (`/site-a/` in tests)."""
    return url if url.endswith("/") else url + "/"


def parse_url_map(value: Any) -> dict[str, str]:
    """`DISCLOSURES_URL_MAP`: URL prefixes to fetch elsewhere, as a dict or "FROM=TO;FROM=TO".

    Sites are stored under their public URL; a mirror, a proxy or a test server can stand in for them
    without touching the stored rows (e.g. `http://127.0.0.1=http://127.0.0.1:8123`).
    """
    if not value:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    text = str(value).strip()
    if text.startswith("{"):
        return {str(k): str(v) for k, v in json.loads(text).items()}
    pairs = (item.split("=", 1) for item in text.split(";") if "=" in item)
    return {a.strip(): b.strip() for a, b in pairs}


def map_url(url: str, url_map: dict[str, str]) -> str:
    for prefix in sorted(url_map, key=len, reverse=True):
        if url == prefix or url.startswith(prefix.rstrip("/") + "/"):
            return url_map[prefix] + url[len(prefix):]
    return url


class DisclosuresSpider(scrapy.Spider):
    """Arguments: `targets` (a list of {url, sites: [SiteRef fields]}) or `targets_file` (that list as JSON)."""

    name = "disclosures"
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "CONCURRENT_REQUESTS": 8,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_DELAY": 1.0,
        "DOWNLOAD_TIMEOUT": 30,
        "RETRY_TIMES": 2,
        "REDIRECT_ENABLED": True,
        "REDIRECT_MAX_TIMES": 5,
        "DOWNLOAD_MAXSIZE": 5 * 1024 * 1024,
        # A slow drip cut at DOWNLOAD_TIMEOUT would be just as slow again: a limit hit is not retried.
        "RETRY_EXCEPTIONS": NETWORK_FAULTS,
        # Public http(s) addresses only, checked before robots.txt and at every redirect hop.
        "DOWNLOADER_MIDDLEWARES": {
            "soustrace.spiders.safe_target.SafeTargetMiddleware": 50,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "soustrace.spiders.middlewares.RetryAfterMiddleware": 550,
        },
        "COOKIES_ENABLED": False,
        "ITEM_PIPELINES": {"soustrace.pipelines.disclosures.DisclosuresPipeline": 500},
        "DISCLOSURES_MAX_PAGES_PER_SITE": 8,
        "DISCLOSURES_PROBE_PATHS": True,
    }

    def __init__(self, targets: list[dict[str, Any]] | str | None = None, targets_file: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(targets, str):
            targets = json.loads(targets)
        if targets_file:
            targets = json.loads(Path(targets_file).read_text(encoding="utf-8"))
        self.targets: list[dict[str, Any]] = list(targets or [])

    async def start(self) -> AsyncIterator[Any]:
        url_map = parse_url_map(self.settings.get("DISCLOSURES_URL_MAP"))
        for target in self.targets:
            target = {**target, "url": map_url(target["url"], url_map)}
            yield scrapy.Request(site_root(target["url"]), callback=self.parse_home, errback=self.home_failed,
                                 meta={"target": target}, dont_filter=True)

    # ---- home page --------------------------------------------------------------------------------------

    def parse_home(self, response: Response) -> Iterator[Any]:
        target = response.meta["target"]
        if not same_site(response.url, target["url"]):  # the site now lives elsewhere: not read as this site
            self.crawler.stats.inc_value("disclosures/offsite_redirect")
            reason = f"redirected to another domain: {response.url}"
            self.logger.warning("site %s not read: %s", target["url"], reason)
            yield self._site_item(target, reached=False, error=reason)
            return
        yield self._site_item(target, reached=True)
        if not hasattr(response, "text"):
            return
        links = self._disclosure_links(response)
        page = extract_page_text(response.text)
        if page.mostly_js or HOSTING_WORDS.search(page.text):  # the host is often in the home page's footer
            yield self._page_item(response, target, "home", via="home page")
        budget = int(self.settings.getint("DISCLOSURES_MAX_PAGES_PER_SITE"))
        for kind, url, label in links[:budget]:
            yield response.follow(url, callback=self.parse_page, errback=self.page_failed,
                                  meta={"target": target, "kind": kind, "via": label})
        found = {kind for kind, _, _ in links}
        # A site that links its legal notice is not probed further: a dozen 404s per site is not polite.
        if self.settings.getbool("DISCLOSURES_PROBE_PATHS") and "legal" not in found:
            root = site_root(target["url"])
            for kind, paths in COMMON_PATHS.items():
                if kind not in found:
                    yield from self._probe(target, kind, [urljoin(root, p) for p in paths])

    def _disclosure_links(self, response: Response) -> list[tuple[str, str, str]]:
        order = list(LINK_TEXTS)
        seen: set[str] = {response.url.rstrip("/")}
        links: list[tuple[str, str, str]] = []
        for a in response.css("a[href]"):
            href = (a.attrib.get("href") or "").strip()
            if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
                continue
            label = " ".join([*a.css("::text, img::attr(alt)").getall(), a.attrib.get("title", ""),
                              a.attrib.get("aria-label", "")])
            kind = classify_link(label, href)
            url = response.urljoin(href)
            if kind is None or not url.startswith(("http://", "https://")) or url.rstrip("/") in seen:
                continue
            if not same_site(url, response.meta["target"]["url"]):
                self.crawler.stats.inc_value("disclosures/offsite_link")
                self.logger.info("off-site link not followed: %s (from %s)", url, response.url)
                continue
            seen.add(url.rstrip("/"))
            links.append((kind, url, fold(label)[:80]))
        links.sort(key=lambda link: order.index(link[0]))
        return links

    def _probe(self, target: dict[str, Any], kind: str, urls: list[str]) -> Iterator[scrapy.Request]:
        """Common paths one after the other: the next is asked only when the previous one is missing."""
        if urls:
            yield scrapy.Request(urls[0], callback=self.parse_page, errback=self.page_failed, dont_filter=True,
                                 meta={"target": target, "kind": kind, "via": "path probe", "probe_rest": urls[1:]})

    def home_failed(self, failure: Failure) -> Iterator[Any]:
        target = failure.request.meta["target"]
        reason = self._reason(failure)
        self.logger.warning("site %s not read: %s", target["url"], reason)
        yield self._site_item(target, reached=False, error=reason)

    # ---- disclosure pages -------------------------------------------------------------------------------

    def parse_page(self, response: Response) -> Iterator[Any]:
        if not hasattr(response, "text"):
            self.crawler.stats.inc_value("disclosures/not_html")
            return
        target = response.meta["target"]
        if not same_site(response.url, target["url"]):
            # Kept as what it is, a page of another domain (its redirect in the note), tied to no site.
            self.crawler.stats.inc_value("disclosures/offsite_redirect")
            self.logger.warning("%s redirected off-site to %s: stored, not attributed to %s",
                                response.meta.get("redirect_urls", [response.url])[0], response.url, target["url"])
            yield self._page_item(response, {**target, "sites": []}, response.meta["kind"], "off-site redirect")
            return
        yield self._page_item(response, target, response.meta["kind"], response.meta.get("via"))

    def page_failed(self, failure: Failure) -> Iterator[Any]:
        meta = failure.request.meta
        if failure.check(HttpError) and failure.value.response.status in NOT_FOUND:
            self.crawler.stats.inc_value("disclosures/no_such_page")
            self.logger.info("no such page: %s", failure.request.url)
            if meta.get("probe_rest") is not None:
                yield from self._probe(meta["target"], meta["kind"], meta["probe_rest"])
            return
        self.logger.warning("disclosure page %s not read: %s", failure.request.url, self._reason(failure))

    def _reason(self, failure: Failure) -> str:
        """What stopped a fetch, said as what it is (each also counted under its own stat)."""
        stat, reason = self._classify(failure)
        self.crawler.stats.inc_value(f"disclosures/{stat}")
        return reason

    def _classify(self, failure: Failure) -> tuple[str, str]:
        if failure.check(HttpError):  # a subclass of IgnoreRequest: test it first
            return "http_error", f"HTTP {failure.value.response.status}"
        if failure.check(ForbiddenTarget):
            return "forbidden_target", str(failure.value)
        message = str(failure.value)
        if failure.check(IgnoreRequest):
            if "robots.txt" in message:
                return "robots_forbidden", "forbidden by robots.txt"
            if "redirect" in message:
                return "redirect_limit", f"more than {self.settings.getint('REDIRECT_MAX_TIMES')} redirects"
            return "ignored", message
        if failure.check(DownloadCancelledError, CancelledError):
            cap = self.settings.getint("DOWNLOAD_MAXSIZE")
            return "size_limit", f"larger than the {cap / 1024 / 1024:g} MB page limit"
        if failure.check(DownloadTimeoutError, TwistedTimeoutError):
            return "time_limit", f"took longer than the {self.settings.getint('DOWNLOAD_TIMEOUT')} s page limit"
        return "fetch_error", f"{failure.type.__name__}: {failure.value}"

    # ---- items ------------------------------------------------------------------------------------------

    @staticmethod
    def _site_item(target: dict[str, Any], *, reached: bool, error: str | None = None) -> SiteVisit:
        return SiteVisit(url=target["url"], site_ids=[s["site_id"] for s in target["sites"]], reached=reached,
                         error=error)

    def _page_item(self, response: Response, target: dict[str, Any], kind: str, via: str | None) -> DisclosurePage:
        self.crawler.stats.inc_value("disclosures/pages")
        redirects = [str(u) for u in response.meta.get("redirect_urls", [])]
        return DisclosurePage(url=response.url, kind=kind, html=response.text, sites=target["sites"],
                              http_status=response.status, requested_url=redirects[0] if redirects else response.url,
                              redirects=redirects, fetched_at=utcnow().isoformat(), via=via)
