"""A local HTTP server on 127.0.0.1 that replays recorded records with each source's API semantics.

Spiders run their real code paths against it: paging and its caps, date filters, error codes, Retry-After,
error bodies sent with status 200. Handlers are plain callables `(ReplayRequest) -> Reply`, mounted under a
path prefix, so each source's API lives in its own small class (BOAMP's is below).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class ReplayRequest:
    method: str
    path: str  # below the mount prefix
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    length: int | None = None  # Content-Length to announce when it is not len(body): a transfer cut short

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Reply:
        return cls(status, json.dumps(data, ensure_ascii=False).encode())


@dataclass
class Fault:
    """Answer `times` matching requests with this reply instead of the real one (then behave normally)."""

    reply: Reply
    times: int = 1
    path_contains: str = ""
    every: int = 0  # when > 0: hit every Nth matching request (until `times` is used up)
    _seen: int = 0

    def take(self, req: ReplayRequest) -> Reply | None:
        if self.times <= 0 or self.path_contains not in req.path + "?" + "&".join(
            f"{k}={v}" for k, v in req.query.items()
        ):
            return None
        self._seen += 1
        if self.every and self._seen % self.every:
            return None
        self.times -= 1
        return self.reply


Handler = Callable[[ReplayRequest], Reply]


class ReplayServer:
    """`with ReplayServer() as server: server.mount("/boamp", BoampAPI(records))` then use `server.url`."""

    def __init__(self) -> None:
        self.mounts: dict[str, Handler] = {}
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, int]] = []  # (method, path?query, status)
        self.errors: list[str] = []
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer._serve(self, "GET")

            def do_POST(self) -> None:
                outer._serve(self, "POST")

            def log_message(self, *args: Any) -> None:
                pass

        class _Server(ThreadingHTTPServer):
            request_queue_size = 256  # spiders open many connections at once; the default 5 refuses some
            daemon_threads = True

        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def mount(self, prefix: str, handler: Handler) -> str:
        self.mounts[prefix.rstrip("/")] = handler
        return self.url + prefix.rstrip("/")

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _serve(self, http: BaseHTTPRequestHandler, method: str) -> None:
        try:
            self._answer(http, method)
        except Exception as exc:  # a bug in a handler must show in the test, not as a closed connection
            self.errors.append(repr(exc))
            raise

    def _answer(self, http: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(http.path)
        length = int(http.headers.get("Content-Length") or 0)
        body = http.rfile.read(length) if length else b""
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        reply = Reply(404, b'{"error": "not found"}')
        for prefix, handler in sorted(self.mounts.items(), key=lambda kv: -len(kv[0])):
            if parts.path == prefix or parts.path.startswith(prefix + "/"):
                req = ReplayRequest(method, parts.path[len(prefix) :] or "/", query, body, dict(http.headers))
                reply = next((r for f in self.faults if (r := f.take(req)) is not None), None) or handler(req)
                break
        self.log.append((method, http.path, reply.status))
        http.send_response(reply.status)
        for name, value in reply.headers.items():
            http.send_header(name, value)
        http.send_header("Content-Length", str(len(reply.body) if reply.length is None else reply.length))
        http.send_header("Connection", "close")  # HTTP/1.0 server: say so, or clients reuse a closed socket
        http.end_headers()
        http.wfile.write(reply.body)


class BoampAPI:
    """OpenDataSoft Explore v2.1 `records` and `exports/jsonl` over a list of BOAMP flat records.

    Semantics replayed (sources.md §1): `limit` ≤ 100 and `offset + limit` ≤ 10,000 else HTTP 400 with an
    ODS error object; `where` with `dateparution >= date'…' AND dateparution <= date'…'` and `nature='…'`;
    `order_by` on one field; `total_count` of the filtered set; the exports endpoint has no cap.
    """

    MAX_LIMIT = 100
    CAP = 10_000

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.on_request: Callable[[ReplayRequest], None] | None = None  # e.g. to insert records mid-crawl

    def filtered(self, query: dict[str, str]) -> list[dict[str, Any]]:
        where = query.get("where", "")
        low = re.search(r"dateparution\s*>=\s*date'(\d{4}-\d{2}-\d{2})'", where)
        high = re.search(r"dateparution\s*<=\s*date'(\d{4}-\d{2}-\d{2})'", where)
        nature = re.search(r"nature\s*=\s*'([A-Z_-]+)'", where)
        rows = [
            r
            for r in self.records
            if (not low or str(r["dateparution"]) >= low.group(1))
            and (not high or str(r["dateparution"]) <= high.group(1))
            and (not nature or r.get("nature") == nature.group(1))
        ]
        key = query.get("order_by", "").split()[0] if query.get("order_by") else None
        return sorted(rows, key=lambda r: str(r.get(key) or "")) if key else rows

    def __call__(self, req: ReplayRequest) -> Reply:
        if self.on_request:
            self.on_request(req)
        if req.path == "/records":
            limit, offset = int(req.query.get("limit", 10)), int(req.query.get("offset", 0))
            if limit > self.MAX_LIMIT:
                return Reply.json(
                    {
                        "error_code": "InvalidRESTParameterError",
                        "message": f"Invalid value for limit API parameter: {limit} > 100",
                    },
                    400,
                )
            if offset + limit > self.CAP:
                return Reply.json(
                    {
                        "error_code": "InvalidRESTParameterError",
                        "message": "Invalid value for offset+limit API parameter: must be ≤ 10000",
                    },
                    400,
                )
            rows = self.filtered(req.query)
            return Reply.json({"total_count": len(rows), "results": rows[offset : offset + limit]})
        if req.path == "/exports/jsonl":
            body = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in self.filtered(req.query))
            return Reply(200, body, {"Content-Type": "application/jsonl"})
        return Reply.json({"error_code": "NotFound", "message": req.path}, 404)


def clone_records(records: list[dict[str, Any]], count: int, start: dt.date, days: int) -> list[dict[str, Any]]:
    """Volume for paging tests: copies of real records with new ids and dates spread over `days` days."""
    out = []
    for i in range(count):
        rec = dict(records[i % len(records)])
        rec["idweb"] = rec["id"] = f"T{i:07d}"
        rec["dateparution"] = (start + dt.timedelta(days=i % days)).isoformat()
        rec["url_avis"] = f"https://www.boamp.fr/pages/avis/?q=idweb:{rec['idweb']}"
        out.append(rec)
    return out


# Crawl settings for tests and benchmarks on 127.0.0.1: no politeness delays, short backoffs, wide concurrency.
FAST_CRAWL = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_BACKOFF_BASE=0.05",
              "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


def crawl_summary(proc: Any) -> dict[str, Any]:
    """The JSON summary a `soustrace crawl` prints on stdout."""
    return json.loads(proc.stdout[proc.stdout.index("{"):])


def run_soustrace(db_url: str, *args: str, timeout: float = 600) -> Any:
    """Run the CLI in a subprocess: Scrapy's reactor starts once per process, so each crawl gets its own."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "SOUSTRACE_DB": db_url}
    return subprocess.run(
        [sys.executable, "-m", "soustrace", "--db", db_url, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


class TedAPI:
    """TED Search API v3 in ITERATION mode over a list of (publication-number, date, country, xml) notices.

    Semantics replayed (sources.md §2): `limit` ≤ 250 else 400; `publication-date>=YYYYMMDD AND
    publication-date<=YYYYMMDD` and `buyer-country IN (...)` filters; `totalNoticeCount`;
    `iterationNextToken` until null; an unknown token answers HTTP 500 (as reported by API users);
    `PAGE_NUMBER` mode refuses to go beyond 15,000 results. Full notices at `/en/notice/<pubno>/xml`.
    `max_limit` and `page_cap` shrink the two caps, so that a test pages past them with a few hundred notices.
    """

    def __init__(self, notices: list[tuple[str, str, str, bytes]], base_url: str, *, max_limit: int = 250,
                 page_cap: int = 15_000) -> None:
        self.max_limit, self.page_cap = max_limit, page_cap
        self.notices = sorted(notices)
        self.base_url = base_url
        self.tokens: dict[str, int] = {}
        self.by_number = {n[0]: n for n in notices}

    def filtered(self, query: str) -> list[tuple[str, str, str, bytes]]:
        low = re.search(r"publication-date\s*>=\s*(\d{8})", query)
        high = re.search(r"publication-date\s*<=\s*(\d{8})", query)
        countries = re.search(r"buyer-country IN \(([A-Z ]+)\)", query)
        wanted = set(countries.group(1).split()) if countries else None
        return [
            n
            for n in self.notices
            if (not low or n[1].replace("-", "") >= low.group(1))
            and (not high or n[1].replace("-", "") <= high.group(1))
            and (wanted is None or n[2] in wanted)
        ]

    def __call__(self, req: ReplayRequest) -> Reply:
        if req.path.startswith("/en/notice/") and req.path.endswith("/xml"):
            notice = self.by_number.get(req.path.split("/")[3])
            if notice is None:
                return Reply(404, b"not found", {"Content-Type": "text/plain"})
            return Reply(200, notice[3], {"Content-Type": "application/xml"})
        if req.path != "/v3/notices/search" or req.method != "POST":
            return Reply.json({"message": "not found"}, 404)
        body = json.loads(req.body)
        limit = int(body.get("limit", 10))
        if limit > self.max_limit:
            return Reply.json({"message": f"limit must be at most {self.max_limit}"}, 400)
        rows = self.filtered(body.get("query", ""))
        if body.get("paginationMode") != "ITERATION":
            page = int(body.get("page", 1))
            if page * limit > self.page_cap:
                return Reply.json({"message": f"PAGE_NUMBER mode is limited to {self.page_cap} results"}, 400)
            start = (page - 1) * limit
        else:
            token = body.get("iterationNextToken")
            if token is not None and token not in self.tokens:
                return Reply.json({"message": "Invalid or expired iteration token"}, 500)
            start = self.tokens.pop(token) if token else 0
        chunk = rows[start : start + limit]
        next_token = None
        if start + limit < len(rows):
            next_token = f"tok-{len(self.tokens)}-{start + limit}-{id(self)}"
            self.tokens[next_token] = start + limit
        hits = [
            {
                "publication-number": n[0],
                "publication-date": f"{n[1]}+01:00",
                "buyer-country": [n[2]],
                "links": {"xml": {"MUL": f"{self.base_url}/en/notice/{n[0]}/xml"}},
            }
            for n in chunk
        ]
        return Reply.json(
            {"notices": hits, "totalNoticeCount": len(rows), "iterationNextToken": next_token, "timedOut": False}
        )


class DataGouvAPI:
    """data.gouv.fr's udata API for one dataset: the resource listing and the files behind it.

    `truncate` names resources whose download is cut short (the announced size is not what is sent).
    """

    def __init__(self, dataset: str, resources: list[tuple[str, str, bytes]], base_url: str) -> None:
        self.dataset = dataset
        self.files = {rid: (title, body) for rid, title, body in resources}
        self.base_url = base_url
        self.truncate: set[str] = set()

    def __call__(self, req: ReplayRequest) -> Reply:
        if req.path.rstrip("/") == f"/api/1/datasets/{self.dataset}":
            return Reply.json(
                {
                    "id": self.dataset,
                    "resources": [
                        {
                            "id": rid,
                            "title": title,
                            "format": "json",
                            "filesize": len(body),
                            "url": f"{self.base_url}/datasets/r/{rid}",
                        }
                        for rid, (title, body) in self.files.items()
                    ],
                }
            )
        if req.path.startswith("/datasets/r/"):
            rid = req.path.rsplit("/", 1)[1]
            if rid not in self.files:
                return Reply(404, b"")
            body = self.files[rid][1]
            if rid in self.truncate:
                return Reply(
                    200,
                    body[: len(body) // 2],
                    {"Content-Type": "application/json", "X-Announced-Length": str(len(body))},
                )
            return Reply(200, body, {"Content-Type": "application/json"})
        return Reply.json({"message": "not found"}, 404)
