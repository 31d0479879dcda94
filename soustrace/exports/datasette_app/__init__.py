"""The database as a Datasette site for journalists: flattened views, metadata that explains, canned questions.

`views` writes SQL views into the SQLite file (schema only, no data), `metadata` builds Datasette's metadata
(titles, descriptions, sources and licences, the canned queries of `queries.sql`), `plugin` renders evidence
links and quotes, `app` puts them together and serves the file read-only.
"""
