"""The pages in headless Chromium: axe-core clean (RGAA), French, usable with the keyboard and on
a 390 px phone (nothing wider than the screen but the tables, which scroll inside their frame),
for the pupil, the guardian, the teacher and the head. Playwright's auto-waiting `expect` only."""

import io

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from socle.ressources import demo as ressources_demo

from .conftest import class_profiles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def open_as(browser, live_server, user, viewport=PHONE):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fr-FR", base_url=live_server.url, viewport=viewport)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context, context.new_page()


def fits_the_phone(page):
    """Nothing makes the page wider than the screen (tables scroll inside their own frame)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


def test_lea_and_karim_read_her_profile_on_a_phone(browser, live_server, cw, axe_check):
    class_profiles(cw)
    lea_url = f"/competences/eleves/{cw.persons['lea'].uid}/"
    context, page = open_as(browser, live_server, cw.user("lea"))
    page.goto("/competences/")
    expect(page).to_have_url(f"{live_server.url}{lea_url}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes compétences numériques")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("img", name="Niveau atteint dans chacune des 16 compétences")).to_be_visible()
    expect(
        page.get_by_role("table", name="Niveau atteint et prochaine étape, compétence par compétence")
    ).to_be_visible()
    expect(page.get_by_role("row", name="2.1 Interagir", exact=False)).to_contain_text("Avec de l’aide")
    fits_the_phone(page)
    axe_check(page)
    context.close()

    context, page = open_as(browser, live_server, cw.user("karim"))
    page.goto("/competences/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compétences numériques")
    page.get_by_role("link", name="Compétences numériques de Léa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compétences numériques de Léa Moreau")
    expect(page.locator("main")).to_contain_text("315 pix sur 1024.")
    fits_the_phone(page)
    axe_check(page)
    page.goto(f"/competences/eleves/{cw.persons['ines'].uid}/")
    expect(page.locator("main")).to_contain_text("Attestation de 6e")
    axe_check(page)
    context.close()


def test_martin_filters_his_class_with_the_keyboard_and_reads_the_suggestions(
    browser, live_server, cw, axe_check
):
    ressources_demo.seed(io.StringIO())
    class_profiles(cw)
    context, page = open_as(browser, live_server, cw.user("martin"))
    page.goto("/competences/")
    expect(
        page.get_by_role("table", name="Classes dont vous pouvez consulter les résultats")
    ).to_contain_text("4e B")
    axe_check(page)
    page.get_by_role("link", name="4e B").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compétences numériques — 4e B")
    suggestion = page.locator(".fr-callout").filter(has_text="2.1 Interagir")
    expect(suggestion).to_contain_text("3 élèves sous le niveau 2 en 2.1 Interagir")
    expect(suggestion.get_by_role("link")).to_have_count(4)
    expect(
        page.get_by_role("img", name="Élèves par niveau atteint, compétence par compétence")
    ).to_be_visible()
    expect(
        page.get_by_role("table", name="Élèves par niveau atteint, compétence par compétence")
    ).to_be_visible()
    fits_the_phone(page)
    axe_check(page)
    # Girls only, chosen with the keyboard.
    page.get_by_label("Élèves", exact=True).focus()
    page.keyboard.press("ArrowDown")  # "filles"
    page.get_by_role("button", name="Appliquer").press("Enter")
    expect(page).to_have_url(f"{live_server.url}/competences/classes/{cw.classes['4B'].uid}/?sexe=F&sous=2")
    expect(page.locator("main")).to_contain_text(
        "Aucune compétence où plusieurs élèves sont sous le niveau 2."
    )
    expect(
        page.get_by_role(
            "table", name="Niveau atteint par chaque élève dans chaque compétence (— : pas de résultat)"
        )
    ).not_to_contain_text("Blanc Hugo")
    axe_check(page)
    context.close()


def test_the_head_opens_every_class_of_the_school(browser, live_server, cw, axe_check):
    class_profiles(cw)
    context, page = open_as(browser, live_server, cw.user("roux"), viewport={"width": 1280, "height": 900})
    page.goto("/competences/")
    classes = page.get_by_role("table", name="Classes dont vous pouvez consulter les résultats")
    for name in ("3e A", "4e B", "5e C"):
        expect(classes).to_contain_text(name)
    axe_check(page)
    page.get_by_role("link", name="5e C").click()
    expect(page.locator("main")).to_contain_text("1 élève sur 1 a des résultats Pix.")
    axe_check(page)
    context.close()
