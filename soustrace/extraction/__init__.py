"""Hosting-provider extraction: who hosts a site/platform/data, read from legal notices and other texts.

Public API (see `extract.py`)::

    from soustrace.extraction import extract, extract_many, Extraction, resolve

    ex = extract("Hébergeur : OVH SAS, 2 rue Kellermann, 59100 Roubaix")
    ex.relations[0]["provider_id"]  # 'ovhcloud'

Each relation is a dict: provider_id (catalog id or None), provider (display name, or the name as
written when not in the catalog), surface, start/end (char offsets into the input), role
(host | cdn | data-storage | sub-processor | other), status (current | past | planned | negated),
confidence, sentence, and rule (which frame fired, for audits).
"""

from soustrace.catalog import get_catalog, load_catalog, resolve
from soustrace.extraction.extract import Extraction, extract, extract_many

__all__ = ["Extraction", "extract", "extract_many", "get_catalog", "load_catalog", "resolve"]
