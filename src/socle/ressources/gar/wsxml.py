"""The XML of the subscription web service: parsing (defusedxml: no DTD, no entity, no external
reference), field-by-field validation with errors naming the field and its line, serialisation.

Namespace http://www.atosworldline.com/wsabonnement/v1.0/ (the GAR's): a document in another
namespace, or in none, is refused (XML_INVALIDE), as is an element of another namespace inside
it (CHAMP_INCONNU). What the database cannot hold is refused too, whatever the backend: dates
outside years 0001–9999 once in UTC, licence counts beyond the 32-bit column (ASCII digits
only)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError
from django.utils import timezone

from socle.core.storable import INT32_MAX, datetime_problem
from socle.referentiel.codes import is_valid_uai

from .models import AUDIENCES, UNLIMITED

NS = "http://www.atosworldline.com/wsabonnement/v1.0/"
# \Z, not $: "$" also matches before a final newline ("ABO-1\n" from a URL's %0A).
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,45}\Z")
_COUNT = re.compile(r"[0-9]{1,10}")
MAX_BODY = 256 * 1024  # default of settings.SOCLE_GAR_WS_MAX_BODY_BYTES
LICENCE_FIELDS = {
    "nbLicenceGlobale": None,
    "nbLicenceEnseignant": "ENSEIGNANT",
    "nbLicenceEleve": "ELEVE",
    "nbLicenceProfDoc": "DOCUMENTALISTE",
    "nbLicenceAutrePersonnel": "AUTRE_PERSONNEL",
}
KNOWN_FIELDS = {
    "idAbonnement",
    "commentaireAbonnement",
    "idDistributeurCom",
    "idRessource",
    "typeIdRessource",
    "libelleRessource",
    "debutValidite",
    "finValidite",
    "anneeFinValidite",
    "uaiEtab",
    "categorieAffectation",
    "typeAffectation",
    "publicCible",
    "codeProjetRessource",
    *LICENCE_FIELDS,
}


@dataclass(frozen=True)
class WsError:
    """One error: GAR-like code, the field (element name) and a message naming both."""

    code: str
    message: str
    field: str = ""


@dataclass
class SubscriptionData:
    subscription_id: str = ""
    comment: str = ""
    commercial_distributor: str = ""
    resource_ark: str = ""
    resource_label: str = ""
    project_code: str = ""
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    uais: list[str] = field(default_factory=list)
    transferable: bool = False
    assignment_type: str = ""
    licences: dict[str, int | None] = field(default_factory=dict)  # by XML field name
    audiences: list[str] = field(default_factory=list)

    def digest(self) -> str:
        """SHA-256 of the normalised fields: two bodies with the same meaning share it."""
        canonical = {
            "id": self.subscription_id,
            "comment": self.comment,
            "distributor": self.commercial_distributor,
            "ark": self.resource_ark,
            "label": self.resource_label,
            "project": self.project_code,
            "from": self.valid_from.isoformat() if self.valid_from else "",
            "until": self.valid_until.isoformat() if self.valid_until else "",
            "uais": sorted(set(self.uais)),
            "transferable": self.transferable,
            "type": self.assignment_type,
            "licences": {k: self.licences.get(k) for k in LICENCE_FIELDS},
            "audiences": sorted(set(self.audiences)),
        }
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _root_error(root, expected: str) -> WsError | None:
    if _local(root.tag) != expected or _namespace(root.tag) != NS:
        found = f"{{{_namespace(root.tag)}}}" if _namespace(root.tag) else "no namespace "
        return WsError(
            "XML_INVALIDE",
            f"line 1: root element <{_local(root.tag)}> in {found}, expected <{expected}> in {{{NS}}}.",
        )
    return None


class _LineRecorder(ET.TreeBuilder):
    """Remembers the line of each element's start tag (for the error messages)."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[ET.Element, int] = {}

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        self.lines[element] = self.parser.parser.CurrentLineNumber if self.parser else 0
        return element


def max_body() -> int:
    from django.conf import settings

    return int(getattr(settings, "SOCLE_GAR_WS_MAX_BODY_BYTES", MAX_BODY))


def too_large() -> WsError:
    return WsError("REQUETE_TROP_GRANDE", f"The body exceeds {max_body()} bytes.")


