"""DECP (données essentielles de la commande publique) files → `NoticeRecord`s, streamed.

`stream` is the entry point (file flavour detection); `json_stream`, `xml_stream` and `flat` read one
flavour each; `record` turns one record (a dict) into a NoticeRecord; `values` cleans values; `sirene`
reads INSEE's SIRENE stock to name identifier-only parties.
"""
