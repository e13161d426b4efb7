"""The demo personas in Chromium, as anyone trying `make run` would: each logs in through the
login form (with the TOTP step where Identité requires it) and opens their main page of each
brick — médiacentre, inbox, marks, console d'affectation, dashboard, collecte. Every page is in
French and axe-core clean."""

from __future__ import annotations

import pytest

from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def visit(page, axe_check, path, *expected):
    response = page.goto(path)
    assert response.status == 200, (path, response.status)
    assert page.locator("html").get_attribute("lang") == "fr", path
    assert page.locator("h1").count() >= 1, path
    text = page.locator("main").inner_text()
    for fragment in expected:
        assert fragment in text, (path, fragment)
    axe_check(page)
    return text


def test_each_persona_opens_their_pages_in_french_axe_clean(browser, live_server, demo, axe_check):
    college, ecole, class_4b = demo.college, demo.ecole, demo.class_4b

    context, page = browser_login(browser, live_server, demo, "lea")
    visit(page, axe_check, "/ressources/acces/", "Atelier de constructions géométriques")
    visit(page, axe_check, "/vie-scolaire/")
    # Marks released "last Friday" by the demo reach her on Monday 07:00: on a weekend none yet.
    visit(page, axe_check, "/vie-scolaire/notes/", "Notes de Léa Moreau")
    context.close()

    context, page = browser_login(browser, live_server, demo, "karim")
    visit(page, axe_check, "/vie-scolaire/", "Fermeture exceptionnelle")
    visit(page, axe_check, "/vie-scolaire/devoirs/")
    context.close()

    context, page = browser_login(browser, live_server, demo, "martin")
    visit(page, axe_check, "/vie-scolaire/")
    visit(page, axe_check, f"/ressources/acces/console/{college.uai}/", class_4b.name)
    visit(page, axe_check, "/vie-scolaire/notes/")
    context.close()

    context, page = browser_login(browser, live_server, demo, "roux")
    visit(page, axe_check, f"/pilotage/etablissements/{college.uai}/", college.name)
    visit(page, axe_check, "/vie-scolaire/")
    context.close()

    context, page = browser_login(browser, live_server, demo, "departement")
    visit(page, axe_check, "/pilotage/")
    listed = visit(page, axe_check, "/pilotage/collecte/", college.name)
    assert ecole.name not in listed  # the département declares for its collèges only
    visit(page, axe_check, f"/pilotage/collecte/{college.uai}/equipement/")
    context.close()
