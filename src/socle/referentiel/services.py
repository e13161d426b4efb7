"""The Référentiel's public interface: every other brick reads the registry through these
functions, never through the models directly.

Conventions:
- Lookups by public identifier (`uid` UUID, UAI, territory code) return `None` when nothing
  matches; they never raise `DoesNotExist`.
- List functions return lazy `QuerySet`s with a deterministic ordering ending on a unique key,
  so that callers can paginate by keyset (see `socle.referentiel.api`).
- "Current" means "valid on date `at`" (default: today, in the platform's time zone): begun on or
  before `at`, not ended before `at`, and not marked `tobedeleted`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone

from socle.core.models import RecordStatus, TrackedModel

from .codes import is_plausible_ine as is_plausible_ine
from .codes import uai_problem
from .models import (
    Academie,
    ClassGroup,
    Departement,
    Enrolment,
    Etablissement,
    Guardianship,
    Matiere,
    Person,
    RegionAcademique,
    SchoolYear,
    StaffFunction,
    TeachingAssignment,
)


def _today() -> dt.date:
    return timezone.localdate()


def _current_at(at: dt.date | None, prefix: str = "") -> Q:
    """Q for rows with begin_date/end_date valid on `at` and not marked `tobedeleted`."""
    at = at or _today()
    return (
        Q(**{f"{prefix}begin_date__lte": at})
        & (Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": at}))
        & ~Q(**{f"{prefix}status": RecordStatus.TO_BE_DELETED})
    )


# --- Territories -------------------------------------------------------------------------------
def regions() -> QuerySet[RegionAcademique]:
    """Every région académique, ordered by INSEE code."""
    return RegionAcademique.objects.order_by("code")


def academies(region: str | None = None) -> QuerySet[Academie]:
    """Académies, optionally of one région académique (INSEE region code), ordered by code."""
    qs = Academie.objects.order_by("code")
    return qs.filter(region_id=region) if region else qs


def departements(academie: str | None = None, region: str | None = None) -> QuerySet[Departement]:
    """Départements (INSEE codes), optionally of one académie or région académique."""
    qs = Departement.objects.select_related("academie").order_by("code")
    if academie:
        qs = qs.filter(academie_id=academie)
    if region:
        qs = qs.filter(academie__region_id=region)
    return qs


# --- School years ------------------------------------------------------------------------------
def current_school_year(at: dt.date | None = None) -> SchoolYear | None:
    """The school year flagged current; failing that, the one whose dates contain `at`."""
    year = SchoolYear.objects.filter(is_current=True).order_by("-start_date").first()
    if year is not None:
        return year
    at = at or _today()
    return SchoolYear.objects.filter(start_date__lte=at, end_date__gte=at).order_by("-start_date").first()


def school_year_by_code(code: str) -> SchoolYear | None:
    """A school year by its code, e.g. "2025-2026"."""
    return SchoolYear.objects.filter(code=code).first()


# --- Schools -----------------------------------------------------------------------------------
def schools(
    *,
    region: str | None = None,
    academie: str | None = None,
    departement: str | None = None,
    commune: str | None = None,
    type: str | None = None,
    sector: str | None = None,
    state: str | None = None,
    education_prioritaire: str | None = None,
    collectivite_type: str | None = None,
    collectivite_code: str | None = None,
    q: str | None = None,
    modified_since: dt.datetime | None = None,
) -> QuerySet[Etablissement]:
    """Schools matching every given filter, ordered by UAI.

    Territories are codes (région INSEE code, académie code, département INSEE code, commune
    INSEE code); `type`, `sector`, `state`, `education_prioritaire` and `collectivite_type` take
    the values of the model's choices (`education_prioritaire=""` selects schools outside
    éducation prioritaire). `q` matches the UAI exactly (case-insensitive) or a part of the name.
    `modified_since` keeps the schools changed at or after that instant (delta synchronisation).
    """
    qs = Etablissement.objects.select_related("commune").order_by("uai")
    exact = {
        "region_id": region,
        "academie_id": academie,
        "departement_id": departement,
        "commune_id": commune,
        "type": type,
        "sector": sector,
        "state": state,
        "education_prioritaire": education_prioritaire,
        "collectivite_type": collectivite_type,
        "collectivite_code": collectivite_code,
    }
    qs = qs.filter(**{name: value for name, value in exact.items() if value is not None})
    if q:
        text = q.strip()
        qs = qs.filter(Q(uai=text.upper()) | Q(name__icontains=text))
    if modified_since is not None:
        qs = qs.filter(date_last_modified__gte=modified_since)
    return qs


def school_by_uai(uai: str) -> Etablissement | None:
    """The school with this UAI, or None. Raises ValueError (with the reason from
    `codes.uai_problem`) when `uai` is not a well-formed UAI."""
    uai = (uai or "").strip().upper()
    problem = uai_problem(uai)
    if problem:
        raise ValueError(problem)
    return Etablissement.objects.select_related("commune").filter(uai=uai).first()


# --- Classes -----------------------------------------------------------------------------------
def classes_of_school(
    school: Etablissement,
    school_year: SchoolYear | None = None,
    *,
    kind: str | None = None,
    level: str | None = None,
    modified_since: dt.datetime | None = None,
) -> QuerySet[ClassGroup]:
    """The divisions and groups of `school` in `school_year` (default: the current school
    year), ordered by code then uid."""
    school_year = school_year or current_school_year()
    qs = ClassGroup.objects.filter(etablissement=school).select_related("school_year", "etablissement")
    qs = qs.filter(school_year=school_year) if school_year is not None else qs.none()
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    if modified_since is not None:
        qs = qs.filter(date_last_modified__gte=modified_since)
    return qs.order_by("code", "uid")


def class_by_uid(uid: uuid.UUID | str) -> ClassGroup | None:
    return ClassGroup.objects.select_related("etablissement", "school_year").filter(uid=uid).first()


def pupils_of_class(class_group: ClassGroup, at: dt.date | None = None) -> QuerySet[Person]:
    """Pupils enrolled in `class_group` on `at`, ordered by last name, first name, uid.

    Each person carries a `level` annotation: the class's level for a division; for a group,
    the level of the pupil's current division in the same school year."""
    enrolled = Enrolment.objects.filter(_current_at(at), person=OuterRef("pk"), class_group=class_group)
    qs = Person.objects.filter(Exists(enrolled))
    if class_group.kind == ClassGroup.Kind.DIVISION:
        qs = qs.annotate(level=Value(class_group.level))
    else:
        division_level = Enrolment.objects.filter(
            _current_at(at),
            person=OuterRef("pk"),
            class_group__kind=ClassGroup.Kind.DIVISION,
            class_group__school_year_id=class_group.school_year_id,
        ).values("class_group__level")[:1]
        qs = qs.annotate(level=Subquery(division_level))
    return qs.order_by("last_name", "first_name", "uid")


