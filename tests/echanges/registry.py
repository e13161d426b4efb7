"""Helpers to empty the registry (territories excepted) inside a test."""

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


def empty_registry() -> None:
    for model in (Enrolment, TeachingAssignment, StaffFunction, Guardianship, ClassGroup, Period):
        model.objects.all().delete()
    for model in (Person, Etablissement, SchoolYear, Mef, Matiere):
        model.objects.all().delete()
