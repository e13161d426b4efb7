"""The facts table: one row per school and school year, built from the other bricks' services
(Référentiel, the equipment declarations of socle.pilotage.collecte, Ressources/GAR usage,
Traces), never re-entered. Every indicator of the catalogue is an Ibis expression over it.

Counts that a source does not provide are NULL (missing), not 0: a school without a declaration
has no equipment figures, and that shows as missing data with its coverage rate."""

from __future__ import annotations

import datetime as dt
import importlib
from collections import defaultdict
from dataclasses import dataclass, field

import pyarrow as pa
from django.db.models import Count, Q

from socle.referentiel import services as referentiel

from .schema import COUNT_COLUMNS, FACTS_SCHEMA, TERRITORY_COLUMNS, empty_row, row_digest, to_table

__all__ = [
    "COUNT_COLUMNS",
    "FACTS_SCHEMA",
    "TERRITORY_COLUMNS",
    "Facts",
    "empty_row",
    "extract",
    "row_digest",
    "to_table",
]

DECLARED_FIELDS = (
    "computers_pupils",
    "projection_systems",
    "mobile_device_sets",
    "mobile_terminals",
    "teaching_rooms",
    "teaching_rooms_wifi",
    "wifi_switchable",
    "ent_available",
    "teachers_pix_edu",
    "pupils_6e_pix_attestation",
    "pupils_3e_pix_certified",
    "pupils_terminale_pix_certified",
)
SCHOOL_LEVEL_OF_TYPE = {
    "ecole_maternelle": "ecole",
    "ecole_elementaire": "ecole",
    "ecole_primaire": "ecole",
    "college": "college",
    "lycee_gt": "lycee",
    "lycee_pro": "lycee",
    "lycee_polyvalent": "lycee",
}
LEVEL_COLUMN = {"6E": "pupils_6e", "3E": "pupils_3e", "1RE": "pupils_1re", "TLE": "pupils_tle"}
NSI_SUBJECT = "071300"  # BCN code of "Numérique et sciences informatiques"


@dataclass
class Facts:
    """The facts of one vintage and what each source said (available or why not)."""

    vintage: str
    table: pa.Table
    sources: dict[str, str] = field(default_factory=dict)

    def digests(self) -> dict[str, str]:
        """A fingerprint of each school's row, to find the schools whose facts changed."""
        return {row["uai"]: row_digest(row) for row in self.table.to_pylist()}


def extract(vintage: str | None = None, uais: list[str] | None = None) -> Facts:
    """The facts of `vintage` (school year code; default the current one), for every school or
    only `uais`. Raises ValueError when the school year is unknown."""
    year = referentiel.school_year_by_code(vintage) if vintage else referentiel.current_school_year()
    if year is None:
        raise ValueError(f"unknown school year {vintage!r}: expected a code such as '2025-2026'")
    schools = referentiel.schools_in_territory(national=uais is None, uais=uais or ())
    schools = schools.exclude(closed_on__lt=year.start_date).exclude(opened_on__gt=year.end_date)
    rows: dict[str, dict] = {}
    for school in schools.values(
        "uai", "type", "commune_id", "departement_id", "academie_id", "region_id",
        "collectivite_type", "collectivite_code", "pupil_count",
    ):  # fmt: skip
        row = empty_row(school["uai"], year.code)
        row.update(
            school_level=SCHOOL_LEVEL_OF_TYPE.get(school["type"], "autre"),
            commune=school["commune_id"],
            departement=school["departement_id"],
            academie=school["academie_id"],
            region=school["region_id"],
            collectivite=(
                f"{school['collectivite_type']}:{school['collectivite_code']}"
                if school["collectivite_type"] and school["collectivite_code"]
                else None
            ),
            pupils=school["pupil_count"],  # the Annuaire's figure, replaced by enrolments below
        )
        rows[school["uai"]] = row
    sources = {"referentiel": "available"}
    _add_registry_counts(rows, schools, year)
    sources["declarations"] = _add_declarations(rows, year.code)
    sources["gar"] = _add_resource_usage(rows, year)
    sources["traces"] = _add_statements(rows, year)
    sources["competences"] = _add_pix_results(rows, year)
    return Facts(year.code, to_table(list(rows.values())), sources)


