"""Small value helpers of the eForms parser, shared with the TED R2.0.9 parser (`ted.export`).

Publication numbers, ISO countries, French company ids, URLs, amounts and their combination over several
winners, dates and names: none of them needs the XML tree, so both TED formats read values the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from soustrace.identity import strip_role_markers

# ISO 3166 alpha-3 -> alpha-2 (eForms country codes are alpha-3; Kosovo is XKX in the eForms list).
_ISO3 = (
    "ABWAW AFGAF AGOAO AIAAI ALAAX ALBAL ANDAD AREAE ARGAR ARMAM ASMAS ATAAQ ATFTF ATGAG AUSAU AUTAT AZEAZ "
    "BDIBI BELBE BENBJ BESBQ BFABF BGDBD BGRBG BHRBH BHSBS BIHBA BLMBL BLRBY BLZBZ BMUBM BOLBO BRABR BRBBB "
    "BRNBN BTNBT BVTBV BWABW CAFCF CANCA CCKCC CHECH CHLCL CHNCN CIVCI CMRCM CODCD COGCG COKCK COLCO COMKM "
    "CPVCV CRICR CUBCU CUWCW CXRCX CYMKY CYPCY CZECZ DEUDE DJIDJ DMADM DNKDK DOMDO DZADZ ECUEC EGYEG ERIER "
    "ESHEH ESPES ESTEE ETHET FINFI FJIFJ FLKFK FRAFR FROFO FSMFM GABGA GBRGB GEOGE GGYGG GHAGH GIBGI GINGN "
    "GLPGP GMBGM GNBGW GNQGQ GRCGR GRDGD GRLGL GTMGT GUFGF GUMGU GUYGY HKGHK HMDHM HNDHN HRVHR HTIHT HUNHU "
    "IDNID IMNIM INDIN IOTIO IRLIE IRNIR IRQIQ ISLIS ISRIL ITAIT JAMJM JEYJE JORJO JPNJP KAZKZ KENKE KGZKG "
    "KHMKH KIRKI KNAKN KORKR KWTKW LAOLA LBNLB LBRLR LBYLY LCALC LIELI LKALK LSOLS LTULT LUXLU LVALV MACMO "
    "MAFMF MARMA MCOMC MDAMD MDGMG MDVMV MEXMX MHLMH MKDMK MLIML MLTMT MMRMM MNEME MNGMN MNPMP MOZMZ MRTMR "
    "MSRMS MTQMQ MUSMU MWIMW MYSMY MYTYT NAMNA NCLNC NERNE NFKNF NGANG NICNI NIUNU NLDNL NORNO NPLNP NRUNR "
    "NZLNZ OMNOM PAKPK PANPA PCNPN PERPE PHLPH PLWPW PNGPG POLPL PRIPR PRKKP PRTPT PRYPY PSEPS PYFPF QATQA "
    "REURE ROURO RUSRU RWARW SAUSA SDNSD SENSN SGPSG SGSGS SHNSH SJMSJ SLBSB SLESL SLVSV SMRSM SOMSO SPMPM "
    "SRBRS SSDSS STPST SURSR SVKSK SVNSI SWESE SWZSZ SXMSX SYCSC SYRSY TCATC TCDTD TGOTG THATH TJKTJ TKLTK "
    "TKMTM TLSTL TONTO TTOTT TUNTN TURTR TUVTV TWNTW TZATZ UGAUG UKRUA UMIUM URYUY USAUS UZBUZ VATVA VCTVC "
    "VENVE VGBVG VIRVI VNMVN VUTVU WLFWF WSMWS YEMYE ZAFZA ZMBZM ZWEZW XKXXK"
)
ISO3_TO_ISO2 = {pair[:3]: pair[3:] for pair in _ISO3.split()}
# TED's own two-letter codes that are not ISO 3166 (R2.0.9 writes UK and EL).
_ISO2_FIXES = {"UK": "GB", "EL": "GR"}
# Where a 14-digit SIRET / 9-digit SIREN is the national company id (metropolitan France and the DOMs).
FRENCH_ID_COUNTRIES = frozenset({"FR", "GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF"})

_PUBNO = re.compile(r"^\s*0*(\d+)\s*-\s*(\d{4})\s*$")
_OJS_NO = re.compile(r"(\d{4})\s*/\s*S\s*\d+\s*-\s*0*(\d+)")
_ID_SEPARATORS = re.compile(r"[\s.\u00a0\u202f]")
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_DIGITS = re.compile(r"\d+", re.ASCII)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def normalise_publication_number(text: str | None) -> str | None:
    """TED publication number "NNN-YYYY" without zero padding, the convention of the TED API and site.

    Accepts the eForms OJS id (`00000156-2025` -> `156-2025`) and the R2.0.9 `NO_DOC_OJS`
    (`2021/S 005-008298` -> `8298-2021`); anything else (a notice UUID) gives None.
    """
    if not text:
        return None
    match = _PUBNO.match(text)
    if match:
        return f"{int(match.group(1))}-{match.group(2)}"
    match = _OJS_NO.search(text)
    if match:
        return f"{int(match.group(2))}-{match.group(1)}"
    return None


def iso2_country(code: str | None) -> str | None:
    """ISO 3166 alpha-2 from an eForms alpha-3 code or a TED alpha-2 code (UK -> GB, EL -> GR)."""
    if not code:
        return None
    code = code.strip().upper()
    if len(code) == 3:
        return ISO3_TO_ISO2.get(code)
    if len(code) == 2 and code.isalpha():
        return _ISO2_FIXES.get(code, code)
    return None


def company_id(raw: str | None, country: str | None) -> tuple[str | None, str | None]:
    """(national_id, id_scheme) from a free-text company id.

    French ids are the one case recognised here: 14 digits (spaces, dots, leading blanks removed) is a
    SIRET, 9 a SIREN, when the organisation is French or its country unknown (a Norwegian organisation
    number also has 9 digits). Everything else is kept as written (trimmed) with no scheme: the store
    normalises and validates ids, and a TED `schemeID` such as "002" carries no meaning.
    """
    if raw is None or not raw.strip():
        return None, None
    value = raw.strip()
    compact = _ID_SEPARATORS.sub("", value)
    if (country is None or country in FRENCH_ID_COUNTRIES) and _DIGITS.fullmatch(compact):
        if len(compact) == 14:
            return compact, "SIRET"
        if len(compact) == 9:
            return compact, "SIREN"
    return value, None


def normalise_url(text: str | None) -> str | None:
    """A URL as written, trimmed, with `http://` added when the notice left the scheme out."""
    if not text or not text.strip():
        return None
    url = text.strip()
    return url if _SCHEME.match(url) else f"http://{url}"


Amount = tuple[Decimal | None, str | None]  # (value, currency)


def combine_amounts(amounts: list[Amount]) -> tuple[Decimal | None, str | None, list[str]]:
    """One lot amount from the amounts of its winners (tenders or award items): (amount, currency, flags).

    Identical amounts are a value repeated for each supplier of a framework and are taken once; different
    amounts are added. Mixed currencies give no amount. Flags say which rule applied.
    """
    known = [(amount, currency) for amount, currency in amounts if amount is not None]
    flags: list[str] = []
    if not known:
        return None, None, flags
    if len(known) < len(amounts):
        flags.append("amount-partial")
    currencies = {currency for _, currency in known}
    if len(currencies) > 1:
        return None, None, [*flags, "mixed-currencies"]
    currency = currencies.pop()
    values = [amount for amount, _ in known]
    if len(values) == 1:
        return values[0], currency, flags
    if len(set(values)) == 1:
        return values[0], currency, [*flags, "amount-same-for-each-winner"]
    return sum(values, Decimal(0)), currency, [*flags, "amount-summed-over-winners"]


def parse_decimal(text: str | None) -> Decimal | None:
    """A Decimal from an amount text ("224675", "8819.09", "1 700 000,50"), None when unreadable."""
    if not text:
        return None
    cleaned = _SPACES.sub("", text)
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_date(text: str | None) -> dt.date | None:
    """The date of an ISO date text with or without zone ("2024-10-16+02:00", "2023-08-29Z", "20210108")."""
    if not text:
        return None
    text = text.strip()
    for candidate, fmt in ((text[:10], "%Y-%m-%d"), (text[:8], "%Y%m%d")):
        try:
            return dt.datetime.strptime(candidate, fmt).date()
        except ValueError:
            continue
    return None


def clean_name(text: str | None) -> str | None:
    """A name with its whitespace collapsed (names wrap over lines in some notices)."""
    if text is None:
        return None
    name = " ".join(text.split())
    return name or None


def party_name(text: str | None) -> str | None:
    """An organisation's name without the role written into it; the evidence keeps the text as written."""
    name = clean_name(text)
    return strip_role_markers(name) if name else None
