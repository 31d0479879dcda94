"""The decision step over a document's candidates: rules alone, the model alone, or the model over both.

Candidates are every mention the rule pipeline found (catalog names, provider domains) plus the
unknown names and catalog addresses the block rules proposed (`extra`). The linear model (`model.py`)
scores each from its context features (`features.py`).

* `rules`: the rules' verdicts stand;
* `model`: the model alone decides every candidate (role or none, its threshold);
* `both` (default): the rules decide, the model vetoes a rule-accepted candidate it calls `none` with
  probability >= VETO (not exact layout rules); it could add an undecided candidate whose best role
  reaches ADD, but cross-validation inside train chose never (see VETO / ADD below).
"""

from __future__ import annotations

from typing import Any

from soustrace.catalog import strip_accents
from soustrace.extraction import cues
from soustrace.extraction.decide import refine
from soustrace.extraction.features import context_features, provider_starts, rule_features
from soustrace.extraction.mentions import Candidate, Context, Mention
from soustrace.extraction.model import load_model
from soustrace.extraction.status import extra_status

DECISIONS = ("rules", "model", "both")
RULE_FEATURES = False  # the rules' verdict as model features (measured by train.decision_cv, see below)
# Chosen by grouped 5-fold cross-validation inside `train` of the whole extractor (`train.decision_cv`,
# F0.5): ADD 0.7 / 0.85 / never x VETO 0.6 / 0.8 / never. Best: never add, veto at 0.6 (last run: P 0.945
# R 0.683, F0.5 0.878, against 0.873 without vetoes; adding at 0.85: 0.843). The model's additions did not
# generalise to documents it was not fitted on; its vetoes did, a little. With the rules' verdict as
# features (RULE_FEATURES) the model learns to trust the rules and never vetoes (F0.5 0.853): off.
VETO = 0.6
ADD = 2.0  # above any probability: the model never adds a candidate in `both` (see above)
EXACT = 0.9  # layout rules this sure (a "Hébergeur :" label, a key/value table row) are not vetoed
# a catalog address, a hosting label: exact evidence the model does not overrule
EXACT_EXTRA = frozenset(["label", "address-only", "entity-address"])
# rules of blocks.py, applied after `decide.decide` (so its `refine` vetoes are applied here)
BLOCK_RULES = frozenset(["block", "processor-list", "entity-address", "address-only", "coordination"])
_ANCHORS = (
    "sec=hosting",
    "sec=processors",
    "lab=",
    "up1lab=",
    "up1sec=hosting",
    "up1colon=",
    "thead=",
)


def anchored(feats: list[str]) -> bool:
    """A hosted object (site, data) in the sentence or a hosting layout around the mention.

    The model adds a candidate only with such an anchor, as the rules do: "l'hébergeur OVH a été
    victime d'un incendie" names a host but hosts nothing of this document.
    """
    if "prose-after" in feats:  # a label line whose value runs on as a sentence is a headline
        return False
    if any(f.startswith(_ANCHORS) and not f.endswith(("=None", "=none")) for f in feats):
        return True
    # a hosted object counts only beside a hosting word: "Amazon Web Services announced a new region"
    # names a site-like word ("Services") and no hosting at all
    has_object = any(f in {"obj=host", "obj=data-storage"} for f in feats)
    return has_object and any(f.startswith(("L:", "R:")) and f.split(":", 1)[1] in _CUE_LABELS for f in feats)


_CUE_LABELS = frozenset(["HOST_VERB", "STORE_VERB", "HOST_NOUN", "CDN_VERB", "SERVERS"])


def candidate_rows(
    ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str], extra: list[dict[str, Any]], mode: str
) -> list[tuple[Mention | dict[str, Any], list[str]]]:
    """(candidate, features) for every mention with a provider and every extra relation."""
    rows: list[tuple[Mention | dict[str, Any], list[str]]] = []
    providers = provider_starts(ctx)
    for k, m in enumerate(mentions):
        if m.pid is None and m.kind != "unknown":
            continue
        span = m.span(ctx.doc)
        feats = context_features(ctx, m, span.start_char, span.end_char, providers)
        if RULE_FEATURES:
            feats += rule_features(decided.get(k))
        rows.append((m, feats))
    for rel in extra:
        if (feats := extra_features(ctx, rel, providers)) is not None:
            rows.append((rel, feats))
    return rows


