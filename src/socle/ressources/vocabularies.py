"""ScoLOMFR vocabularies used by the catalogue, as reference data.

A term is identified by its concept URI, http://data.education.fr/voc/scolomfr/concept/<code>
(the form GAR's resource lists use); the importer also accepts the older
http://data.education.fr/voc/scolomfr/<vocabulary>#<code> form and the bare code.

`SEED_TERMS` is a small subset of the published vocabularies (the terms the demo and the tests
need), with the labels GAR's resource lists show for these URIs — to be checked against the
published SKOS files before production use. A notice may bring any other term of the same
vocabulary as long as it gives the term's label; the term is then added to the reference data.
"""

from __future__ import annotations

import re

CONCEPT_BASE = "http://data.education.fr/voc/scolomfr/concept/"
VOCABULARY_NAMES = {
    "scolomfr-voc-005": "typologie générale de documents",
    "scolomfr-voc-010": "type pédagogique",
    "scolomfr-voc-015": "domaine d'enseignement",
    "scolomfr-voc-022": "niveau éducatif détaillé",
}
_CODE = re.compile(r"^(scolomfr-voc-\d{3})-[a-z]+-\d+$")
_OLD_URI = re.compile(r"^https?://data\.education\.fr/voc/scolomfr/(scolomfr-voc-\d{3})#(.+)$")

# (code, label)
SEED_TERMS: list[tuple[str, str]] = [
    ("scolomfr-voc-005-num-003", "article"),
    ("scolomfr-voc-005-num-024", "livre numérique"),
    ("scolomfr-voc-005-num-041", "web média"),
    ("scolomfr-voc-010-num-001", "animation"),
    ("scolomfr-voc-010-num-006", "étude de cas"),
    ("scolomfr-voc-010-num-014", "manuel d'enseignement"),
    ("scolomfr-voc-010-num-025", "méthode de langues"),
    ("scolomfr-voc-010-num-027", "activité pédagogique"),
    ("scolomfr-voc-015-num-991", "physique-chimie"),
    ("scolomfr-voc-015-num-1357", "français (cycle 3)"),
    ("scolomfr-voc-022-num-016", "collège"),
    ("scolomfr-voc-022-num-023", "5e"),
]


def uri_of(code: str) -> str:
    return CONCEPT_BASE + code


def vocabulary_of(code: str) -> str | None:
    match = _CODE.match(code)
    return match.group(1) if match else None


def parse_term(value: str) -> str | None:
    """The term code of a concept URI, an older `voc#code` URI or a bare code; None if `value`
    is none of these."""
    value = (value or "").strip()
    if value.startswith(CONCEPT_BASE):
        value = value[len(CONCEPT_BASE) :]
    else:
        old = _OLD_URI.match(value)
        if old:
            value = old.group(2)
    return value if vocabulary_of(value) else None


def ensure_seed_terms() -> int:
    """Create the seed terms that are missing (idempotent); the number created."""
    from .models import VocabularyTerm

    created = 0
    for code, label in SEED_TERMS:
        _, made = VocabularyTerm.objects.get_or_create(
            uri=uri_of(code),
            defaults={"vocabulary": vocabulary_of(code), "code": code, "label": label},
        )
        created += made
    return created
