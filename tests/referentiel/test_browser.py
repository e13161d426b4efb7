"""Référentiel pages in headless Chromium, in both themes: axe-clean, no CSP violation, skip
links work, the table, filters and pagination are usable with the keyboard."""

import pytest

from tests.core.test_browser import (
    PASSWORD,
    THEMES,
    assert_page_is_clean,
    assert_skip_link_path,
    log_in,
    watch_console,
)
from tests.referentiel.test_pages import COLLEGE_UAI, make_school_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def registry(transactional_db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("agent", password=PASSWORD)
    return make_school_data()


@pytest.mark.parametrize("dsfr", THEMES)
def test_school_list_filters_and_pagination(page, axe_check, settings, registry, dsfr):
    settings.SOCLE_DSFR = dsfr
    log_in(page)
    messages = watch_console(page)
    page.goto("/referentiel/etablissements/")
    assert page.locator("h1").inner_text() == "Établissements"
    table = page.locator("table#schools")
    assert table.locator("caption").inner_text() == "Établissements — page 1 sur 2"
    assert table.locator("tbody tr").count() == 25
    assert_page_is_clean(page, axe_check, messages, dsfr)
    assert_skip_link_path(page)
    # Page 2 through the DSFR pagination.
    page.get_by_role("navigation", name="Pagination").get_by_role("link", name="Page suivante").click()
    page.wait_for_load_state("load")
    assert table.locator("caption").inner_text() == "Établissements — page 2 sur 2"
    assert page.locator("a.fr-pagination__link[aria-current=page]").inner_text() == "2"
    assert_page_is_clean(page, axe_check, messages, dsfr)
    # Filter by académie and free text, with the keyboard only.
    page.get_by_label("Académie").select_option("14")
    page.get_by_label("Nom, UAI ou commune").fill("Anne")
    page.get_by_label("Nom, UAI ou commune").press("Enter")
    page.wait_for_load_state("load")
    assert table.locator("tbody tr").count() == 1
    assert "Collège Anne de Bretagne" in table.inner_text()
    assert page.get_by_label("Académie").input_value() == "14"  # filters stay filled
    assert_page_is_clean(page, axe_check, messages, dsfr)


@pytest.mark.parametrize("dsfr", THEMES)
def test_empty_result_and_invalid_filter(page, axe_check, settings, registry, dsfr):
    settings.SOCLE_DSFR = dsfr
    log_in(page)
    messages = watch_console(page)
    page.goto("/referentiel/etablissements/?type=spaceship")
    assert page.locator("#id_type").get_attribute("aria-describedby") == "id_type-error"
    assert page.locator("#id_type-error").inner_text().strip() != ""
    assert "Aucun établissement ne correspond à ces critères." in page.locator("main").inner_text()
    assert_page_is_clean(page, axe_check, messages, dsfr)


@pytest.mark.parametrize("dsfr", THEMES)
def test_school_detail(page, axe_check, settings, registry, dsfr):
    settings.SOCLE_DSFR = dsfr
    log_in(page)
    messages = watch_console(page)
    page.goto(f"/referentiel/etablissements/{COLLEGE_UAI}/")
    assert page.locator("h1").inner_text() == "Collège Anne de Bretagne"
    card = page.locator("#identity-card").inner_text()
    for text in (
        "REP+",
        "12 rue des Lices",
        "Rennes Nord",
        "Ille-et-Vilaine",
        "Collectivité de rattachement",
    ):
        assert text in card
    rows = page.locator("table#classes tbody tr")
    assert rows.count() == 2
    assert page.get_by_role("navigation", name="Vous êtes ici :").count() == 1
    assert_page_is_clean(page, axe_check, messages, dsfr)
    assert_skip_link_path(page)


@pytest.mark.parametrize("dsfr", THEMES)
def test_class_detail(page, axe_check, settings, registry, dsfr):
    settings.SOCLE_DSFR = dsfr
    log_in(page)
    messages = watch_console(page)
    page.goto(f"/referentiel/etablissements/{COLLEGE_UAI}/")
    page.get_by_role("link", name="4e B").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "4e B"
    pupils = page.locator("table#pupils tbody tr")
    assert pupils.count() == 2
    assert "Dupont" in page.locator("table#pupils").inner_text()
    assert "123456789AB" not in page.content()
    teachers = page.locator("table#teachers").inner_text()
    assert "Mathématiques" in teachers and "Latin" in teachers
    assert_page_is_clean(page, axe_check, messages, dsfr)
    assert_skip_link_path(page)


def test_referentiel_requires_login_in_the_browser(page, registry):
    page.goto("/referentiel/etablissements/")
    assert "/connexion/?next=" in page.url
    log_in_form = page.locator("main form")
    assert log_in_form.count() == 1
