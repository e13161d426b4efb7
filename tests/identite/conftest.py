"""A small registry for Identité's tests: two départements of one académie, a collège, an école
and a lycée in the same commune, a collège and an école elsewhere, the journeys' personas."""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from socle.identite.models import Account, AccountKind, AccountState
from socle.identite.services import grant_territory
from socle.referentiel import models as rm
from socle.referentiel.codes import make_uai


@dataclass
class World:
    schools: dict = field(default_factory=dict)
    classes: dict = field(default_factory=dict)
    persons: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    matieres: dict = field(default_factory=dict)
    year: object = None

    def user(self, name):
        return get_user_model().objects.select_related("account").get(pk=self.users[name].pk)


PASSWORD = "correct horse battery staple 42"


def run_tasks() -> int:
    """Run the queued background tasks (e-mailed and texted codes: identite.tasks) with the real
    worker's `run_task`, inside the test's transaction (`db_worker` itself closes connections
    between tasks, which a transactional test case cannot survive). Returns how many ran."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    count = 0
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        count += 1
    return count


def make_user(username, *, kind, person=None, state=AccountState.ACTIVE, password=PASSWORD, **extra):
    user = get_user_model().objects.create_user(username=username, password=password, **extra)
    Account.objects.create(
        user=user,
        kind=kind,
        person_uid=person.uid if person else None,
        state=state,
        activated_at=timezone.now() if state == AccountState.ACTIVE else None,
    )
    return user


@pytest.fixture
def world(db):
    today = timezone.localdate()
    start = today - dt.timedelta(days=60)
    w = World()
    region = rm.RegionAcademique.objects.create(code="53", name="Bretagne")
    academie = rm.Academie.objects.create(code="14", name="Rennes", region=region)
    other_region = rm.RegionAcademique.objects.create(code="11", name="Île-de-France")
    other_academie = rm.Academie.objects.create(code="24", name="Créteil", region=other_region)
    d35 = rm.Departement.objects.create(code="35", name="Ille-et-Vilaine", academie=academie)
    d29 = rm.Departement.objects.create(code="29", name="Finistère", academie=academie)
    d94 = rm.Departement.objects.create(code="94", name="Val-de-Marne", academie=other_academie)
    kerbrient = rm.Commune.objects.create(code="35999", name="Kerbrient-sur-Vilaine", departement=d35)
    other_commune = rm.Commune.objects.create(code="35238", name="Rennes", departement=d35)
    brest = rm.Commune.objects.create(code="29019", name="Brest", departement=d29)
    creteil = rm.Commune.objects.create(code="94028", name="Créteil", departement=d94)
    w.year = rm.SchoolYear.objects.create(
        code=f"{start.year}-{start.year + 1}",
        start_date=start,
        end_date=today + dt.timedelta(days=200),
        is_current=True,
    )

    def school(key, seven, name, type_, commune, collectivite_type, collectivite_code):
        w.schools[key] = rm.Etablissement.objects.create(
            uai=make_uai(seven),
            name=name,
            type=type_,
            commune=commune,
            departement=commune.departement,
            academie=commune.departement.academie,
            region=commune.departement.academie.region,
            collectivite_type=collectivite_type,
            collectivite_code=collectivite_code,
        )

    school("college", "0350001", "Collège Simone Veil", "college", kerbrient, "departement", "35")
    school("ecole", "0350002", "École Jacques Prévert", "ecole_primaire", kerbrient, "commune", "35999")
    school("lycee", "0350003", "Lycée Marie Curie", "lycee_gt", kerbrient, "region", "53")
    school(
        "ecole_rennes", "0350004", "École de Rennes", "ecole_elementaire", other_commune, "commune", "35238"
    )
    school("college_brest", "0290001", "Collège de Brest", "college", brest, "departement", "29")
    school("college_creteil", "0940001", "Collège de Créteil", "college", creteil, "departement", "94")

    def klass(key, school_key, code, name, level, kind="division"):
        w.classes[key] = rm.ClassGroup.objects.create(
            etablissement=w.schools[school_key],
            school_year=w.year,
            code=code,
            name=name,
            level=level,
            kind=kind,
        )

    klass("4B", "college", "4B", "4e B", "4E")
    klass("3A", "college", "3A", "3e A", "3E")
    klass("5C", "college", "5C", "5e C", "5E")
    klass("latin", "college", "4LAT", "Latin 4e", "", kind="groupe")
    klass("CM1", "ecole", "CM1", "CM1", "CM1")
    klass("brest6", "college_brest", "6A", "6e A", "6E")
    w.matieres["maths"] = rm.Matiere.objects.create(code="061300", short_label="MATHS", label="Mathématiques")
    w.matieres["french"] = rm.Matiere.objects.create(code="020100", short_label="FRANC", label="Français")

    def person(key, first, last, **extra):
        w.persons[key] = rm.Person.objects.create(first_name=first, last_name=last, **extra)
        return w.persons[key]

    lea = person("lea", "Léa", "Moreau", ine="123456789AB", birth_date=dt.date(2012, 3, 4), sex="F")
    ines = person("ines", "Inès", "Moreau", ine="123456789AC", birth_date=dt.date(2016, 5, 6), sex="F")
    tom = person("tom", "Tom", "Durand", ine="123456789AD", birth_date=dt.date(2013, 1, 2), sex="M")
    noe = person("noe", "Noé", "Petit", ine="123456789AE", birth_date=dt.date(2012, 7, 8), sex="M")
    karim = person("karim", "Karim", "Moreau", email="karim@example.org", mobile_phone="06 12 34 56 78")
    durand = person("durand", "Paul", "Durand", email="paul.durand@example.org")
    martin = person("martin", "Claire", "Martin", email="claire.martin@ac-rennes.fr")
    roux = person("roux", "Philippe", "Roux", email="philippe.roux@ac-rennes.fr")
    diallo = person("diallo", "Aminata", "Diallo", email="aminata.diallo@ac-rennes.fr")
    vs = person("cpe", "Yann", "Le Bihan", email="yann.lebihan@ac-rennes.fr")

    rm.Enrolment.objects.create(person=lea, class_group=w.classes["4B"], begin_date=start)
    rm.Enrolment.objects.create(person=lea, class_group=w.classes["latin"], begin_date=start)
    rm.Enrolment.objects.create(person=ines, class_group=w.classes["CM1"], begin_date=start)
    rm.Enrolment.objects.create(person=tom, class_group=w.classes["5C"], begin_date=start)
    rm.Enrolment.objects.create(person=noe, class_group=w.classes["brest6"], begin_date=start)
    rm.Guardianship.objects.create(guardian=karim, pupil=lea, relationship="pere")
    rm.Guardianship.objects.create(guardian=karim, pupil=ines, relationship="pere")
    rm.Guardianship.objects.create(guardian=durand, pupil=tom, relationship="pere")
    rm.StaffFunction.objects.create(
        person=martin, etablissement=w.schools["college"], role="enseignant", begin_date=start
    )
    rm.StaffFunction.objects.create(
        person=martin, etablissement=w.schools["college"], role="responsable_affectation", begin_date=start
    )
    rm.TeachingAssignment.objects.create(
        person=martin, class_group=w.classes["4B"], matiere=w.matieres["maths"], begin_date=start
    )
    rm.TeachingAssignment.objects.create(
        person=martin, class_group=w.classes["3A"], matiere=w.matieres["maths"], begin_date=start
    )
    rm.StaffFunction.objects.create(
        person=roux, etablissement=w.schools["college"], role="direction", begin_date=start
    )
    rm.StaffFunction.objects.create(
        person=diallo, etablissement=w.schools["ecole"], role="direction", begin_date=start
    )
    rm.StaffFunction.objects.create(
        person=vs, etablissement=w.schools["college"], role="vie_scolaire", begin_date=start
    )

    w.users["lea"] = make_user("lea", kind=AccountKind.PUPIL, person=lea)
    w.users["ines"] = make_user("ines", kind=AccountKind.PUPIL, person=ines)
    w.users["tom"] = make_user("tom", kind=AccountKind.PUPIL, person=tom)
    w.users["karim"] = make_user("karim", kind=AccountKind.GUARDIAN, person=karim, email="karim@example.org")
    w.users["durand"] = make_user("durand", kind=AccountKind.GUARDIAN, person=durand)
    w.users["martin"] = make_user("martin", kind=AccountKind.STAFF, person=martin)
    w.users["roux"] = make_user("roux", kind=AccountKind.STAFF, person=roux)
    w.users["diallo"] = make_user("diallo", kind=AccountKind.STAFF, person=diallo)
    w.users["cpe"] = make_user("cpe", kind=AccountKind.STAFF, person=vs)
    for name, kind, code in [
        ("departement", "departement", "35"),
        ("commune", "commune", "35999"),
        ("region", "region", "53"),
        ("academie", "academie", "14"),
        ("ministere", "ministry", ""),
    ]:
        w.users[name] = make_user(name, kind=AccountKind.TERRITORIAL)
        grant_territory(w.users[name].account, kind, code)
    w.users["operateur"] = make_user("operateur", kind=AccountKind.OPERATOR, is_staff=True)
    w.users["editeur"] = make_user("editeur", kind=AccountKind.PARTNER)
    return w
