"""The two published layouts of the Annuaire de l'éducation CSV and how a header maps onto them.

Columns are always looked up by NAME: the ministry has reordered, renamed and dropped columns
between versions, so a position means nothing."""

from dataclasses import dataclass, field

from .annuaire_errors import FatalImportError

# Header of the 2023 extracts (data.education.gouv.fr, "fr-en-annuaire-education"); note the
# space in "Code postal", which 2026 replaced by an underscore.
COLUMNS_2023 = (
    "Identifiant_de_l_etablissement",
    "Nom_etablissement",
    "Type_etablissement",
    "Statut_public_prive",
    "Adresse_1",
    "Adresse_2",
    "Adresse_3",
    "Code postal",
    "Code_commune",
    "Nom_commune",
    "Code_departement",
    "Code_academie",
    "Code_region",
    "Ecole_maternelle",
    "Ecole_elementaire",
    "Voie_generale",
    "Voie_technologique",
    "Voie_professionnelle",
    "Telephone",
    "Fax",
    "Web",
    "Mail",
    "Restauration",
    "Hebergement",
    "ULIS",
    "Apprentissage",
    "Segpa",
    "Section_arts",
    "Section_cinema",
    "Section_theatre",
    "Section_sport",
    "Section_internationale",
    "Section_europeenne",
    "Lycee_Agricole",
    "Lycee_militaire",
    "Lycee_des_metiers",
    "Post_BAC",
    "Appartenance_Education_Prioritaire",
    "GRETA",
    "SIREN_SIRET",
    "Nombre_d_eleves",
    "Fiche_onisep",
    "position",
    "Type_contrat_prive",
    "Libelle_departement",
    "Libelle_academie",
    "Libelle_region",
    "coordonnee_X",
    "coordonnee_Y",
    "epsg",
    "nom_circonscription",
    "latitude",
    "longitude",
    "precision_localisation",
    "date_ouverture",
    "date_maj_ligne",
    "etat",
    "ministere_tutelle",
    "etablissement_multi_lignes",
    "rpi_concentre",
    "rpi_disperse",
    "code_nature",
    "libelle_nature",
    "Code_type_contrat_prive",
    "PIAL",
    "etablissement_mere",
    "type_rattachement_etablissement_mere",
    "code_bassin_formation",
    "libelle_bassin_formation",
)

DROPPED_IN_2026 = ("Nombre_d_eleves", "coordonnee_X", "coordonnee_Y", "epsg", "etablissement_multi_lignes")
ADDED_IN_2026 = (
    "coordX_origine",
    "coordY_origine",
    "epsg_origine",
    "multi_uai",
    "code_circonscription",
    "code_zone_animation_pedagogique",
    "libelle_zone_animation_pedagogique",
)
COLUMNS_2026 = (
    *(
        "Code_postal" if name == "Code postal" else name
        for name in COLUMNS_2023
        if name not in DROPPED_IN_2026
    ),
    *ADDED_IN_2026,
)
KNOWN_COLUMNS = frozenset(COLUMNS_2023) | frozenset(COLUMNS_2026)

# Without these a line cannot be turned into a school (identity, classification, territory).
REQUIRED_COLUMNS = (
    "Identifiant_de_l_etablissement",
    "Nom_etablissement",
    "Statut_public_prive",
    "Code_commune",
    "Nom_commune",
    "Code_departement",
    "Code_academie",
    "etat",
    "code_nature",
    "libelle_nature",
    "Code_type_contrat_prive",
)

# Optional columns and the Etablissement fields they feed. A field is only written when one of
# its columns is in the file: a 2026 file has no pupil count, and must not erase the 2023 one.
OPTIONAL_FIELDS = {
    "address": ("Adresse_1", "Adresse_2", "Adresse_3"),
    "postal_code": ("Code postal", "Code_postal"),
    "phone": ("Telephone",),
    "email": ("Mail",),
    "website": ("Web",),
    "education_prioritaire": ("Appartenance_Education_Prioritaire",),
    "circonscription_code": ("code_circonscription",),
    "circonscription_name": ("nom_circonscription",),
    "bassin_code": ("code_bassin_formation",),
    "bassin_name": ("libelle_bassin_formation",),
    "latitude": ("latitude",),
    "longitude": ("longitude",),
    "opened_on": ("date_ouverture",),
    "ministry": ("ministere_tutelle",),
    "pupil_count": ("Nombre_d_eleves",),
}
ALWAYS_WRITTEN_FIELDS = (
    "name",
    "type",
    "nature_code",
    "nature_label",
    "sector",
    "private_contract_code",
    "state",
    "closed_on",
    "commune",
    "departement",
    "academie",
    "region",
    "collectivite_type",
    "collectivite_code",
    "source",
)


@dataclass
class Header:
    """Where each column of one file is, which schema it looks like, and what it will write."""

    file: str
    index: dict[str, int]
    width: int  # number of fields every record must have
    version: str
    managed_fields: tuple[str, ...]
    notices: list[str] = field(default_factory=list)

    def has(self, column: str) -> bool:
        return column in self.index


def resolve_header(names: list[str], file: str) -> Header:
    names = [name.strip() for name in names]
    index: dict[str, int] = {}
    notices: list[str] = []
    duplicated = sorted({name for name in names if name and names.count(name) > 1})
    if duplicated:
        raise FatalImportError(file, 1, f"duplicate column(s) {', '.join(duplicated)}")
    for position, name in enumerate(names):
        if name in KNOWN_COLUMNS:
            index[name] = position
        else:
            notices.append(f"{file}: line 1: unknown column {name!r} ignored")
    missing = [name for name in REQUIRED_COLUMNS if name not in index]
    if missing:
        raise FatalImportError(
            file,
            1,
            f"missing required column(s) {', '.join(missing)} (2023 or 2026 Annuaire schema expected)",
        )
    if "Code postal" in index or "Nombre_d_eleves" in index:
        version = "2023"
    elif "Code_postal" in index or "code_circonscription" in index:
        version = "2026"
    else:
        version = "unknown"
    managed = tuple(f for f, columns in OPTIONAL_FIELDS.items() if any(c in index for c in columns))
    return Header(file, index, len(names), version, (*ALWAYS_WRITTEN_FIELDS, *managed), notices)
