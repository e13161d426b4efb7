"""A small, fully deterministic registry for the exchange-format tests: fixed uids and fixed
modification times, so that exports can be compared byte for byte with golden files."""

import datetime as dt
import uuid

from socle.core.models import RecordStatus
from socle.referentiel.models import (
    ClassGroup,
    Enrolment,
    Etablissement,
    Guardianship,
    Matiere,
    Mef,
    Period,
    Person,
    SchoolYear,
    StaffFunction,
    TeachingAssignment,
)
from socle.referentiel.territories import load_territories

T0 = dt.datetime(2025, 9, 1, 8, 0, tzinfo=dt.UTC)
T1 = dt.datetime(2025, 10, 15, 12, 30, 15, 123456, tzinfo=dt.UTC)
COLLEGE_UAI = "0350001L"
ECOLE_UAI = "0940002S"


def uid(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


def _school(n, uai, name, type_, dep, aca, reg, **extra):
    return Etablissement.objects.create(
        uid=uid(n),
        uai=uai,
        name=name,
        type=type_,
        departement_id=dep,
        academie_id=aca,
        region_id=reg,
        **extra,
    )


def build_world() -> dict:
    load_territories()
    year = SchoolYear.objects.create(
        code="2025-2026", start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 7, 4), is_current=True
    )
    for index, (start, end) in enumerate(
        [((2025, 9, 1), (2025, 11, 30)), ((2025, 12, 1), (2026, 2, 28)), ((2026, 3, 1), (2026, 7, 4))], 1
    ):
        Period.objects.create(
            school_year=year,
            kind="trimestre",
            name=f"Trimestre {index}",
            start_date=dt.date(*start),
            end_date=dt.date(*end),
        )
    college = _school(
        1,
        COLLEGE_UAI,
        "Collège Anne de Bretagne",
        "college",
        "35",
        "14",
        "53",
        sector="public",
        nature_code="340",
        education_prioritaire="REP",
    )
    ecole = _school(2, ECOLE_UAI, "École élémentaire Jean Jaurès", "ecole_elementaire", "94", "24", "11")
    mef = Mef.objects.create(code="10010012110", label="6EME", level="6E")
    francais = Matiere.objects.create(code="030201", short_label="FRANC", label="Français")
    latin = Matiere.objects.create(code="020700", short_label="LCALA", label="Latin")
    sixieme = ClassGroup.objects.create(
        uid=uid(11),
        etablissement=college,
        school_year=year,
        kind="division",
        code="6A",
        name="6e A",
        level="6E",
        mef=mef,
    )
    latin_group = ClassGroup.objects.create(
        uid=uid(12),
        etablissement=college,
        school_year=year,
        kind="groupe",
        code="LAT5",
        name="Latin 5e",
    )
    cm1 = ClassGroup.objects.create(
        uid=uid(13),
        etablissement=ecole,
        school_year=year,
        kind="division",
        code="CM1B",
        name="CM1 B",
        level="CM1",
    )
    alice = Person.objects.create(
        uid=uid(101),
        first_name="Alice",
        last_name="Martin",
        ine="1234567890A",
        birth_date=dt.date(2014, 3, 2),
        sex="F",
        aaf_jointure="1001",
    )
    bruno = Person.objects.create(
        uid=uid(102),
        first_name="Bruno",
        last_name="Le Gall",
        ine="1234567891B",
        birth_date=dt.date(2014, 7, 21),
        sex="M",
    )
    chloe = Person.objects.create(
        uid=uid(103), first_name="Chloé", last_name="Durand", birth_date=dt.date(2016, 1, 9), sex="F"
    )
    mother = Person.objects.create(
        uid=uid(201),
        first_name="Claire",
        last_name="Martin",
        email="claire.martin@example.org",
        mobile_phone="+33600000001",
        aaf_jointure="2001",
    )
    teacher = Person.objects.create(
        uid=uid(301),
        first_name="Denis",
        last_name="Petit",
        email="denis.petit@ac-rennes.fr",
        aaf_jointure="3001",
    )
    head = Person.objects.create(
        uid=uid(302), first_name="Emma", last_name="Roux", email="emma.roux@ac-rennes.fr"
    )
    begin = dt.date(2025, 9, 1)
    Enrolment.objects.create(uid=uid(1001), person=alice, class_group=sixieme, begin_date=begin)
    Enrolment.objects.create(uid=uid(1002), person=bruno, class_group=sixieme, begin_date=begin)
    Enrolment.objects.create(uid=uid(1003), person=alice, class_group=latin_group, begin_date=begin)
    Enrolment.objects.create(uid=uid(1004), person=chloe, class_group=cm1, begin_date=begin)
    Guardianship.objects.create(uid=uid(2001), guardian=mother, pupil=alice, relationship="mere")
    TeachingAssignment.objects.create(
        uid=uid(3001), person=teacher, class_group=sixieme, matiere=francais, begin_date=begin
    )
    TeachingAssignment.objects.create(
        uid=uid(3002), person=teacher, class_group=latin_group, matiere=latin, begin_date=begin
    )
    StaffFunction.objects.create(
        uid=uid(4001), person=teacher, etablissement=college, role="enseignant", begin_date=begin
    )
    StaffFunction.objects.create(
        uid=uid(4002), person=head, etablissement=college, role="direction", begin_date=begin
    )
    for model in (
        Etablissement,
        ClassGroup,
        Person,
        Enrolment,
        Guardianship,
        TeachingAssignment,
        StaffFunction,
    ):
        model.objects.update(date_last_modified=T0)
    return {
        "year": year,
        "college": college,
        "ecole": ecole,
        "sixieme": sixieme,
        "latin": latin_group,
        "cm1": cm1,
        "alice": alice,
        "bruno": bruno,
        "chloe": chloe,
        "mother": mother,
        "teacher": teacher,
        "head": head,
    }


def mark_changed(obj, when=T1, **changes) -> None:
    """Change a record as of `when` (queryset update: the save() hook would stamp `now`)."""
    type(obj).objects.filter(pk=obj.pk).update(date_last_modified=when, **changes)


def deleted(obj, when=T1) -> None:
    mark_changed(obj, when, status=RecordStatus.TO_BE_DELETED)
