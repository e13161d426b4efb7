"""Who sees whose results: the pupil, their guardians, the teachers of their classes and the head
of their school — every other persona is refused (404: a stranger cannot tell "not allowed" from
"does not exist"). Staff reads are audited; family reads are not."""

import pytest
from auditlog.models import LogEntry
from django.test import Client

from socle.competences.audit import profile_reads
from socle.referentiel import models as rm

from .conftest import class_profiles

pytestmark = pytest.mark.django_db


def client_for(w, name):
    client = Client()
    if name:
        client.force_login(w.user(name))
    return client


def profile_url(w, key):
    return f"/competences/eleves/{w.persons[key].uid}/"


def matrix_url(w, key):
    return f"/competences/classes/{w.classes[key].uid}/"


@pytest.mark.parametrize(
    ("reader", "pupil", "status"),
    [
        ("lea", "lea", 200),  # herself
        ("karim", "lea", 200),  # her father
        ("karim", "ines", 200),  # his other child, at the école
        ("martin", "lea", 200),  # her maths teacher (4e B)
        ("roux", "lea", 200),  # the head of her collège
        ("diallo", "ines", 200),  # the head of Inès's école
        ("dupont", "tom", 200),  # Tom's teacher (5e C)
        ("durand", "lea", 404),  # another pupil's guardian
        ("dupont", "lea", 404),  # a teacher of another class of the same collège
        ("diallo", "lea", 404),  # the head of another school
        ("cpe", "lea", 404),  # vie scolaire: sees the pupil's record, not her results
        ("doc", "lea", 404),  # documentaliste
        ("tom", "lea", 404),  # another pupil
        ("operateur", "lea", 404),  # the platform's operator
        ("departement", "lea", 404),  # territorial officers see aggregates only
        ("ministere", "lea", 404),
        ("editeur", "lea", 404),  # a resource provider
        ("martin", "ines", 404),  # not Inès's teacher
    ],
)
def test_who_sees_whose_profile(cw, reader, pupil, status):
    class_profiles(cw)
    response = client_for(cw, reader).get(profile_url(cw, pupil))
    assert response.status_code == status
    if status == 200:
        assert "Interagir" in response.content.decode()


def test_anonymous_is_sent_to_log_in(cw):
    response = Client().get(profile_url(cw, "lea"))
    assert response.status_code == 302 and "/identite/connexion/" in response["Location"]


@pytest.mark.parametrize(
    ("reader", "status"),
    [
        ("martin", 200),
        ("roux", 200),
        ("dupont", 404),
        ("lea", 404),
        ("karim", 404),
        ("cpe", 404),
        ("operateur", 404),
    ],
)
def test_who_opens_the_class_matrix(cw, reader, status):
    class_profiles(cw)
    assert client_for(cw, reader).get(matrix_url(cw, "4B")).status_code == status


def test_a_pupil_who_left_the_class_leaves_her_teachers_sight(cw):
    class_profiles(cw)
    martin = client_for(cw, "martin")
    assert martin.get(profile_url(cw, "lea")).status_code == 200
    rm.Enrolment.objects.filter(person=cw.persons["lea"]).update(end_date=cw.year.start_date)
    martin = client_for(cw, "martin")  # roles are computed per request
    assert martin.get(profile_url(cw, "lea")).status_code == 404
    assert client_for(cw, "roux").get(profile_url(cw, "lea")).status_code == 404
    assert client_for(cw, "karim").get(profile_url(cw, "lea")).status_code == 200  # still her father


def test_staff_reads_are_audited_and_family_reads_are_not(cw):
    class_profiles(cw)
    lea = cw.persons["lea"].uid
    client_for(cw, "lea").get(profile_url(cw, "lea"))
    client_for(cw, "karim").get(profile_url(cw, "lea"))
    assert profile_reads(lea).count() == 0
    client_for(cw, "martin").get(profile_url(cw, "lea"))
    client_for(cw, "roux").get(profile_url(cw, "lea"))
    entries = list(profile_reads(lea))
    assert [(e.actor.username, e.additional_data["relation"]) for e in entries] == [
        ("roux", "head"),
        ("martin", "teacher"),
    ]
    assert entries[1].additional_data["channel"] == "page"
    assert entries[1].changes_text == f"GET /competences/eleves/{lea}/: results read as teacher"
    assert "level" not in str(entries[1].additional_data)  # never a copy of a result
    # The matrix shows every pupil of the class: one entry per pupil shown, filed under each.
    client_for(cw, "martin").get(matrix_url(cw, "4B"))
    context = f"class {cw.classes['4B'].uid}"
    pupils = {
        str(e.person.uid)
        for e in rm.Enrolment.objects.filter(class_group=cw.classes["4B"]).select_related("person")
    }
    matrix_reads = LogEntry.objects.filter(actor__username="martin", additional_data__context=context)
    assert sorted(matrix_reads.values_list("object_pk", flat=True)) == sorted(pupils)
    assert profile_reads(lea).filter(additional_data__context=context).count() == 1
    # A refused read writes no audit entry (nothing was shown).
    client_for(cw, "dupont").get(profile_url(cw, "lea"))
    assert not profile_reads(lea).filter(actor__username="dupont").exists()
