"""Scrapy settings for every soustrace spider (also used by `scrapy crawl` through scrapy.cfg).

Each value says why it is what it is; any of them can be overridden with `-s NAME=VALUE`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import Settings

BOT_NAME = "soustrace"
SPIDER_MODULES = ["soustrace.spiders"]
NEWSPIDER_MODULE = "soustrace.spiders"
COMMANDS_MODULE = "soustrace.scrapy_commands"  # `scrapy crawl` exits non-zero when the crawl failed

PROJECT_URL = os.environ.get("SOUSTRACE_PROJECT_URL", "https://github.com/soustrace/soustrace")
# Public APIs should know who calls them and where to complain.
USER_AGENT = f"soustrace/0.1 (+{PROJECT_URL}; public-procurement research)"

# Database the storage pipeline writes to (the CLI's --db sets it).
SOUSTRACE_DB = os.environ.get("SOUSTRACE_DB")

# API roots, overridable so tests can point spiders at the local replay server.
BOAMP_API_URL = "https://boamp-datadila.opendatasoft.com/api/explore/v2.1/catalog/datasets/boamp"
TED_API_URL = "https://api.ted.europa.eu"  # the Search API (`crawl ted --via api`)
TED_WEB_URL = "https://ted.europa.eu"  # release calendar and daily packages (`crawl ted`, the default route)
TED_PACKAGE_CACHE_DIR = os.environ.get("SOUSTRACE_TED_CACHE_DIR")  # default ~/.cache/soustrace/ted/packages
TED_API_PAGE_SIZE = 250  # the Search API's maximum page
# TED's documented limits for re-users (sources.md "Daily and monthly packages"); 0 lifts one (tests only).
TED_PACKAGE_CONCURRENCY = 3
TED_REQUESTS_PER_MINUTE = 700
TED_NOTICE_DOWNLOADS_PER_6_MINUTES = 600
# Downloads of one package (first try, WAF challenges, cut transfers resumed, 404s of announced issues).
TED_PACKAGE_ATTEMPTS = 6
# Packages come in Range requests of this many bytes (a daily one is ~12 MiB, a monthly one ~20 times that):
# Scrapy keeps a response whole in memory, a chunk is all it holds. 0: one request per package.
TED_PACKAGE_CHUNK = 16 * 2**20
# Whole past months of the range through their monthly package (one download instead of ~20).
TED_MONTHLY_PACKAGES = True
DECP_API_URL = "https://www.data.gouv.fr"
DECP_DATASET = "5cd57bf68b4c4179299eb0e9"
DECP_CACHE_DIR = os.environ.get("SOUSTRACE_CACHE_DIR")  # default ~/.cache/soustrace/decp

# Politeness: a public API with undisclosed quotas. AutoThrottle adapts to the server's latency; a few
# concurrent requests per domain at most.
ROBOTSTXT_OBEY = False  # APIs have no robots.txt worth obeying; the disclosure spider turns it on
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
DOWNLOAD_TIMEOUT = 180

# Retries: Scrapy's RetryMiddleware does not honour Retry-After (scrapy#3849); ours is that middleware with
# a wait (the server's Retry-After, else exponential backoff). 429 is retried like a 5xx. What is retried
# is Scrapy's RETRY_HTTP_CODES and RETRY_EXCEPTIONS (network faults, not robots.txt refusals).
RETRY_ENABLED = True
RETRY_TIMES = 6
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = 2.0  # seconds; doubled at every attempt
RETRY_BACKOFF_MAX = 120.0  # cap for the computed backoff and for a server's Retry-After
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "soustrace.spiders.middlewares.RetryAfterMiddleware": 550,  # where Scrapy's RetryMiddleware sits
    "soustrace.spiders.politeness.PolitenessMiddleware": 560,  # quotas and backoffs, also for every retry
}

# Parse first (300), then store in batches (800): spiders only fetch.
ITEM_PIPELINES = {
    "soustrace.pipelines.decp_files.DecpFilePipeline": 200,  # DECP files: download, stream-parse, store
    "soustrace.pipelines.items.ParsePipeline": 300,
    "soustrace.pipelines.items.StorePipeline": 800,
}
STORE_BATCH_SIZE = 200

# Days per initial crawl window; windows whose total exceeds what paging reaches are split further.
CRAWL_WINDOW_DAYS = 7
# How many times a window is paged again when records shifted while it was read.
CRAWL_WINDOW_PASSES = 2

LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"


def crawl_settings(db_url: str, overrides: dict[str, str] | None = None, *, quiet: bool = False) -> Settings:
    """This module's settings for one crawl: the database, `-s NAME=VALUE` overrides, quieter logs."""
    import sys

    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule(sys.modules[__name__], priority="project")
    settings.set("SOUSTRACE_DB", db_url, priority="cmdline")
    if quiet:
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings
