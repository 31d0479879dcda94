"""Hosting extraction on real annotated snippets (data/samples/hosting/dev.jsonl) and on the API contract."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from soustrace.extraction import Extraction, extract, extract_many
from soustrace.paths import DATA_DIR, REPO_ROOT

DEV = DATA_DIR / "samples" / "hosting" / "dev.jsonl"
# train recall 0.70 -> 0.65: the model no longer adds candidates (its additions fitted train only; chosen
# by cross-validation inside train, see apply_model.ADD), so the in-sample recall fell and check did not
FLOORS = {"dev-001..042": (0.97, 0.90), "train": (0.86, 0.65), "check": (0.70, 0.52)}


@cache
def dev() -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in map(json.loads, DEV.read_text(encoding="utf-8").splitlines()) if r}


def run(doc_id: str) -> tuple[str, Extraction]:
    rec = dev()[doc_id]
    text = rec["text"] or rec["raw"]
    return text, extract(text, lang=rec["language"], doc_id=doc_id)


def triples(ex: Extraction, status: str | None = None) -> set[tuple[str | None, str, str]]:
    return {(r["provider_id"], r["role"], r["status"]) for r in ex.relations if status in (None, r["status"])}


def assert_offsets(text: str, ex: Extraction) -> None:
    for r in ex.relations:
        assert text[r["start"] : r["end"]] == r["surface"], r
        assert 0 <= r["confidence"] <= 1
        assert r["role"] in {"host", "cdn", "data-storage", "sub-processor", "other"}
        assert r["status"] in {"current", "past", "planned", "negated"}


def test_label_line_host_with_offsets():
    text, ex = run("dev-007")  # "Hébergeur : Scaleway SAS"
    assert triples(ex) == {("scaleway", "host", "current")}
    rel = ex.relations[0]
    assert rel["surface"] == "Scaleway SAS" and rel["provider"] == "Scaleway"
    assert_offsets(text, ex)


def test_registrar_confusion_is_not_a_host():
    text, ex = run("dev-009")  # "(ex. OVH)" DNS registrar, GitHub repo, Scaleway host
    assert triples(ex) == {("scaleway", "host", "current")}
    assert_offsets(text, ex)
    _, ex = run("dev-018")  # KEY-SYSTEMS registrar, counterfactual OVH, CDN Cloudflare, NationBuilder host
    assert ("ovhcloud", "host", "current") not in triples(ex)
    assert {
        ("cloudflare", "cdn", "current"),
        ("nationbuilder", "host", "current"),
        ("scaleway", "host", "current"),
    } <= triples(ex)


def test_code_repository_and_options_are_not_hosts():
    for doc_id in ("dev-012", "dev-019", "dev-025"):  # company history, 'dépôt Git hébergé par Github', options
        _text, ex = run(doc_id)
        assert ex.relations == [], doc_id


def test_proposed_host_is_planned_not_current():
    _, ex = run("dev-008")  # "- [ ] l'hébergeur : Scaleway proposé, à confirmer"
    assert triples(ex, "current") == set()
    assert ("scaleway", "host", "planned") in triples(ex)


def test_past_tense():
    text, ex = run("dev-039")  # "Le site existant (hébergé chez OVH) était daté"
    assert triples(ex) == {("ovhcloud", "host", "past")}
    assert_offsets(text, ex)
    _, ex = run("dev-037")  # "Anciennement hébergé sur Canva Sites"
    assert triples(ex) == {("canva", "host", "past")}
    _, ex = run("dev-002")  # past GitHub/Netlify, current Clever Cloud, data at SendinBlue/OHME
    assert {
        ("github_pages", "host", "past"),
        ("netlify", "host", "past"),
        ("clever_cloud", "host", "current"),
        ("sendinblue_brevo", "data-storage", "current"),
        ("ohme", "data-storage", "current"),
        ("youtube", "other", "current"),
    } <= triples(ex)


def test_negation_and_reported_speech():
    text = "Ce site n'est pas hébergé chez OVH mais chez Scaleway."
    ex = extract(text)
    assert triples(ex) == {("ovhcloud", "host", "negated"), ("scaleway", "host", "current")}
    _, ex = run("dev-017")  # "Selon eux, elle est hébergée dans le cloud Microsoft Azure" + negated location
    assert triples(ex) == {("azure", "host", "current")}
    _, ex = run("dev-038")  # "nous a informés qu'Ovh hébergeait Bet4fight": sequence of tenses, not past
    assert triples(ex) == {("ovhcloud", "host", "current")}


def test_sub_processor_lists():
    text, ex = run("dev-010")  # markdown table; Google Cloud listed as AI provider only
    assert {(p, r) for p, r, _ in triples(ex)} == {
        ("ovhcloud", "sub-processor"),
        ("akamai", "sub-processor"),
        ("aws", "sub-processor"),
        ("azure", "sub-processor"),
    }
    assert_offsets(text, ex)
    _, ex = run("dev-026")
    assert triples(ex) == {
        ("vercel", "sub-processor", "current"),
        ("aws", "sub-processor", "current"),
        ("mongodb_atlas", "data-storage", "current"),
        ("azure", "sub-processor", "current"),
    }


def test_cdn_and_email_processor():
    text, ex = run("dev-030")  # Hetzner hosting, Cloudflare 'diffusion et protection', IONOS e-mail only
    assert triples(ex) == {("hetzner", "host", "current"), ("cloudflare", "cdn", "current")}
    assert_offsets(text, ex)


def test_paas_on_cloud_layering():
    _text, ex = run("dev-035")  # "hébergé par Heroku - AWS Frankfurt"
    assert triples(ex) == {("heroku", "host", "current"), ("aws", "host", "current")}
    assert {r["surface"] for r in ex.relations} == {"Heroku", "AWS Frankfurt"}
    _, ex = run("dev-040")  # Cloudflare Pages as host, Supabase as database
    assert triples(ex) == {("cloudflare", "host", "current"), ("supabase", "data-storage", "current")}


def test_markup_only_disclosure():
    text, ex = run("dev-034")  # alt="Hébergé par PlanetHoster" in raw HTML
    assert triples(ex) == {("planethoster", "host", "current")}
    assert_offsets(text, ex)


def test_editor_ids_validated_and_host_ids_kept_off():
    _, ex = run("dev-004")
    assert ex.editor is not None
    assert {(i["scheme"], i["value"], i["valid"]) for i in ex.editor["ids"]} == {("SIREN", "322927674", True)}
    _, ex = run("dev-003")  # OVH's RCS/SIREN/VAT sit in the hosting block: not the editor's
    assert ex.editor is None or not ex.editor["ids"]
    _, ex = run("dev-032")
    assert ex.editor is not None and ex.editor["ids"][0]["scheme"] == "BCE" and ex.editor["ids"][0]["valid"]
    _, ex = run("dev-001")
    assert ex.editor is not None and ex.editor["name"] == "SNC OIA"
    ex = extract("Éditeur : Exemple SARL, SIREN 123 456 789. Hébergeur : OVH SAS.")
    assert ex.editor is not None and ex.editor["ids"][0]["valid"] is False  # bad Luhn: kept, flagged


def test_unknown_host_name_kept_as_written():
    text = "Hébergeur : Agence Web Dupont, 12 rue des Lilas, 33000 Bordeaux"
    ex = extract(text)
    assert [(r["provider_id"], r["provider"], r["role"]) for r in ex.relations] == [(None, "Agence Web Dupont", "host")]
    assert_offsets(text, ex)


def test_procurement_aws_is_not_amazon():
    text = (
        "Le DCE est disponible sur la plateforme AWS (Achat Web Solution) : www.marches-publics.info. "
        "Les offres sont hébergées sur AWS."
    )
    assert extract(text).relations == []


def test_no_cue_returns_empty_and_api_shape():
    ex = extract("Le conseil municipal a voté le budget primitif.", doc_id="x")
    assert ex.id == "x" and ex.lang == "fr" and ex.relations == [] and ex.editor is None
    assert set(ex.to_dict()) == {"id", "lang", "editor", "relations", "built_by"}
    assert ex.built_by == [] and ex.findings == ()
    assert extract("").relations == []


def test_extract_many_keeps_order_and_batches():
    items = [(doc_id, rec["text"] or rec["raw"], rec["language"]) for doc_id, rec in dev().items()]
    many = list(extract_many(items, batch_size=5))
    assert [e.id for e in many] == [i for i, _, _ in items]
    single = {doc_id: triples(extract(t, lang=lang)) for doc_id, t, lang in items[:6]}
    assert {e.id: triples(e) for e in many[:6]} == single


def test_dev_precision_recall_do_not_regress():
    """Floors a little under the figures measured at commit time (see the module's FLOORS).

    dev-001…042 is the old set (P 1.00, R 0.93); train and check are the issue-13 split. Check is a
    floor only: it is never tuned on, and this test only says it did not fall.
    """
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from eval_hosting import evaluate

    splits = evaluate(Path(DEV), baselines=False)["splits"]
    for name, (p_min, r_min) in FLOORS.items():
        overall = splits[name]["extractor"]["overall"]
        assert overall["precision"] >= p_min and overall["recall"] >= r_min, (name, overall)
    # the extractor beats both keyword baselines it is measured against (F1, on check)
    base = evaluate(Path(DEV))["splits"]["check"]
    assert base["extractor"]["overall"]["f1"] > max(
        base["anywhere"]["overall"]["f1"], base["near-cue"]["overall"]["f1"]
    )


def test_address_only_resolution_and_collision():
    ex = extract("Hébergeur : 2 rue Kellermann, 59100 Roubaix")
    assert [(r["provider_id"], r["role"]) for r in ex.relations] == [("ovhcloud", "host")]
    assert ex.relations[0]["confidence"] < 0.5  # address evidence ranks below a name
    # Tour Carpe Diem, Courbevoie: AWS's French branch and Thales's seat -> no decision
    assert extract("Hébergement\nTour Carpe Diem\n31 place des Corolles\n92400 Courbevoie").relations == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Nous avons migré notre site de OVH vers Scaleway en 2023.",
            {("ovhcloud", "host", "past"), ("scaleway", "host", "current")},
        ),
        ("Le site sera hébergé par Scaleway à partir de janvier.", {("scaleway", "host", "planned")}),
        ("Le site n'est plus hébergé chez OVH.", {("ovhcloud", "host", "past")}),
        ("Your data is never stored on AWS servers.", {("aws", "data-storage", "negated")}),
        (
            "Le site est protégé par Cloudflare et hébergé chez OVH.",
            {("cloudflare", "cdn", "current"), ("ovhcloud", "host", "current")},
        ),
        (
            "Hébergé sur Scalingo (infrastructure Outscale, qualifiée SecNumCloud).",
            {("scalingo", "host", "current"), ("outscale", "host", "current")},
        ),
        ("Tous nos sites sont hébergés chez des hébergeurs français comme OVH ou Scaleway.", set()),
        ("Comparatif des hébergeurs : OVH, o2switch, Infomaniak et Hostinger proposent des offres.", set()),
        ("L'hébergeur OVH a été victime d'un incendie à Strasbourg.", set()),
        ("Le géant américain Amazon Web Services héberge de nombreux sites publics.", set()),
        ("Nos e-mails sont hébergés chez Infomaniak.", set()),
        (
            "Le nom de domaine est enregistré auprès de Gandi SAS et le site est hébergé par Scaleway.",
            {("scaleway", "host", "current")},
        ),
    ],
)
def test_general_frames(text, expected):
    ex = extract(text)
    assert triples(ex) == expected
    assert_offsets(text, ex)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Sub-processors\n\nAmazon Web Services, Inc. – Cloud hosting – United States\n"
            "Stripe, Inc. – Payment processing – United States\nGoogle LLC – Analytics – United States",
            None,
            {("aws", "host", "current")},
        ),
        (
            "Subprocessors: Heroku (application hosting, US), MongoDB Atlas (database, EU), SendGrid (email, US)",
            None,
            {("heroku", "host", "current"), ("mongodb_atlas", "data-storage", "current")},
        ),
        (
            "The platform was previously hosted on Heroku and is now hosted on Scalingo.",
            None,
            {("heroku", "host", "past"), ("scalingo", "host", "current")},
        ),
        ("Die Website wird von Hetzner Online GmbH gehostet.", "de", {("hetzner", "host", "current")}),
        ("Site-ul este găzduit de Hostinger International Ltd.", "ro", {("hostinger", "host", "current")}),
        ("Hébergement : Scaleway interpelle les candidats aux élections présidentielles", None, set()),
        ("Pour votre site, choisissez un hébergeur comme OVH ou o2switch.", None, set()),
        (
            '<script>var s = "hosted by OVH";</script><p>Hébergeur : <b>o2switch</b></p>',
            None,
            {("o2switch", "host", "current")},
        ),
    ],
)
def test_languages_lists_and_markup(text, lang, expected):
    ex = extract(text, lang=lang)
    assert triples(ex) == expected
    assert_offsets(text, ex)
