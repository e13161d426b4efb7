"""DCAT-AP (DCAT 2) description of the export in JSON-LD, for the data catalogue ("cartographie
des données d'intérêt") and data.gouv.fr-style harvesters.

Written by hand as a plain dict with an inline @context: it is a few dozen properties, and an
inline context means no remote document is fetched to read it (rdflib parses it in the tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "adms": "http://www.w3.org/ns/adms#",
}

LICENCE = {
    "@id": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "@type": "dct:LicenseDocument",
    "dct:title": {"@value": "Licence Ouverte / Open Licence version 2.0", "@language": "fr"},
    "dct:identifier": "etalab-2.0",  # SPDX identifier
}
EU = "http://publications.europa.eu/resource/authority/"
FORMATS = {
    "csv": (f"{EU}file-type/CSV", "https://www.iana.org/assignments/media-types/text/csv"),
    "parquet": (
        f"{EU}file-type/PARQUET",
        "https://www.iana.org/assignments/media-types/application/vnd.apache.parquet",
    ),
}
KEYWORDS = [
    "numérique éducatif",
    "pilotage",
    "indicateurs",
    "équipement numérique",
    "établissements scolaires",
    "Pix",
    "secret statistique",
]


@dataclass(frozen=True)
class Distribution:
    file_name: str
    title: str
    format: str  # "csv" or "parquet"
    byte_size: int
    sha256: str
    schema_file: str


def _fr(text: str) -> dict:
    return {"@value": text, "@language": "fr"}


def _date(value: dt.date) -> dict:
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def school_year_period(vintages: list[str]) -> tuple[dt.date, dt.date]:
    """ "2024-2025", "2025-2026" → 1 Sept 2024 … 31 Aug 2026."""
    first = int(min(vintages)[:4])
    last = int(max(vintages)[5:9])
    return dt.date(first, 9, 1), dt.date(last, 8, 31)


def dataset(
    *,
    base_url: str,
    vintages: list[str],
    levels: list[str],
    threshold: int,
    distributions: list[Distribution],
    publisher_name: str,
    publisher_url: str,
    modified: dt.datetime,
    contact_email: str = "",
) -> dict:
    start, end = school_year_period(vintages)
    description = (
        "Indicateurs du numérique éducatif (équipement des établissements, socle numérique, usage "
        "des ressources, attestations et certifications Pix) agrégés par territoire "
        f"({', '.join(levels)}), années scolaires {', '.join(vintages)}. Chaque valeur est le rapport "
        "de la somme des numérateurs à la somme des dénominateurs des établissements renseignés. "
        f"Secret statistique : toute cellule calculée sur moins de {threshold} personnes est masquée, "
        "ainsi que les cellules qui permettraient de la recalculer par différence (secret secondaire)."
    )
    record: dict = {
        "@context": CONTEXT,
        "@id": f"{base_url}#jeu-de-donnees",
        "@type": "dcat:Dataset",
        "dct:identifier": "socle-pilotage-indicateurs-territoriaux",
        "dct:title": _fr("Indicateurs territoriaux du numérique éducatif"),
        "dct:description": _fr(description),
        "dct:publisher": {
            "@id": publisher_url,
            "@type": "foaf:Agent",
            "foaf:name": _fr(publisher_name),
        },
        "dct:license": LICENCE,
        "dct:accessRights": {"@id": f"{EU}access-right/PUBLIC"},
        "dcat:theme": {"@id": f"{EU}data-theme/EDUC"},
        "dcat:keyword": [_fr(word) for word in KEYWORDS],
        "dct:language": {"@id": f"{EU}language/FRA"},
        "dct:spatial": {"@id": f"{EU}country/FRA"},
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": _date(start),
            "dcat:endDate": _date(end),
        },
        "dct:accrualPeriodicity": {"@id": f"{EU}frequency/ANNUAL"},
        "dct:modified": {"@value": modified.isoformat(timespec="seconds"), "@type": "xsd:dateTime"},
        "dcat:distribution": [_distribution(base_url, d) for d in distributions],
    }
    if contact_email:
        record["dcat:contactPoint"] = {
            "@type": "vcard:Organization",
            "vcard:fn": publisher_name,
            "vcard:hasEmail": {"@id": f"mailto:{contact_email}"},
        }
    return record


def _distribution(base_url: str, item: Distribution) -> dict:
    file_type, media_type = FORMATS[item.format]
    url = f"{base_url}{item.file_name}"
    return {
        "@id": f"{url}#distribution",
        "@type": "dcat:Distribution",
        "dct:title": _fr(item.title),
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dct:format": {"@id": file_type},
        "dcat:mediaType": {"@id": media_type},
        "dct:license": {"@id": LICENCE["@id"]},
        "dcat:byteSize": {"@value": str(item.byte_size), "@type": "xsd:decimal"},  # DCAT 2 range
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"},
            "spdx:checksumValue": {"@value": item.sha256, "@type": "xsd:hexBinary"},
        },
        "dct:conformsTo": {"@id": f"{base_url}{item.schema_file}"},
    }
