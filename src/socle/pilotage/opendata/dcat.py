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
    "owl": "http://www.w3.org/2002/07/owl#",
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


@dataclass(frozen=True)
class Release:
    """One entry of the register of releases, as the catalogue lists it."""

    number: int
    issued: dt.datetime
    vintages: list[str]
    levels: list[str]
    threshold: int
    min_schools: int
    files: dict[str, str]  # data file name → SHA-256


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
    rules,
    distributions: list[Distribution],
    publisher_name: str,
    publisher_url: str,
    modified: dt.datetime,
    contact_email: str = "",
    releases: list[Release] = (),
) -> dict:
    start, end = school_year_period(vintages)
    description = (
        "Indicateurs du numérique éducatif (équipement des établissements, socle numérique, usage "
        "des ressources, attestations et certifications Pix, spécialité NSI) par territoire "
        f"({', '.join(levels)}), années scolaires {', '.join(vintages)}. Chaque valeur est le rapport "
        "de la somme des numérateurs à la somme des dénominateurs des établissements renseignés. "
        "Les indicateurs portant sur les établissements (équipement, connectivité, usages agrégés) "
        "sont aussi diffusés par établissement (UAI). Ceux qui portent sur des personnes sont soumis "
        f"au secret statistique : une cellule est masquée si elle porte sur moins de {rules.threshold} "
        f"personnes, sur moins de {rules.threshold} personnes ayant (ou n'ayant pas) la caractéristique, "
        f"sur moins de {rules.min_contributors} établissements, si un établissement en représente plus "
        f"de {round(rules.dominance * 100)} %, ou si le taux vaut 0 % ou 100 % ; sont aussi masquées "
        "les cellules qui permettraient d'estimer une cellule secrète à moins de "
        f"{round(rules.interval * 100)} % près (ou de dire qu'elle est sous le seuil), y compris par "
        "différence avec une publication antérieure de la même année scolaire (secret secondaire)."
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
        "dct:modified": _datetime(modified),
        "dcat:distribution": [_distribution(base_url, d) for d in distributions],
    }
    if releases:
        # The register of releases: readers (and harvesters) see every publication and its date.
        record["dct:issued"] = _datetime(min(r.issued for r in releases))
        record["owl:versionInfo"] = str(max(r.number for r in releases))
        record["dct:hasVersion"] = [_release(base_url, r) for r in releases]
    if contact_email:
        record["dcat:contactPoint"] = {
            "@type": "vcard:Organization",
            "vcard:fn": publisher_name,
            "vcard:hasEmail": {"@id": f"mailto:{contact_email}"},
        }
    return record


def _datetime(value: dt.datetime) -> dict:
    return {"@value": value.isoformat(timespec="seconds"), "@type": "xsd:dateTime"}


def _release(base_url: str, release: Release) -> dict:
    files = ", ".join(f"{name} (SHA-256 {digest})" for name, digest in sorted(release.files.items()))
    return {
        "@id": f"{base_url}#publication-{release.number}",
        "@type": "dcat:Dataset",
        "dct:identifier": f"socle-pilotage-indicateurs-territoriaux-publication-{release.number}",
        "dct:title": _fr(f"Publication n° {release.number} du {release.issued:%d/%m/%Y}"),
        "dct:issued": _datetime(release.issued),
        "owl:versionInfo": str(release.number),
        "dct:description": _fr(
            f"Années scolaires {', '.join(release.vintages)} ; niveaux : {', '.join(release.levels)} ; "
            f"seuils : {release.threshold} personnes, {release.min_schools} établissements. "
            f"Fichiers : {files}."
        ),
    }


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
