"""A small registry for the delivery tests: one collège with its head, deputy, a teacher, a
pupil and her father; a second collège whose head must not act on the first."""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from socle.identite.models import Account, AccountKind, AccountState
from socle.referentiel import models as rm
from socle.referentiel.codes import make_uai
from socle.viescolaire.diffusion import clock, holidays
from socle.viescolaire.diffusion.channels import OutboxPushBackend
from socle.viescolaire.diffusion.models import HolidayPeriod
from socle.viescolaire.diffusion.quiet_hours import PARIS


@dataclass
class World:
    schools: dict = field(default_factory=dict)
    persons: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def uid(self, name) -> str:
        return str(self.persons[name].uid)

    @property
    def uai(self) -> str:
        return self.schools["college"].uai


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def make_user(username, *, kind, person=None, **extra):
    user = get_user_model().objects.create_user(username=username, password="x-Unused-42!", **extra)
    Account.objects.create(
        user=user,
        kind=kind,
        person_uid=person.uid if person else None,
        state=AccountState.ACTIVE,
        activated_at=timezone.now(),
    )
    return user


@pytest.fixture
def world(db):
    # The holiday calendar is seeded by a data migration, but transactional tests (live server)
    # flush every table after them: seed it again (idempotent) so test order does not matter.
    holidays.seed(HolidayPeriod)
    today = timezone.localdate()
    start = today - dt.timedelta(days=400)
    w = World()
    region = rm.RegionAcademique.objects.create(code="53", name="Bretagne")
    academie = rm.Academie.objects.create(code="14", name="Rennes", region=region)
    d35 = rm.Departement.objects.create(code="35", name="Ille-et-Vilaine", academie=academie)
    commune = rm.Commune.objects.create(code="35238", name="Rennes", departement=d35)
    year = rm.SchoolYear.objects.create(
        code=f"{start.year}-{start.year + 1}",
        start_date=start,
        end_date=today + dt.timedelta(days=400),
        is_current=True,
    )
    for key, seven, name in [
        ("college", "0350001", "Collège Simone Veil"),
        ("other", "0350009", "Collège Anne de Bretagne"),
    ]:
        w.schools[key] = rm.Etablissement.objects.create(
            uai=make_uai(seven),
            name=name,
            type="college",
            commune=commune,
            departement=d35,
            academie=academie,
            region=region,
            collectivite_type="departement",
            collectivite_code="35",
        )
    klass = rm.ClassGroup.objects.create(
        etablissement=w.schools["college"],
        school_year=year,
        code="4B",
        name="4e B",
        level="4E",
        kind="division",
    )
    maths = rm.Matiere.objects.create(code="061300", short_label="MATHS", label="Mathématiques")

    def person(key, first, last, **extra):
        w.persons[key] = rm.Person.objects.create(first_name=first, last_name=last, **extra)
        return w.persons[key]

    lea = person("lea", "Léa", "Moreau", ine="123456789AB", birth_date=dt.date(2012, 3, 4), sex="F")
    karim = person("karim", "Karim", "Moreau", email="karim@example.org")
    martin = person("martin", "Claire", "Martin", email="claire.martin@ac-rennes.fr")
    roux = person("roux", "Philippe", "Roux", email="philippe.roux@ac-rennes.fr")
    adjointe = person("adjointe", "Sophie", "Le Goff", email="sophie.legoff@ac-rennes.fr")
    other_head = person("other_head", "Marc", "Kerjean", email="marc.kerjean@ac-rennes.fr")
    cpe = person("cpe", "Yann", "Le Bihan", email="yann.lebihan@ac-rennes.fr")
    rm.Enrolment.objects.create(person=lea, class_group=klass, begin_date=start)
    rm.Guardianship.objects.create(guardian=karim, pupil=lea, relationship="pere")
    rm.TeachingAssignment.objects.create(person=martin, class_group=klass, matiere=maths, begin_date=start)
    for who, school, role in [
        (martin, "college", "enseignant"),
        (roux, "college", "direction"),
        (adjointe, "college", "adjoint"),
        (other_head, "other", "direction"),
        (cpe, "college", "vie_scolaire"),
    ]:
        rm.StaffFunction.objects.create(
            person=who, etablissement=w.schools[school], role=role, begin_date=start
        )
    w.users["lea"] = make_user("lea", kind=AccountKind.PUPIL, person=lea)
    w.users["karim"] = make_user("karim", kind=AccountKind.GUARDIAN, person=karim)
    for key in ("martin", "roux", "adjointe", "other_head", "cpe"):
        w.users[key] = make_user(key, kind=AccountKind.STAFF, person=w.persons[key])
    w.users["operateur"] = make_user("operateur", kind=AccountKind.OPERATOR, is_staff=True)
    return w


@pytest.fixture(autouse=True)
def _clean_outbox():
    OutboxPushBackend.outbox.clear()
    yield
    OutboxPushBackend.outbox.clear()


@pytest.fixture
def frozen(db):
    """Freeze the platform clock (the TestClock row) at a Paris wall time; returns a setter."""

    def set_to(at: dt.datetime) -> dt.datetime:
        clock.freeze(at)
        return at

    yield set_to
    clock.unfreeze()