@dataclass
class TeacherOfClass:
    person: Person
    subjects: list[Matiere] = field(default_factory=list)


def teachers_of_class(class_group: ClassGroup, at: dt.date | None = None) -> list[TeacherOfClass]:
    """Teachers teaching `class_group` on `at`, each with the subjects they teach it, ordered
    by last name, first name, uid (subjects by code)."""
    assignments = (
        TeachingAssignment.objects.filter(_current_at(at), class_group=class_group)
        .select_related("person", "matiere")
        .order_by("person__last_name", "person__first_name", "person__uid", "matiere__code")
    )
    teachers: dict[int, TeacherOfClass] = {}
    for assignment in assignments:
        entry = teachers.setdefault(assignment.person_id, TeacherOfClass(assignment.person))
        if all(subject.code != assignment.matiere.code for subject in entry.subjects):
            entry.subjects.append(assignment.matiere)
    return list(teachers.values())


@dataclass
class ClassMembers:
    class_group: ClassGroup
    pupils: QuerySet[Person]
    teachers: list[TeacherOfClass]


def members_of_class(class_group: ClassGroup, at: dt.date | None = None) -> ClassMembers:
    """Pupils (lazy, ordered) and teachers (with subjects) of `class_group` on `at`."""
    return ClassMembers(class_group, pupils_of_class(class_group, at), teachers_of_class(class_group, at))


# --- People ------------------------------------------------------------------------------------
def person_by_uid(uid: uuid.UUID | str) -> Person | None:
    return Person.objects.filter(uid=uid).first()


def enrolments_of(person: Person) -> QuerySet[Enrolment]:
    """Every enrolment of `person` (all years), most recent first."""
    return (
        Enrolment.objects.filter(person=person)
        .select_related("class_group__etablissement", "class_group__school_year")
        .order_by("-begin_date", "class_group__code", "uid")
    )


def functions_of(person: Person) -> QuerySet[StaffFunction]:
    """Every staff function of `person`, most recent first."""
    return (
        StaffFunction.objects.filter(person=person)
        .select_related("etablissement")
        .order_by("-begin_date", "etablissement__uai", "role", "uid")
    )


