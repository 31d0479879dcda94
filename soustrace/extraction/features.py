"""Features of one candidate mention for the decision model: context, layout, and the rules' own verdict.

Why these and not raw n-grams only: 165 documents are few, so the features are the signals a reader
uses and that transfer across sites and languages — the label on the mention's line or on the nearest
non-blank line(s) above ("Website host:\\n\\nCompany name: OVH"), the section heading, table headers,
the cue words around the mention by kind (hosting verb, storage verb, developer verb...) and side,
negation / option / example / question cues, what is hosted (site, data, code, mail), the catalog
kind of the provider, and how many providers share the line (a comparison list). Words near the
mention can be added (`USE_WORDS`); they are off because they over-fit: train F1 0.85, check 0.47.

`rule_features` (the rules' verdict as features) is switched by `apply_model.RULE_FEATURES`, off: with
it the model learns to trust the rules and never vetoes one (grouped CV inside train, `train.decision_cv`:
F0.5 0.853 against 0.857 as a separate veto layer). The shipped default uses the model only to veto a
rule-accepted candidate; its additions did not generalise (model alone on check: P 0.64, R 0.38).
"""

from __future__ import annotations

import re

from soustrace.catalog import strip_accents
from soustrace.extraction import cues
from soustrace.extraction.layout import label_role
from soustrace.extraction.mentions import Candidate, Context, Mention
from soustrace.extraction.objects import _PROSE_AFTER, _object_role, role_from_description

WINDOW = 8
USE_WORDS = False  # words near the mention: on, the model fit train far better and check worse (measured)
_WORD = re.compile(r"[a-z][a-z'-]{2,}")


def _fold(s: str) -> str:
    return strip_accents(s).casefold()


def rule_features(decision: Candidate | str | None, extra_rule: str | None = None) -> list[str]:
    """The rules' verdict as features: accepted (rule, role), rejected (reason) or undecided."""
    if isinstance(decision, Candidate):
        return ["r:acc", f"r:rule={decision.rule}", f"r:role={decision.role}", f"r:{decision.rule}>{decision.role}"]
    if extra_rule is not None:
        return ["r:acc", f"r:rule={extra_rule}", "r:extra"]
    if decision is None or decision == "undecided":
        return ["r:undecided"]
    return ["r:rej", f"r:{decision.split(':', 1)[-1]}"]


def provider_starts(ctx: Context) -> list[int]:
    return [e.start_char for e in ctx.doc.ents if e.label_ == "PROVIDER"]


