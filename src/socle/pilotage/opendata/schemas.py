"""Frictionless Table Schemas (https://specs.frictionlessdata.io/table-schema/) of the three
published resources, with French titles and descriptions, and the Arrow types of their Parquet
twins. The column lists here are the single source of truth for the CSV header, the Parquet
schema and the JSON schema files."""

from __future__ import annotations

import pyarrow as pa

from .tables import PUBLISHED_LEVEL, STATUSES, TERRITORY_LEVELS

MISSING_VALUES = [""]

OBSERVATIONS = "indicateurs-territoriaux"
SCHOOLS = "indicateurs-etablissements"
CATALOGUE = "catalogue-indicateurs"

_ARROW = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64()}


def _field(name: str, type_: str, title: str, description: str, **constraints) -> dict:
    field = {"name": name, "type": type_, "title": title, "description": description}
    if constraints:
        field["constraints"] = constraints
    return field


OBSERVATION_FIELDS = [
    _field(
        "annee_scolaire",
        "string",
        "Année scolaire",
        "Millésime de l'indicateur : l'année scolaire, de la rentrée à l'été suivant (ex. 2025-2026).",
        required=True,
        pattern=r"^\d{4}-\d{4}$",
    ),
    _field(
        "niveau_territorial",
        "string",
        "Niveau territorial",
        "Échelon du territoire : département, académie, région académique ou nation.",
        required=True,
        enum=sorted(PUBLISHED_LEVEL[level] for level in TERRITORY_LEVELS),
    ),
    _field(
        "code_territoire",
        "string",
        "Code du territoire",
        "Code INSEE du département (35, 2A, 971…), code ministériel de l'académie (14 Rennes, "
        "70 Normandie…), code INSEE de la région académique, ou FR pour la nation.",
        required=True,
    ),
    _field("libelle_territoire", "string", "Libellé du territoire", "Nom du territoire."),
    _field(
        "code_indicateur",
        "string",
        "Code de l'indicateur",
        "Identifiant de l'indicateur ; sa définition figure dans la ressource catalogue-indicateurs.",
        required=True,
    ),
    _field(
        "version_indicateur",
        "integer",
        "Version de l'indicateur",
        "Version de la définition avec laquelle la valeur a été calculée.",
        required=True,
        minimum=1,
    ),
    _field("unite", "string", "Unité", "Unité de la valeur (%, pour 100 élèves, ratio…)."),
    _field(
        "numerateur",
        "integer",
        "Numérateur",
        "Somme des numérateurs des établissements renseignés du territoire. Vide si secret statistique.",
        minimum=0,
    ),
    _field(
        "denominateur",
        "integer",
        "Dénominateur",
        "Somme des dénominateurs des établissements renseignés du territoire. Vide si secret statistique.",
        minimum=0,
    ),
    _field(
        "valeur",
        "number",
        "Valeur",
        "Numérateur rapporté au dénominateur, dans l'unité indiquée (jamais une moyenne de taux) ; "
        "arrondi à une décimale pour les indicateurs portant sur des personnes. Vide si secret "
        "statistique, si aucun établissement n'est renseigné ou si le dénominateur est nul.",
    ),
    _field(
        "taux_couverture",
        "number",
        "Taux de couverture",
        "Part des établissements concernés qui ont fourni la donnée (entre 0 et 1).",
        minimum=0,
        maximum=1,
    ),
    _field(
        "etablissements_renseignes",
        "integer",
        "Établissements renseignés",
        "Nombre d'établissements du territoire ayant fourni la donnée.",
        minimum=0,
    ),
    _field(
        "etablissements_concernes",
        "integer",
        "Établissements concernés",
        "Nombre d'établissements du territoire concernés par l'indicateur.",
        minimum=0,
    ),
    _field(
        "statut",
        "string",
        "Statut de la valeur",
        "« diffusé » ; « secret statistique » quand la cellule enfreint une règle du secret "
        "(trop peu de personnes, d'établissements, un établissement dominant, 0 % ou 100 %…) ou "
        "permettrait d'estimer de trop près une telle cellule, y compris par différence avec une "
        "publication antérieure (les chiffres sont alors vides, jamais 0) ; « non renseigné » quand "
        "aucun établissement n'a fourni la donnée.",
        required=True,
        enum=list(STATUSES),
    ),
]

