"""OneRoster 1.2 CSV binding: the rostering files, their exact column order, required columns,
vocabularies and value formats (written from the 1.2 CSV binding; manifest `oneroster.version`
is 1.2, `manifest.version` 1.0).

Extension columns follow the core ones and are named `metadata.<name>` (the CSV binding's
extension mechanism); the French profile's are `metadata.fr.<name>` (see docs/
echanges-oneroster-french-profile.md)."""

import re

MANIFEST_HEADER = ("propertyName", "value")
MANIFEST_VERSION = "1.0"
ONEROSTER_VERSION = "1.2"

HEADERS: dict[str, tuple[str, ...]] = {
    "orgs": ("sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"),
    "academicSessions": (
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "type",
        "startDate",
        "endDate",
        "parentSourcedId",
        "schoolYear",
    ),
    "courses": (
        "sourcedId",
        "status",
        "dateLastModified",
        "schoolYearSourcedId",
        "title",
        "courseCode",
        "grades",
        "orgSourcedId",
        "subjects",
        "subjectCodes",
    ),
    "classes": (
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "grades",
        "courseSourcedId",
        "classCode",
        "classType",
        "location",
        "schoolSourcedId",
        "termSourcedIds",
        "subjects",
        "subjectCodes",
        "periods",
    ),
    "users": (
        "sourcedId",
        "status",
        "dateLastModified",
        "enabledUser",
        "username",
        "userIds",
        "givenName",
        "familyName",
        "middleName",
        "identifier",
        "email",
        "sms",
        "phone",
        "agentSourcedIds",
        "grades",
        "password",
        "userMasterIdentifier",
        "preferredGivenName",
        "preferredMiddleName",
        "preferredFamilyName",
        "primaryOrgSourcedId",
        "pronouns",
    ),
    "roles": (
        "sourcedId",
        "status",
        "dateLastModified",
        "userSourcedId",
        "roleType",
        "role",
        "beginDate",
        "endDate",
        "orgSourcedId",
        "userProfileSourcedId",
    ),
    "enrollments": (
        "sourcedId",
        "status",
        "dateLastModified",
        "classSourcedId",
        "schoolSourcedId",
        "userSourcedId",
        "role",
        "primary",
        "beginDate",
        "endDate",
    ),
    "demographics": (
        "sourcedId",
        "status",
        "dateLastModified",
        "birthDate",
        "sex",
        "americanIndianOrAlaskaNative",
        "asian",
        "blackOrAfricanAmerican",
        "nativeHawaiianOrOtherPacificIslander",
        "white",
        "demographicRaceTwoOrMoreRaces",
        "hispanicOrLatinoEthnicity",
        "countryOfBirthCode",
        "stateOfBirthAbbreviation",
        "cityOfBirth",
        "publicSchoolResidenceStatus",
    ),
}

# The rostering files, in the order they are written and read (referenced files first).
ROSTERING_FILES = tuple(HEADERS)

# Every data file a 1.2 manifest may name (`file.<name>`), rostering or not.
MANIFEST_FILES = (
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courseResources",
    "courses",
    "demographics",
    "enrollments",
    "lineItemLearningObjectiveIds",
    "lineItems",
    "lineItemScoreScales",
    "orgs",
    "resources",
    "resultLearningObjectiveIds",
    "results",
    "resultScoreScales",
    "roles",
    "scoreScales",
    "userProfiles",
    "userResources",
    "users",
)
MANIFEST_MODES = ("absent", "bulk", "delta")

# Columns that must hold a value (beyond sourcedId; status/dateLastModified only in delta files).
REQUIRED: dict[str, tuple[str, ...]] = {
    "orgs": ("name", "type"),
    "academicSessions": ("title", "type", "startDate", "endDate", "schoolYear"),
    "courses": ("title", "orgSourcedId"),
    "classes": ("title", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"),
    "users": ("enabledUser", "username", "givenName", "familyName"),
    "roles": ("userSourcedId", "roleType", "role", "orgSourcedId"),
    "enrollments": ("classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
    "demographics": (),
}

VOCABULARIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("orgs", "type"): ("department", "school", "district", "local", "state", "national"),
    ("academicSessions", "type"): ("gradingPeriod", "semester", "schoolYear", "term"),
    ("classes", "classType"): ("homeroom", "scheduled"),
    ("roles", "roleType"): ("primary", "secondary"),
    ("roles", "role"): (
        "aide",
        "counselor",
        "districtAdministrator",
        "guardian",
        "parent",
        "principal",
        "proctor",
        "relative",
        "siteAdministrator",
        "student",
        "systemAdministrator",
        "teacher",
    ),
    ("enrollments", "role"): ("administrator", "proctor", "student", "teacher"),
    ("demographics", "sex"): ("male", "female", "unspecified", "other"),
}
STATUSES = ("active", "tobedeleted")
# CEDS grade levels (OneRoster's `grades`).
GRADES = ("IT", "PR", "PK", "TK", "KG", *(f"{n:02d}" for n in range(1, 14)), "PS", "UG", "Other")

# Value formats by column.
DATETIME_COLUMNS = {"dateLastModified"}
DATE_COLUMNS = {"startDate", "endDate", "beginDate", "birthDate"}
BOOLEAN_COLUMNS = {
    ("users", "enabledUser"),
    ("enrollments", "primary"),
    *(
        ("demographics", name)
        for name in (
            "americanIndianOrAlaskaNative",
            "asian",
            "blackOrAfricanAmerican",
            "nativeHawaiianOrOtherPacificIslander",
            "white",
            "demographicRaceTwoOrMoreRaces",
            "hispanicOrLatinoEthnicity",
        )
    ),
}
YEAR_COLUMNS = {("academicSessions", "schoolYear")}
# Columns holding one or several (comma-separated) sourcedIds, and the file they point to.
REFERENCES: dict[tuple[str, str], tuple[str, ...]] = {
    ("orgs", "parentSourcedId"): ("orgs",),
    ("academicSessions", "parentSourcedId"): ("academicSessions",),
    ("courses", "schoolYearSourcedId"): ("academicSessions",),
    ("courses", "orgSourcedId"): ("orgs",),
    ("classes", "courseSourcedId"): ("courses",),
    ("classes", "schoolSourcedId"): ("orgs",),
    ("classes", "termSourcedIds"): ("academicSessions",),
    ("users", "agentSourcedIds"): ("users",),
    ("users", "primaryOrgSourcedId"): ("orgs",),
    ("roles", "userSourcedId"): ("users",),
    ("roles", "orgSourcedId"): ("orgs",),
    ("enrollments", "classSourcedId"): ("classes",),
    ("enrollments", "schoolSourcedId"): ("orgs",),
    ("enrollments", "userSourcedId"): ("users",),
    ("demographics", "sourcedId"): ("users",),
}
LIST_COLUMNS = {
    "termSourcedIds",
    "agentSourcedIds",
    "grades",
    "subjects",
    "subjectCodes",
    "periods",
    "userIds",
}

DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YEAR_RE = re.compile(r"^\d{4}$")
METADATA_PREFIX = "metadata."
