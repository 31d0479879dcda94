"""Frames that name a supplier through a service verb rather than a hosting verb.

"X a recours à P pour l'hébergement", "L'hébergement est confié à P", "P est utilisé pour l'envoi des
e-mails": the verb says P supplies something; what it supplies (hosting, storage, e-mail delivery) must
be stated in the right place of the sentence, or the frame does not apply.
"""

from __future__ import annotations

import re

from spacy.tokens import Span

from soustrace.catalog import strip_accents
from soustrace.extraction.mentions import Context, Mention
from soustrace.extraction.objects import role_from_description

_SUPPLIER_SLOT = (
    r"(?:\s+(?:la|le|les|l'|the|des|de|d'|du|aux|services|prestations|societe|entreprise|groupe|company|firm|"
    r"droit|\w+ais|\w+aise|americaine?|francaise?|luxembourgeoise?|irlandaise?))*\s*$"
)
# the supplier is the verb's object: the hosting purpose may stand anywhere in the sentence
_RECOURSE = re.compile(
    r"(?:\b(?:a|ont|avons|avez|avait|avaient|aura|auront|avoir)\s+recours\s+(?:a|aux)|"
    r"\bfai(?:t|sait|saient|sons|tes|re)\s+appel\s+(?:a|aux)|\b(?:font|feront|fera)\s+appel\s+(?:a|aux)|\bs'appui(?:e|ent)\s+sur|\brel(?:y|ies|ied)\s+on|\buses?\s+the\s+services\s+of|"
    r"\butilis(?:e|ent)\s+les\s+services\s+de)" + _SUPPLIER_SLOT
)
# the hosted thing is the passive verb's subject: "L'hébergement du site est confié à P", "Hosting … is
# outsourced to P"; the hosting words must be in that subject ("Le développement, hébergé chez X, a été
# confié à P" entrusts development)
_ENTRUSTED = re.compile(
    r"(?:\bconfi[e]e?s?\s+a|\bentrusted\s+to|\b(?:sub)?contracted(?:\s+out)?\s+to|\boutsourced\s+to|"
    r"\bdelegated\s+to|\bdelegu[e]e?s?\s+a|\bsous-traite?e?s?\s+(?:a|chez)|"
    r"\bexternalis[e]e?s?\s+(?:aupres\s+de|chez|a)|\bausgelagert\s+(?:an|zu)|\baffidat[oaie]\s+a|"
    r"\buitbesteed\s+aan|\bexternalizad[oa]s?\s+(?:a|en))" + _SUPPLIER_SLOT
)
_HOSTING_PURPOSE = re.compile(
    r"\b(?:hebergement|hebergee?s?|heberger|hosting|host|stockage des donnees|data storage)\b"
)
_HOSTING_SUBJECT = re.compile(
    r"\b(?:hebergement|hosting|webhosting|alojamiento|hospedaje|ospitalita|gazduire(?:a)?|stockage|storage|"
    r"sauvegardes?|backups?|bases? de donnees|databases?|speicherung|opslag)\b"
)


def recourse_frame(ctx: Context, m: Mention, sent: Span) -> tuple[str, int, str] | None:
    """'Pour l'hébergement de ses données, X a recours à la société P', 'relies on P for hosting';
    'L'hébergement du site est confié à P', 'Hosting of personal data is outsourced to P'.

    The verb names a supplier, not what it supplies: the sentence must state a hosting purpose (for a
    passive 'confié à / outsourced to', in the verb's subject), and the supplier's slot must follow the
    verb (descriptor words only: "la société de droit luxembourgeois"). Court rulings and legal
    summaries state hosting this way.
    """
    doc = ctx.doc
    left = strip_accents(doc[max(sent.start, m.start - 12) : m.start].text).casefold()
    cue = max(sent.start, m.start - 1)
    if _RECOURSE.search(left):
        if not _HOSTING_PURPOSE.search(strip_accents(sent.text).casefold()):
            return None
        return ("recourse", cue, "host")
    return entrusted_frame(ctx, m, sent)


_ENTRUSTED_STEMS = (
    "confi",
    "entrust",
    "outsourc",
    "externalis",
    "externaliz",
    "sous-trait",
    "delegu",
    "délégu",
    "delegat",
    "contract",
    "subcontract",
    "ausgelagert",
    "affidat",
    "uitbesteed",
)


