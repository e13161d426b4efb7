"""The catalogue's pages in headless Chromium, checked with axe-core: search (with a result
count announced and labelled filters), notice, provider's submission form (with a rejection
report), review queue and review page (with errors)."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from socle.ressources import workflow
from socle.ressources.models import Resource

from .conftest import FIXTURES, qualify_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
GEOMETRY = "ark:/86527/geometrie-cycle3"


def log_in_as(page, user, live_server):
    """A session made by Django's test client, handed to the browser (no TOTP step: it is
    tested by Identité)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_search_and_notice_pages(page, axe_check, world, imported, live_server):
    qualify_all(world, [GEOMETRY, "ark:/86527/physique-college", "ark:/86527/lecture-cycle2"])
    log_in_as(page, world.user("martin"), live_server)
    page.goto("/ressources/")
    assert page.get_by_role("status").inner_text() == "3 ressources trouvées"
    axe_check(page)
    page.get_by_label("Mots à rechercher").fill("géométrie")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    assert page.get_by_role("status").inner_text() == "1 ressource trouvée"
    page.get_by_role("group", name="Cycle").get_by_label("cycle 3").check(
        force=True
    )  # DSFR draws the box on the label
    page.get_by_role("button", name="Appliquer les filtres").click()
    assert "cycle=3" in page.url and page.get_by_role("status").inner_text() == "1 ressource trouvée"
    axe_check(page)
    page.get_by_role("link", name="Atelier de constructions géométriques").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Atelier de constructions géométriques"
    axe_check(page)


def test_provider_page_with_rejections(page, axe_check, world, provider, live_server):
    log_in_as(page, world.user("editeur"), live_server)
    page.goto("/ressources/editeur/")
    axe_check(page)
    page.get_by_label("Notices ScoLOMFR (fichier XML)").set_input_files(str(FIXTURES / "notices_invalid.xml"))
    page.get_by_role("button", name="Importer").click()
    alert = page.get_by_role("alert")
    assert "13 problèmes dans le fichier" in alert.inner_text()
    assert "ligne 7, champ identifier" in alert.inner_text()
    axe_check(page)


def test_review_pages(page, axe_check, world, imported, live_server):
    workflow.submit(Resource.objects.get(ark=GEOMETRY), world.user("editeur"))
    log_in_as(page, world.user("ministere"), live_server)
    page.goto("/ressources/qualification/")
    axe_check(page)
    page.get_by_role("link", name="Atelier de constructions géométriques").click()
    axe_check(page)
    page.get_by_role("radio", name="Refuser").check(force=True)
    page.get_by_role("button", name="Enregistrer la décision").click()
    assert page.get_by_label("Motifs").get_attribute("aria-invalid") == "true"
    axe_check(page)
    page.get_by_role("radio", name="Refuser").check(force=True)
    page.get_by_label("Motifs").fill("Déclaration RGAA absente.")
    page.get_by_role("button", name="Enregistrer la décision").click()
    assert page.get_by_role("status").first.inner_text().startswith("Décision enregistrée")
    assert Resource.objects.get(ark=GEOMETRY).status == "refused"