def context_features(
    ctx: Context, m: Mention, start_char: int, end_char: int, providers: list[int] | None = None
) -> list[str]:
    """Everything but the rules' verdict, for a mention at [start_char, end_char).

    `providers`: start offsets of the document's provider entities (computed once per document).
    """
    doc, text = ctx.doc, ctx.text
    # no language feature: the cue kinds are language-independent by design (languages/), and a
    # language seen in a handful of training documents would only teach the model to distrust it
    f: list[str] = ["bias", f"kind={m.kind}"]
    prov = ctx.catalog.get(m.pid) if m.pid else None
    if prov is not None:
        f += [f"pkind={k}" for k in prov.kind]
    else:
        f.append("pkind=none")
    li = ctx.line_of(start_char)
    line = ctx.lines[li]
    section = ctx.line_sections[li][0]
    f.append(f"sec={section}")
    f.append(f"line={line.kind}")
    if line.kind == "label":
        f.append(f"lab={line.label_role}")
        if _PROSE_AFTER.match(text[end_char : line.end]):
            f.append("prose-after")  # "Hébergement : Scaleway interpelle les candidats": a headline
        if line.value_start is not None and start_char >= line.value_start:
            f.append("in-value")
            if start_char - line.value_start <= 3:
                f.append("value-first")
    if start_char <= line.core_start + 3:
        f.append("line-first")
    if len(line.core) - (end_char - start_char) < 12:
        f.append("line-alone")
    # label / heading on the nearest non-blank line(s) above, blank lines skipped
    seen = 0
    for j in range(li - 1, max(-1, li - 6), -1):
        up = ctx.lines[j]
        if up.kind == "blank":
            continue
        seen += 1
        tag = f"up{seen}"
        f.append(f"{tag}={up.kind}")
        if up.kind == "label":
            f.append(f"{tag}lab={up.label_role}")
        elif up.kind == "heading":
            f.append(f"{tag}sec={up.section}")
        elif up.core.rstrip().endswith(":"):
            f.append(f"{tag}colon={label_role(up.core.rstrip(': '))}")
        if seen >= 2:
            break
    if line.kind == "table" and line.cells:
        idx = next((k for k, (a, b) in enumerate(line.cells) if a <= start_char < b), None)
        f.append(f"cell={min(idx, 3) if idx is not None else 'none'}")
        others = " ".join(text[a:b] for k, (a, b) in enumerate(line.cells) if k != idx)
        f.append(f"celldesc={role_from_description(others)}")
        for j in range(li - 1, max(-1, li - 30), -1):
            if ctx.lines[j].kind != "table":
                break
            head = _fold(ctx.lines[j].text)
            if not re.search(r"[a-z]", head.replace("-", "")):
                continue
            role = label_role(head)
            f.append(f"thead={role}")
            if re.search(r"sub-?processor|sous-?traitant|prestataire|provider|fournisseur|vendor|supplier", head):
                f.append("thead=processors")
    else:
        rest = text[end_char : line.end]
        f.append(f"desc={role_from_description(rest[:200]) if rest.strip() else 'empty'}")
    # sentence window: cue labels by side and distance, words, flags
    sent = ctx.sent_of(m.start)
    lo, hi = max(sent.start, m.start - WINDOW), min(sent.end, m.end + WINDOW)
    for i in range(lo, hi):
        if m.start <= i < m.end:
            continue
        side = "L" if i < m.start else "R"
        near = "n" if (m.start - i <= 3 if side == "L" else i - m.end < 3) else "f"
        label = ctx.cue_at.get(i)
        if label:
            f += [f"{side}:{label}", f"{side}{near}:{label}"]
        tok = doc[i]
        w = _fold(tok.text)
        if USE_WORDS and _WORD.fullmatch(w):
            f.append(f"{side}w={w}")
        elif tok.text in {":", "(", ")", ",", "-", "–", "—", "/", "|"} and near == "n":
            f.append(f"{side}p={tok.text}")
    # flags on a window around the mention (a page-long sentence would cost its length on every candidate)
    folded = _fold(doc[max(sent.start, m.start - 30) : min(sent.end, m.end + 30)].text)
    if sent.text.rstrip().endswith("?"):
        f.append("question")
    if cues.OPTION_SENT.search(folded):
        f.append("option")
    if cues.NEGATION.search(folded):
        f.append("negation")
    if cues.PAST_LEX.search(folded):
        f.append("past-lex")
    if cues.PLANNED_LEX.search(folded):
        f.append("planned-lex")
    left = _fold(doc[max(m.start - 4, 0) : m.start].text)
    if cues.EXAMPLE_LOCAL.search(left):
        f.append("example")
    # the mention's own words are not its hosted object ("Amazon Web *Services*", "Vercel *App*")
    obj = _object_role(ctx, [*range(max(sent.start, m.start - 20), m.start), *range(m.end, min(sent.end, m.end + 20))])
    f.append(f"obj={obj}")
    if providers is None:
        providers = provider_starts(ctx)
    n_prov = sum(1 for s in providers if line.start <= s < line.end)
    f.append(f"line-providers={min(n_prov, 4)}")
    n_sent = sum(1 for s in providers if sent.start_char <= s < sent.end_char)
    f.append(f"sent-providers={min(n_sent, 4)}")
    if len(sent) > 60:
        f.append("long-sentence")
    return f
