"""Hosting-provider extraction: who hosts a site/platform/data, read from legal notices and other texts.

Public API (see `extract.py`)::

    from soustrace.extraction import extract, extract_many, Extraction, resolve

    ex = extract("Hébergeur : OVH SAS, 2 rue Kellermann, 59100 Roubaix")
    ex.relations[0]["provider_id"]  # 'ovhcloud'

Each relation is a dict: provider_id (catalog id or None), provider (display name, or the name as
written when not in the catalog), surface, start/end (char offsets into the input), role
(host | cdn | data-storage | sub-processor | other), status (current | past | planned | negated),
confidence, sentence, and rule (which frame fired, or "model", for audits). `Extraction.built_by`
lists who built the site (role "built-by", with registration ids); `Extraction.findings` is the typed
view of both (`finding.Finding`). `get_extractor()` returns the registered `Extractor` (name, version).

Modules, in the order a document meets them:

* `languages/` — one vocabulary file per language (fr, en first class; de, es, it, nl, ro basics);
* `pipeline.py` (pre-pass, segmenter, catalog EntityRuler), `cues.py` (cue labels), `layout.py` (lines);
* `mentions.py` (candidates: catalog names, domains), `frames.py` / `objects.py` / `layout_rules.py`
  (sentence and layout frames), `decide.py` (the rules' verdict per mention), `blocks.py` (headed
  blocks, unknown names, catalog addresses);
* `features.py` + `model.py` + `apply_model.py` (the trained decision over the rules: `decision=`
  rules | model | both, default both), `train.py` + `dataset.py` (training on the `train` split);
* `status.py` (current / past / planned / negated), `editor.py` (editor ids), `builder.py` (built-by).

Figures (train, check, dev-001…042; rules vs model vs both): `python benchmarks/eval_hosting.py`.
"""

from soustrace.catalog import get_catalog, load_catalog, resolve
from soustrace.extraction.extract import Extraction, extract, extract_many
from soustrace.extraction.finding import Extractor, ExtractorMissing, Finding, get_extractor

__all__ = [
    "Extraction",
    "Extractor",
    "ExtractorMissing",
    "Finding",
    "extract",
    "extract_many",
    "get_catalog",
    "get_extractor",
    "load_catalog",
    "resolve",
]
