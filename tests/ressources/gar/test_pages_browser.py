"""The médiacentre and the console d'affectation in headless Chromium: French, axe-core clean,
and the console's assign → refusal → withdraw flow with the keyboard-usable form."""

import pytest

from .conftest import CAS_ARK, PASSWORD, SAML_ARK, subscribe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username):
    page.goto("/identite/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_console_assign_refuse_withdraw_is_axe_clean(page, axe_check, world, catalogue, distributors):
    college = world.schools["college"].uai
    subscribe(distributors["EDMATHS"][0], CAS_ARK, college, pupils=1)
    log_in(page, "martin")
    response = page.goto("/ressources/acces/console/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Console d'affectation"
    axe_check(page)
    page.get_by_label("Affecter à").select_option("classes")
    page.get_by_label("4e B").check(force=True)
    page.get_by_role("button", name="Affecter", exact=True).click()
    assert "affectée à 4e B" in page.get_by_role("status").inner_text()
    assert "4e B" in page.locator("table").nth(1).inner_text()
    axe_check(page)
    # no pupil licence left for 5e C: the refusal is announced
    page.get_by_label("Affecter à").select_option("classes")
    page.get_by_label("5e C").check(force=True)
    page.get_by_role("button", name="Affecter", exact=True).click()
    alert = page.get_by_role("alert")
    assert "Licences insuffisantes pour les élèves" in alert.inner_text()
    assert page.title().startswith("Erreur")
    axe_check(page)
    page.get_by_role("button", name="Retirer").click()
    assert "licence(s) libérée(s)" in page.get_by_role("status").inner_text()
    assert "Retrait" in page.locator("#history").inner_text()


def test_mediacentre_lists_and_refusal_page_are_axe_clean(page, axe_check, world, catalogue, distributors):
    college = world.schools["college"].uai
    subscribe(distributors["EDLIRE"][0], SAML_ARK, college, kind="ETABL")
    log_in(page, "lea")
    page.goto("/ressources/acces/")
    assert page.locator("h1").inner_text() == "Mes ressources"
    link = page.get_by_role("link", name=f"Ressource {SAML_ARK}")
    assert link.get_attribute("href") == f"/ressources/acces/lancer/{SAML_ARK}"
    axe_check(page)
    response = page.goto(f"/ressources/acces/lancer/{CAS_ARK}")
    assert response.status == 403
    assert "Cette ressource ne vous a pas été affectée" in page.get_by_role("alert").inner_text()
    axe_check(page)