def teaching_assignments_of(person: Person) -> QuerySet[TeachingAssignment]:
    """Every class and subject `person` teaches or taught, most recent first."""
    return (
        TeachingAssignment.objects.filter(person=person)
        .select_related("class_group__etablissement", "class_group__school_year", "matiere")
        .order_by("-begin_date", "class_group__code", "matiere__code", "uid")
    )


def guardians_of(pupil: Person) -> QuerySet[Guardianship]:
    """The guardianships whose pupil is `pupil` (legal guardians first)."""
    return (
        Guardianship.objects.filter(pupil=pupil)
        .select_related("guardian")
        .order_by("-legal_responsible", "guardian__last_name", "guardian__first_name", "uid")
    )


def wards_of(guardian: Person) -> QuerySet[Guardianship]:
    """The guardianships whose guardian is `guardian`."""
    return (
        Guardianship.objects.filter(guardian=guardian)
        .select_related("pupil")
        .order_by("pupil__last_name", "pupil__first_name", "uid")
    )


# --- Synchronisation ---------------------------------------------------------------------------
def changed_since(model: type[TrackedModel] | QuerySet, since: dt.datetime) -> QuerySet:
    """Records of a tracked model (or of a queryset of one) changed at or after `since`,
    including those marked `tobedeleted`, oldest change first then by uid: a consumer stores
    the greatest `date_last_modified` it saw and asks again from there."""
    qs = model if isinstance(model, QuerySet) else model.objects.all()
    if not issubclass(qs.model, TrackedModel):
        raise TypeError(f"{qs.model.__name__} is not a tracked model")
    return qs.filter(date_last_modified__gte=since).order_by("date_last_modified", "uid")


# --- used by Identité --------------------------------------------------------------------------
# Identité computes roles and identities from the registry at request time (never copied), and
# builds its "what may this user see" filters from these functions.


