"""Vie scolaire's pages through Django's test client: French, authorised, audited."""

import datetime as dt

import pytest
from django.test import Client

from socle.viescolaire import audit, services
from socle.viescolaire.diffusion import delivery
from socle.viescolaire.models import Evaluation, Homework, Mark, Thread

from .conftest import FRIDAY_2110, MONDAY_0700, TUESDAY_1000, uid

pytestmark = pytest.mark.django_db


def client_for(world, name):
    client = Client()
    client.force_login(world.users[name])
    return client


def test_pages_need_a_login(vs):
    response = Client().get("/vie-scolaire/")
    assert response.status_code == 302
    assert response["Location"].startswith("/identite/connexion/")


def test_compose_shows_the_delivery_time_and_holds_the_message(vs, at):
    at(FRIDAY_2110)
    client = client_for(vs, "martin")
    page = client.get("/vie-scolaire/messages/nouveau/").content.decode()
    assert "sera distribué le lundi 30 novembre 2026 à 07:00" in page
    assert "Responsables des élèves de 4e B" in page
    assert "Toutes les familles" not in page and "5e C" not in page
    assert "Envoi urgent" not in page  # teachers are not offered the urgent send
    response = client.post(
        "/vie-scolaire/messages/nouveau/",
        {
            "recipients": [f"class:{vs.classes['4B'].uid}:guardians"],
            "subject": "Réunion",
            "body": "Jeudi 18 h.",
        },
        follow=True,
    )
    thread = Thread.objects.get()
    assert response.redirect_chain[-1][0] == f"/vie-scolaire/messages/{thread.uid}/"
    assert "Sera distribué le lundi 30 novembre 2026 à 07:00" in response.content.decode()
    # Karim cannot open it before Monday 07:00 …
    assert client_for(vs, "karim").get(f"/vie-scolaire/messages/{thread.uid}/").status_code == 404
    delivery.deliver_due(MONDAY_0700)
    page = client_for(vs, "karim").get(f"/vie-scolaire/messages/{thread.uid}/").content.decode()
    assert "Jeudi 18 h." in page and "Sera distribué" not in page
    inbox = client_for(vs, "karim").get("/vie-scolaire/").content.decode()
    assert "Nouveau message : Réunion" in inbox and "Non lue" not in inbox  # read: the thread was opened
    assert "Non lue" in client_for(vs, "nadia").get("/vie-scolaire/").content.decode()
    # … and a reply by Karim reaches Mme Martin only.
    client_for(vs, "karim").post(f"/vie-scolaire/messages/{thread.uid}/", {"body": "Merci."})
    assert client_for(vs, "durand").get(f"/vie-scolaire/messages/{thread.uid}/").status_code == 404


def test_compose_refuses_a_class_the_teacher_does_not_teach(vs, at):
    at(TUESDAY_1000)
    response = client_for(vs, "martin").post(
        "/vie-scolaire/messages/nouveau/",
        {"recipients": [f"class:{vs.classes['5C'].uid}:guardians"], "subject": "x", "body": "y"},
    )
    assert response.status_code == 200 and not Thread.objects.exists()
    page = response.content.decode()
    assert "<title>Erreur" in page and 'id="recipients-messages"' in page
    assert "Sélectionnez un choix valide" in page  # not even offered
    # A person with no school role may not compose at all.
    assert client_for(vs, "stranger").get("/vie-scolaire/messages/nouveau/").status_code == 403


def test_urgent_send_needs_a_reason_and_shows_the_error(vs, at):
    at(FRIDAY_2110)
    client = client_for(vs, "roux")
    uai = vs.schools["college"].uai
    data = {
        "recipients": [f"school:{uai}:families"],
        "subject": "Fermeture",
        "body": "Fermé lundi.",
        "urgent": "on",
    }
    response = client.post("/vie-scolaire/messages/nouveau/", data)
    page = response.content.decode()
    assert response.status_code == 200 and 'id="id_urgency_reason-error"' in page
    assert 'aria-invalid="true"' in page
    assert not Thread.objects.exists()
    response = client.post(
        "/vie-scolaire/messages/nouveau/", {**data, "urgency_reason": "Inondation"}, follow=True
    )
    assert "Message urgent distribué immédiatement." in response.content.decode()
    page = client_for(vs, "karim").get(f"/vie-scolaire/messages/{Thread.objects.get().uid}/").content.decode()
    assert "Fermé lundi." in page and "Inondation" in page