def parse_xml(body: bytes) -> tuple[ET.Element | None, dict, list[WsError]]:
    """(root, lines by element, errors) — never raises on bad input."""
    if len(body) > max_body():
        return None, {}, [too_large()]
    if not body.strip():
        return None, {}, [WsError("XML_INVALIDE", "The request body is empty: an XML document is expected.")]
    builder = _LineRecorder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(body)
        root = parser.close()
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        return None, {}, [WsError("XML_INVALIDE", f"line {line}, column {column}: malformed XML ({error}).")]
    except DefusedXmlException as error:
        return None, {}, [WsError("XML_INTERDIT", f"Forbidden XML construct (DTD or entity): {error}.")]
    return root, builder.lines, []


def _parse_datetime(value: str) -> dt.datetime | None:
    """None when `value` is no date(-time), or one the database could not hold and give back."""
    value = value.strip()
    try:
        if len(value) == 10:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time.min)
        else:
            parsed = dt.datetime.fromisoformat(value)
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
    except (ValueError, OverflowError):
        return None
    if datetime_problem(parsed):
        return None
    return parsed


def parse_subscription(body: bytes) -> tuple[SubscriptionData, list[WsError]]:
    """Parse and check an <abonnement> document on its own (no database): every problem found,
    each naming its field and line."""
    data = SubscriptionData()
    root, lines, errors = parse_xml(body)
    if root is None:
        return data, errors
    problem = _root_error(root, "abonnement")
    if problem is not None:
        return data, [problem]
    values: dict[str, list[tuple[str, int]]] = {}
    for child in root:
        name = _local(child.tag)
        line = lines.get(child, 0)
        if name not in KNOWN_FIELDS or _namespace(child.tag) != NS:
            errors.append(WsError("CHAMP_INCONNU", f"line {line}: unknown element <{name}>.", name))
            continue
        values.setdefault(name, []).append(((child.text or "").strip(), line))

    def where(name: str) -> str:
        found = values.get(name)
        return f"line {found[0][1]}: " if found else ""

    def one(name: str, required: bool = True, max_length: int | None = None) -> str:
        found = values.get(name, [])
        if len(found) > 1:
            errors.append(
                WsError(
                    "CHAMP_REPETE",
                    f"line {found[1][1]}: {name} appears {len(found)} times, once expected.",
                    name,
                )
            )
        value = found[0][0] if found else ""
        if required and not value:
            errors.append(WsError("CHAMP_OBLIGATOIRE", f"{where(name)}{name} is required.", name))
        if max_length and len(value) > max_length:
            errors.append(
                WsError(
                    "CHAMP_TROP_LONG",
                    f"{where(name)}{name} has {len(value)} characters, at most {max_length} allowed.",
                    name,
                )
            )
        return value

    data.subscription_id = one("idAbonnement", max_length=45)
    if (
        data.subscription_id
        and len(data.subscription_id) <= 45
        and not ID_PATTERN.match(data.subscription_id)
    ):
        errors.append(
            WsError(
                "CHAMP_INVALIDE",
                f"{where('idAbonnement')}idAbonnement {data.subscription_id!r}: "
                "letters, digits, '_', '-', '.' only.",
                "idAbonnement",
            )
        )
    data.comment = one("commentaireAbonnement", required=False, max_length=2000)
    data.commercial_distributor = one("idDistributeurCom", max_length=64)
    data.resource_ark = one("idRessource", max_length=200)
    if data.resource_ark and not data.resource_ark.startswith("ark:/"):
        errors.append(
            WsError(
                "CHAMP_INVALIDE",
                f"{where('idRessource')}idRessource {data.resource_ark!r}: "
                "an ark identifier (ark:/…) is expected.",
                "idRessource",
            )
        )
    kind = one("typeIdRessource")
    if kind and kind != "ark":
        errors.append(
            WsError(
                "CHAMP_INVALIDE",
                f"{where('typeIdRessource')}typeIdRessource {kind!r}: expected 'ark'.",
                "typeIdRessource",
            )
        )
    data.resource_label = one("libelleRessource", max_length=300)
    data.project_code = one("codeProjetRessource", required=False, max_length=64)
    for name, attr in (("debutValidite", "valid_from"), ("finValidite", "valid_until")):
        raw = one(name, required=(name == "debutValidite" or "anneeFinValidite" not in values))
        if raw:
            parsed = _parse_datetime(raw)
            if parsed is None:
                errors.append(
                    WsError(
                        "CHAMP_INVALIDE",
                        f"{where(name)}{name} {raw!r}: expected an ISO 8601 date (2026-09-01) or date-time "
                        "(2026-09-01T00:00:00) within years 0001–9999.",
                        name,
                    )
                )
            setattr(data, attr, parsed)
    if data.valid_until is None and "anneeFinValidite" in values:
        raw = one("anneeFinValidite")
        match = re.fullmatch(r"(?:[0-9]{4}-)?([0-9]{4})", raw)
        if match and 1 <= int(match.group(1)) <= 9998:  # a school year ends on 31 August
            data.valid_until = timezone.make_aware(dt.datetime(int(match.group(1)), 8, 31, 23, 59, 59))
        else:
            errors.append(
                WsError(
                    "CHAMP_INVALIDE",
                    f"{where('anneeFinValidite')}anneeFinValidite {raw!r}: "
                    "expected a year (2027) or a school "
                    "year (2026-2027), within 0001–9998.",
                    "anneeFinValidite",
                )
            )
    if data.valid_from and data.valid_until and data.valid_until <= data.valid_from:
        errors.append(
            WsError(
                "DATES_INCOHERENTES",
                f"{where('finValidite')}finValidite must be after debutValidite.",
                "finValidite",
            )
        )
    for raw, line in values.get("uaiEtab", []):
        if not is_valid_uai(raw.upper()):
            errors.append(
                WsError(
                    "CHAMP_INVALIDE",
                    f"line {line}: uaiEtab {raw!r}: expected a UAI (7 digits and a check letter).",
                    "uaiEtab",
                )
            )
        else:
            data.uais.append(raw.upper())
    if not values.get("uaiEtab"):
        errors.append(WsError("CHAMP_OBLIGATOIRE", "uaiEtab is required (at least one school).", "uaiEtab"))
    category = one("categorieAffectation").lower()
    if category in ("transferable", "non transferable"):
        data.transferable = category == "transferable"
    elif category:
        errors.append(
            WsError(
                "CHAMP_INVALIDE",
                f"{where('categorieAffectation')}categorieAffectation {category!r}: "
                "expected 'transferable' or "
                "'non transferable'.",
                "categorieAffectation",
            )
        )
    data.assignment_type = one("typeAffectation").upper()
    if data.assignment_type and data.assignment_type not in ("ETABL", "INDIV"):
        errors.append(
            WsError(
                "CHAMP_INVALIDE",
                f"{where('typeAffectation')}typeAffectation {data.assignment_type!r}: "
                "expected ETABL or INDIV.",
                "typeAffectation",
            )
        )
    for raw, line in values.get("publicCible", []):
        audience = raw.upper().replace(" ", "_")
        if audience not in AUDIENCES:
            errors.append(
                WsError(
                    "CHAMP_INVALIDE",
                    f"line {line}: publicCible {raw!r}: expected ELEVE, ENSEIGNANT, DOCUMENTALISTE or "
                    "AUTRE PERSONNEL.",
                    "publicCible",
                )
            )
        elif audience not in data.audiences:
            data.audiences.append(audience)
    if not values.get("publicCible"):
        errors.append(WsError("CHAMP_OBLIGATOIRE", "publicCible is required (at least one).", "publicCible"))
    for name, audience in LICENCE_FIELDS.items():
        raw = one(name, required=False)
        if not raw:
            data.licences[name] = None
            continue
        if raw.upper() == "ILLIMITE":
            data.licences[name] = UNLIMITED
        elif _COUNT.fullmatch(raw) and int(raw) <= INT32_MAX:
            data.licences[name] = int(raw)
        else:
            errors.append(
                WsError(
                    "CHAMP_INVALIDE",
                    f"{where(name)}{name} {raw!r:.40}: expected a number (0 to {INT32_MAX}) or ILLIMITE.",
                    name,
                )
            )
            continue
        if audience and data.audiences and audience not in data.audiences:
            errors.append(
                WsError(
                    "LICENCE_HORS_PUBLIC",
                    f"{where(name)}{name} is given but {audience.replace('_', ' ')} is not in publicCible.",
                    name,
                )
            )
    if data.assignment_type == "INDIV" and data.licences.get("nbLicenceGlobale") is None:
        missing = [
            name
            for name, audience in LICENCE_FIELDS.items()
            if audience in data.audiences and data.licences.get(name) is None
        ]
        if missing:
            errors.append(
                WsError(
                    "LICENCES_MANQUANTES",
                    "An INDIV subscription needs nbLicenceGlobale or a count per publicCible: "
                    f"{', '.join(missing)} "
                    "missing.",
                    missing[0],
                )
            )
    return data, errors