def _guardianship_current_at(at: dt.date | None, prefix: str = "") -> Q:
    """Guardianships have optional dates: no begin date means "since always"."""
    at = at or _today()
    return (
        (Q(**{f"{prefix}begin_date__isnull": True}) | Q(**{f"{prefix}begin_date__lte": at}))
        & (Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": at}))
        & ~Q(**{f"{prefix}status": RecordStatus.TO_BE_DELETED})
    )


@dataclass
class PersonLinks:
    """A person's current links to schools and classes, loaded in a handful of queries."""

    person: Person
    enrolments: list[Enrolment]
    functions: list[StaffFunction]
    teaching: list[TeachingAssignment]
    wards: list[Guardianship]
    ward_enrolments: list[Enrolment]


def person_links(person_uid: uuid.UUID | str, at: dt.date | None = None) -> PersonLinks | None:
    """The current enrolments, staff functions, teaching assignments and guardianships of the
    person with uid `person_uid` on `at` (default today), with the current enrolments of their
    wards; None when no such person exists or the person is marked `tobedeleted`."""
    person = Person.objects.filter(uid=person_uid).exclude(status=RecordStatus.TO_BE_DELETED).first()
    if person is None:
        return None
    enrolments = list(
        Enrolment.objects.filter(_current_at(at), person=person)
        .select_related("class_group__etablissement", "class_group__school_year")
        .order_by("class_group__kind", "class_group__code", "uid")
    )
    functions = list(
        StaffFunction.objects.filter(_current_at(at), person=person)
        .select_related("etablissement")
        .order_by("etablissement__uai", "role", "uid")
    )
    teaching = list(
        TeachingAssignment.objects.filter(_current_at(at), person=person)
        .select_related("class_group__etablissement", "matiere")
        .order_by("class_group__code", "matiere__code", "uid")
    )
    wards = list(
        Guardianship.objects.filter(_guardianship_current_at(at), guardian=person)
        .exclude(pupil__status=RecordStatus.TO_BE_DELETED)
        .select_related("pupil")
        .order_by("pupil__last_name", "pupil__first_name", "uid")
    )
    ward_enrolments = (
        list(
            Enrolment.objects.filter(_current_at(at), person_id__in=[w.pupil_id for w in wards])
            .select_related("class_group__etablissement", "person")
            .order_by("person_id", "class_group__kind", "class_group__code", "uid")
        )
        if wards
        else []
    )
    return PersonLinks(person, enrolments, functions, teaching, wards, ward_enrolments)


def persons() -> QuerySet[Person]:
    """Every person of the registry, ordered by last name, first name, uid."""
    return Person.objects.order_by("last_name", "first_name", "uid")


def all_classes(school_year: SchoolYear | None = None) -> QuerySet[ClassGroup]:
    """Every division and group of `school_year` (default: the current one), by school and code."""
    school_year = school_year or current_school_year()
    qs = ClassGroup.objects.select_related("etablissement", "school_year")
    qs = qs.filter(school_year=school_year) if school_year is not None else qs.none()
    return qs.order_by("etablissement__uai", "code", "uid")


def persons_related(
    *,
    schools: QuerySet[Etablissement] | list | None = None,
    classes: QuerySet[ClassGroup] | list | None = None,
    person_uids: list | None = None,
    include_staff: bool = False,
    include_guardians: bool = False,
    at: dt.date | None = None,
) -> QuerySet[Person]:
    """Persons currently linked to `schools` or `classes`: the pupils enrolled in them, and,
    on request, the staff with a function in `schools` and the guardians of those pupils; plus
    the persons whose uid is in `person_uids`. Ordered by last name, first name, uid."""
    enrolled = Enrolment.objects.filter(_current_at(at)).filter(
        Q(class_group__in=classes if classes is not None else [])
        | Q(class_group__etablissement__in=schools if schools is not None else [])
    )
    condition = Q(pk__in=enrolled.values("person_id")) | Q(uid__in=list(person_uids or []))
    if include_staff and schools is not None:
        staff = StaffFunction.objects.filter(_current_at(at), etablissement__in=schools)
        condition |= Q(pk__in=staff.values("person_id"))
    if include_guardians:
        guardianships = Guardianship.objects.filter(
            _guardianship_current_at(at), pupil_id__in=enrolled.values("person_id")
        )
        condition |= Q(pk__in=guardianships.values("guardian_id"))
    return Person.objects.filter(condition).order_by("last_name", "first_name", "uid")


def _phone_variants(mobile: str) -> list[str]:
    digits = "".join(ch for ch in mobile if ch.isdigit())
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    if len(digits) != 10:
        return [mobile.strip()] if mobile.strip() else []
    pairs = [digits[i : i + 2] for i in range(0, 10, 2)]
    international = "+33" + digits[1:]
    return [
        digits,
        " ".join(pairs),
        ".".join(pairs),
        "-".join(pairs),
        international,
        "+33 " + digits[1] + " " + " ".join(pairs[1:]),
    ]


def guardians_by_contact(*, email: str = "", mobile: str = "", at: dt.date | None = None) -> QuerySet[Person]:
    """Persons with a current guardianship whose e-mail (case-insensitive) or mobile phone
    (French formats: 06 12 34 56 78, 0612345678, +33612345678 …) is the one given."""
    condition = Q(pk__in=[])
    if email.strip():
        condition |= Q(email__iexact=email.strip())
    variants = _phone_variants(mobile) if mobile else []
    if variants:
        condition |= Q(mobile_phone__in=variants)
    current = Guardianship.objects.filter(_guardianship_current_at(at)).values("guardian_id")
    return (
        Person.objects.filter(condition, pk__in=current)
        .exclude(status=RecordStatus.TO_BE_DELETED)
        .order_by("last_name", "first_name", "uid")
    )


# --- used by the exchange formats
# Read functions for socle.echanges (OneRoster, GAR, AAF): whole-territory reads in bulk, so
# each returns a lazy QuerySet ordered on a unique key and suited to `.iterator()`.
def schools_in_territory(
    *,
    national: bool = False,
    regions: list[str] | tuple = (),
    academies: list[str] | tuple = (),
    departements: list[str] | tuple = (),
    uais: list[str] | tuple = (),
) -> QuerySet[Etablissement]:
    """Schools of the union of the given territories and UAIs (all schools if `national`),
    ordered by UAI. Nothing given: no school."""
    qs = Etablissement.objects.select_related("departement", "academie").order_by("uai")
    if national:
        return qs
    condition = Q(pk__in=[])
    if regions:
        condition |= Q(region_id__in=list(regions))
    if academies:
        condition |= Q(academie_id__in=list(academies))
    if departements:
        condition |= Q(departement_id__in=list(departements))
    if uais:
        condition |= Q(uai__in=[uai.strip().upper() for uai in uais])
    return qs.filter(condition)


def school_years() -> QuerySet[SchoolYear]:
    """Every school year, oldest first."""
    return SchoolYear.objects.order_by("start_date", "code")


def periods_of_years(years) -> QuerySet:
    """National and school periods of `years` (a queryset or list of SchoolYear)."""
    from .models import Period

    return (
        Period.objects.filter(school_year__in=years)
        .select_related("school_year", "etablissement")
        .order_by("school_year__start_date", "etablissement__uai", "kind", "start_date", "id")
    )


def classes_of_schools(schools: QuerySet[Etablissement]) -> QuerySet[ClassGroup]:
    """Every class and group (all years, every status) of `schools`, by school, year, code."""
    return (
        ClassGroup.objects.filter(etablissement__in=schools)
        .select_related("etablissement", "school_year", "mef")
        .order_by("etablissement__uai", "school_year__start_date", "code", "uid")
    )


def enrolments_in_schools(schools: QuerySet[Etablissement]) -> QuerySet[Enrolment]:
    """Every enrolment (all years, every status) in a class or group of `schools`, by uid."""
    return (
        Enrolment.objects.filter(class_group__etablissement__in=schools)
        .select_related("class_group__etablissement", "class_group__school_year", "person")
        .order_by("uid")
    )


def teaching_assignments_in_schools(schools: QuerySet[Etablissement]) -> QuerySet[TeachingAssignment]:
    """Every teaching assignment in a class or group of `schools`, by uid."""
    return (
        TeachingAssignment.objects.filter(class_group__etablissement__in=schools)
        .select_related("class_group__etablissement", "matiere", "person")
        .order_by("uid")
    )


def staff_functions_in_schools(schools: QuerySet[Etablissement]) -> QuerySet[StaffFunction]:
    """Every staff function at `schools`, by uid."""
    return (
        StaffFunction.objects.filter(etablissement__in=schools)
        .select_related("etablissement", "person")
        .order_by("uid")
    )


def guardianships_in_schools(schools: QuerySet[Etablissement]) -> QuerySet[Guardianship]:
    """Guardianships of pupils enrolled (at any time) in a class of `schools`, by uid."""
    pupils = Enrolment.objects.filter(class_group__etablissement__in=schools).values("person_id")
    return (
        Guardianship.objects.filter(pupil_id__in=pupils).select_related("guardian", "pupil").order_by("uid")
    )


def persons_of_schools(schools: QuerySet[Etablissement]) -> QuerySet[Person]:
    """Every person linked to `schools`: pupils (enrolments), staff (functions, teaching
    assignments) and the guardians of those pupils, ordered by uid."""
    pupils = Enrolment.objects.filter(class_group__etablissement__in=schools).values("person_id")
    teachers = TeachingAssignment.objects.filter(class_group__etablissement__in=schools).values("person_id")
    staff = StaffFunction.objects.filter(etablissement__in=schools).values("person_id")
    guardians = Guardianship.objects.filter(pupil_id__in=pupils).values("guardian_id")
    return Person.objects.filter(
        Q(pk__in=pupils) | Q(pk__in=teachers) | Q(pk__in=staff) | Q(pk__in=guardians)
    ).order_by("uid")


def subjects() -> QuerySet[Matiere]:
    """Every subject of the BCN nomenclature known to the registry, by code."""
    return Matiere.objects.order_by("code")


def persons_by_aaf_jointure(jointures) -> dict[str, Person]:
    """The persons with these AAF join keys (ENTPersonJointure), keyed by join key."""
    return {person.aaf_jointure: person for person in Person.objects.filter(aaf_jointure__in=list(jointures))}


# --- used by socle.competences (Pix results) ---------------------------------------------------
@dataclass(frozen=True)
class PupilPlacement:
    """A person found by INE or uid, with their current division (empty when not enrolled)."""

    uid: uuid.UUID
    ine: str
    uai: str
    class_uid: uuid.UUID | None
    class_level: str
    school_year: str


def placements_of_pupils(
    *, ines: list[str] | tuple = (), uids: list | tuple = (), at: dt.date | None = None
) -> list[PupilPlacement]:
    """The persons whose INE is in `ines` or uid in `uids` (not marked `tobedeleted`), each with
    the school, class and level of their current division on `at`: two queries whatever the
    number asked, for importers that resolve a batch of result rows at once."""
    people = list(
        Person.objects.filter(Q(ine__in=[i.strip().upper() for i in ines]) | Q(uid__in=list(uids)))
        .exclude(status=RecordStatus.TO_BE_DELETED)
        .values_list("pk", "uid", "ine")
    )
    divisions: dict[int, tuple] = {}
    if people:
        current = (
            Enrolment.objects.filter(_current_at(at), person_id__in=[pk for pk, _uid, _ine in people])
            .filter(class_group__kind=ClassGroup.Kind.DIVISION)
            .order_by("person_id", "-begin_date", "uid")
            .values_list(
                "person_id",
                "class_group__etablissement__uai",
                "class_group__uid",
                "class_group__level",
                "class_group__school_year__code",
            )
        )
        for person_id, *placement in current:
            divisions.setdefault(person_id, tuple(placement))
    return [PupilPlacement(uid, ine or "", *divisions.get(pk, ("", None, "", ""))) for pk, uid, ine in people]