def extra_features(ctx: Context, rel: dict[str, Any], providers: Any) -> list[str] | None:
    """The model's features of a relation found outside the mentions (an unknown name), None when its span
    is not on tokens: one function for training and deciding, so both see the same features."""
    span = ctx.doc.char_span(rel["start"], rel["end"], alignment_mode="expand")
    if span is None or not len(span):
        return None
    probe = Mention(span.start, span.end, rel.get("provider_id"), "unknown")
    feats = [*context_features(ctx, probe, rel["start"], rel["end"], providers), "extra",
             f"extra-pid={bool(probe.pid)}"]
    if RULE_FEATURES:
        feats += rule_features(None, rel.get("rule"))
    return feats


def nearest_cue(ctx: Context, m: Mention) -> int | None:
    """The closest hosting cue token in the mention's sentence (for tense and status)."""
    sent = ctx.sent_of(m.start)
    best: int | None = None
    for i in range(sent.start, sent.end):
        if ctx.cue_at.get(i) in _CUE_LABELS and (best is None or abs(i - m.start) < abs(best - m.start)):
            best = i
    return best


def model_decide(
    ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str], extra: list[dict[str, Any]], mode: str
) -> tuple[list[Candidate], list[dict[str, Any]]]:
    """Accepted candidates and extra relations after the decision (roles and confidences replaced).

    `rules` runs the same settling as `both` without the model: the general vetoes on block rules,
    the non-provider filter on extra names and their status are rule steps, so rules alone and both
    agree wherever the model does not speak.
    """
    if mode == "rules":
        return _veto_only(ctx, mentions, decided, extra, use_model=False)
    model = load_model()
    if mode == "both" and ADD > 1.0:
        return _veto_only(ctx, mentions, decided, extra)
    by_start = {m.start: k for k, m in enumerate(mentions)}
    cands: list[Candidate] = []
    kept: list[dict[str, Any]] = []
    for cand, feats in candidate_rows(ctx, mentions, decided, extra, mode):
        probs = model.probabilities(feats)
        best = max(range(1, len(probs)), key=probs.__getitem__)
        role, p = model.classes[best], round(probs[best], 2)
        rule_cand = decided.get(by_start[cand.start]) if isinstance(cand, Mention) else cand
        if mode == "both":
            accepted = isinstance(rule_cand, Candidate | dict)
            exact = (rule_cand.confidence if isinstance(rule_cand, Candidate) else 0.0) >= EXACT or (
                isinstance(rule_cand, dict) and rule_cand.get("rule") in EXACT_EXTRA
            )
            if accepted and (probs[0] < VETO or exact):
                if isinstance(cand, dict):
                    kept.append(_with_status(ctx, cand))
                else:
                    cands.append(rule_cand)  # type: ignore[arg-type]
                continue
            if accepted or p < ADD or rule_cand != "undecided" or not anchored(feats):
                continue  # an explicit rule veto (example, option, registrar...) stands
        else:
            role, p = model.decide(feats)
            if role == "none":
                continue
            p = round(p, 2)
        if isinstance(cand, dict):
            kept.append(_with_status(ctx, cand | {"role": role, "confidence": p}))
        elif isinstance(rule_cand, Candidate):
            rule_cand.role, rule_cand.confidence = role, p
            cands.append(rule_cand)
        else:
            line = ctx.lines[ctx.line_of(cand.span(ctx.doc).start_char)]
            added = refine(ctx, Candidate(cand, role, "model", p, nearest_cue(ctx, cand), line))
            if isinstance(added, Candidate):  # the general vetoes hold for the model's additions too
                cands.append(added)
    return cands, kept


