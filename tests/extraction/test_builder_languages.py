"""`built-by` findings and the per-language vocabularies (languages/<code>.py)."""

from __future__ import annotations

import pytest

from soustrace.extraction import extract, languages
from soustrace.extraction.builder import builder_gate

# Lines of a real public legal notice (participation-citoyenne.gouv.fr, "Mentions légales" / CGU page, as
# stored in shared/samples/chains/02_participation-citoyenne_gouv_mentions.txt): editor, builder, host.
DITP_NOTICE = """Editeur du site
Le site participation-citoyenne.gouv.fr est édité par la Direction interministérielle de la Transformation Publique :
DITP
20 avenue de Ségur
75334 Paris cedex 07
Directeur de la publication
Thomas Cazenave
Réalisation
Le code source de ce site réutilise le code de consultation.etalab.gouv.fr, projet DINSIC/Etalab.
Ce site a été réalisé par OCTO TECHNOLOGY
34, avenue de l'Opéra
75002 Paris
Hébergement
Ce site est hébergé exclusivement sur des serveurs en France de la société OVH
RCS Lille Métropole 424 761 419 00045
2 rue Kellermann
59100 Roubaix"""


def test_builder_editor_and_host_of_one_notice():
    ex = extract(DITP_NOTICE)
    assert [(b["provider"], b["role"], b["rule"]) for b in ex.built_by] == [
        ("OCTO TECHNOLOGY", "built-by", "built-by-phrase")
    ]
    b = ex.built_by[0]
    assert DITP_NOTICE[b["start"] : b["end"]] == "OCTO TECHNOLOGY"
    assert [(r["provider_id"], r["role"]) for r in ex.relations] == [("ovhcloud", "host")]
    assert [f.role for f in ex.findings] == ["host", "built-by"]


def test_builder_ids_are_the_builders_not_the_editors():
    text = "Éditeur : Commune de X\nRéalisation : Agence Web Dupont, SIRET 732 829 320 00074\nHébergeur : OVH SAS"
    ex = extract(text)
    (b,) = ex.built_by
    assert b["surface"] == "Agence Web Dupont"
    assert [(i["scheme"], i["value"], i["valid"]) for i in b["ids"]] == [("SIRET", "73282932000074", True)]
    assert not ex.editor or all(i["value"] != "73282932000074" for i in ex.editor["ids"])


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Conception et réalisation : La Fabrique Numérique", "La Fabrique Numérique"),
        ("Design & development by Studio Nord", "Studio Nord"),
        ("Website designed and built by Acme Digital Ltd.", "Acme Digital Ltd."),
        ("Desarrollado por Estudio Sur", "Estudio Sur"),
        ("Realizzato da Studio Rossi", "Studio Rossi"),
        ("Ontwikkeld door Bureau Noord", "Bureau Noord"),
    ],
)
def test_builder_phrases_per_language(text, name):
    assert [b["surface"] for b in extract(text).built_by] == [name]


def test_no_builder_in_plain_prose():
    text = "La commune lance une consultation pour la réfection de la voirie du centre-bourg."
    assert extract(text).built_by == [] and not builder_gate(text)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("El sitio web está alojado por OVH SAS.", "es", ("ovhcloud", "host")),
        ("Il sito è ospitato da Aruba S.p.A.", "it", ("aruba", "host")),
        ("Il sito è ospitato da Seeweb S.r.l.", "it", (None, "host")),
        ("De website wordt gehost door TransIP.", "nl", ("transip", "host")),
        ("De website wordt gehost door Antagonist B.V.", "nl", (None, "host")),
        ("Die Website wird bei Hetzner Online GmbH gehostet.", "de", ("hetzner", "host")),
    ],
)
def test_language_files_carry_the_frames(text, lang, expected):
    assert languages.detect_language(text) == lang
    rels = extract(text).relations
    assert [(r["provider_id"], r["role"]) for r in rels] == [expected], rels


def test_every_language_is_one_file_with_its_vocabulary():
    for code in languages.LANGUAGES:
        v = languages.vocabulary(code)
        assert v is not None and v.code == code and v.stopwords and v.host_verbs and v.preps and v.builders
    assert languages.vocabulary("xx") is None
