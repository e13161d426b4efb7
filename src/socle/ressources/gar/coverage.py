"""Who an assignment covers: a school's current population (pupils, teachers, documentalistes,
other staff, with their classes, levels and subjects) read from the Référentiel's services, and
the rule matching a member against an assignment's target.

Counting licences and checking one user's access use the same rule, so the console's figures
and the access decisions never disagree."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from socle.core.models import RecordStatus
from socle.referentiel import services as referentiel

from .models import TargetKind

# GAR profiles (PRO) of the staff functions that are neither teaching nor documentation.
_STAFF_PROFILES = {
    "direction": "National_dir",
    "adjoint": "National_dir",
    "vie_scolaire": "National_evs",
}
AUDIENCE_PROFILES = {"ELEVE": "National_elv", "ENSEIGNANT": "National_ens", "DOCUMENTALISTE": "National_doc"}
# The audience a whole-audience target stands for.
TARGET_AUDIENCE = {
    TargetKind.ALL_PUPILS: "ELEVE",
    TargetKind.ALL_TEACHERS: "ENSEIGNANT",
    TargetKind.DOCUMENTALISTES: "DOCUMENTALISTE",
    TargetKind.OTHER_STAFF: "AUTRE_PERSONNEL",
}


@dataclass
class Member:
    """A person of the school as the console sees them: one audience (publicCible), the GAR
    profile, and the classes (taught or attended), levels and subjects that targets match."""

    person_uid: uuid.UUID
    audience: str = ""
    profile: str = ""
    class_uids: set[str] = field(default_factory=set)
    levels: set[str] = field(default_factory=set)
    subjects: set[str] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)
    divs: list[str] = field(default_factory=list)


def _current(at=None) -> Q:
    at = at or timezone.localdate()
    return (
        Q(begin_date__lte=at)
        & (Q(end_date__isnull=True) | Q(end_date__gte=at))
        & ~Q(status=RecordStatus.TO_BE_DELETED)
    )


def population(uai: str, person_uid: uuid.UUID | str | None = None) -> dict[uuid.UUID, Member]:
    """The current members of school `uai` in the current school year (only `person_uid` if
    given: the access check of one user reads three small querysets)."""
    school = referentiel.school_by_uai(uai)
    year = referentiel.current_school_year()
    if school is None or year is None:
        return {}
    schools = referentiel.schools().filter(pk=school.pk)
    enrolments = referentiel.enrolments_in_schools(schools).filter(_current(), class_group__school_year=year)
    teaching = referentiel.teaching_assignments_in_schools(schools).filter(
        _current(), class_group__school_year=year
    )
    functions = referentiel.staff_functions_in_schools(schools).filter(_current())
    if person_uid is not None:
        enrolments = enrolments.filter(person__uid=person_uid)
        teaching = teaching.filter(person__uid=person_uid)
        functions = functions.filter(person__uid=person_uid)
    members: dict[uuid.UUID, Member] = {}

    def member(uid) -> Member:
        return members.setdefault(uid, Member(uid))

    pupils = set()
    for enrolment in enrolments:
        group = enrolment.class_group
        m = member(enrolment.person.uid)
        pupils.add(m.person_uid)
        m.class_uids.add(str(group.uid))
        m.divs.append(f"{group.code}##{group.name}")
        if group.level:
            m.levels.add(group.level)
    for assignment in teaching:
        group = assignment.class_group
        m = member(assignment.person.uid)
        m.class_uids.add(str(group.uid))
        m.subjects.add(assignment.matiere.code)
        m.functions.add("enseignant")
        if group.level:
            m.levels.add(group.level)
    for function in functions:
        member(function.person.uid).functions.add(function.role)
    for m in members.values():
        if m.person_uid in pupils:
            m.audience = "ELEVE"
        elif "documentaliste" in m.functions:
            m.audience = "DOCUMENTALISTE"
        elif "enseignant" in m.functions:
            m.audience = "ENSEIGNANT"
        else:
            m.audience = "AUTRE_PERSONNEL"
        if m.audience in AUDIENCE_PROFILES:
            m.profile = AUDIENCE_PROFILES[m.audience]
        else:
            m.profile = next(
                (_STAFF_PROFILES[f] for f in sorted(m.functions) if f in _STAFF_PROFILES), "National_eta"
            )
        m.divs.sort()
    return members


def covers(kind: str, codes: list[str], audiences: list[str], m: Member) -> bool:
    """Whether an assignment (target `kind` and `codes`, covered `audiences`) covers `m`."""
    if m.audience not in audiences:
        return False
    if kind in (TargetKind.CLASSES, TargetKind.GROUP):
        return bool(m.class_uids & set(codes))
    if kind == TargetKind.LEVEL:
        return bool(m.levels & set(codes))
    if kind == TargetKind.SUBJECT:
        return bool(m.subjects & set(codes))
    if kind in TARGET_AUDIENCE:
        return m.audience == TARGET_AUDIENCE[kind]
    return False
