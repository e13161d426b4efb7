"""`socle import-aaf PATH...`: the académie's AAF feed into the Référentiel.

Files are named `ENT_<UAI>_<Complet|Delta>_<yyyymmdd>_<Type>_<nnnn>.xml` (Type: EtabEducNat,
MefEducNat, MatEducNat, PersEducNat, Eleve, PersRelEleve) and are processed in that type order,
whatever the order given. Records are streamed (see aaf_reader) and written in batches; one run
is one transaction. Persons are matched on their join key `ENTPersonJointure` (the record's
`identifier/id` when the attribute is missing), so that repeated imports are idempotent: a
record equal to the registry changes nothing, not even its modification time.

- A "Complet" Eleve file that no longer lists a pupil ends that pupil's enrolments in the
  school's classes (end date = the day before the file's date); a Complet PersEducNat file does
  the same with staff functions and teaching assignments. Persons are never deleted
  (retention is a separate rule); `deleteRequest` ends the links the same way.
- Every record or link that cannot be taken is reported (file, line of its start tag, AAF
  attribute, value, reason); nothing is dropped silently.

This module is one of the registry's feeding pipes: it writes the Référentiel's models directly
(bulk_create / bulk_update), reading persons through socle.referentiel.services."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from socle.core.models import RecordStatus
from socle.referentiel import services
from socle.referentiel.codes import is_plausible_ine, uai_problem
from socle.referentiel.models import (
    ClassGroup,
    Enrolment,
    Etablissement,
    Guardianship,
    Matiere,
    Mef,
    Person,
    SchoolYear,
    StaffFunction,
    StaffRole,
    TeachingAssignment,
)

from ..models import AafStructure
from .aaf_reader import OPERATIONS, AafRecord, read_records
from .errors import FatalImportError
from .report import Report

KIND = "aaf"
SOURCE = "aaf"
BATCH = 1000
FILE_RE = re.compile(
    r"^ENT_(?P<uai>[0-9]{7}[A-Z])_(?P<mode>Complet|Delta)_(?P<date>\d{8})_"
    r"(?P<type>EtabEducNat|MefEducNat|MatEducNat|PersEducNat|Eleve|PersRelEleve)_(?P<seq>\d{4})\.xml$"
)
TYPE_ORDER = ("EtabEducNat", "MefEducNat", "MatEducNat", "PersEducNat", "Eleve", "PersRelEleve")
DATE_RE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
# ENTPersonFonctions: "<structure>$<function code>$<label>$<discipline code>$<label>".
FUNCTIONS = {
    "DIR": StaffRole.HEAD,
    "ENS": StaffRole.TEACHER,
    "DOC": StaffRole.DOCUMENTALISTE,
    "EDU": StaffRole.VIE_SCOLAIRE,
    "SUR": StaffRole.VIE_SCOLAIRE,
    "ADF": StaffRole.ADMINISTRATIVE,
    "ADM": StaffRole.ADMINISTRATIVE,
}
# Kinship codes of ENTAuxPersRelEleveEleve (BCN "lien de parenté"), as this importer reads them.
KINSHIP = {
    "10": Guardianship.Relationship.MOTHER,
    "20": Guardianship.Relationship.FATHER,
    "37": Guardianship.Relationship.OTHER_FAMILY,
    "38": Guardianship.Relationship.OTHER_FAMILY,
    "39": Guardianship.Relationship.OTHER_FAMILY,
    "41": Guardianship.Relationship.OTHER,
    "42": Guardianship.Relationship.OTHER,
    "50": Guardianship.Relationship.TUTOR,
    "51": Guardianship.Relationship.OTHER,
    "70": Guardianship.Relationship.TUTOR,
    "90": Guardianship.Relationship.OTHER,
}
CIVILITY = {"M": "M", "M.": "M", "MME": "F", "MME.": "F", "MLLE": "F"}
ACTIVE = RecordStatus.ACTIVE


@dataclass(frozen=True)
class AafFile:
    path: Path
    uai: str
    mode: str
    date: dt.date
    type: str

    @property
    def name(self) -> str:
        return self.path.name


def parse_file_name(path: Path) -> AafFile:
    match = FILE_RE.match(path.name)
    if not match:
        raise FatalImportError(
            path.name, 0, "file name does not follow ENT_<UAI>_<Complet|Delta>_<yyyymmdd>_<Type>_<nnnn>.xml"
        )
    try:
        date = dt.datetime.strptime(match["date"], "%Y%m%d").date()
    except ValueError as error:
        raise FatalImportError(
            path.name, 0, f"file name: {match['date']!r} is not a date yyyymmdd"
        ) from error
    return AafFile(path, match["uai"], match["mode"], date, match["type"])


def parse_date(value: str) -> dt.date:
    match = DATE_RE.match(value)
    if not match:
        raise ValueError("expected a date dd/mm/yyyy")
    day, month, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as error:
        raise ValueError(f"not a calendar date ({error})") from error


class _DryRun(Exception):
    pass


def import_aaf(paths, *, actor_label: str = "", dry_run: bool = False, batch_size: int = BATCH) -> Report:
    """Import AAF files. Never raises for bad input: the report says what went wrong."""
    paths = [Path(p) for p in paths]
    report = Report(KIND, " ".join(str(p) for p in paths)[:500], actor_label)
    try:
        files = [parse_file_name(path) for path in paths]
        for aaf in files:
            if not aaf.path.is_file():
                raise FatalImportError(aaf.name, 0, "no such file")
        files.sort(key=lambda f: (TYPE_ORDER.index(f.type), f.uai, f.date, f.name))
        with transaction.atomic():
            importer = _AafImport(report, batch_size)
            for aaf in files:
                importer.import_file(aaf)
            if dry_run:
                raise _DryRun
    except _DryRun:
        report.notices.append("dry run: everything was rolled back")
    except FatalImportError as error:
        report.fatal = error
    report.finish()
    return report


class _AafImport:
    def __init__(self, report: Report, batch_size: int):
        self.report = report
        self.batch_size = batch_size
        self.now = timezone.now()
        self.structures: dict[str, Etablissement] = {}  # ENTStructureJointure → school
        self.class_labels: dict[tuple[int, str], str] = {}
        self.classes: dict[tuple[int, int, str], ClassGroup] = {}
        self.years: dict[dt.date, SchoolYear] = {}
        self.kinds: dict[int, str] = {}  # class pk → kind

    # --- helpers -----------------------------------------------------------------------------
    def reject(self, aaf: AafFile, record: AafRecord, field: str, value: str, reason: str) -> None:
        self.report.reject(aaf.name, record.line, field, value, reason)

    def school_year(self, on: dt.date) -> SchoolYear:
        if on not in self.years:
            year = (
                SchoolYear.objects.filter(start_date__lte=on, end_date__gte=on)
                .order_by("-start_date")
                .first()
            )
            if year is None:
                start = on.year if on.month >= 9 else on.year - 1
                year, _ = SchoolYear.objects.get_or_create(
                    code=f"{start}-{start + 1}",
                    defaults={"start_date": dt.date(start, 9, 1), "end_date": dt.date(start + 1, 8, 31)},
                )
                self.report.notices.append(f"school year {year.code} created for files dated {on:%d/%m/%Y}")
            self.years[on] = year
        return self.years[on]

    def file_school(self, aaf: AafFile) -> Etablissement:
        school = Etablissement.objects.filter(uai=aaf.uai).first()
        if school is None:
            raise FatalImportError(
                aaf.name, 0, f"school {aaf.uai} is unknown to the Référentiel: import the Annuaire first"
            )
        return school

    def structure(self, key: str, default: Etablissement) -> Etablissement | None:
        """A school from an ENTStructureJointure (EtabEducNat) or a UAI; None if unknown."""
        if key in self.structures:
            return self.structures[key]
        known = AafStructure.objects.filter(jointure=key).values_list("uai", flat=True).first()
        if known:
            school = Etablissement.objects.filter(uai=known).first()
            if school is not None:
                self.structures[key] = school
            return school
        if not uai_problem(key):
            school = Etablissement.objects.filter(uai=key).first()
            if school is not None:
                self.structures[key] = school
            return school
        return default if key == "" else None

    def class_group(self, school: Etablissement, year: SchoolYear, code: str, kind: str, level: str = ""):
        key = (school.pk, year.pk, code)
        group = self.classes.get(key)
        if group is None:
            group = ClassGroup.objects.filter(etablissement=school, school_year=year, code=code).first()
            if group is None:
                group = ClassGroup(
                    etablissement=school,
                    school_year=year,
                    code=code,
                    kind=kind,
                    name=self.class_labels.get((school.pk, code), code),
                    level=level,
                    source=SOURCE,
                )
                group.save()
                self.report.count("classes_created")
            self.classes[key] = group
            self.kinds[group.pk] = group.kind
        if level and not group.level and group.kind == ClassGroup.Kind.DIVISION:
            group.level = level
            group.save(update_fields=["level"])
        return group

    # --- files -------------------------------------------------------------------------------
    def import_file(self, aaf: AafFile) -> None:
        handler = getattr(self, f"_batch_{aaf.type}")
        context = {"aaf": aaf, "seen": set()}
        if aaf.type in ("Eleve", "PersEducNat", "PersRelEleve", "EtabEducNat"):
            context["school"] = self.file_school(aaf)
            context["year"] = self.school_year(aaf.date)
        batch: list[AafRecord] = []
        for record in read_records(aaf.path, aaf.name):
            self.report.count(f"{aaf.type}_read")
            if record.operation not in OPERATIONS:
                self.reject(
                    aaf,
                    record,
                    "operation",
                    record.operation,
                    "unknown operation: expected addRequest, modifyRequest or deleteRequest",
                )
                continue
            if not (record.id or record.first("ENTPersonJointure")) and aaf.type in (
                "Eleve",
                "PersEducNat",
                "PersRelEleve",
            ):
                self.reject(aaf, record, "identifier/id", "", "missing identifier")
                continue
            batch.append(record)
            if len(batch) >= self.batch_size:
                handler(batch, context)
                batch = []
        if batch:
            handler(batch, context)
        if aaf.mode == "Complet" and aaf.type in ("Eleve", "PersEducNat"):
            self._end_absent(context)

    # --- reference files ---------------------------------------------------------------------
    def _batch_EtabEducNat(self, records, context) -> None:
        aaf = context["aaf"]
        for record in records:
            if record.operation == "deleteRequest":
                self.reject(
                    aaf, record, "", record.id, "schools are closed by the Annuaire import, not by AAF"
                )
                continue
            uai = record.first("ENTStructureUAI")
            school = Etablissement.objects.filter(uai=uai).first() if uai else None
            if school is None:
                self.reject(
                    aaf,
                    record,
                    "ENTStructureUAI",
                    uai,
                    "school unknown to the Référentiel: import the Annuaire first",
                )
                continue
            key = record.first("ENTStructureJointure") or record.id
            self.structures[key] = school
            AafStructure.objects.update_or_create(
                jointure=key, defaults={"uai": school.uai, "updated_at": self.now}
            )
            for attr, kind in (("ENTStructureClasses", "division"), ("ENTStructureGroupes", "groupe")):
                for value in record.all(attr):
                    code, _, label = value.partition("$")
                    if not code:
                        self.reject(aaf, record, attr, value, "expected <code>$<label>")
                        continue
                    self.class_labels[(school.pk, code)] = label or code
                    self.class_group(school, context["year"], code, kind)
            self.report.count("structures")

    def _batch_MefEducNat(self, records, context) -> None:
        aaf = context["aaf"]
        for record in records:
            code = record.first("ENTMefJointure") or record.id
            if not re.fullmatch(r"\d{11}", code or ""):
                self.reject(aaf, record, "ENTMefJointure", code, "expected an 11-digit MEF code")
                continue
            label = record.first("ENTLibelleMef") or code
            Mef.objects.update_or_create(code=code, defaults={"label": label[:200]})
            self.report.count("mefs")

    def _batch_MatEducNat(self, records, context) -> None:
        aaf = context["aaf"]
        for record in records:
            code = record.first("ENTMatJointure") or record.id
            if not re.fullmatch(r"\d{6}", code or ""):
                self.reject(aaf, record, "ENTMatJointure", code, "expected a 6-digit subject code")
                continue
            label = record.first("ENTLibelleMatiere") or code
            Matiere.objects.update_or_create(
                code=code, defaults={"label": label[:200], "short_label": label[:40]}
            )
            self.report.count("subjects")

    # --- persons -----------------------------------------------------------------------------
    def _persons(self, records, context, fields) -> dict[int, Person]:
        """Upsert the batch's persons; returns {record index: person} for the records taken."""
        aaf = context["aaf"]
        keys = [record.first("ENTPersonJointure") or record.id for record in records]
        existing = services.persons_by_aaf_jointure(keys)
        taken: dict[int, Person] = {}
        to_create, to_update = [], []
        for index, (record, key) in enumerate(zip(records, keys, strict=True)):
            person = existing.get(key)
            if record.operation == "deleteRequest":
                if person is None:
                    self.reject(aaf, record, "identifier/id", key, "deleteRequest for an unknown person")
                else:
                    taken[index] = person
                continue
            values, problem = self._person_values(record, fields, partial=person is not None)
            if problem:
                self.reject(aaf, record, *problem)
                continue
            if person is None:
                if record.operation == "modifyRequest" and not (
                    "sn" in record.attrs and "givenName" in record.attrs
                ):
                    self.reject(
                        aaf,
                        record,
                        "identifier/id",
                        key,
                        "modifyRequest for an unknown person, without sn and givenName to create it",
                    )
                    continue
                person = Person(aaf_jointure=key, source=SOURCE, date_last_modified=self.now, **values)
                to_create.append(person)
                self.report.count("persons_created")
            elif person.pk is None:  # the same person twice in one batch: the last record wins
                for name, value in values.items():
                    setattr(person, name, value)
            elif any(getattr(person, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(person, name, value)
                person.date_last_modified = self.now
                to_update.append(person)
                self.report.count("persons_updated")
            else:
                self.report.count("persons_unchanged")
            existing[key] = person
            taken[index] = person
        Person.objects.bulk_create(to_create, batch_size=1000)
        if to_update:
            names = sorted(
                {name for person in to_update for name in fields.values()} | {"date_last_modified"}
            )
            Person.objects.bulk_update(to_update, names, batch_size=1000)
        for index in taken:
            context["seen"].add(taken[index].pk)
        return taken

    def _person_values(self, record: AafRecord, fields: dict[str, str], partial: bool):
        """The Person fields carried by the record, or (field, value, reason) if one is wrong."""
        values = {}
        for attr, name in fields.items():
            if attr not in record.attrs:
                if not partial and attr in ("sn", "givenName"):
                    return None, (attr, "", "required")
                continue
            value = record.first(attr)
            if name == "birth_date":
                if not value:
                    values[name] = None
                    continue
                try:
                    values[name] = parse_date(value)
                except ValueError as error:
                    return None, (attr, value, str(error))
            elif name == "sex":
                if value and value.upper() not in CIVILITY:
                    return None, (attr, value, "unknown civility: expected M or Mme")
                values[name] = CIVILITY.get(value.upper(), "")
            elif name == "ine":
                if value and not is_plausible_ine(value):
                    return None, (attr, value, "not an INE (11 characters)")
                values[name] = value or None
            elif name in ("last_name", "first_name"):
                if not value:
                    return None, (attr, value, "required")
                values[name] = value[:100]
            else:
                values[name] = value[: Person._meta.get_field(name).max_length or 254]
        return values, None

    # --- Eleve ---------------------------------------------------------------------------------
    ELEVE_FIELDS = {
        "sn": "last_name",
        "givenName": "first_name",
        "ENTPersonDateNaissance": "birth_date",
        "personalTitle": "sex",
        "ENTEleveINE": "ine",
    }

    def _batch_Eleve(self, records, context) -> None:
        aaf, school, year = context["aaf"], context["school"], context["year"]
        persons = self._persons(records, context, self.ELEVE_FIELDS)
        if not persons:
            return
        mefs = dict(
            Mef.objects.filter(code__in={r.first("ENTEleveMEF") for r in records}).values_list(
                "code", "level"
            )
        )
        open_links: dict[int, list[Enrolment]] = {}
        for enrolment in Enrolment.objects.filter(
            person__in=list(persons.values()),
            class_group__etablissement=school,
            class_group__school_year=year,
            end_date__isnull=True,
            status=ACTIVE,
        ).select_related("class_group"):
            open_links.setdefault(enrolment.person_id, []).append(enrolment)
        to_create, to_end = [], []
        for index, person in persons.items():
            record = records[index]
            links = open_links.get(person.pk, [])
            if record.operation == "deleteRequest":
                to_end += links
                continue
            touched = [a for a in ("ENTEleveClasses", "ENTEleveGroupes") if a in record.attrs]
            if record.operation == "modifyRequest" and not touched:
                continue
            wanted: set[int] = set()
            level = mefs.get(record.first("ENTEleveMEF"), "")
            for attr, kind in (("ENTEleveClasses", "division"), ("ENTEleveGroupes", "groupe")):
                for value in record.all(attr):
                    structure, sep, code = value.partition("$")
                    if not sep or not code:
                        self.reject(aaf, record, attr, value, "expected <structure>$<code>")
                        continue
                    target = self.structure(structure, school)
                    if target is None:
                        self.reject(
                            aaf,
                            record,
                            attr,
                            value,
                            f"unknown structure {structure!r} (no EtabEducNat record)",
                        )
                        continue
                    if target.pk != school.pk:
                        self.reject(
                            aaf,
                            record,
                            attr,
                            value,
                            f"class of another school than the file's ({school.uai})",
                        )
                        continue
                    group = self.class_group(school, year, code, kind, level if kind == "division" else "")
                    wanted.add(group.pk)
            current = {link.class_group_id for link in links}
            for group_pk in wanted - current:
                to_create.append(
                    Enrolment(
                        person=person, class_group_id=group_pk, begin_date=context["aaf"].date, source=SOURCE
                    )
                )
            to_end += [link for link in links if link.class_group_id not in wanted]
        self._write_links(Enrolment, to_create, to_end, context["aaf"].date, "enrolments")

    def _write_links(self, model, to_create, to_end, on: dt.date, label: str) -> None:
        for obj in to_create:
            obj.date_last_modified = self.now
        model.objects.bulk_create(to_create, batch_size=1000)
        for obj in to_end:
            obj.end_date = max(on - dt.timedelta(days=1), obj.begin_date)
            obj.date_last_modified = self.now
        if to_end:
            model.objects.bulk_update(to_end, ["end_date", "date_last_modified"], batch_size=1000)
        self.report.count(f"{label}_created", len(to_create))
        self.report.count(f"{label}_ended", len(to_end))

    def _end_absent(self, context) -> None:
        """Complet file: end the school's links of persons the file no longer lists."""
        aaf, school, year, seen = context["aaf"], context["school"], context["year"], context["seen"]
        end = aaf.date - dt.timedelta(days=1)
        if aaf.type == "Eleve":
            querysets = [
                (
                    "enrolments",
                    Enrolment.objects.filter(
                        class_group__etablissement=school, class_group__school_year=year
                    ),
                )
            ]
        else:
            querysets = [
                ("staff_functions", StaffFunction.objects.filter(etablissement=school)),
                (
                    "teaching_assignments",
                    TeachingAssignment.objects.filter(
                        class_group__etablissement=school, class_group__school_year=year
                    ),
                ),
            ]
        for label, queryset in querysets:
            absent = queryset.filter(end_date__isnull=True, status=ACTIVE).exclude(person_id__in=seen)
            ended = []
            for link in absent.iterator(chunk_size=2000):
                link.end_date = max(end, link.begin_date)
                link.date_last_modified = self.now
                ended.append(link)
            if ended:
                queryset.model.objects.bulk_update(ended, ["end_date", "date_last_modified"], batch_size=1000)
            self.report.count(f"{label}_ended_absent", len(ended))

    # --- PersEducNat ---------------------------------------------------------------------------
    STAFF_FIELDS = {"sn": "last_name", "givenName": "first_name", "mail": "email", "personalTitle": "sex"}

    def _batch_PersEducNat(self, records, context) -> None:
        aaf, school, year = context["aaf"], context["school"], context["year"]
        persons = self._persons(records, context, self.STAFF_FIELDS)
        if not persons:
            return
        people = list(persons.values())
        functions: dict[int, list[StaffFunction]] = {}
        for function in StaffFunction.objects.filter(
            person__in=people, etablissement=school, end_date__isnull=True, status=ACTIVE
        ):
            functions.setdefault(function.person_id, []).append(function)
        assignments: dict[int, list[TeachingAssignment]] = {}
        for assignment in TeachingAssignment.objects.filter(
            person__in=people,
            class_group__etablissement=school,
            class_group__school_year=year,
            end_date__isnull=True,
            status=ACTIVE,
        ):
            assignments.setdefault(assignment.person_id, []).append(assignment)
        subjects = set(Matiere.objects.values_list("code", flat=True))
        new_f, end_f, new_t, end_t = [], [], [], []
        for index, person in persons.items():
            record = records[index]
            current_f = functions.get(person.pk, [])
            current_t = assignments.get(person.pk, [])
            if record.operation == "deleteRequest":
                end_f += current_f
                end_t += current_t
                continue
            if record.operation == "addRequest" or "ENTPersonFonctions" in record.attrs:
                roles: set[str] = set()
                for value in record.all("ENTPersonFonctions"):
                    parts = value.split("$")
                    if len(parts) < 2:
                        self.reject(
                            aaf, record, "ENTPersonFonctions", value, "expected <structure>$<function code>$…"
                        )
                        continue
                    target = self.structure(parts[0], school)
                    if target is None or target.pk != school.pk:
                        if target is None:
                            self.reject(
                                aaf, record, "ENTPersonFonctions", value, f"unknown structure {parts[0]!r}"
                            )
                        continue
                    roles.add(FUNCTIONS.get(parts[1].upper(), StaffRole.OTHER))
                category = (record.operational.get("categoriePersonne") or [""])[0].strip()
                if not roles and category == "Enseignant":
                    roles.add(StaffRole.TEACHER)
                have = {function.role for function in current_f}
                new_f += [
                    StaffFunction(
                        person=person, etablissement=school, role=role, begin_date=aaf.date, source=SOURCE
                    )
                    for role in sorted(roles - have)
                ]
                end_f += [function for function in current_f if function.role not in roles]
            for attr in ("ENTAuxEnsClassesMatieres", "ENTAuxEnsGroupesMatieres"):
                if record.operation == "modifyRequest" and attr not in record.attrs:
                    continue
                kind = "division" if attr == "ENTAuxEnsClassesMatieres" else "groupe"
                wanted: set[tuple[int, str]] = set()
                for value in record.all(attr):
                    parts = value.split("$")
                    if len(parts) != 3 or not all(parts):
                        self.reject(
                            aaf,
                            record,
                            attr,
                            value,
                            "expected <structure>$<class or group code>$<subject code>",
                        )
                        continue
                    target = self.structure(parts[0], school)
                    if target is None:
                        self.reject(aaf, record, attr, value, f"unknown structure {parts[0]!r}")
                        continue
                    if target.pk != school.pk:
                        continue
                    if parts[2] not in subjects:
                        self.reject(
                            aaf,
                            record,
                            attr,
                            value,
                            f"unknown subject code {parts[2]!r} (no MatEducNat record)",
                        )
                        continue
                    group = self.class_group(school, year, parts[1], kind)
                    wanted.add((group.pk, parts[2]))
                same_kind = [a for a in current_t if self._kind_of(a.class_group_id) == kind]
                have_t = {(a.class_group_id, a.matiere_id) for a in same_kind}
                new_t += [
                    TeachingAssignment(
                        person=person, class_group_id=g, matiere_id=m, begin_date=aaf.date, source=SOURCE
                    )
                    for g, m in sorted(wanted - have_t)
                ]
                end_t += [a for a in same_kind if (a.class_group_id, a.matiere_id) not in wanted]
        self._write_links(StaffFunction, new_f, end_f, aaf.date, "staff_functions")
        self._write_links(TeachingAssignment, new_t, end_t, aaf.date, "teaching_assignments")

    def _kind_of(self, group_pk: int) -> str:
        if group_pk not in self.kinds:
            self.kinds[group_pk] = ClassGroup.objects.values_list("kind", flat=True).get(pk=group_pk)
        return self.kinds[group_pk]

    # --- PersRelEleve --------------------------------------------------------------------------
    GUARDIAN_FIELDS = {
        "sn": "last_name",
        "givenName": "first_name",
        "mail": "email",
        "personalTitle": "sex",
        "ENTPersonMobileSMS": "mobile_phone",
    }

    def _batch_PersRelEleve(self, records, context) -> None:
        aaf = context["aaf"]
        persons = self._persons(records, context, self.GUARDIAN_FIELDS)
        links = [
            (records[index], person, value)
            for index, person in persons.items()
            if records[index].operation != "deleteRequest"
            for value in records[index].all("ENTAuxPersRelEleveEleve")
        ]
        pupils = services.persons_by_aaf_jointure({value.split("$")[0] for _, _, value in links})
        existing = {
            (g.guardian_id, g.pupil_id): g
            for g in Guardianship.objects.filter(guardian__in=list(persons.values()))
        }
        to_create, to_update = [], []
        for record, guardian, value in links:
            parts = value.split("$")
            if len(parts) != 6:
                self.reject(
                    aaf,
                    record,
                    "ENTAuxPersRelEleveEleve",
                    value,
                    "expected 6 '$'-separated fields (pupil$kinship$financial$legal$contact$payment), "
                    f"found {len(parts)}",
                )
                continue
            pupil = pupils.get(parts[0])
            if pupil is None:
                self.reject(
                    aaf,
                    record,
                    "ENTAuxPersRelEleveEleve",
                    value,
                    f"unknown pupil {parts[0]!r} (no Eleve record)",
                )
                continue
            relationship = KINSHIP.get(parts[1])
            if relationship is None:
                self.reject(
                    aaf, record, "ENTAuxPersRelEleveEleve", value, f"unknown kinship code {parts[1]!r}"
                )
                continue
            legal = parts[3] == "1"
            link = existing.get((guardian.pk, pupil.pk))
            if link is None:
                link = Guardianship(
                    guardian=guardian,
                    pupil=pupil,
                    relationship=relationship,
                    legal_responsible=legal,
                    begin_date=aaf.date,
                    source=SOURCE,
                    date_last_modified=self.now,
                )
                existing[(guardian.pk, pupil.pk)] = link
                to_create.append(link)
            elif (link.relationship, link.legal_responsible, link.status) != (relationship, legal, ACTIVE):
                link.relationship, link.legal_responsible, link.status = relationship, legal, ACTIVE
                link.date_last_modified = self.now
                to_update.append(link)
        Guardianship.objects.bulk_create(to_create, batch_size=1000)
        if to_update:
            Guardianship.objects.bulk_update(
                to_update,
                ["relationship", "legal_responsible", "status", "date_last_modified"],
                batch_size=1000,
            )
        self.report.count("guardianships_created", len(to_create))
        self.report.count("guardianships_updated", len(to_update))
