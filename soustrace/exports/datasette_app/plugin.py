"""A small Datasette plugin, registered in-process by `soustrace serve`: evidence reads as evidence.

Datasette already turns a cell holding only a URL into a link; this makes the two cells a journalist cites
stand out: URLs (`evidence_url`, `notice_url`, `*_evidence_url`, `site_url`) open in a new tab without
sending the Datasette address as referrer, and quotes (`quote`, `*_quote`) are shown as quotations. It also
creates the views as TEMP views on each connection when the served file could not be written (`temp_views`).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from datasette import hookimpl
from markupsafe import Markup, escape

from soustrace.exports.datasette_app.views import install_temp_views

PLUGIN_NAME = "soustrace"


def _is_url_column(column: str) -> bool:
    return column in ("evidence_url", "notice_url", "site_url", "target_url") or column.endswith("_evidence_url")


def _is_quote_column(column: str) -> bool:
    return column == "quote" or column.endswith("_quote")


class SoustracePlugin:
    __name__ = PLUGIN_NAME  # Datasette's plugin listing reads it (it expects modules)

    def __init__(self, *, temp_views: bool = False) -> None:
        self.temp_views = temp_views

    @hookimpl
    def render_cell(self, value: Any, column: str, **_kw: Any) -> Markup | None:
        if not isinstance(value, str) or not value:
            return None
        if _is_url_column(column) and value.startswith(("http://", "https://")) and " " not in value:
            return Markup('<a class="soustrace-evidence" href="{0}" target="_blank" '
                          'rel="noopener noreferrer nofollow">{0}</a>').format(value)
        if _is_quote_column(column):
            # wide enough to read: Datasette's table squeezes long text into a one-word column
            return Markup('<q class="soustrace-quote" style="display:inline-block;min-width:24em">{}</q>').format(
                escape(value))
        return None

    @hookimpl
    def prepare_connection(self, conn: sqlite3.Connection, database: str, **_kw: Any) -> None:
        if self.temp_views and database not in ("_internal", "_memory"):
            install_temp_views(conn)


def register(*, temp_views: bool = False) -> SoustracePlugin:
    """Register the plugin with Datasette's plugin manager (replacing an earlier registration)."""
    from datasette.plugins import pm

    old = pm.get_plugin(PLUGIN_NAME)
    if old is not None:
        pm.unregister(old)
    plugin = SoustracePlugin(temp_views=temp_views)
    pm.register(plugin, name=PLUGIN_NAME)
    return plugin
