"""Rows of the OneRoster rostering records, built from the Référentiel for one grant (agreement)
and optionally only those changed since an instant (delta). Shared by the CSV export and the
REST service: a row is a dict keyed by the CSV column names (core then `metadata.fr.*`).

Rows are sorted by sourcedId so that two exports of the same registry are byte-identical."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from socle.core.models import RecordStatus
from socle.referentiel import services
from socle.referentiel.models import ClassGroup

from ..agreements import Grant
from . import profile as fr
from .spec import HEADERS

ACTIVE = RecordStatus.ACTIVE


def columns(entity: str) -> tuple[str, ...]:
    return HEADERS[entity] + fr.METADATA[entity]


def _row(entity: str, **values) -> dict:
    row = dict.fromkeys(columns(entity), "")
    for key, value in values.items():
        row[key.replace("__", ".")] = "" if value is None else value
    return row


def _meta(**values) -> dict:
    return {f"metadata.fr.{key}": value for key, value in values.items()}


class RosterBuilder:
    def __init__(self, grant: Grant, *, since: dt.datetime | None = None, schools=None):
        self.grant = grant
        self.since = since
        self.schools = schools if schools is not None else grant.schools()
        self._cache: dict[str, list[dict]] = {}

    # --- Selection -------------------------------------------------------------------------
    def _keep(self, status: str, modified: dt.datetime) -> bool:
        """Bulk keeps active records; delta keeps every record changed since `since`."""
        if self.since is None:
            return status == ACTIVE
        return modified >= self.since

    def rows(self, entity: str) -> list[dict]:
        """The rows of `entity`, unfiltered by the agreement's fields (see `emitted`)."""
        if entity not in self._cache:
            builder = getattr(self, f"_build_{entity}")
            self._cache[entity] = sorted(builder(), key=lambda row: row["sourcedId"])
        return self._cache[entity]

    def emitted(self, entity: str) -> Iterable[dict]:
        """The rows as they may leave the registry: fields outside the agreement blanked."""
        for row in self.rows(entity):
            yield self.grant.filter_row(entity, row)

    # --- orgs ------------------------------------------------------------------------------
    def _schools(self) -> list:
        if "_schools" not in self._cache:
            schools = list(self.schools)
            if self._bulk():
                schools = [school for school in schools if school.status == ACTIVE]
            self._cache["_schools"] = schools
        return self._cache["_schools"]

    def _build_orgs(self):
        epoch = fr.format_datetime(fr.REFERENCE_EPOCH)
        schools = self._schools()
        reference = self.since is None or self.since <= fr.REFERENCE_EPOCH
        if reference and schools:
            common = {"status": ACTIVE, "dateLastModified": epoch}
            yield _row("orgs", sourcedId=fr.NATIONAL_ID, name=fr.NATIONAL_NAME, type="national", **common)
            academies = {school.academie for school in schools}
            departements = {school.departement for school in schools}
            for academie in sorted(academies, key=lambda a: a.code):
                yield _row(
                    "orgs",
                    sourcedId=fr.academie_id(academie.code),
                    name=academie.name,
                    type="state",
                    identifier=academie.code,
                    parentSourcedId=fr.NATIONAL_ID,
                    **common,
                )
            for departement in sorted(departements, key=lambda d: d.code):
                yield _row(
                    "orgs",
                    sourcedId=fr.departement_id(departement.code),
                    name=departement.name,
                    type="district",
                    identifier=departement.code,
                    parentSourcedId=fr.academie_id(departement.academie_id),
                    **common,
                )
        for school in schools:
            if not self._keep(school.status, school.date_last_modified):
                continue
            yield {
                **_row(
                    "orgs",
                    sourcedId=str(school.uid),
                    status=school.status,
                    dateLastModified=fr.format_datetime(school.date_last_modified),
                    name=school.name,
                    type="school",
                    identifier=school.uai,
                    parentSourcedId=fr.departement_id(school.departement_id),
                ),
                **_meta(
                    typeEtablissement=school.type,
                    secteur=school.sector,
                    codeNature=school.nature_code,
                    educationPrioritaire=school.education_prioritaire,
                    commune=school.commune_id or "",
                ),
            }

    # --- academicSessions ------------------------------------------------------------------
    def _years(self):
        return list(services.school_years())

    def _build_academicSessions(self):
        if not (self.since is None or self.since <= fr.REFERENCE_EPOCH):
            return
        epoch = fr.format_datetime(fr.REFERENCE_EPOCH)
        years = self._years()
        for year in years:
            yield _row(
                "academicSessions",
                sourcedId=fr.school_year_id(year.code),
                status=ACTIVE,
                dateLastModified=epoch,
                title=year.code,
                type="schoolYear",
                startDate=fr.format_date(year.start_date),
                endDate=fr.format_date(year.end_date),
                schoolYear=str(year.end_year),
            )
        school_ids = {school.pk for school in self._schools()}
        counters: dict[tuple, int] = defaultdict(int)
        for period in services.periods_of_years(years):
            uai = period.etablissement.uai if period.etablissement_id else None
            key = (period.school_year_id, uai, period.kind)
            counters[key] += 1
            if period.etablissement_id and period.etablissement_id not in school_ids:
                continue
            yield _row(
                "academicSessions",
                sourcedId=fr.period_id(period.school_year.code, uai, period.kind, counters[key]),
                status=ACTIVE,
                dateLastModified=epoch,
                title=period.name,
                type=fr.PERIOD_TYPE[period.kind],
                startDate=fr.format_date(period.start_date),
                endDate=fr.format_date(period.end_date),
                parentSourcedId=fr.school_year_id(period.school_year.code),
                schoolYear=str(period.school_year.end_year),
            )

    # --- courses and classes ---------------------------------------------------------------
    def _classes(self) -> list[ClassGroup]:
        if "_classes" not in self._cache:
            groups = list(services.classes_of_schools(self.schools))
            if self._bulk():
                school_ids = {school.pk for school in self._schools()}
                groups = [g for g in groups if g.status == ACTIVE and g.etablissement_id in school_ids]
            self._cache["_classes"] = groups
        return self._cache["_classes"]

    def _build_courses(self):
        courses: dict[str, list[ClassGroup]] = defaultdict(list)
        for group in self._classes():
            key = fr.course_id(group.etablissement.uai, group.school_year.code, group.level)
            courses[key].append(group)
        for sourced_id, groups in courses.items():
            first = groups[0]
            status = ACTIVE if any(g.status == ACTIVE for g in groups) else RecordStatus.TO_BE_DELETED
            modified = max(g.date_last_modified for g in groups)
            if not self._keep(status, modified):
                continue
            level = first.level
            yield {
                **_row(
                    "courses",
                    sourcedId=sourced_id,
                    status=status,
                    dateLastModified=fr.format_datetime(modified),
                    schoolYearSourcedId=fr.school_year_id(first.school_year.code),
                    title=f"{level or 'Groupes'} {first.school_year.code}",
                    courseCode=level or "GROUPES",
                    grades=fr.LEVEL_TO_GRADE.get(level, ""),
                    orgSourcedId=str(first.etablissement.uid),
                ),
                **_meta(niveau=level),
            }

    def _build_classes(self):
        for group in self._classes():
            if not self._keep(group.status, group.date_last_modified):
                continue
            yield {
                **_row(
                    "classes",
                    sourcedId=str(group.uid),
                    status=group.status,
                    dateLastModified=fr.format_datetime(group.date_last_modified),
                    title=group.name,
                    grades=fr.LEVEL_TO_GRADE.get(group.level, ""),
                    courseSourcedId=fr.course_id(
                        group.etablissement.uai, group.school_year.code, group.level
                    ),
                    classCode=group.code,
                    classType=fr.CLASS_TYPE[group.kind],
                    schoolSourcedId=str(group.etablissement.uid),
                    termSourcedIds=fr.school_year_id(group.school_year.code),
                ),
                **_meta(niveau=group.level, mef=group.mef_id or ""),
            }

    # --- users, roles, enrollments, demographics ---------------------------------------------
    def _bulk(self) -> bool:
        return self.since is None

    def _links(self):
        """Per person: latest division (level, school uid), guardians, wards, staff school; and
        the link records to emit. A bulk export emits only active records whose parents (school,
        class, person) are emitted too, so that the package is referentially complete."""
        if "_links" in self._cache:
            return self._cache["_links"]
        bulk = self._bulk()
        persons = {person.pk: person for person in services.persons_of_schools(self.schools)}
        alive = {pk for pk, person in persons.items() if person.status == ACTIVE}
        class_ids = {group.pk for group in self._classes()}

        def emitted_link(link, class_id=None) -> bool:
            if not bulk:
                return True
            return (
                link.status == ACTIVE
                and link.person_id in alive
                and (class_id is None or class_id in class_ids)
            )

        enrolments = [
            e for e in services.enrolments_in_schools(self.schools) if emitted_link(e, e.class_group_id)
        ]
        assignments = [
            a
            for a in services.teaching_assignments_in_schools(self.schools)
            if emitted_link(a, a.class_group_id)
        ]
        school_ids = {school.pk for school in self._schools()}
        functions = [
            f
            for f in services.staff_functions_in_schools(self.schools)
            if emitted_link(f) and (not bulk or f.etablissement_id in school_ids)
        ]
        pupils = {e.person_id for e in enrolments}
        guardianships = [
            g
            for g in services.guardianships_in_schools(self.schools)
            if not bulk
            or (
                g.status == ACTIVE and g.pupil_id in pupils and g.guardian_id in alive and g.pupil_id in alive
            )
        ]
        latest: dict[int, tuple] = {}
        divisions: list = []
        for enrolment in enrolments:
            group = enrolment.class_group
            if group.kind != ClassGroup.Kind.DIVISION:
                continue
            divisions.append(enrolment)
            year = group.school_year
            rank = (enrolment.status == ACTIVE, year.start_date, enrolment.begin_date, str(enrolment.uid))
            if enrolment.person_id not in latest or rank > latest[enrolment.person_id][0]:
                latest[enrolment.person_id] = (rank, group.level, str(group.etablissement.uid))
        guardians: dict[int, list] = defaultdict(list)
        wards: dict[int, list] = defaultdict(list)
        for link in guardianships:
            guardians[link.pupil_id].append(link)
            wards[link.guardian_id].append(link)
        staff_school: dict[int, tuple] = {}
        for function in functions:
            rank = (function.status == ACTIVE, function.begin_date, str(function.uid))
            if function.person_id not in staff_school or rank > staff_school[function.person_id][0]:
                staff_school[function.person_id] = (rank, str(function.etablissement.uid))
        for assignment in assignments:
            rank = (False, assignment.begin_date, str(assignment.uid))
            if assignment.person_id not in staff_school or rank > staff_school[assignment.person_id][0]:
                staff_school[assignment.person_id] = (rank, str(assignment.class_group.etablissement.uid))
        if bulk:
            linked = pupils | {a.person_id for a in assignments} | {f.person_id for f in functions}
            linked |= {g.guardian_id for g in guardianships}
            users = [persons[pk] for pk in sorted(linked, key=lambda pk: str(persons[pk].uid))]
        else:
            users = sorted(persons.values(), key=lambda person: str(person.uid))
        links = {
            "latest": latest,
            "divisions": divisions,
            "enrolments": enrolments,
            "guardians": guardians,
            "wards": wards,
            "guardianships": guardianships,
            "staff_school": staff_school,
            "functions": functions,
            "assignments": assignments,
            "users": users,
        }
        self._cache["_links"] = links
        return links

    def _persons(self):
        return self._links()["users"]

    def _build_users(self):
        links = self._links()
        for person in self._persons():
            if not self._keep(person.status, person.date_last_modified):
                continue
            latest = links["latest"].get(person.pk)
            agents, relationships = [], []
            for link in sorted(links["guardians"].get(person.pk, []), key=lambda g: str(g.guardian.uid)):
                agents.append(str(link.guardian.uid))
                relationships.append(f"{link.relationship}:{int(link.legal_responsible)}")
            for link in sorted(links["wards"].get(person.pk, []), key=lambda g: str(g.pupil.uid)):
                agents.append(str(link.pupil.uid))
            if latest:
                primary_org = latest[2]
            elif person.pk in links["staff_school"]:
                primary_org = links["staff_school"][person.pk][1]
            else:
                primary_org = ""
            level = latest[1] if latest else ""
            yield {
                **_row(
                    "users",
                    sourcedId=str(person.uid),
                    status=person.status,
                    dateLastModified=fr.format_datetime(person.date_last_modified),
                    enabledUser="true" if person.status == ACTIVE else "false",
                    username=str(person.uid),
                    userIds=f"{{{fr.AAF_USER_ID}:{person.aaf_jointure}}}" if person.aaf_jointure else "",
                    givenName=person.first_name,
                    familyName=person.last_name,
                    identifier=person.ine or "",
                    email=person.email,
                    sms=person.mobile_phone,
                    agentSourcedIds=",".join(agents),
                    grades=fr.LEVEL_TO_GRADE.get(level, "") if level else "",
                    primaryOrgSourcedId=primary_org,
                ),
                **_meta(niveau=level or "", agentRelationships=",".join(relationships)),
            }

    def _build_roles(self):
        links = self._links()
        for function in links["functions"]:
            if not self._keep(function.status, function.date_last_modified):
                continue
            yield {
                **_row(
                    "roles",
                    sourcedId=str(function.uid),
                    status=function.status,
                    dateLastModified=fr.format_datetime(function.date_last_modified),
                    userSourcedId=str(function.person.uid),
                    roleType="primary",
                    role=fr.STAFF_ROLE[function.role],
                    beginDate=fr.format_date(function.begin_date),
                    endDate=fr.format_date(function.end_date),
                    orgSourcedId=str(function.etablissement.uid),
                ),
                **_meta(fonction=function.role),
            }
        for enrolment in links["divisions"]:
            if not self._keep(enrolment.status, enrolment.date_last_modified):
                continue
            yield _row(
                "roles",
                sourcedId=fr.student_role_id(enrolment.uid),
                status=enrolment.status,
                dateLastModified=fr.format_datetime(enrolment.date_last_modified),
                userSourcedId=str(enrolment.person.uid),
                roleType="primary",
                role="student",
                beginDate=fr.format_date(enrolment.begin_date),
                endDate=fr.format_date(enrolment.end_date),
                orgSourcedId=str(enrolment.class_group.etablissement.uid),
            )
        for link in links["guardianships"]:
            latest = links["latest"].get(link.pupil_id)
            if latest is None or not self._keep(link.status, link.date_last_modified):
                continue
            yield _row(
                "roles",
                sourcedId=fr.guardian_role_id(link.guardian.uid, link.pupil.uid),
                status=link.status,
                dateLastModified=fr.format_datetime(link.date_last_modified),
                userSourcedId=str(link.guardian.uid),
                roleType="primary",
                role=fr.GUARDIAN_ROLE[link.relationship],
                beginDate=fr.format_date(link.begin_date),
                endDate=fr.format_date(link.end_date),
                orgSourcedId=latest[2],
            )

    def _build_enrollments(self):
        links = self._links()
        for enrolment in links["enrolments"]:
            if not self._keep(enrolment.status, enrolment.date_last_modified):
                continue
            group = enrolment.class_group
            yield _row(
                "enrollments",
                sourcedId=str(enrolment.uid),
                status=enrolment.status,
                dateLastModified=fr.format_datetime(enrolment.date_last_modified),
                classSourcedId=str(group.uid),
                schoolSourcedId=str(group.etablissement.uid),
                userSourcedId=str(enrolment.person.uid),
                role="student",
                beginDate=fr.format_date(enrolment.begin_date),
                endDate=fr.format_date(enrolment.end_date),
            )
        for assignment in links["assignments"]:
            if not self._keep(assignment.status, assignment.date_last_modified):
                continue
            group = assignment.class_group
            yield {
                **_row(
                    "enrollments",
                    sourcedId=str(assignment.uid),
                    status=assignment.status,
                    dateLastModified=fr.format_datetime(assignment.date_last_modified),
                    classSourcedId=str(group.uid),
                    schoolSourcedId=str(group.etablissement.uid),
                    userSourcedId=str(assignment.person.uid),
                    role="teacher",
                    primary="false",
                    beginDate=fr.format_date(assignment.begin_date),
                    endDate=fr.format_date(assignment.end_date),
                ),
                **_meta(matiere=assignment.matiere_id),
            }

    def _build_demographics(self):
        for person in self._persons():
            if not (person.birth_date or person.sex):
                continue
            if not self._keep(person.status, person.date_last_modified):
                continue
            yield _row(
                "demographics",
                sourcedId=str(person.uid),
                status=person.status,
                dateLastModified=fr.format_datetime(person.date_last_modified),
                birthDate=fr.format_date(person.birth_date),
                sex=fr.SEX.get(person.sex, ""),
            )