# --- Serialisation -----------------------------------------------------------------------------
def _element(parent, name: str, text: str | None = None):
    child = ET.SubElement(parent, f"{{{NS}}}{name}")
    if text is not None:
        child.text = text
    return child


def _serialise(root) -> bytes:
    ET.register_namespace("", NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def errors_document(errors: list[WsError]) -> bytes:
    root = ET.Element(f"{{{NS}}}erreurs")
    for error in errors:
        node = _element(root, "erreur")
        _element(node, "code", error.code)
        if error.field:
            _element(node, "champ", error.field)
        _element(node, "message", error.message)
    return _serialise(root)


def _licence_text(value: int | None) -> str | None:
    if value is None:
        return None
    return "ILLIMITE" if value == UNLIMITED else str(value)


def subscription_element(parent, subscription) -> None:
    node = _element(parent, "abonnement")
    _element(node, "idAbonnement", subscription.subscription_id)
    if subscription.comment:
        _element(node, "commentaireAbonnement", subscription.comment)
    _element(node, "idDistributeurCom", subscription.commercial_distributor)
    _element(node, "idRessource", subscription.resource_ark)
    _element(node, "typeIdRessource", "ark")
    _element(node, "libelleRessource", subscription.resource_label)
    if subscription.project_code:
        _element(node, "codeProjetRessource", subscription.project_code)
    _element(
        node, "debutValidite", timezone.localtime(subscription.valid_from).replace(tzinfo=None).isoformat()
    )
    _element(
        node, "finValidite", timezone.localtime(subscription.valid_until).replace(tzinfo=None).isoformat()
    )
    for uai in sorted(s.uai for s in subscription.schools.all()):
        _element(node, "uaiEtab", uai)
    _element(
        node, "categorieAffectation", "transferable" if subscription.transferable else "non transferable"
    )
    _element(node, "typeAffectation", subscription.assignment_type)
    for name, attr in (
        ("nbLicenceGlobale", "licences_global"),
        ("nbLicenceEnseignant", "licences_teacher"),
        ("nbLicenceEleve", "licences_pupil"),
        ("nbLicenceProfDoc", "licences_profdoc"),
        ("nbLicenceAutrePersonnel", "licences_other"),
    ):
        text = _licence_text(getattr(subscription, attr))
        if text is not None:
            _element(node, name, text)
    for audience in subscription.audiences:
        _element(node, "publicCible", audience.replace("_", " "))


def subscriptions_document(subscriptions, total: int) -> bytes:
    root = ET.Element(f"{{{NS}}}abonnements", {"total": str(total)})
    for subscription in subscriptions:
        subscription_element(root, subscription)
    return _serialise(root)


def schools_document(schools) -> bytes:
    root = ET.Element(f"{{{NS}}}listeEtablissements")
    for school in schools:
        node = _element(root, "etablissement")
        _element(node, "uai", school.uai)
        _element(node, "nom", school.name)
        _element(node, "typeStructure", school.type)
        commune = getattr(school, "commune", None)
        if commune is not None:
            _element(node, "codeCommune", commune.code)
            _element(node, "commune", commune.name)
    return _serialise(root)


def parse_filters(body: bytes) -> tuple[dict[str, list[str]], list[WsError]]:
    """<filtres><filtre><filtreNom>…</filtreNom><filtreValeur>…</filtreValeur></filtre>…"""
    if not body.strip():
        return {}, []
    root, lines, errors = parse_xml(body)
    if root is None:
        return {}, errors
    problem = _root_error(root, "filtres")
    if problem is not None:
        return {}, [problem]
    filters: dict[str, list[str]] = {}
    for node in root:
        name = value = ""
        for child in node:
            if _local(child.tag) == "filtreNom":
                name = (child.text or "").strip()
            elif _local(child.tag) == "filtreValeur":
                value = (child.text or "").strip()
        if name not in ("idAbonnement", "idRessource", "uaiEtab", "typeAffectation"):
            errors.append(
                WsError(
                    "FILTRE_INVALIDE",
                    f"line {lines.get(node, 0)}: filtreNom {name!r}: "
                    "expected idAbonnement, idRessource, uaiEtab "
                    "or typeAffectation.",
                    "filtreNom",
                )
            )
            continue
        filters.setdefault(name, []).append(value)
    return filters, errors
