"""Identité's pages in headless Chromium: axe-core clean, and the login → TOTP → account flow."""

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from socle.identite import accounts
from socle.identite.models import CodeChannel, CodePurpose
from socle.referentiel import models as rm

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def token_for(device):
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def log_in(page, username, password=PASSWORD, next_url=""):
    page.goto("/identite/connexion/" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.parametrize(
    "path",
    [
        "/identite/connexion/",
        "/identite/activation/",
        "/identite/activation/demande/",
        "/identite/mot-de-passe-oublie/",
        "/identite/mot-de-passe-oublie/code/",
    ],
)
def test_public_pages_are_axe_clean(page, axe_check, path, world):
    response = page.goto(path)
    assert response.status == 200
    assert page.locator("h1").count() == 1
    axe_check(page)


def test_login_error_is_announced_and_axe_clean(page, axe_check, world):
    log_in(page, "karim", "pas le bon mot de passe")
    alert = page.get_by_role("alert")
    assert "Identifiant ou mot de passe incorrect" in alert.inner_text()
    assert page.get_by_label("Identifiant").get_attribute("aria-invalid") == "true"
    assert page.title().startswith("Erreur")
    axe_check(page)


def test_activation_by_letter_code_then_login(page, axe_check, world):
    person = rm.Person.objects.create(first_name="Zoé", last_name="Lambert")
    rm.Enrolment.objects.create(
        person=person, class_group=world.classes["4B"], begin_date=world.year.start_date
    )
    account = accounts.ensure_account(person, "pupil")
    code = accounts.format_code(accounts.issue_code(account, CodePurpose.ACTIVATION, CodeChannel.LETTER))
    page.goto("/identite/activation/")
    page.get_by_label("Identifiant").fill("zoe.lambert")
    page.locator("#id_code").fill("WRONG-CODE")
    page.locator("#id_new_password1").fill("une phrase de passe assez longue")
    page.get_by_label("Nouveau mot de passe (à nouveau)").fill("une phrase de passe assez longue")
    page.get_by_role("button", name="Activer mon compte").click()
    assert page.get_by_role("alert").count() >= 1
    axe_check(page)  # the error state too
    page.locator("#id_code").fill(code)
    page.locator("#id_new_password1").fill("une phrase de passe assez longue")
    page.get_by_label("Nouveau mot de passe (à nouveau)").fill("une phrase de passe assez longue")
    page.get_by_role("button", name="Activer mon compte").click()
    page.wait_for_url("**/identite/connexion/")
    log_in(page, "zoe.lambert", "une phrase de passe assez longue")
    page.goto("/identite/compte/")
    assert "Zoé" in page.content()


def test_code_sent_page_is_axe_clean(page, axe_check, world):
    page.goto("/identite/mot-de-passe-oublie/")
    page.get_by_label("Identifiant").fill("karim")
    page.get_by_role("button", name="M’envoyer un code").click()
    assert page.locator("h1").inner_text() == "Consultez vos messages"
    axe_check(page)


def test_login_totp_account_flow(page, axe_check, world):
    device = TOTPDevice.objects.create(user=world.users["karim"], name="app", confirmed=True)
    log_in(page, "karim", next_url="/identite/compte/")
    page.wait_for_url("**/identite/connexion/code/")
    axe_check(page)
    page.get_by_label("Code à 6 chiffres").fill(token_for(device))
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_url("**/identite/compte/**")
    assert page.locator("h1").inner_text() == "Mon compte"
    assert "cette session" in page.content()
    axe_check(page)
    # The password change page, from the account page.
    page.get_by_role("link", name="Modifier mon mot de passe").click()
    assert page.locator("h1").inner_text() == "Modifier mon mot de passe"
    axe_check(page)


def test_mandatory_totp_enrolment_for_a_head(page, axe_check, world):
    log_in(page, "roux")
    page.wait_for_url("**/identite/double-authentification/")
    assert page.locator("svg.segno").count() == 1
    axe_check(page)
    device = TOTPDevice.objects.get(user=world.users["roux"], confirmed=False)
    page.get_by_label("Code à 6 chiffres").fill(token_for(device))
    page.get_by_role("button", name="Activer la double authentification").click()
    page.wait_for_url(re.compile(r".*/(identite/compte/)?$"))
    page.goto("/identite/compte/")
    assert "lettres d’activation" in page.content().lower()
    axe_check(page)


def test_letters_pages_are_axe_clean(page, axe_check, world):
    TOTPDevice.objects.create(user=world.users["roux"], name="app", confirmed=True)
    device = TOTPDevice.objects.get(user=world.users["roux"])
    person = rm.Person.objects.create(first_name="Zoé", last_name="Lambert")
    rm.Enrolment.objects.create(
        person=person, class_group=world.classes["4B"], begin_date=world.year.start_date
    )
    log_in(page, "roux")
    page.get_by_label("Code à 6 chiffres").fill(token_for(device))
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_load_state()
    school = world.schools["college"]
    page.goto(f"/identite/etablissements/{school.uai}/lettres/")
    axe_check(page)
    page.get_by_role("link", name="4e B").click()
    axe_check(page)
    page.get_by_role("button", name="Générer les lettres").click()
    assert page.locator(".identite-letter").count() >= 1
    assert re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", page.content())
    axe_check(page)
    # Print media hides the site's header and the instructions.
    page.emulate_media(media="print")
    assert not page.locator("header.fr-header").is_visible()
    assert page.locator(".identite-letter").first.is_visible()


def test_throttled_page_is_axe_clean(page, axe_check, world, settings):
    settings.SOCLE_THROTTLE_LIMIT = 2
    page.goto("/identite/activation/")
    for attempt in range(2):
        page.get_by_label("Identifiant").fill("karim")
        page.locator("#id_code").fill(f"WRONG-CODE-{attempt}")
        page.locator("#id_new_password1").fill("une phrase de passe assez longue")
        page.get_by_label("Nouveau mot de passe (à nouveau)").fill("une phrase de passe assez longue")
        page.get_by_role("button", name="Activer mon compte").click()
    assert page.locator("h1").inner_text() == "Trop de tentatives"
    axe_check(page)
