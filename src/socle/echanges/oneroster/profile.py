"""The French profile of OneRoster 1.2: how the Référentiel maps onto OneRoster's records and
vocabularies (docs/echanges-oneroster-french-profile.md is the prose version of this file)."""

import datetime as dt
import uuid

from socle.referentiel.models import ClassGroup, Guardianship, Level, StaffRole

# Derived records (courses, roles of pupils and guardians) get name-based UUIDs, so that the
# same registry always produces the same sourcedIds; foreign non-UUID sourcedIds are mapped
# onto registry uids the same way.
NAMESPACE = uuid.UUID("6f1c2a1e-4b1d-5c8e-9a57-0e5c0c1e2d3a")

NATIONAL_ID = "fr"
NATIONAL_NAME = "Ministère de l'Éducation nationale"
# Reference data (territories, school years, periods) carries no modification time in the
# registry: its records are dated with this fixed instant.
REFERENCE_EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

# French level → CEDS grade (OneRoster `grades`); the French level travels beside it in
# `metadata.fr.niveau`.
LEVEL_TO_GRADE = {
    Level.PS: "PR",
    Level.MS: "PK",
    Level.GS: "KG",
    Level.CP: "01",
    Level.CE1: "02",
    Level.CE2: "03",
    Level.CM1: "04",
    Level.CM2: "05",
    Level.SIXIEME: "06",
    Level.CINQUIEME: "07",
    Level.QUATRIEME: "08",
    Level.TROISIEME: "09",
    Level.SECONDE: "10",
    Level.PREMIERE: "11",
    Level.TERMINALE: "12",
    Level.CAP1: "10",
    Level.CAP2: "11",
    Level.SECONDE_PRO: "10",
    Level.PREMIERE_PRO: "11",
    Level.TERMINALE_PRO: "12",
}
# Back from CEDS when a foreign file has no `metadata.fr.niveau`: the general path.
GRADE_TO_LEVEL = {}
for _level, _grade in LEVEL_TO_GRADE.items():
    GRADE_TO_LEVEL.setdefault(_grade, _level)

# Staff functions → roles.role; the registry's own function travels in `metadata.fr.fonction`.
STAFF_ROLE = {
    StaffRole.HEAD: "principal",
    StaffRole.DEPUTY: "principal",
    StaffRole.TEACHER: "teacher",
    StaffRole.DOCUMENTALISTE: "teacher",
    StaffRole.VIE_SCOLAIRE: "counselor",
    StaffRole.RESPONSABLE_AFFECTATION: "siteAdministrator",
    StaffRole.ADMINISTRATIVE: "siteAdministrator",
    StaffRole.OTHER: "aide",
}
ROLE_TO_STAFF = {
    "principal": StaffRole.HEAD,
    "teacher": StaffRole.TEACHER,
    "counselor": StaffRole.VIE_SCOLAIRE,
    "siteAdministrator": StaffRole.ADMINISTRATIVE,
    "districtAdministrator": StaffRole.ADMINISTRATIVE,
    "systemAdministrator": StaffRole.ADMINISTRATIVE,
    "aide": StaffRole.OTHER,
    "proctor": StaffRole.OTHER,
}
GUARDIAN_ROLE = {
    Guardianship.Relationship.MOTHER: "parent",
    Guardianship.Relationship.FATHER: "parent",
    Guardianship.Relationship.TUTOR: "guardian",
    Guardianship.Relationship.OTHER_FAMILY: "relative",
    Guardianship.Relationship.OTHER: "relative",
}
GUARDIAN_ROLES = {"parent", "guardian", "relative"}
CLASS_TYPE = {ClassGroup.Kind.DIVISION: "homeroom", ClassGroup.Kind.GROUP: "scheduled"}
CLASS_KIND = {value: key for key, value in CLASS_TYPE.items()}
SEX = {"F": "female", "M": "male"}
SEX_BACK = {"female": "F", "male": "M"}
PERIOD_TYPE = {"trimestre": "term", "semestre": "semester"}
PERIOD_KIND = {"term": "trimestre", "semester": "semestre", "gradingPeriod": "trimestre"}
AAF_USER_ID = "AAF"

# Extension columns of the French profile, per file.
METADATA: dict[str, tuple[str, ...]] = {
    "orgs": (
        "metadata.fr.typeEtablissement",
        "metadata.fr.secteur",
        "metadata.fr.codeNature",
        "metadata.fr.educationPrioritaire",
        "metadata.fr.commune",
    ),
    "academicSessions": (),
    "courses": ("metadata.fr.niveau",),
    "classes": ("metadata.fr.niveau", "metadata.fr.mef"),
    "users": ("metadata.fr.niveau", "metadata.fr.agentRelationships"),
    "roles": ("metadata.fr.fonction",),
    "enrollments": ("metadata.fr.matiere",),
    "demographics": (),
}


def academie_id(code: str) -> str:
    return f"fr-aca-{code}"


def departement_id(code: str) -> str:
    return f"fr-dep-{code}"


def school_year_id(code: str) -> str:
    return f"fr-annee-{code}"


def period_id(year_code: str, uai: str | None, kind: str, index: int) -> str:
    return f"fr-{uai + '-' if uai else ''}{year_code}-{kind}-{index}"


def course_id(uai: str, year_code: str, level: str) -> str:
    return f"fr-cours-{uai}-{year_code}-{level or 'GROUPES'}"


def student_role_id(enrolment_uid) -> str:
    return str(uuid.uuid5(NAMESPACE, f"student-role:{enrolment_uid}"))


def guardian_role_id(guardian_uid, pupil_uid) -> str:
    return str(uuid.uuid5(NAMESPACE, f"guardian-role:{guardian_uid}:{pupil_uid}"))


def guardianship_uid(guardian_uid, pupil_uid) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"guardianship:{guardian_uid}:{pupil_uid}")


def as_uid(sourced_id: str) -> uuid.UUID:
    """The registry uid for a sourcedId: itself when it is a UUID, else a name-based UUID."""
    try:
        return uuid.UUID(sourced_id)
    except ValueError:
        return uuid.uuid5(NAMESPACE, f"sourcedId:{sourced_id}")


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_datetime(value: str) -> dt.datetime:
    text = value.replace("Z", "+00:00")
    return dt.datetime.fromisoformat(text)


def format_date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""
