"""The Annuaire's codes translated into the Référentiel's vocabulary.

Nature codes are the ministry's N_NATURE_UAI nomenclature (BCN). Only the school natures get a
school type; the other natures the Annuaire lists (médico-social establishments, CIO,
administrative services…) are known and imported as "other" without a notice; a nature absent
from both lists is imported as "other" with a notice, so that a new code gets noticed."""

from socle.referentiel.models import CollectiviteType, SchoolState, SchoolType, Sector

MATERNELLE_NATURES = {"101", "102", "103", "111"}
# 151 "école de niveau élémentaire" covers both élémentaires and primaires (with a maternelle
# section): the Ecole_maternelle flag tells them apart.
ELEMENTAIRE_NATURES = {"151", "152", "153", "160", "162", "169", "170"}
SECOND_DEGREE_NATURES = {
    "340": SchoolType.COLLEGE,
    "350": SchoolType.COLLEGE,  # collège climatique
    "352": SchoolType.COLLEGE,  # collège spécialisé
    "300": SchoolType.LYCEE_GT,
    "301": SchoolType.LYCEE_GT,  # lycée d'enseignement technologique
    "302": SchoolType.LYCEE_GT,  # lycée d'enseignement général
    "335": SchoolType.LYCEE_GT,  # section d'enseignement général et technologique
    "306": SchoolType.LYCEE_POLYVALENT,
    "320": SchoolType.LYCEE_PRO,
    "334": SchoolType.LYCEE_PRO,  # section d'enseignement professionnel
    "370": SchoolType.EREA,
}
# Known natures that are not schools in the Référentiel's sense.
OTHER_NATURES = {
    *(str(code) for code in range(240, 260)),  # établissements médico-sociaux
    "380",  # maison familiale rurale
    "400",  # écoles composées uniquement de STS et/ou CPGE
    *(str(code) for code in range(800, 900)),  # rectorats, DSDEN, circonscriptions, CIO…
}


def school_type(nature_code: str, has_maternelle: bool) -> tuple[SchoolType, bool]:
    """The school type of a nature code, and whether the code is known at all."""
    if nature_code in MATERNELLE_NATURES:
        return SchoolType.ECOLE_MATERNELLE, True
    if nature_code in ELEMENTAIRE_NATURES:
        return (SchoolType.ECOLE_PRIMAIRE if has_maternelle else SchoolType.ECOLE_ELEMENTAIRE), True
    if nature_code in SECOND_DEGREE_NATURES:
        return SECOND_DEGREE_NATURES[nature_code], True
    return SchoolType.OTHER, nature_code in OTHER_NATURES


STATES = {
    "OUVERT": SchoolState.OPEN,
    "A OUVRIR": SchoolState.TO_OPEN,
    "A FERMER": SchoolState.TO_CLOSE,
    "FERME": SchoolState.CLOSED,
}

# Code_type_contrat_prive (N_CONTRAT_ETABLISSEMENT): 10 hors contrat, 20/21 contrat simple,
# 30/31 contrat d'association (all classes / some classes), 99 "sans objet".
UNDER_CONTRACT_CODES = {"20", "21", "30", "31"}


def sector(statut: str, contract_code: str) -> Sector | None:
    """Public, private under contract or private; None for a status the Annuaire does not use.

    An empty status is how the Annuaire lists the State's own services (rectorat, DSDEN,
    circonscriptions): public. A private establishment without a contract code of the Éducation
    nationale (10 or 99) is recorded as "hors contrat"; private_contract_code keeps the
    original code for whoever needs the finer distinction."""
    statut = statut.strip().lower()
    if statut in {"public", ""}:
        return Sector.PUBLIC
    if statut in {"privé", "prive"}:
        return Sector.PRIVATE_UNDER_CONTRACT if contract_code in UNDER_CONTRACT_CODES else Sector.PRIVATE
    return None


def collectivite(
    school: SchoolType, sector_: Sector, commune_code: str, departement_code: str, region_code: str
) -> tuple[CollectiviteType, str]:
    """The local authority that owns a public school (Code de l'éducation L212-1, L213-1,
    L214-5): commune for écoles, département for collèges, région for lycées and EREA."""
    if sector_ != Sector.PUBLIC:
        return CollectiviteType.NONE, ""
    if school in {SchoolType.ECOLE_MATERNELLE, SchoolType.ECOLE_ELEMENTAIRE, SchoolType.ECOLE_PRIMAIRE}:
        return (CollectiviteType.COMMUNE, commune_code) if commune_code else (CollectiviteType.NONE, "")
    if school == SchoolType.COLLEGE:
        return CollectiviteType.DEPARTEMENT, departement_code
    if school in {SchoolType.LYCEE_GT, SchoolType.LYCEE_PRO, SchoolType.LYCEE_POLYVALENT, SchoolType.EREA}:
        return CollectiviteType.REGION, region_code
    return CollectiviteType.NONE, ""
