"""Vie scolaire's pages in headless Chromium: axe-core clean, French, usable with the keyboard
(labels on every field), for the teacher, the pupil and the guardian."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client

from socle.viescolaire import services
from socle.viescolaire.diffusion import delivery

from .conftest import FRIDAY_2110, MONDAY_0700, uid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_teacher_pages_are_axe_clean(page, axe_check, live_server, vs, at):
    at(FRIDAY_2110)
    log_in(page, live_server, vs.users["martin"])
    page.goto("/vie-scolaire/messages/nouveau/")
    assert "sera distribué le lundi 30 novembre 2026 à 07:00" in page.locator("#delivery-notice").inner_text()
    axe_check(page)
    # Submitting without a recipient: the error is announced and the page stays clean.
    page.get_by_label("Objet").fill("Réunion parents-professeurs")
    page.get_by_label("Message").fill("Jeudi à 18 h.")
    page.get_by_role("button", name="Envoyer").click()
    assert "Choisissez au moins un destinataire." in page.get_by_role("alert").inner_text()
    axe_check(page)
    page.get_by_label("Responsables des élèves de 4e B").press("Space")  # with the keyboard
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url("**/vie-scolaire/messages/*/")
    assert "Sera distribué le lundi 30 novembre 2026 à 07:00" in page.content()
    axe_check(page)  # thread
    page.goto("/vie-scolaire/")
    assert page.get_by_role("link", name="Réunion parents-professeurs").count() == 1
    axe_check(page)  # inbox
    page.goto("/vie-scolaire/devoirs/nouveau/")
    axe_check(page)
    page.get_by_label("Classe et matière").select_option(label="4e B — Mathématiques")
    page.get_by_label("Titre").fill("Exercices 12 à 15")
    page.get_by_label("Pour le").fill("2026-12-04")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/vie-scolaire/devoirs/?classe=*")
    assert "Exercices 12 à 15" in page.content()
    axe_check(page)  # homework list, with the quiet-hours warning
    page.goto("/vie-scolaire/notes/")
    axe_check(page)
    page.get_by_label("Classe et matière").select_option(label="4e B — Mathématiques")
    page.get_by_label("Titre").fill("Contrôle fractions")
    page.get_by_label("Date").fill("2026-11-27")
    page.get_by_role("button", name="Créer et saisir les notes").click()
    page.wait_for_url("**/vie-scolaire/notes/evaluations/*/")
    page.get_by_label("Note de Moreau Léa").fill("15,5")
    page.get_by_label("Statut de Lambert Zoé").select_option("absent")
    page.get_by_role("button", name="Enregistrer les notes").click()
    assert "2 note(s) enregistrée(s)." in page.content()
    axe_check(page)  # marks entry
    page.get_by_label("Note de Moreau Léa").fill("25")
    page.get_by_role("button", name="Enregistrer les notes").click()
    assert "entre 0 et 20" in page.get_by_role("alert").inner_text()
    axe_check(page)
    page.get_by_role("button", name="Publier les notes").click()
    assert "Notes publiées" in page.content()


def test_family_pages_are_axe_clean(page, axe_check, live_server, vs, at):
    at(FRIDAY_2110)
    martin = vs.user("martin")
    message = services.start_thread(
        martin,
        subject="Sortie au musée",
        body="Autorisation à signer.",
        audience_keys=[f"class:{vs.classes['4B'].uid}:guardians"],
    )
    services.set_homework(
        martin,
        class_uid=str(vs.classes["4B"].uid),
        subject_code="061300",
        title="Exercice 7",
        description="",
        due_date=dt.date(2026, 12, 4),
    )
    evaluation = services.create_evaluation(
        martin,
        class_uid=str(vs.classes["4B"].uid),
        subject_code="061300",
        title="Contrôle 1",
        date=dt.date(2026, 11, 27),
    )
    services.enter_marks(
        martin, evaluation, {uid(vs, "lea"): ("marked", "14"), uid(vs, "zoe"): ("marked", "9")}
    )
    services.release_marks(martin, evaluation)
    at(MONDAY_0700)
    delivery.deliver_due(MONDAY_0700)
    log_in(page, live_server, vs.users["lea"])
    page.goto("/vie-scolaire/notes/")
    table = page.get_by_role("table", name="Notes publiées de Léa Moreau")
    assert "14 / 20" in table.inner_text() and "9 / 20" not in page.content()
    axe_check(page)  # marks view (pupil)
    page.goto("/vie-scolaire/devoirs/")
    assert "Exercice 7" in page.content()
    axe_check(page)  # homework (pupil)
    log_in(page, live_server, vs.users["karim"])
    page.goto("/vie-scolaire/notes/")
    assert "Contrôle 1" not in page.content()  # guardians get the marks 24 h after the pupils
    axe_check(page)
    page.goto("/vie-scolaire/")
    page.get_by_role("link", name="Sortie au musée").first.click()
    page.wait_for_url(f"**/vie-scolaire/messages/{message.thread.uid}/")
    page.get_by_label("Votre réponse").fill("Signée.")
    page.get_by_role("button", name="Envoyer la réponse").click()
    assert "Message distribué." in page.content()
    axe_check(page)  # thread (guardian)