def test_homework_pages(vs, at):
    at(FRIDAY_2110)
    client = client_for(vs, "martin")
    response = client.post(
        "/vie-scolaire/devoirs/nouveau/",
        {"teaching": f"{vs.classes['4B'].uid}|061300", "title": "Exercice 3", "due_date": "2026-12-04"},
        follow=True,
    )
    page = response.content.decode()
    assert Homework.objects.count() == 1
    assert "30/11/2026 07:00" in page  # the diffusion brick's warning (its own date format)
    assert "Sera distribué le lundi 30 novembre 2026 à 07:00" in page
    assert "Exercice 3" not in client_for(vs, "lea").get("/vie-scolaire/devoirs/").content.decode()
    delivery.deliver_due(MONDAY_0700)
    assert "Exercice 3" in client_for(vs, "lea").get("/vie-scolaire/devoirs/").content.decode()
    assert "Exercice 3" in client_for(vs, "karim").get("/vie-scolaire/devoirs/").content.decode()
    assert "Exercice 3" not in client_for(vs, "durand").get("/vie-scolaire/devoirs/").content.decode()
    # A teacher of another class cannot list 4e B's cahier de textes.
    other = client_for(vs, "dupont").get(f"/vie-scolaire/devoirs/?classe={vs.classes['4B'].uid}")
    assert other.status_code == 404
    assert client_for(vs, "lea").get("/vie-scolaire/devoirs/nouveau/").status_code == 403
    # The head reads any class's cahier de textes of the school, without setting homework.
    head = (
        client_for(vs, "roux").get(f"/vie-scolaire/devoirs/?classe={vs.classes['4B'].uid}").content.decode()
    )
    assert "Exercice 3" in head and "/vie-scolaire/devoirs/nouveau/" not in head


def test_marks_entry_release_and_view(vs, at):
    at(FRIDAY_2110)
    client = client_for(vs, "martin")
    response = client.post(
        "/vie-scolaire/notes/",
        {
            "teaching": f"{vs.classes['4B'].uid}|061300",
            "title": "Contrôle 1",
            "date": "2026-11-27",
            "scale": "20",
            "coefficient": "1",
        },
    )
    evaluation = Evaluation.objects.get()
    url = f"/vie-scolaire/notes/evaluations/{evaluation.uid}/"
    assert response["Location"] == url
    lea, zoe = uid(vs, "lea"), uid(vs, "zoe")
    bad = client.post(url, {"action": "save", f"mark-{lea}": "25", f"mark-{zoe}": ""})
    assert "entre 0 et 20" in bad.content.decode() and not Mark.objects.exists()
    client.post(url, {"action": "save", f"mark-{lea}": "14", f"status-{zoe}": "absent"})
    assert Mark.objects.count() == 2
    assert audit.marks_reads(evaluation).count() >= 1  # the teacher's reads are logged
    client.post(url, {"action": "release"})
    evaluation.refresh_from_db()
    assert evaluation.pupils_at == MONDAY_0700
    delivery.deliver_due(MONDAY_0700)
    assert "14" in client_for(vs, "lea").get("/vie-scolaire/notes/").content.decode()
    assert "Contrôle 1" not in client_for(vs, "karim").get("/vie-scolaire/notes/").content.decode()
    delivery.deliver_due(MONDAY_0700 + dt.timedelta(days=1))
    assert "Contrôle 1" in client_for(vs, "karim").get("/vie-scolaire/notes/").content.decode()
    # Another teacher, a pupil, the head: the entry page does not exist for them.
    for name in ("dupont", "lea", "roux", "stranger"):
        assert client_for(vs, name).get(url).status_code == 404
    assert services.marks_of_pupil(vs.user("zoe"), zoe)[0].status == "absent"
