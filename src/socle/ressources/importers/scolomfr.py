"""Import of ScoLOMFR (LOM-FR) notices.

A file holds one `<lom:lom>` notice or any wrapper (an OAI-PMH answer, a `<notices>` list) around
many; the file is read as a stream (`lxml.etree.iterparse`, entities not resolved, no network,
no DTD), each notice is released once read. Every notice is validated (`notice.validate`), valid
notices are written in one transaction, and every rejected notice is reported with its file,
line, field and reason.

ScoLOMFR mapping (see docs/ressources.md for the table):

- 1.1 general/identifier (catalog ARK) → ark; 1.2 title; 1.4 description; 1.5 keyword;
  1.10 scolomfr:generalResourceType (scolomfr-voc-005) → document type;
- 2.3 lifeCycle/contribute with role publisher → publisher, vCard ORG (or FN), SIREN and ISNI
  from `X-SIREN:`/`X-ISNI:` lines or `UID:urn:siren:`/`UID:urn:isni:`;
- 5.2 educational/learningResourceType (scolomfr-voc-010); 5.5 intendedEndUserRole → audience;
- 6.3 rights/description → licence;
- 9 classification: purpose "educational level" (scolomfr-voc-022), purpose "discipline"
  (scolomfr-voc-015), purpose "accessibility restrictions" → accessibility information;
- the strategy's criteria, access and doctrine declarations, which ScoLOMFR does not carry, in
  Socle's extension namespace (`SOCLE_NS`): socle:characterisation, socle:access, socle:doctrine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from .notice import RawNotice, Value

LOM_NS = "http://ltsc.ieee.org/xsd/LOM"
LOMFR_NS = "http://www.lom-fr.fr/xsd/LOMFR"
SCOLOMFR_NS = "http://www.lom-fr.fr/xsd/SCOLOMFR"
SOCLE_NS = "https://socle.education.gouv.fr/xsd/ressources/1"
NS = {"lom": LOM_NS, "lomfr": LOMFR_NS, "scolomfr": SCOLOMFR_NS, "socle": SOCLE_NS}
FRENCH = {"fr", "fre", "fra", "fr-FR", "http://id.loc.gov/vocabulary/iso639-2/fre"}
PUBLISHER_ROLES = {"publisher", "éditeur", "editeur", "scolomfr-voc-003-num-006"}
# LOM 5.5 intendedEndUserRole → GAR publicCible.
END_USER_AUDIENCES = {"learner": "ELEVE", "teacher": "ENSEIGNANT", "manager": "AUTRE_PERSONNEL"}


class XmlFileError(Exception):
    """The file is not well-formed XML (the whole file is rejected)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _x(element, path: str) -> list:
    return element.xpath(path, namespaces=NS)


def _langstring(element) -> Value | None:
    """The French string of a LangString element (else its first string)."""
    if element is None:
        return None
    strings = _x(element, "lom:string")
    if not strings:
        return None
    chosen = next((s for s in strings if s.get("language", "") in FRENCH), strings[0])
    return Value((chosen.text or "").strip(), chosen.sourceline or 0)


def _first(element, path: str):
    found = _x(element, path)
    return found[0] if found else None


def _text_of(element) -> Value | None:
    if element is None:
        return None
    return Value((element.text or "").strip(), element.sourceline or 0)


def _vocabulary_value(element) -> Value:
    """A source/value(/label) element: the value (a term URI) and its label."""
    value = _first(element, "*[local-name()='value']")
    label = _first(element, "*[local-name()='label']")
    text = (value.text or "").strip() if value is not None else ""
    return Value(
        text,
        (value if value is not None else element).sourceline or 0,
        (label.text or "") if label is not None else "",
    )


def _vcard(text: str) -> dict[str, tuple[str, int]]:
    """vCard fields → (value, line offset inside the text), so errors point at the exact line."""
    fields: dict[str, tuple[str, int]] = {}
    for offset, raw_line in enumerate((text or "").splitlines()):
        key, sep, value = raw_line.strip().partition(":")
        if not sep:
            continue
        key = key.split(";")[0].upper()
        value = value.strip()
        if key == "UID" and value.lower().startswith("urn:siren:"):
            key, value = "X-SIREN", value[len("urn:siren:") :]
        elif key == "UID" and value.lower().startswith("urn:isni:"):
            key, value = "X-ISNI", value[len("urn:isni:") :]
        elif key == "ORG":
            value = value.split(";")[0].strip()
        fields.setdefault(key, (value, offset))
    return fields


def _publisher(lom, raw: RawNotice) -> None:
    for contribute in _x(lom, "lom:lifeCycle/lom:contribute"):
        role = _first(contribute, "lom:role/lom:value")
        role_text = (role.text or "").strip() if role is not None else ""
        if role_text.rsplit("/", 1)[-1] not in PUBLISHER_ROLES:
            continue
        entity = _first(contribute, "lom:entity")
        if entity is None:
            continue
        card = _vcard(entity.text or "")
        line = entity.sourceline or 0
        for name, keys in (
            ("publisher", ("ORG", "FN")),
            ("publisher_siren", ("X-SIREN",)),
            ("publisher_isni", ("X-ISNI",)),
        ):
            found = next((card[key] for key in keys if card.get(key, ("", 0))[0]), ("", 0))
            raw.scalars[name] = Value(found[0], line + found[1])
        return