CATALOGUE_FIELDS = [
    _field("code_indicateur", "string", "Code de l'indicateur", "Identifiant stable.", required=True),
    _field("libelle", "string", "Libellé", "Nom de l'indicateur.", required=True),
    _field("definition", "string", "Définition", "Définition rédigée de l'indicateur (version en vigueur)."),
    _field("unite", "string", "Unité", "Unité de la valeur."),
    _field("numerateur", "string", "Numérateur", "Ce que compte le numérateur."),
    _field("denominateur", "string", "Dénominateur", "Ce que compte le dénominateur."),
    _field("source", "string", "Source", "Origine des données."),
    _field(
        "niveaux_etablissement",
        "string",
        "Niveaux d'établissement",
        "Types d'établissements concernés, séparés par « | » (ecole, college, lycee).",
    ),
    _field(
        "niveau_diffusion",
        "string",
        "Niveau de diffusion",
        "« etablissement » : indicateur portant sur les établissements (équipement, connectivité, "
        "usages agrégés), diffusé par établissement et par territoire sans secret ; « territoire » : "
        "indicateur portant sur des personnes, diffusé par territoire seulement, sous secret statistique.",
        required=True,
        enum=["etablissement", "territoire"],
    ),
    _field("version", "integer", "Version", "Version de la définition en vigueur.", required=True, minimum=1),
]

SCHOOL_FIELDS = [
    OBSERVATION_FIELDS[0],
    _field("uai", "string", "UAI", "Numéro UAI de l'établissement.", required=True, pattern=r"^\d{7}[A-Z]$"),
    _field("nom_etablissement", "string", "Nom de l'établissement", "Nom de l'établissement."),
    _field(
        "niveau_etablissement",
        "string",
        "Niveau de l'établissement",
        "ecole, college, lycee (ou autre).",
    ),
    _field("code_commune", "string", "Code commune", "Code INSEE de la commune de l'établissement."),
    _field("code_departement", "string", "Code département", "Code du département de l'établissement."),
    _field("code_academie", "string", "Code académie", "Code ministériel de l'académie de l'établissement."),
    _field(
        "code_region_academique",
        "string",
        "Code région académique",
        "Code INSEE de la région académique de l'établissement.",
    ),
    *(f for f in OBSERVATION_FIELDS if f["name"] in ("code_indicateur", "version_indicateur", "unite")),
    _field("numerateur", "integer", "Numérateur", "Numérateur de l'établissement.", minimum=0),
    _field("denominateur", "integer", "Dénominateur", "Dénominateur de l'établissement.", minimum=0),
    _field(
        "valeur",
        "number",
        "Valeur",
        "Numérateur rapporté au dénominateur, dans l'unité indiquée. Vide si l'établissement n'a pas "
        "fourni la donnée ou si le dénominateur est nul.",
    ),
    _field(
        "statut",
        "string",
        "Statut de la valeur",
        "« diffusé », ou « non renseigné » quand l'établissement n'a pas fourni la donnée.",
        required=True,
        enum=[s for s in STATUSES if s != "secret statistique"],
    ),
]


def observation_schema() -> dict:
    return {
        "fields": OBSERVATION_FIELDS,
        "missingValues": MISSING_VALUES,
        "primaryKey": ["annee_scolaire", "niveau_territorial", "code_territoire", "code_indicateur"],
        "foreignKeys": [
            {
                "fields": "code_indicateur",
                "reference": {"resource": CATALOGUE, "fields": "code_indicateur"},
            }
        ],
    }


def school_schema() -> dict:
    return {
        "fields": SCHOOL_FIELDS,
        "missingValues": MISSING_VALUES,
        "primaryKey": ["annee_scolaire", "uai", "code_indicateur"],
        "foreignKeys": [
            {
                "fields": "code_indicateur",
                "reference": {"resource": CATALOGUE, "fields": "code_indicateur"},
            }
        ],
    }


def catalogue_schema() -> dict:
    return {"fields": CATALOGUE_FIELDS, "missingValues": MISSING_VALUES, "primaryKey": ["code_indicateur"]}


def arrow_schema(fields: list[dict]) -> pa.Schema:
    return pa.schema(
        [
            pa.field(
                f["name"],
                _ARROW[f["type"]],
                nullable=not f.get("constraints", {}).get("required", False),
                metadata={"title": f["title"], "description": f["description"]},
            )
            for f in fields
        ]
    )
