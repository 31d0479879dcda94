"""General rules (vocabulary and layout classes, not sentences of the samples): alternatives per language,
'and/or', and the rule settling shared by the `rules` and `both` decision modes."""

from __future__ import annotations

import pytest

from soustrace.extraction.extract import extract_many


def triples(text: str, lang: str | None = None, decision: str = "both") -> set[tuple[str | None, str, str]]:
    ex = next(extract_many([(None, text, lang)], decision=decision))
    return {(r["provider_id"], r["role"], r["status"]) for r in ex.relations}


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # an English address holds "of": not the Dutch 'or'
        (
            "Hosting provider: DigitalOcean, LLC, 101 Avenue of the Americas, New York, NY 10013",
            "en",
            {("digitalocean", "host", "current")},
        ),
        # alternatives in the document's own language stay options
        ("Hosting provider: Scaleway or OVH", "en", set()),
        ("Hostingprovider: Hetzner of Scaleway", "nl", set()),
        ("Fornitore hosting: Aruba o OVH", "it", set()),
        # 'et/ou', 'and/or' name both as used
        ("Hébergeur : Scaleway et/ou OVH", "fr", {("scaleway", "host", "current"), ("ovhcloud", "host", "current")}),
    ],
)
def test_alternatives_are_per_language(text, lang, expected):
    assert triples(text, lang) == expected


def test_and_or_inside_parentheses_names_both_in_rules_mode():
    text = "Application data and databases are hosted within the European Union (Scaleway and/or Hetzner)."
    assert triples(text, "en", "rules") == {
        ("scaleway", "data-storage", "current"),
        ("hetzner", "data-storage", "current"),
    }


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("GoDaddy until 2019", "GoDaddy"),
        ("Backblaze in the Netherlands", "Backblaze"),
        ("Agence Web Durand à Lyon", "Agence Web Durand"),
        ("WebFactory SARL depuis 2018", "WebFactory SARL"),
        ("Bank of America", "Bank of America"),  # 'of' is no place preposition
        ("All images served from the bucket", None),  # prose, not a name
    ],
)
def test_unknown_names_end_at_place_and_time_phrases(value, name):
    from soustrace.extraction.blocks import plausible_name

    assert plausible_name(value, "en") == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a universal quantifier over this service's things is a statement about this service
        ("Toutes les pages du site sont hébergées chez Infomaniak.", {("infomaniak", "host", "current")}),
        # over other people's sites, or a count, it is a statement about the provider
        ("Tous les sites hébergés chez OVH ont été touchés par l'incendie.", set()),
        ("Des milliers de sites sont hébergés chez OVH.", set()),
        # the relative clause holds the hosted object
        (
            "L'application, dont les sauvegardes sont stockées chez OVH, est éditée par la Ville.",
            {("ovhcloud", "data-storage", "current")},
        ),
        ("Le site, qui est hébergé chez o2switch, est édité par la Ville.", {("o2switch", "host", "current")}),
    ],
)
def test_quantifiers_and_relative_clauses(text, expected):
    assert triples(text, "fr") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the participle of the next sentence is not this clause's verb
        ("Wir haben bei Hetzner ein Konto. Die Website wird von uns gehostet.", set()),
        ("Wir haben bei Hetzner Online GmbH. Die Website wird von uns gehostet.", set()),
        # an abbreviation inside the address does not end the clause
        (
            "Die Website wird bei Hetzner Online GmbH, Industriestr. 25, 91710 Gunzenhausen gehostet.",
            {("hetzner", "host", "current")},
        ),
    ],
)
def test_verb_final_frames_stop_at_the_sentence_end(text, expected):
    assert triples(text, "de") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pour l'hébergement (OVH par exemple), comptez cinq euros par mois.", set()),
        ("Le CDN (Cloudflare, par exemple) accélère le site.", set()),
        ("Notre hébergeur (OVH) est fiable.", {("ovhcloud", "host", "current")}),
    ],
)
def test_an_example_in_parentheses_is_no_statement(text, expected):
    assert triples(text, "fr", "rules") == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("L'hébergement du site est confié à la société OVH.", "fr", {("ovhcloud", "host", "current")}),
        ("Le stockage des données est confié à OVH.", "fr", {("ovhcloud", "data-storage", "current")}),
        (
            "Hosting of personal data collected through the website is outsourced to 1&1 Internet SE.",
            "en",
            {("ionos", "host", "current")},
        ),
        # the hosting words must be the entrusted thing, not elsewhere in the sentence
        (
            "Le développement du site, hébergé chez o2switch, a été confié à Scaleway.",
            "fr",
            {("o2switch", "host", "current")},
        ),
        # a provider outside the catalog keeps its name as written
        ("Hosting is outsourced to Acme Cloud Ltd.", "en", {(None, "host", "current")}),
    ],
)
def test_entrusted_hosting(text, lang, expected):
    assert triples(text, lang, "rules") == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Le site est hébergé chez OVH et Brevo est utilisé pour l’envoi des newsletters.",
            "fr",
            {("ovhcloud", "host", "current"), ("sendinblue_brevo", "other", "current")},
        ),
        (
            "The site is hosted on Scaleway. Mailgun is used to send e-mails.",
            "en",
            {("scaleway", "host", "current"), ("mailgun", "other", "current")},
        ),
        (
            "Pour l'envoi des e-mails transactionnels, nous utilisons Postmark.",
            "fr",
            {("postmark", "other", "current")},
        ),
        ("Pour l'hébergement, nous faisons appel à OVH.", "fr", {("ovhcloud", "host", "current")}),
        ("Nous faisons appel à OVH pour la maintenance.", "fr", set()),
    ],
)
def test_email_relay_and_first_person_recourse(text, lang, expected):
    assert triples(text, lang, "rules") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("For example, GitHub Pages hosts static sites for free.", set()),
        ("Hosted by: Not applicable", set()),
        ("Our mailing list is hosted by Mailchimp.", {("mailchimp", "other", "current")}),
        ("Hosted on GitHub Pages.", {("github_pages", "host", "current")}),
    ],
)
def test_english_examples_placeholders_and_mailing_lists(text, expected):
    assert triples(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "We migrated our database from Heroku Postgres to Neon.",
            "en",
            {("heroku", "data-storage", "past"), ("neon", "data-storage", "current")},
        ),
        ("We moved from Heroku to Fly.io last year.", "en", {("heroku", "host", "past"), ("flyio", "host", "current")}),
        ("We migrated our code from GitHub to GitLab.", "en", set()),
    ],
)
def test_migration_keeps_what_moved(text, lang, expected):
    assert triples(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("The site was hosted by GoDaddy until 2019.", "en", {("godaddy", "host", "past")}),
        # an end date after a future auxiliary is no past
        ("The data will be hosted by Microsoft until 2025.", "en", {("azure", "host", "planned")}),
        # 'puis' / 'then' opens the next period
        (
            "Le site est hébergé chez OVH jusqu'en 2019, puis chez Scaleway.",
            "fr",
            {("ovhcloud", "host", "past"), ("scaleway", "host", "current")},
        ),
    ],
)
def test_until_and_then(text, lang, expected):
    assert triples(text, lang) == expected