def _classification(lom, raw: RawNotice) -> None:
    for classification in _x(lom, "lom:classification"):
        purpose = _first(classification, "lom:purpose/lom:value")
        purpose_text = (purpose.text or "").strip().lower() if purpose is not None else ""
        if "accessibility" in purpose_text or "accessibilité" in purpose_text:
            description = _langstring(_first(classification, "lom:description"))
            if description is not None:
                raw.scalars["accessibility"] = description
            continue
        if "educational level" in purpose_text or "niveau" in purpose_text:
            target = "levels"
        elif "discipline" in purpose_text or "domaine" in purpose_text:
            target = "domains"
        else:
            continue
        for taxon in _x(classification, "lom:taxonPath/lom:taxon"):
            identifier = _first(taxon, "lom:id")
            label = _langstring(_first(taxon, "lom:entry"))
            raw.lists.setdefault(target, []).append(
                Value(
                    (identifier.text or "").strip() if identifier is not None else "",
                    (identifier if identifier is not None else taxon).sourceline or 0,
                    label.text if label else "",
                )
            )


_SOCLE_SCALARS = {
    "socle:characterisation/socle:adaptive": "adaptive",
    "socle:characterisation/socle:exercises": "exercises",
    "socle:characterisation/socle:teacherResults": "teacher_results",
    "socle:characterisation/socle:concentrationMinutes": "concentration_minutes",
    "socle:characterisation/socle:offerNature": "offer_nature",
    "socle:access/socle:launchUrl": "launch_url",
    "socle:access/socle:thumbnailUrl": "thumbnail_url",
    "socle:access/socle:ssoProtocol": "sso_protocol",
    "socle:access/socle:ssoService": "sso_service",
    "socle:doctrine/socle:rgaaDeclaration": "rgaa_declaration_url",
    "socle:doctrine/socle:personalDataTerms": "personal_data_terms_url",
    "socle:doctrine/socle:ecodesign": "ecodesign_statement",
}
_SOCLE_LISTS = {
    "socle:characterisation/socle:cycle": "cycles",
    "socle:characterisation/socle:usage": "usages",
    "socle:access/socle:requestedAttribute": "requested_attributes",
    "socle:access/socle:audience": "audiences",
}


def raw_notice(lom) -> RawNotice:
    """Read one `<lom:lom>` element into a RawNotice (no validation here)."""
    raw = RawNotice(line=lom.sourceline or 0)
    for identifier in _x(lom, "lom:general/lom:identifier"):
        catalog = (
            (_first(identifier, "lom:catalog").text or "")
            if _first(identifier, "lom:catalog") is not None
            else ""
        )
        if catalog.strip().upper() == "ARK":
            entry = _text_of(_first(identifier, "lom:entry"))
            if entry is not None:
                raw.scalars["identifier"] = entry
            break
    for name, path in (("title", "lom:general/lom:title"), ("description", "lom:general/lom:description")):
        value = _langstring(_first(lom, path))
        if value is not None:
            raw.scalars[name] = value
    raw.lists["keywords"] = [v for v in (_langstring(k) for k in _x(lom, "lom:general/lom:keyword")) if v]
    raw.lists["document_types"] = [
        _vocabulary_value(e) for e in _x(lom, "lom:general/scolomfr:generalResourceType")
    ]
    raw.lists["pedagogical_types"] = [
        _vocabulary_value(e) for e in _x(lom, "lom:educational/lom:learningResourceType")
    ]
    _publisher(lom, raw)
    licence = _langstring(_first(lom, "lom:rights/lom:description"))
    if licence is not None:
        raw.scalars["licence"] = licence
    _classification(lom, raw)
    for path, name in _SOCLE_SCALARS.items():
        value = _text_of(_first(lom, path))
        if value is not None:
            raw.scalars[name] = value
    for path, name in _SOCLE_LISTS.items():
        raw.lists[name] = [v for v in (_text_of(e) for e in _x(lom, path)) if v is not None]
    if not raw.lists["audiences"]:
        for role in _x(lom, "lom:educational/lom:intendedEndUserRole/lom:value"):
            audience = END_USER_AUDIENCES.get((role.text or "").strip())
            if audience:
                raw.lists["audiences"].append(Value(audience, role.sourceline or 0))
    return raw


def read_notices(stream: BinaryIO) -> Iterator[RawNotice]:
    """Stream the `<lom:lom>` notices of `stream`. Raises XmlFileError on malformed XML."""
    context = etree.iterparse(
        stream,
        events=("end",),
        tag=f"{{{LOM_NS}}}lom",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        for _event, lom in context:
            yield raw_notice(lom)
            # Release what was read: the notice and the siblings before it.
            lom.clear()
            parent = lom.getparent()
            if parent is not None:
                while lom.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else 0
        raise XmlFileError(line, f"malformed XML: {error.msg}") from error  # lxml's message is English
