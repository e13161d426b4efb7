"""Vie scolaire's test world: Identité's registry (the journeys' personas, see
tests/identite/conftest.py) plus a classmate of Léa with her own guardian, and a French teacher
who teaches 5e C only. Times are set on the diffusion brick's test clock (Europe/Paris)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from socle.identite.models import AccountKind
from socle.referentiel import models as rm
from socle.viescolaire.diffusion import clock
from tests.identite.conftest import PASSWORD, World, make_user, world  # noqa: F401  (fixture)

PARIS = ZoneInfo("Europe/Paris")
# Journeys §4: Friday evening → Monday 07:00.
FRIDAY_2110 = dt.datetime(2026, 11, 27, 21, 10, tzinfo=PARIS)
FRIDAY_2200 = dt.datetime(2026, 11, 27, 22, 0, tzinfo=PARIS)
MONDAY_0700 = dt.datetime(2026, 11, 30, 7, 0, tzinfo=PARIS)
TUESDAY_1000 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)


@pytest.fixture
def vs(world):  # noqa: F811
    w: World = world
    start = w.year.start_date
    zoe = rm.Person.objects.create(first_name="Zoé", last_name="Lambert", ine="123456789AF")
    nadia = rm.Person.objects.create(first_name="Nadia", last_name="Lambert", email="nadia@example.org")
    dupont = rm.Person.objects.create(first_name="Marc", last_name="Dupont", email="marc.dupont@ac-rennes.fr")
    rm.Enrolment.objects.create(person=zoe, class_group=w.classes["4B"], begin_date=start)
    rm.Guardianship.objects.create(guardian=nadia, pupil=zoe, relationship="mere")
    rm.StaffFunction.objects.create(
        person=dupont, etablissement=w.schools["college"], role="enseignant", begin_date=start
    )
    rm.TeachingAssignment.objects.create(
        person=dupont, class_group=w.classes["5C"], matiere=w.matieres["french"], begin_date=start
    )
    w.persons.update(zoe=zoe, nadia=nadia, dupont=dupont)
    w.users["zoe"] = make_user("zoe", kind=AccountKind.PUPIL, person=zoe)
    w.users["nadia"] = make_user("nadia", kind=AccountKind.GUARDIAN, person=nadia)
    w.users["dupont"] = make_user("dupont", kind=AccountKind.STAFF, person=dupont)
    w.users["stranger"] = make_user("stranger", kind=AccountKind.GUARDIAN)
    return w


@pytest.fixture
def at():
    """Freeze the platform clock: `at(instant)`; unfrozen afterwards."""
    yield clock.freeze
    clock.unfreeze()


def uid(w, name) -> str:
    return str(w.persons[name].uid)