def entrusted_frame(ctx: Context, m: Mention, sent: Span) -> tuple[str, int, str] | None:
    """'L'hébergement du site est confié à P', 'Hosting … is outsourced to P': hosting words in the subject."""
    doc = ctx.doc
    lo = max(sent.start, m.start - 25)
    if not any(t.lower_.startswith(_ENTRUSTED_STEMS) for t in doc[lo : m.start]):
        return None  # cheap pre-check: no entrusting verb before the name
    cue = max(sent.start, m.start - 1)
    wide = strip_accents(doc[max(sent.start, m.start - 25) : m.start].text).casefold()
    hit = _ENTRUSTED.search(wide)
    if not hit:
        return None
    subject = re.split(r"[,;:()]", wide[: hit.start()])[-1]
    if not _HOSTING_SUBJECT.search(subject):
        return None
    role = role_from_description(subject)
    return ("recourse", cue, role if role in {"host", "data-storage"} else "host")


_MAIL = r"(?:e-?mails?|courriels?|mails?|newsletters?|messages? electroniques?|emails? transactionnels?)"
_DET = r"(?:\s+(?:des|de|d'|les|nos|vos|l'|of|the|our|your|transactional|transactionnels?))*\s*"
# "P est utilisé pour l'envoi des e-mails", "P is used to send e-mails", "P sert à envoyer les newsletters"
_MAIL_AFTER = re.compile(
    r"^\s*,?\s*(?:(?:est|sont|is|are|wird|werden|was|will be)\s+)?(?:utilise\w*|used|employe\w*|charge\w*|"
    r"responsible|sert|serves|genutzt|verwendet)\s+(?:pour|to|for|a|zum|zur|fur)\s+(?:l'envoi|envoyer|"
    r"l'expedition|expedier|le routage|router|la distribution|send|sending|deliver|delivering|the delivery|"
    r"versenden|den versand)" + _DET + _MAIL + r"\b"
)
# "les e-mails sont envoyés via P", "e-mails are sent through P", "pour l'envoi des e-mails, nous utilisons P"
_MAIL_BEFORE = re.compile(
    r"(?:" + _MAIL + r"\s+(?:\w+\s+)?(?:sont|est|are|is|werden|wird)\s+(?:envoye\w*|expedie\w*|routes?|sent|"
    r"delivered|versendet|verschickt)\s+(?:via|par|through|by|with|using|avec|au moyen de|uber|mit)|"
    r"(?:pour l'envoi|pour envoyer|to send|for sending|zum versand|fur den versand)"
    + _DET
    + _MAIL
    + r"[^.;:]{0,25}?\b(?:utilisons|utilise|use|uses|passons par|passe par|via|nutzen|verwenden))"
    r"(?:\s+(?:la|le|l'|the|societe|service|company|der|die|den|dienst))*\s*$"
)


def email_frame(ctx: Context, m: Mention, sent: Span) -> tuple[str, int, str] | None:
    """A provider that sends this site's e-mail: the samples' role 'other' (an e-mail relay), not a host.

    Checked before the hosting frames, so that "hébergé chez OVH et Brevo est utilisé pour l'envoi des
    e-mails" does not coordinate Brevo into the hosting frame.
    """
    doc = ctx.doc
    window = doc[max(sent.start, m.start - 16) : min(sent.end, m.end + 30)]
    if not any(w in t.lower_ for t in window for w in ("mail", "courriel", "newsletter")):
        return None  # cheap pre-check: no mail word around the name
    right = strip_accents(doc[m.end : min(sent.end, m.end + 30)].text).casefold().replace("’", "'")
    right = re.sub(r"^\s*\([^()]{0,120}\)", " ", right)  # "Brevo (https://www.brevo.com) est utilisé …"
    if _MAIL_AFTER.match(" " + right):
        return ("email", min(sent.end - 1, m.end), "other")
    left = strip_accents(doc[max(sent.start, m.start - 16) : m.start].text).casefold().replace("’", "'")
    if _MAIL_BEFORE.search(left):
        return ("email", max(sent.start, m.start - 1), "other")
    return None