def test_a_row_saying_former_or_target_sets_the_status():
    text = (
        "| Fournisseur | Rôle |\n|---|---|\n| Scaleway | Hébergeur cible |\n| OVH | Ancien hébergeur |\n"
        "| Infomaniak | Hébergeur |"
    )
    assert triples(text, "fr") == {
        ("scaleway", "host", "planned"),
        ("ovhcloud", "host", "past"),
        ("infomaniak", "host", "current"),
    }


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Core infrastructure is self-hosted on our own servers.", "en", {("our own servers", "host", "current")}),
        ("Le site est hébergé sur nos propres serveurs à Lyon.", "fr", {("nos propres serveurs", "host", "current")}),
        ("We are not hosted on our own servers.", "en", set()),
    ],
)
def test_self_hosting_keeps_the_phrase_as_written(text, lang, expected):
    ex = next(extract_many([(None, text, lang)]))
    assert {(r["surface"], r["role"], r["status"]) for r in ex.relations} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "## Tech stack\n\n- Frontend: Next.js on Vercel\n- Backend: FastAPI on Railway",
            {("vercel", "host", "current"), ("railway", "host", "current")},
        ),
        ("Frontend developer: Jean Dupont", set()),
    ],
)
def test_component_labels_front_and_back(text, expected):
    assert triples(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Critics fear the data could be stored on US servers run by Microsoft.", {("azure", "host", "planned")}),
        ("The site might be hosted on AWS in the future.", {("aws", "host", "planned")}),
        ("The site is hosted on servers run by Hetzner.", {("hetzner", "host", "current")}),
    ],
)
def test_english_hypotheticals_are_not_current(text, expected):
    assert triples(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Informations de connexion à un compte hébergé par AlwaysData.", set()),
        ("Les données de votre compte sont hébergées chez Scaleway.", {("scaleway", "data-storage", "current")}),
    ],
)
def test_an_indefinite_account_is_no_hosted_site(text, expected):
    assert triples(text, "fr") == expected
