"""A MINIMAL JSON Schema of the OCDS 1.1 release package, written for soustrace — NOT the official schema.

The official `release-package-schema.json` (and the release schema it references) could not be vendored:
this machine has no network and no installed package ships them. So this schema, written by hand from the
OCDS 1.1 documentation, checks the structure soustrace produces and the rules that matter to consumers:

* package: `uri`, `publishedDate`, `publisher.name`, `version` "1.1" and `releases` are required;
* release: `ocid`, `id`, `date`, `tag`, `initiationType` are required, with the OCDS code lists for
  `tag`, `initiationType`, party `roles` (plus `subcontractor`, added by the subcontracting extension)
  and award `status`;
* organisation references, identifiers, values (`amount` a number, `currency` three letters), lots and
  the subcontracting extension's `awards[].hasSubcontracting` / `awards[].subcontracting.subcontracts[]`.

It does not check everything the official schema does (e.g. every optional field's type). Swap in the
official files with `validate_package(..., schema=...)` where they are available.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator

LABEL = "MINIMAL schema written by soustrace (not the official OCDS schema)"
RELEASE_TAGS = ["planning", "planningUpdate", "tender", "tenderAmendment", "tenderUpdate", "tenderCancellation",
                "award", "awardUpdate", "awardCancellation", "contract", "contractUpdate", "contractAmendment",
                "implementation", "implementationUpdate", "contractTermination", "compiled"]
PARTY_ROLES = ["buyer", "procuringEntity", "supplier", "tenderer", "funder", "enquirer", "payer", "payee",
               "reviewBody", "interestedParty", "subcontractor"]
DATE_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"

_str = {"type": "string", "minLength": 1}
_org_ref = {"type": "object", "required": ["id"], "properties": {"id": _str, "name": {"type": "string"}}}
_value = {"type": "object", "properties": {"amount": {"type": "number"},
                                           "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}}

MINIMAL_RELEASE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["ocid", "id", "date", "tag", "initiationType"],
    "properties": {
        "ocid": _str,
        "id": _str,
        "date": {"type": "string", "pattern": DATE_TIME},
        "tag": {"type": "array", "minItems": 1, "items": {"enum": RELEASE_TAGS}},
        "initiationType": {"enum": ["tender"]},
        "parties": {"type": "array", "items": {
            "type": "object", "required": ["id"],
            "properties": {
                "id": _str, "name": {"type": "string"},
                "identifier": {"type": "object", "properties": {"scheme": {"type": "string"}, "id": _str,
                                                                "legalName": {"type": "string"}}},
                "roles": {"type": "array", "items": {"enum": PARTY_ROLES}, "uniqueItems": True},
            },
        }},
        "buyer": _org_ref,
        "tender": {"type": "object", "required": ["id"], "properties": {
            "id": _str, "title": {"type": "string"},
            "lots": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {"id": _str}}},
        }},
        "awards": {"type": "array", "items": {
            "type": "object", "required": ["id"],
            "properties": {
                "id": _str, "title": {"type": "string"},
                "status": {"enum": ["pending", "active", "cancelled", "unsuccessful"]},
                "date": {"type": "string", "pattern": DATE_TIME},
                "value": _value,
                "suppliers": {"type": "array", "items": _org_ref},
                "relatedLots": {"type": "array", "items": _str},
                "hasSubcontracting": {"type": "boolean"},
                "subcontracting": {"type": "object", "properties": {
                    "subcontracts": {"type": "array", "minItems": 1, "items": {
                        "type": "object", "required": ["id"],
                        "properties": {"id": _str, "subcontractor": _org_ref,
                                       "tenderers": {"type": "array", "minItems": 1, "items": _org_ref}},
                    }},
                }},
            },
        }},
    },
}

MINIMAL_RELEASE_PACKAGE_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "OCDS 1.1 release package — " + LABEL,
    "type": "object",
    "required": ["uri", "publishedDate", "releases", "publisher", "version"],
    "properties": {
        "uri": _str,
        "version": {"const": "1.1"},
        "publishedDate": {"type": "string", "pattern": DATE_TIME},
        "publisher": {"type": "object", "required": ["name"], "properties": {"name": _str}},
        "extensions": {"type": "array", "items": {"type": "string"}},
        "releases": {"type": "array", "items": MINIMAL_RELEASE_SCHEMA},
    },
}

RELEASE_VALIDATOR = Draft7Validator(MINIMAL_RELEASE_SCHEMA)


def release_errors(release: dict[str, Any]) -> list[str]:
    """Schema errors plus the references the schema cannot express (every party referenced must exist)."""
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '<release>'}: {e.message}"
              for e in RELEASE_VALIDATOR.iter_errors(release)]
    ids = {p.get("id") for p in release.get("parties", [])}
    refs = [release.get("buyer")] if release.get("buyer") else []
    for award in release.get("awards", []):
        refs += award.get("suppliers", [])
        for sub in (award.get("subcontracting") or {}).get("subcontracts", []):
            refs += [sub.get("subcontractor"), *sub.get("tenderers", [])]
    errors += [f"reference to unknown party {r.get('id')!r}" for r in refs if r and r.get("id") not in ids]
    return errors


def validate_package(package: dict[str, Any], schema: dict[str, Any] | None = None) -> list[str]:
    """All problems of a release package (empty list = valid) against the minimal schema or `schema`."""
    validator = Draft7Validator(schema or MINIMAL_RELEASE_PACKAGE_SCHEMA)
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '<package>'}: {e.message}"
              for e in validator.iter_errors(package)]
    for i, release in enumerate(package.get("releases", [])):
        errors += [f"releases/{i}: {e}" for e in release_errors(release) if "unknown party" in e]
    return errors