def _add_registry_counts(rows: dict[str, dict], schools, year) -> None:
    divisions = referentiel.enrolments_in_schools(schools).filter(
        class_group__school_year=year, class_group__kind="division"
    )
    # `.order_by()`: the services order on a unique key, which would split every GROUP BY.
    divisions = divisions.exclude(status="tobedeleted").order_by()
    uai = "class_group__etablissement__uai"
    totals = divisions.values(uai).annotate(n=Count("person", distinct=True))
    for entry in totals:
        rows[entry[uai]]["pupils"] = entry["n"]
    for name in LEVEL_COLUMN.values():
        for row in rows.values():
            row[name] = 0 if row["school_level"] != "autre" else None
    by_level = divisions.filter(class_group__level__in=list(LEVEL_COLUMN))
    for entry in by_level.values(uai, "class_group__level").annotate(n=Count("person", distinct=True)):
        rows[entry[uai]][LEVEL_COLUMN[entry["class_group__level"]]] = entry["n"]
    classes = referentiel.classes_of_schools(schools).filter(school_year=year, kind="division").order_by()
    for row in rows.values():
        row["classes"] = 0
    for entry in classes.values("etablissement__uai").annotate(n=Count("pk")):
        rows[entry["etablissement__uai"]]["classes"] = entry["n"]
    teaching = (
        referentiel.teaching_assignments_in_schools(schools)
        .filter(class_group__school_year=year)
        .exclude(status="tobedeleted")
        .order_by()
    )
    for row in rows.values():
        row["teachers"] = 0
    for entry in teaching.values(uai).annotate(n=Count("person", distinct=True)):
        rows[entry[uai]]["teachers"] = entry["n"]
    # NSI: pupils of the classes and groups where the NSI speciality is taught this year.
    nsi_classes = teaching.filter(matiere_id=NSI_SUBJECT).values("class_group_id")
    nsi = (
        referentiel.enrolments_in_schools(schools)
        .filter(class_group_id__in=nsi_classes)
        .exclude(status="tobedeleted")
        .order_by()
    )
    for row in rows.values():
        if row["school_level"] == "lycee":
            row["nsi_pupils"], row["nsi_girls"] = 0, 0
    counted = nsi.values(uai).annotate(
        n=Count("person", distinct=True), girls=Count("person", distinct=True, filter=Q(person__sex="F"))
    )
    for entry in counted:
        rows[entry[uai]]["nsi_pupils"] = entry["n"]
        rows[entry[uai]]["nsi_girls"] = entry["girls"]


def _optional_service(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _add_declarations(rows: dict[str, dict], vintage: str) -> str:
    latest = _optional_service("socle.pilotage.collecte.services", "latest_declarations")
    if latest is None:
        return "source not available: socle.pilotage.collecte.services.latest_declarations"
    for declaration in latest(vintage):
        row = rows.get(declaration["uai"])
        if row is None:
            continue  # a declaration for a school outside the extraction (closed, other UAIs)
        row["declared"] = 1
        for name in DECLARED_FIELDS:
            value = declaration.get(name)
            row[name] = int(value) if value is not None else None
        row["bandwidth_class"] = declaration.get("bandwidth_class") or None
    return "available"


def iso_weeks(start: dt.date, end: dt.date) -> int:
    """Number of ISO weeks touched by [start, end]."""
    monday = start - dt.timedelta(days=start.weekday())
    return (end - monday).days // 7 + 1


def _add_resource_usage(rows: dict[str, dict], year) -> str:
    weekly = _optional_service("socle.ressources.gar.services", "weekly_active_users")
    if weekly is None:
        return "source not available: socle.ressources.gar.services.weekly_active_users"
    end = min(year.end_date, dt.date.today())
    if end < year.start_date:
        return "available"
    weeks = iso_weeks(year.start_date, end)
    totals: dict[str, int] = defaultdict(int)
    for uai, _week, users in weekly(year.start_date, end):
        totals[uai] += int(users)
    for uai, row in rows.items():
        row["gar_user_weeks"] = totals.get(uai, 0)
        row["gar_weeks"] = weeks
    return "available"


def _add_statements(rows: dict[str, dict], year) -> str:
    from socle.traces import services as traces

    counts = traces.statements_by_school(year.start_date, year.end_date)
    for uai, row in rows.items():
        row["statements"] = counts.get(uai, 0)
    return "available"


# The counts the competences brick measures; where it has results for a school and year they
# replace the school's declaration (the catalogue's `_measured_or_declared`).
PIX_MEASURED_FIELDS = (
    "pupils_6e_pix_attestation",
    "pupils_3e_pix_certified",
    "pupils_terminale_pix_certified",
    "teachers_pix_edu",
    "pix_attestation_measured",
    "pix_certification_measured",
    "pix_edu_measured",
    "pix_certified",
    "pix_certified_girls",
)


def _add_pix_results(rows: dict[str, dict], year) -> str:
    measured = _optional_service("socle.competences.services", "pilotage_facts")
    if measured is None:
        return "source not available: socle.competences.services.pilotage_facts"
    for uai, values in measured(year.code).items():
        row = rows.get(uai)
        if row is None:
            continue  # results of a school outside the extraction
        for name in PIX_MEASURED_FIELDS:
            if name in values:
                row[name] = int(values[name])
    return "available"
