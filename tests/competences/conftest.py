"""Compétences' test world: Identité's registry (the journeys' personas, tests/identite/conftest.py)
plus four classmates of Léa in 4e B (two girls, two boys), a teacher of 5e C only (Dupont) and a
documentaliste of the collège; and helpers writing real-layout Pix Orga exports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from socle.competences import pixfiles, services
from socle.identite.models import AccountKind
from socle.referentiel import models as rm
from tests.identite.conftest import PASSWORD, World, make_user, world  # noqa: F401  (fixture)

PARIS = ZoneInfo("Europe/Paris")
SHARED = dt.datetime(2026, 1, 12, 14, 5, tzinfo=PARIS)
# Léa's profile in the tests: strong in writing (3.1), weak in interacting (2.1).
LEA = {code: (2, 19) for code in pixfiles.CODES} | {"3.1": (4, 35), "2.1": (1, 9), "4.2": (3, 24)}


@pytest.fixture
def cw(world):  # noqa: F811
    w: World = world
    start = w.year.start_date
    for key, first, last, ine, sex in [
        ("zoe", "Zoé", "Lambert", "123456789AF", "F"),
        ("jade", "Jade", "Roche", "123456789AG", "F"),
        ("hugo", "Hugo", "Blanc", "123456789AH", "M"),
        ("malo", "Malo", "Guerin", "123456789AJ", "M"),
    ]:
        w.persons[key] = rm.Person.objects.create(first_name=first, last_name=last, ine=ine, sex=sex)
        rm.Enrolment.objects.create(person=w.persons[key], class_group=w.classes["4B"], begin_date=start)
    dupont = rm.Person.objects.create(first_name="Marc", last_name="Dupont", email="marc.dupont@ac-rennes.fr")
    rm.StaffFunction.objects.create(
        person=dupont, etablissement=w.schools["college"], role="enseignant", begin_date=start
    )
    rm.TeachingAssignment.objects.create(
        person=dupont, class_group=w.classes["5C"], matiere=w.matieres["french"], begin_date=start
    )
    doc = rm.Person.objects.create(first_name="Anne", last_name="Le Goff", email="anne.legoff@ac-rennes.fr")
    rm.StaffFunction.objects.create(
        person=doc, etablissement=w.schools["college"], role="documentaliste", begin_date=start
    )
    w.persons.update(dupont=dupont, doc=doc)
    w.users["dupont"] = make_user("dupont", kind=AccountKind.STAFF, person=dupont)
    w.users["doc"] = make_user("doc", kind=AccountKind.STAFF, person=doc)
    return w


def competences() -> list[tuple[str, str]]:
    return [(c.code, c.label) for c in services.framework_competences()]


def participant(w, key, levels=None, *, shared_at=SHARED, identifier=None) -> pixfiles.Participant:
    person = w.persons[key]
    levels = levels if levels is not None else pixfiles.synthetic_profile(key, "4E")
    return pixfiles.Participant(
        last_name=person.last_name,
        first_name=person.first_name,
        identifier=identifier if identifier is not None else person.ine,
        division="4e B",
        shared_at=shared_at,
        competences=dict(levels),
        certifiable=False,
        certifiable_count=0,
    )


def write_export(path: Path, participants, **options) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        pixfiles.write_profiles_export(
            handle,
            participants,
            competences(),
            organization="Collège Simone Veil",
            campaign_id=4242,
            code="SOCLE4B",
            name="Profils 4e B",
            **options,
        )
    return path


def give_profiles(w, levels_by_key: dict[str, dict]) -> None:
    """Record profiles as the importer or the provider would (`services.record_profile`)."""
    from socle.competences.models import Source

    for key, levels in levels_by_key.items():
        services.record_profile(str(w.persons[key].uid), dict(levels), shared_at=SHARED, source=Source.DEMO)


def class_profiles(w) -> None:
    """4e B: Léa, Zoé and Hugo under level 2 in 2.1 (Interagir); Jade and Malo at 3."""
    strong = {code: (3, 24) for code in pixfiles.CODES}
    give_profiles(
        w,
        {
            "lea": LEA,
            "zoe": strong | {"2.1": (0, 3)},
            "hugo": strong | {"2.1": (1, 8)},
            "jade": strong,
            "malo": strong,
            "tom": strong,
            "ines": {code: (1, 8) for code in pixfiles.CODES},
        },
    )
