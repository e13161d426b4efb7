"""The head's quiet-hours pages in headless Chromium: French, axe-core clean, errors announced."""

import pytest
from django.conf import settings
from django.test import Client

from socle.viescolaire.diffusion import services

from .conftest import paris

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_settings_page_is_french_and_axe_clean(page, live_server, world, axe_check):
    log_in(page, live_server, world.users["roux"])
    page.goto("/vie-scolaire/diffusion/")
    axe_check(page)
    page.get_by_role("link", name="Collège Simone Veil").click()
    assert page.locator("h1").inner_text() == "Heures calmes du Collège Simone Veil"
    axe_check(page)
    page.get_by_label("Début des heures calmes (soir)").fill("21:30")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.title().startswith("Erreur")
    field = page.get_by_label("Début des heures calmes (soir)")
    assert field.get_attribute("aria-invalid") == "true"
    assert "entre 18:00 et 20:00" in page.locator(".fr-error-text").first.inner_text()
    axe_check(page)
    field.fill("19:00")
    page.get_by_label("Zone de vacances scolaires").select_option("B")
    page.get_by_role("button", name="Enregistrer").click()
    assert "enregistrés" in page.get_by_role("status").inner_text()
    assert page.get_by_role("table").count() == 1  # the zone's holidays
    axe_check(page)


def test_urgent_review_page_is_axe_clean(page, live_server, world, axe_check, frozen):
    frozen(paris(2026, 3, 3, 22, 0))
    services.publish(
        "test-urgent",
        "b1",
        school_uai=world.uai,
        author=world.users["roux"],
        recipients=[world.uid("karim")],
        urgent=True,
        urgency_reason="Fermeture exceptionnelle demain",
    )
    log_in(page, live_server, world.users["adjointe"])
    page.goto(f"/vie-scolaire/diffusion/{world.uai}/urgences/")
    assert "Fermeture exceptionnelle demain" in page.get_by_role("table").inner_text()
    axe_check(page)
    page.get_by_label("Note d'examen").fill("Justifié")
    page.get_by_role("button", name="Marquer comme examinée").click()
    assert "Examinée le" in page.get_by_role("table").inner_text()
    axe_check(page)