def _with_status(ctx: Context, rel: dict[str, Any]) -> dict[str, Any]:
    """A block relation's status, read over the words from its frame cue to the name (`status.py`).

    Without this the status of an unknown name was read at its cue alone ("Website hosting was
    previously provided by X" stayed current); the frame cue is consumed here.
    """
    out = {k: v for k, v in rel.items() if k != "_cue"}
    return out | {"status": extra_status(ctx, out, rel.get("_cue"))}


def _veto_only(
    ctx: Context,
    mentions: list[Mention],
    decided: dict[int, Candidate | str],
    extra: list[dict[str, Any]],
    use_model: bool = True,
) -> tuple[list[Candidate], list[dict[str, Any]]]:
    """`both` when the model never adds: features only for the rule-accepted, non-exact candidates.

    Same verdicts as the general loop, at a fraction of its cost on a legal-notice page (most mentions
    there are undecided or vetoed by the rules, and exact layout rules are never overruled). Without
    `use_model` (the `rules` mode) only the rule steps run.
    """
    model = load_model() if use_model else None
    providers: list[int] | None = None
    cands: list[Candidate] = []
    kept: list[dict[str, Any]] = []
    for k, m in enumerate(mentions):
        c = decided.get(k)
        if not isinstance(c, Candidate) or (m.pid is None and m.kind != "unknown"):
            continue
        if c.rule in BLOCK_RULES:  # block rules decide after `decide`: the general vetoes still hold
            refined = refine(ctx, c)
            if not isinstance(refined, Candidate):
                continue
        if model is not None and c.confidence < EXACT:
            if providers is None:
                providers = provider_starts(ctx)
            span = m.span(ctx.doc)
            feats = context_features(ctx, m, span.start_char, span.end_char, providers)
            if RULE_FEATURES:
                feats += rule_features(c)
            if model.probabilities(feats)[0] >= VETO:
                continue
        cands.append(c)
    for rel in extra:
        if cues.NOT_A_PROVIDER.match(strip_accents(rel["surface"]).casefold()):
            continue  # "hosted … in compliance with the GDPR": a regulation, not a provider
        if model is not None and rel.get("rule") not in EXACT_EXTRA:
            if providers is None:
                providers = provider_starts(ctx)
            feats = extra_features(ctx, rel, providers)
            if feats is None or model.probabilities(feats)[0] >= VETO:
                continue
        kept.append(_with_status(ctx, rel))
    return _data_is_the_site(ctx, cands), kept


_GENERIC_DATA = frozenset(["données", "donnees", "data", "datos", "dati", "daten", "gegevens", "datele"])


def _data_is_the_site(ctx: Context, cands: list[Candidate]) -> list[Candidate]:
    """Generic data hosted at a hosting company, and no other host named: that company is the host.

    The annotation convention: data-storage is storage *stated separately from the site host* (a
    database, backups, object storage). "Vos données sont hébergées sur des serveurs X" in a page that
    names no other host says who hosts the service; "la base de données est chez X" stays data-storage,
    and so does a provider whose catalog kind is storage or a platform (not a hosting company).
    """
    hosts = {c.mention.pid for c in cands if c.role == "host"}
    for c in cands:
        if c.role != "data-storage" or c.cue is None or c.rule not in {"verb-prep", "active", "servers-of"}:
            continue
        prov = ctx.catalog.get(c.mention.pid) if c.mention.pid else None
        if prov is None or "host" not in prov.kind or "data-storage" in prov.kind or hosts - {c.mention.pid}:
            continue
        sent = ctx.sent_of(c.mention.start)
        if cues.NEGATION.search(strip_accents(sent.text).casefold()):
            continue  # "your data is never stored on X" names no host at all
        lo = max(sent.start, min(c.cue, c.mention.start) - 12)
        words = [t for t in ctx.doc[lo : max(c.cue, c.mention.start)] if cues.OBJ_DATA.match(t.text)]
        if words and all(t.lower_ in _GENERIC_DATA for t in words):
            c.role = "host"
    return cands
