"""Where the disclosure spider may connect: public http(s) addresses only, checked at every hop.

Why: a contractor controls its site and its redirects. Without this, a home page (or a redirect, or a DNS
answer) pointing at 127.0.0.1, 10.0.0.0/8 or 169.254.169.254 makes soustrace fetch the operator's own
network and store what it reads (server-side request forgery). Every request — the first, each redirect
hop (Scrapy schedules a redirect as a new request, so it comes through here again) and robots.txt — is
refused unless its scheme is http/https and every address its host resolves to is public; the address a
response actually came from is checked again (a DNS answer that changed between the check and the
connection). Tests run local sites on loopback: `SOUSTRACE_ALLOW_PRIVATE_NETWORKS=1` allows private,
loopback and link-local addresses (never multicast or unspecified ones); it is off by default.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from functools import lru_cache
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

log = logging.getLogger(__name__)

ALLOW_ENV = "SOUSTRACE_ALLOW_PRIVATE_NETWORKS"
SCHEMES = ("http", "https")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForbiddenTarget(IgnoreRequest):
    """A request soustrace will not make: its scheme, or an address that is not on the public internet."""


def private_networks_allowed() -> bool:
    return os.environ.get(ALLOW_ENV) == "1"


def address_problem(address: Address, *, allow_private: bool = False) -> str | None:
    """Why soustrace must not connect to `address`, or None when it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    kind = ("a loopback" if address.is_loopback else "a link-local" if address.is_link_local
            else "a private" if address.is_private else "a reserved" if address.is_reserved
            else None)
    if kind is None:
        return None
    return None if allow_private else f"{kind} address"


@lru_cache(maxsize=4096)
def _resolve(host: str) -> tuple[str, ...]:
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return tuple(sorted({str(info[4][0]).split("%", 1)[0] for info in infos}))


def target_problem(url: str, *, allow_private: bool | None = None) -> str | None:
    """Why `url` must not be fetched (scheme, or an address of its host), or None."""
    allow = private_networks_allowed() if allow_private is None else allow_private
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        return f"scheme {parts.scheme or '(none)'}:// is not fetched (http and https only)"
    host = (parts.hostname or "").strip("[]")
    if not host:
        return "no host"
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a) for a in _resolve(host)]
        except (OSError, UnicodeError):
            return None  # unresolvable: the download fails on its own, as a network error
    for address in addresses:
        problem = address_problem(address, allow_private=allow)
        if problem:
            return f"{host} is {problem} ({address})" if str(address) != host else f"{host} is {problem}"
    return None


class SafeTargetMiddleware:
    """Downloader middleware refusing non-http(s) schemes and non-public addresses, before and after."""

    def __init__(self, stats: object | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: object) -> SafeTargetMiddleware:
        return cls(getattr(crawler, "stats", None))

    def _refuse(self, request: Request, problem: str) -> None:
        if self.stats is not None:
            self.stats.inc_value("disclosures/forbidden_target")  # type: ignore[attr-defined]
        log.warning("not fetched: %s (%s)", request.url, problem)
        raise ForbiddenTarget(f"refused: {problem}")

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        problem = target_problem(request.url)
        if problem:
            self._refuse(request, problem)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        peer = getattr(response, "ip_address", None)
        if peer is not None:
            problem = address_problem(peer, allow_private=private_networks_allowed())
            if problem:
                self._refuse(request, f"the response came from {problem} ({peer})")
        return response
