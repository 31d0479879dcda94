"""Source parsers: raw bytes of a notice or a file → `soustrace.records`. No database, no Scrapy.

One package per source format (`boamp`, `eforms`, `ted`, `decp`), `xml` for parsing untrusted XML safely,
and `payload` as the one entry point that crawls, `ingest` and `reprocess` call. A new source is a new
package here, a spider in `soustrace.spiders`, and a branch in `payload.parse_payload`.
"""
