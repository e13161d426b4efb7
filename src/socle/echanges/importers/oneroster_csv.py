"""`socle oneroster import DIR|ZIP`: read a OneRoster 1.2 CSV package (bulk or delta) into the
Référentiel, so that two Socle instances or a third party can exchange rosters.

The package is first read and checked by `oneroster.validate` (the same code as `socle oneroster
validate`): a fatal problem (manifest, header, encoding) stops the run before anything is
written; a row with a problem is rejected and reported, the others are imported. One run = one
transaction. Rows whose references resolve neither in the package nor in the registry are
rejected as dangling.

This module is one of the registry's feeding pipes: it writes the Référentiel's models directly
(bulk_create / bulk_update, which also keep the sender's dateLastModified) rather than through
socle.referentiel.services, which is the read interface.

Matching: schools by sourcedId (uid) then UAI; persons by sourcedId then INE then AAF join key;
classes by sourcedId then (school, year, code); other records by sourcedId. Foreign sourcedIds
that are not UUIDs become name-based UUIDs (`profile.as_uid`). In a bulk file, the classes,
enrolments, teaching assignments and staff functions of the package's schools that the file no
longer lists are marked `tobedeleted`; persons are never deleted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from socle.core.models import RecordStatus
from socle.referentiel.codes import is_plausible_ine, normalise_departement
from socle.referentiel.models import (
    Academie,
    ClassGroup,
    Commune,
    Departement,
    Enrolment,
    Etablissement,
    Guardianship,
    Matiere,
    Mef,
    Period,
    Person,
    SchoolType,
    SchoolYear,
    Sector,
    StaffFunction,
    StaffRole,
    TeachingAssignment,
)

from ..oneroster import profile as fr
from ..oneroster.validate import read_package
from .report import FatalImportError, Report

KIND = "oneroster_csv"
SOURCE = "oneroster"
ACTIVE = RecordStatus.ACTIVE
TO_BE_DELETED = RecordStatus.TO_BE_DELETED


class _DryRun(Exception):
    pass


def import_oneroster(source, *, actor_label: str = "", dry_run: bool = False) -> Report:
    path = Path(source)
    report = Report(KIND, str(path), actor_label)
    package = read_package(path)
    for issue in package.issues:
        if issue.fatal:
            if report.fatal is None:
                report.fatal = FatalImportError(
                    issue.file, issue.line, issue.reason, issue.field, issue.value
                )
            else:
                report.kept.append(
                    _as_rejection(issue)
                )  # every fatal problem is reported, the first one is the run's error
                report.rejected += 1
        else:
            report.reject(issue.file, issue.line, issue.field, issue.value, issue.reason)
    if report.fatal is not None:
        report.finish()
        return report
    try:
        with transaction.atomic():
            _Import(package, report).run()
            if dry_run:
                raise _DryRun
    except _DryRun:
        report.notices.append("dry run: everything was rolled back")
    except FatalImportError as error:
        report.fatal = error
    report.finish()
    return report


def _as_rejection(issue):
    from .report import Rejection

    return Rejection(issue.file, issue.line, issue.field, issue.value, issue.reason)


def _dt(value: str, default: dt.datetime) -> dt.datetime:
    return fr.parse_datetime(value) if value else default


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _status(value: str) -> str:
    return TO_BE_DELETED if value == TO_BE_DELETED else ACTIVE


class _Import:
    def __init__(self, package, report: Report):
        self.package = package
        self.report = report
        self.now = timezone.now()
        # sourcedId → registry object, per entity.
        self.orgs: dict[str, object] = {}
        self.years: dict[str, SchoolYear] = {}
        self.courses: dict[str, dict] = {}
        self.classes: dict[str, ClassGroup] = {}
        self.persons: dict[str, Person] = {}
        self.school_pks: set[int] = set()

    def rows(self, entity: str):
        name = f"{entity}.csv"
        for line, row in self.package.tables.get(entity, []):
            if (name, line) not in self.package.bad_rows:
                yield line, row

    def reject(self, entity: str, line: int, field_name: str, value: str, reason: str) -> None:
        self.report.reject(f"{entity}.csv", line, field_name, value, reason)

    def run(self) -> None:
        from socle.referentiel.territories import load_territories

        load_territories()
        self.import_orgs()
        self.import_sessions()
        self.import_courses()
        self.import_classes()
        self.import_users()
        self.import_demographics()
        self.import_roles()
        self.import_enrollments()
        self.import_guardianships()

    # --- orgs ----------------------------------------------------------------------------------
    def import_orgs(self) -> None:
        rows = list(self.rows("orgs"))
        by_id = {row["sourcedId"]: row for _, row in rows}
        academies = {a.code: a for a in Academie.objects.all()}
        departements = {d.code: d for d in Departement.objects.select_related("academie")}
        for line, row in rows:
            kind, sid = row["type"], row["sourcedId"]
            if kind == "state":
                if row["identifier"] not in academies:
                    self.reject("orgs", line, "identifier", row["identifier"], "unknown académie code")
                    continue
                self.orgs[sid] = academies[row["identifier"]]
            elif kind == "district":
                code = normalise_departement(row["identifier"])
                if code not in departements:
                    self.reject("orgs", line, "identifier", row["identifier"], "unknown département code")
                    continue
                self.orgs[sid] = departements[code]
            elif kind == "national":
                self.orgs[sid] = None
        schools = [(line, row) for line, row in rows if row["type"] == "school"]
        existing = Etablissement.objects.in_bulk(
            [fr.as_uid(row["sourcedId"]) for _, row in schools], field_name="uid"
        )
        by_uai = Etablissement.objects.in_bulk([row["identifier"] for _, row in schools], field_name="uai")
        communes = set(
            Commune.objects.filter(
                code__in=[r.get("metadata.fr.commune", "") for _, r in schools]
            ).values_list("code", flat=True)
        )
        to_create, to_update = [], []
        for line, row in schools:
            uai = row["identifier"]
            if not uai:
                self.reject(
                    "orgs", line, "identifier", "", "a school's identifier is its UAI (French profile)"
                )
                continue
            parent = by_id.get(row["parentSourcedId"])
            code = (
                normalise_departement(parent["identifier"])
                if parent and parent["type"] == "district"
                else normalise_departement(uai[:3])
            )
            departement = departements.get(code)
            if departement is None:
                self.reject(
                    "orgs",
                    line,
                    "parentSourcedId",
                    row["parentSourcedId"],
                    "cannot tell the school's département",
                )
                continue
            uid = fr.as_uid(row["sourcedId"])
            school = existing.get(uid) or by_uai.get(uai)
            created = school is None
            if created:
                school = Etablissement(uid=uid)
            elif school.uai != uai and Etablissement.objects.filter(uai=uai).exclude(pk=school.pk).exists():
                self.reject(
                    "orgs", line, "identifier", uai, "UAI already held by another school of the registry"
                )
                continue
            commune = row.get("metadata.fr.commune", "")
            if commune and commune not in communes:
                self.report.notices.append(
                    f"orgs.csv: line {line}: commune {commune!r} unknown to the registry: not set"
                )
                commune = ""
            school_type = row.get("metadata.fr.typeEtablissement") or SchoolType.OTHER
            if school_type not in SchoolType.values:
                self.reject("orgs", line, "metadata.fr.typeEtablissement", school_type, "unknown school type")
                continue
            values = {
                "uai": uai,
                "name": row["name"],
                "type": school_type,
                "sector": row.get("metadata.fr.secteur") or Sector.PUBLIC,
                "nature_code": row.get("metadata.fr.codeNature", ""),
                "education_prioritaire": row.get("metadata.fr.educationPrioritaire", ""),
                "commune_id": commune or None,
                "departement_id": departement.code,
                "academie_id": departement.academie_id,
                "region_id": departement.academie.region_id,
                "status": _status(row["status"]),
                "date_last_modified": _dt(row["dateLastModified"], self.now),
                "source": SOURCE,
            }
            for key, value in values.items():
                setattr(school, key, value)
            (to_create if created else to_update).append(school)
            self.orgs[row["sourcedId"]] = school
        Etablissement.objects.bulk_create(to_create, batch_size=1000)
        if to_update:
            Etablissement.objects.bulk_update(to_update, [*values], batch_size=1000)
        self.school_pks = {school.pk for school in to_create + to_update}
        self.report.count("orgs", len(to_create) + len(to_update))

    def school(self, sid: str):
        found = self.orgs.get(sid)
        if isinstance(found, Etablissement):
            return found
        if sid in self.orgs:
            return None
        school = Etablissement.objects.filter(uid=fr.as_uid(sid)).first()
        if school is not None:
            self.orgs[sid] = school
        return school

    # --- academicSessions ------------------------------------------------------------------
    def import_sessions(self) -> None:
        rows = list(self.rows("academicSessions"))
        count = 0
        for _line, row in rows:
            if row["type"] != "schoolYear":
                continue
            sid = row["sourcedId"]
            code = (
                sid.removeprefix("fr-annee-")
                if sid.startswith("fr-annee-")
                else f"{int(row['schoolYear']) - 1}-{row['schoolYear']}"
            )
            year, _ = SchoolYear.objects.update_or_create(
                code=code, defaults={"start_date": _date(row["startDate"]), "end_date": _date(row["endDate"])}
            )
            self.years[sid] = year
            count += 1
        for line, row in rows:
            if row["type"] == "schoolYear":
                continue
            year = self.year(row["parentSourcedId"])
            if year is None:
                self.reject(
                    "academicSessions",
                    line,
                    "parentSourcedId",
                    row["parentSourcedId"],
                    "dangling reference: a term needs its school year",
                )
                continue
            school = None
            sid = row["sourcedId"]
            if sid.startswith("fr-") and sid.count("-") >= 5:
                uai = sid.split("-")[1]
                school = Etablissement.objects.filter(uai=uai).first()
            Period.objects.update_or_create(
                school_year=year,
                etablissement=school,
                kind=fr.PERIOD_KIND[row["type"]],
                start_date=_date(row["startDate"]),
                defaults={"name": row["title"], "end_date": _date(row["endDate"])},
            )
            count += 1
        self.report.count("academicSessions", count)

    def year(self, sid: str) -> SchoolYear | None:
        if sid in self.years:
            return self.years[sid]
        if sid.startswith("fr-annee-"):
            year = SchoolYear.objects.filter(code=sid.removeprefix("fr-annee-")).first()
            if year is not None:
                self.years[sid] = year
            return year
        return None

    # --- courses and classes ---------------------------------------------------------------
    def import_courses(self) -> None:
        for line, row in self.rows("courses"):
            school = self.school(row["orgSourcedId"])
            if school is None:
                self.reject(
                    "courses", line, "orgSourcedId", row["orgSourcedId"], "dangling reference: no such school"
                )
                continue
            year = self.year(row["schoolYearSourcedId"]) if row["schoolYearSourcedId"] else None
            level = row.get("metadata.fr.niveau") or fr.GRADE_TO_LEVEL.get(row["grades"].split(",")[0], "")
            self.courses[row["sourcedId"]] = {"school": school, "year": year, "level": level}
        self.report.count("courses", len(self.courses))

    def import_classes(self) -> None:
        rows = list(self.rows("classes"))
        existing = ClassGroup.objects.in_bulk([fr.as_uid(r["sourcedId"]) for _, r in rows], field_name="uid")
        mefs = set(Mef.objects.values_list("code", flat=True))
        to_create, to_update = [], []
        for line, row in rows:
            school = self.school(row["schoolSourcedId"])
            if school is None:
                self.reject(
                    "classes",
                    line,
                    "schoolSourcedId",
                    row["schoolSourcedId"],
                    "dangling reference: no such school",
                )
                continue
            course = self.courses.get(row["courseSourcedId"])
            if course is None and self.package.mode("courses") != "absent":
                self.reject(
                    "classes",
                    line,
                    "courseSourcedId",
                    row["courseSourcedId"],
                    "dangling reference: no such course",
                )
                continue
            term = row["termSourcedIds"].split(",")[0].strip()
            year = self.year(term) or (course or {}).get("year")
            if year is None:
                self.reject(
                    "classes",
                    line,
                    "termSourcedIds",
                    row["termSourcedIds"],
                    "dangling reference: no such school year",
                )
                continue
            level = (
                row.get("metadata.fr.niveau")
                or (course or {}).get("level")
                or fr.GRADE_TO_LEVEL.get(row["grades"].split(",")[0], "")
            )
            mef = row.get("metadata.fr.mef", "")
            if mef and mef not in mefs:
                Mef.objects.create(code=mef, label=mef, level=level)
                mefs.add(mef)
                self.report.notices.append(
                    f"classes.csv: line {line}: MEF {mef!r} unknown: created with its code as label"
                )
            uid = fr.as_uid(row["sourcedId"])
            code = row["classCode"] or row["title"]
            group = (
                existing.get(uid)
                or ClassGroup.objects.filter(etablissement=school, school_year=year, code=code).first()
            )
            created = group is None
            if created:
                group = ClassGroup(uid=uid)
            values = {
                "etablissement": school,
                "school_year": year,
                "kind": fr.CLASS_KIND.get(row["classType"], ClassGroup.Kind.GROUP),
                "code": code,
                "name": row["title"],
                "level": level,
                "mef_id": mef or None,
                "status": _status(row["status"]),
                "date_last_modified": _dt(row["dateLastModified"], self.now),
                "source": SOURCE,
            }
            for key, value in values.items():
                setattr(group, key, value)
            (to_create if created else to_update).append(group)
            self.classes[row["sourcedId"]] = group
        ClassGroup.objects.bulk_create(to_create, batch_size=1000)
        if to_update:
            ClassGroup.objects.bulk_update(to_update, [*values], batch_size=1000)
        self.report.count("classes", len(to_create) + len(to_update))
        if self.package.mode("classes") == "bulk":
            self._retire(
                ClassGroup.objects.filter(etablissement_id__in=self.school_pks),
                to_create + to_update,
                "classes",
            )

    def klass(self, sid: str) -> ClassGroup | None:
        if sid not in self.classes:
            group = (
                ClassGroup.objects.select_related("etablissement", "school_year")
                .filter(uid=fr.as_uid(sid))
                .first()
            )
            if group is None:
                return None
            self.classes[sid] = group
        return self.classes[sid]

    def _retire(self, queryset, kept, label: str) -> None:
        """Bulk mode: records of the package's schools that the file no longer lists."""
        retired = (
            queryset.filter(status=ACTIVE)
            .exclude(pk__in=[obj.pk for obj in kept])
            .update(status=TO_BE_DELETED, date_last_modified=self.now)
        )
        if retired:
            self.report.count(f"{label}_retired", retired)

    # --- users and demographics --------------------------------------------------------------
    def import_users(self) -> None:
        rows = list(self.rows("users"))
        uids = [fr.as_uid(r["sourcedId"]) for _, r in rows]
        existing = Person.objects.in_bulk(uids, field_name="uid")
        ines = Person.objects.in_bulk([r["identifier"] for _, r in rows if r["identifier"]], field_name="ine")
        to_create, to_update = [], []
        self.agents: dict[str, tuple[int, list[str], list[str]]] = {}
        self.user_dates: dict[str, dt.datetime] = {}
        for line, row in rows:
            uid = fr.as_uid(row["sourcedId"])
            jointure = ""
            for item in row["userIds"].split(","):
                item = item.strip().strip("{}")
                if item.startswith(f"{fr.AAF_USER_ID}:"):
                    jointure = item.split(":", 1)[1]
            ine = row["identifier"] if is_plausible_ine(row["identifier"]) else None
            person = existing.get(uid) or (ines.get(ine) if ine else None)
            if person is None and jointure:
                person = Person.objects.filter(aaf_jointure=jointure).first()
            created = person is None
            if created:
                person = Person(uid=uid)
            values = {
                "first_name": row["givenName"],
                "last_name": row["familyName"],
                "ine": ine,
                "email": row["email"],
                "mobile_phone": row["sms"],
                "aaf_jointure": jointure or None,
                "status": _status(row["status"]),
                "date_last_modified": _dt(row["dateLastModified"], self.now),
                "source": SOURCE,
            }
            for key, value in values.items():
                setattr(person, key, value)
            (to_create if created else to_update).append(person)
            self.persons[row["sourcedId"]] = person
            self.user_dates[row["sourcedId"]] = values["date_last_modified"]
            agents = [a.strip() for a in row["agentSourcedIds"].split(",") if a.strip()]
            relations = [r for r in row.get("metadata.fr.agentRelationships", "").split(",") if r]
            if agents:
                self.agents[row["sourcedId"]] = (line, agents, relations)
        Person.objects.bulk_create(to_create, batch_size=1000)
        if to_update:
            Person.objects.bulk_update(to_update, [*values], batch_size=1000)
        self.report.count("users", len(to_create) + len(to_update))

    def person(self, sid: str) -> Person | None:
        if sid not in self.persons:
            person = Person.objects.filter(uid=fr.as_uid(sid)).first()
            if person is None:
                return None
            self.persons[sid] = person
        return self.persons[sid]

    def import_demographics(self) -> None:
        changed = []
        for line, row in self.rows("demographics"):
            person = self.person(row["sourcedId"])
            if person is None:
                self.reject(
                    "demographics", line, "sourcedId", row["sourcedId"], "dangling reference: no such user"
                )
                continue
            person.birth_date = _date(row["birthDate"])
            person.sex = fr.SEX_BACK.get(row["sex"], "")
            modified = _dt(row["dateLastModified"], self.now)
            person.date_last_modified = max(modified, self.user_dates.get(row["sourcedId"], modified))
            changed.append(person)
        if changed:
            Person.objects.bulk_update(changed, ["birth_date", "sex", "date_last_modified"], batch_size=1000)
        self.report.count("demographics", len(changed))

    # --- roles -----------------------------------------------------------------------------------
    def import_roles(self) -> None:
        rows = list(self.rows("roles"))
        existing = StaffFunction.objects.in_bulk(
            [fr.as_uid(r["sourcedId"]) for _, r in rows], field_name="uid"
        )
        self.students: set[str] = set()
        self.guardian_role_dates: dict[str, tuple] = {}
        to_create, to_update = [], []
        for line, row in rows:
            person = self.person(row["userSourcedId"])
            if person is None:
                self.reject(
                    "roles", line, "userSourcedId", row["userSourcedId"], "dangling reference: no such user"
                )
                continue
            school = self.school(row["orgSourcedId"])
            if school is None and row["orgSourcedId"] not in self.orgs:
                self.reject(
                    "roles", line, "orgSourcedId", row["orgSourcedId"], "dangling reference: no such org"
                )
                continue
            role = row["role"]
            if role == "student":
                self.students.add(row["userSourcedId"])
                continue
            if role in fr.GUARDIAN_ROLES:
                self.guardian_role_dates[row["sourcedId"]] = (
                    _dt(row["dateLastModified"], self.now),
                    _date(row["beginDate"]),
                    _date(row["endDate"]),
                )
                continue
            if school is None:
                self.reject(
                    "roles",
                    line,
                    "orgSourcedId",
                    row["orgSourcedId"],
                    "staff roles are recorded at a school only",
                )
                continue
            if not row["beginDate"]:
                self.reject("roles", line, "beginDate", "", "required for a staff role by the French profile")
                continue
            function_role = row.get("metadata.fr.fonction") or fr.ROLE_TO_STAFF.get(role, StaffRole.OTHER)
            if function_role not in StaffRole.values:
                self.reject("roles", line, "metadata.fr.fonction", function_role, "unknown staff function")
                continue
            uid = fr.as_uid(row["sourcedId"])
            function = existing.get(uid)
            created = function is None
            if created:
                function = StaffFunction(uid=uid)
            values = {
                "person": person,
                "etablissement": school,
                "role": function_role,
                "begin_date": _date(row["beginDate"]),
                "end_date": _date(row["endDate"]),
                "status": _status(row["status"]),
                "date_last_modified": _dt(row["dateLastModified"], self.now),
                "source": SOURCE,
            }
            for key, value in values.items():
                setattr(function, key, value)
            (to_create if created else to_update).append(function)
        StaffFunction.objects.bulk_create(to_create, batch_size=1000)
        if to_update:
            StaffFunction.objects.bulk_update(to_update, [*values], batch_size=1000)
        self.report.count("roles", len(rows))
        if self.package.mode("roles") == "bulk":
            self._retire(
                StaffFunction.objects.filter(etablissement_id__in=self.school_pks),
                to_create + to_update,
                "staff_functions",
            )

    # --- enrollments -----------------------------------------------------------------------------
    def import_enrollments(self) -> None:
        rows = list(self.rows("enrollments"))
        uids = [fr.as_uid(r["sourcedId"]) for _, r in rows]
        enrolments = Enrolment.objects.in_bulk(uids, field_name="uid")
        assignments = TeachingAssignment.objects.in_bulk(uids, field_name="uid")
        matieres = set(Matiere.objects.values_list("code", flat=True))
        new_e, upd_e, new_t, upd_t = [], [], [], []
        for line, row in rows:
            group = self.klass(row["classSourcedId"])
            if group is None:
                self.reject(
                    "enrollments",
                    line,
                    "classSourcedId",
                    row["classSourcedId"],
                    "dangling reference: no such class",
                )
                continue
            person = self.person(row["userSourcedId"])
            if person is None:
                self.reject(
                    "enrollments",
                    line,
                    "userSourcedId",
                    row["userSourcedId"],
                    "dangling reference: no such user",
                )
                continue
            school = self.school(row["schoolSourcedId"])
            if school is None or school.pk != group.etablissement_id:
                self.reject(
                    "enrollments",
                    line,
                    "schoolSourcedId",
                    row["schoolSourcedId"],
                    "not the school of the class",
                )
                continue
            uid = fr.as_uid(row["sourcedId"])
            common = {
                "person": person,
                "class_group": group,
                "begin_date": _date(row["beginDate"]) or group.school_year.start_date,
                "end_date": _date(row["endDate"]),
                "status": _status(row["status"]),
                "date_last_modified": _dt(row["dateLastModified"], self.now),
                "source": SOURCE,
            }
            if row["role"] == "student":
                self.students.add(row["userSourcedId"])
                obj = enrolments.get(uid)
                created = obj is None
                obj = obj or Enrolment(uid=uid)
                for key, value in common.items():
                    setattr(obj, key, value)
                (new_e if created else upd_e).append(obj)
            elif row["role"] == "teacher":
                matiere = row.get("metadata.fr.matiere", "")
                if not matiere:
                    self.reject(
                        "enrollments",
                        line,
                        "metadata.fr.matiere",
                        "",
                        "a teacher enrollment needs the subject taught (BCN code) in the French profile",
                    )
                    continue
                if matiere not in matieres:
                    Matiere.objects.create(code=matiere, short_label=matiere, label=matiere)
                    matieres.add(matiere)
                    self.report.notices.append(
                        f"enrollments.csv: line {line}: subject {matiere!r} unknown: "
                        "created with its code as label"
                    )
                obj = assignments.get(uid)
                created = obj is None
                obj = obj or TeachingAssignment(uid=uid)
                for key, value in {**common, "matiere_id": matiere}.items():
                    setattr(obj, key, value)
                (new_t if created else upd_t).append(obj)
            else:
                self.reject(
                    "enrollments",
                    line,
                    "role",
                    row["role"],
                    "not recorded by the registry (student and teacher only)",
                )
        Enrolment.objects.bulk_create(new_e, batch_size=1000)
        TeachingAssignment.objects.bulk_create(new_t, batch_size=1000)
        fields = ["person", "class_group", "begin_date", "end_date", "status", "date_last_modified", "source"]
        if upd_e:
            Enrolment.objects.bulk_update(upd_e, fields, batch_size=1000)
        if upd_t:
            TeachingAssignment.objects.bulk_update(upd_t, [*fields, "matiere"], batch_size=1000)
        self.report.count("enrollments", len(new_e) + len(upd_e) + len(new_t) + len(upd_t))
        if self.package.mode("enrollments") == "bulk":
            scope = {"class_group__etablissement_id__in": self.school_pks}
            self._retire(Enrolment.objects.filter(**scope), new_e + upd_e, "enrolments")
            self._retire(TeachingAssignment.objects.filter(**scope), new_t + upd_t, "teaching_assignments")

    # --- guardianships (users.agentSourcedIds of pupils) -------------------------------------------
    def import_guardianships(self) -> None:
        count = 0
        for pupil_sid, (line, agents, relations) in self.agents.items():
            if pupil_sid not in self.students and not relations:
                continue  # a guardian's agents are their children: the pupil's row carries the link
            pupil = self.persons[pupil_sid]
            for index, agent in enumerate(agents):
                guardian = self.person(agent)
                if guardian is None:
                    self.reject("users", line, "agentSourcedIds", agent, "dangling reference: no such user")
                    continue
                relationship, legal = (
                    [*relations[index].split(":"), "1"][:2] if index < len(relations) else ("autre", "1")
                )
                if relationship not in Guardianship.Relationship.values:
                    self.reject(
                        "users", line, "metadata.fr.agentRelationships", relationship, "unknown relationship"
                    )
                    continue
                role_date, begin, end = self.guardian_role_dates.get(
                    fr.guardian_role_id(guardian.uid, pupil.uid), (None, None, None)
                )
                link, _ = Guardianship.objects.get_or_create(
                    guardian=guardian,
                    pupil=pupil,
                    defaults={
                        "uid": fr.guardianship_uid(guardian.uid, pupil.uid),
                        "relationship": relationship,
                    },
                )
                Guardianship.objects.filter(pk=link.pk).update(
                    relationship=relationship,
                    legal_responsible=legal == "1",
                    source=SOURCE,
                    status=ACTIVE,
                    begin_date=begin,
                    end_date=end,
                    date_last_modified=role_date or self.user_dates.get(pupil_sid, self.now),
                )
                count += 1
        self.report.count("guardianships", count)
