"""The user-interface shell through the Django test client: languages, home, login/logout,
lockout, the legal pages, error pages, the two themes, CSP nonce and no inline style."""

import re

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import RequestFactory

from socle.core import views


@pytest.fixture(autouse=True)
def core_login_is_the_login(settings):
    """These tests exercise the platform's own login page, the fallback used when no identity
    brick provides one; with Identité installed, LOGIN_URL points to Identité's login."""
    settings.LOGIN_URL = "core:login"


PASSWORD = "a-long-test-password"
STATIC_PAGES = ["/", "/connexion/", "/accessibilite/", "/mentions-legales/", "/donnees-personnelles/"]


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("agent", password=PASSWORD)


def html_of(response) -> str:
    return response.content.decode()


# --- Languages ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_french_is_the_default_language(client):
    html = html_of(client.get("/"))
    assert '<html lang="fr">' in html
    assert "Les briques de la plateforme" in html
    assert "Accessibilité : non conforme" in html
    # The switcher offers the other language, in that language.
    assert 'lang="en">English</button>' in html


@pytest.mark.django_db
def test_accept_language_english_renders_english(client):
    html = html_of(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="en">' in html
    assert "The bricks of the platform" in html
    assert "Accessibility: non-compliant" in html
    assert "Les briques de la plateforme" not in html


@pytest.mark.django_db
def test_unsupported_language_falls_back_to_french(client):
    html = html_of(client.get("/", HTTP_ACCEPT_LANGUAGE="de"))
    assert '<html lang="fr">' in html


@pytest.mark.django_db
def test_set_language_switches_to_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accessibilite/"})
    assert response.status_code == 302
    assert response["Location"] == "/accessibilite/"
    assert "Accessibility statement" in html_of(client.get("/accessibilite/"))
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert "Déclaration d’accessibilité" in html_of(client.get("/accessibilite/"))


# --- Home --------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_home_presents_the_bricks_and_links_those_with_pages(client):
    response = client.get("/")
    html = html_of(response)
    names = [
        "Référentiel",
        "Identité",
        "Ressources",
        "Traces",
        "Pilotage",
        "Vie scolaire",
        "Compétences numériques",
    ]
    for name in names:
        assert f'<h3 class="fr-card__title">{name}</h3>' in html or f">{name}</a></h3>" in html
    linked = {
        "/referentiel/etablissements/": "Référentiel",
        "/ressources/": "Ressources",
        "/pilotage/": "Pilotage",
        "/vie-scolaire/": "Vie scolaire",
        "/competences/": "Compétences numériques",
    }
    for url, name in linked.items():
        assert f'<h3 class="fr-card__title"><a href="{url}">{name}</a></h3>' in html
    # Identité and Traces are protocols (OIDC/CAS/SAML, xAPI), not pages: not linked.
    assert html.count('class="fr-card__title"><a ') == len(linked)


@pytest.mark.django_db
def test_home_shows_demo_personas_when_enabled(client, settings):
    personas, password = views.demo_personas()
    settings.SOCLE_SHOW_DEMO_LOGINS = True
    html = html_of(client.get("/"))
    assert "Comptes de démonstration" in html
    for persona in personas:
        assert f"<code>{persona.username}</code>" in html
    if personas:
        assert f"<code>{password}</code>" in html


@pytest.mark.django_db
def test_home_hides_demo_personas_in_production(client, settings):
    settings.SOCLE_SHOW_DEMO_LOGINS = False
    html = html_of(client.get("/"))
    assert "Comptes de démonstration" not in html
    assert "demo-personas" not in html


@pytest.mark.django_db
def test_demo_personas_interface():
    personas, password = views.demo_personas()
    for persona in personas:
        assert persona.username and persona.display_name and persona.description
    assert bool(personas) == bool(password)


# --- Login, logout, lockout --------------------------------------------------------------------
@pytest.mark.django_db
def test_login_form_has_labels_and_autocomplete(client):
    html = html_of(client.get("/connexion/"))
    assert '<label class="fr-label" for="id_username">' in html
    assert '<label class="fr-label" for="id_password">' in html
    assert re.search(r'<input[^>]*autocomplete="username"[^>]*id="id_username"', html)
    assert re.search(r'<input[^>]*autocomplete="current-password"[^>]*id="id_password"', html)
    assert "aria-invalid" not in html


def test_wrong_password_shows_an_error_linked_to_the_inputs(client, user):
    response = client.post("/connexion/", {"username": "agent", "password": "wrong"})
    assert response.status_code == 200
    html = html_of(response)
    assert '<div class="fr-alert fr-alert--error fr-mb-4w" id="login-errors" role="alert">' in html
    for field in ("username", "password"):
        tag = re.search(rf'<input[^>]*id="id_{field}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in tag
        assert 'aria-describedby="login-errors"' in tag
    assert "<title>Erreur — " in html


def test_login_then_logout_by_post(client, user):
    response = client.post("/connexion/", {"username": "agent", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    html = html_of(client.get("/"))
    logout_form = re.search(r'<form[^>]*action="/deconnexion/"[^>]*>.*?</form>', html, re.S).group(0)
    assert 'method="post"' in logout_form
    assert 'name="csrfmiddlewaretoken"' in logout_form
    assert "Se déconnecter (agent)" in logout_form
    login_link = f'href="{resolve_url(settings.LOGIN_URL)}"'
    assert login_link not in html
    # GET does not log out (Django 5): only POST does.
    assert client.get("/deconnexion/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/deconnexion/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert login_link in html_of(client.get("/"))


def test_repeated_failures_show_the_lockout_page_with_429(client, user, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/connexion/", {"username": "agent", "password": "wrong"}).status_code == 200
    response = client.post("/connexion/", {"username": "agent", "password": "wrong"})
    assert response.status_code == 429
    html = html_of(response)
    assert "Trop de tentatives échouées" in html
    assert "Après 5 tentatives échouées" in html
    assert "Réessayez dans 15 minutes." in html
    assert 'id="content"' in html  # the common layout
    # Even the right password is refused while locked out.
    assert client.post("/connexion/", {"username": "agent", "password": PASSWORD}).status_code == 429


# --- Legal pages, error pages ------------------------------------------------------------------
@pytest.mark.django_db
def test_accessibility_statement_states_non_compliance(client):
    html = html_of(client.get("/accessibilite/"))
    assert "<h1>Déclaration d’accessibilité</h1>" in html
    assert "<strong>non conforme</strong>" in html
    assert "Défenseur des droits" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "heading"),
    [("/mentions-legales/", "Mentions légales"), ("/donnees-personnelles/", "Données personnelles")],
)
def test_legal_pages(client, url, heading):
    response = client.get(url)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in html_of(response)


@pytest.mark.django_db
def test_footer_links_every_legal_page(client):
    html = html_of(client.get("/"))
    footer = html[html.index('<footer class="fr-footer"') :]
    link = '<a class="fr-footer__bottom-link" href="/accessibilite/">Accessibilité : non conforme</a>'
    assert link in footer
    assert 'href="/mentions-legales/">Mentions légales</a>' in footer
    assert 'href="/donnees-personnelles/">Données personnelles</a>' in footer


@pytest.mark.django_db
def test_404_uses_the_common_layout(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    html = html_of(response)
    assert "<h1>Page non trouvée</h1>" in html
    assert '<main id="content" tabindex="-1">' in html


def test_500_page_renders_without_the_database():
    # No django_db mark: pytest-django makes any query raise, so this also proves that the
    # error page does not need the database (which may be what failed).
    response = views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = html_of(response)
    assert "<h1>Erreur inattendue</h1>" in html
    assert '<main id="content" tabindex="-1">' in html
    assert 'href="/accessibilite/"' in html


def test_500_handler_is_wired():
    from socle import urls

    assert urls.handler500 == "socle.core.views.server_error"


# --- Layout, themes, CSP -----------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("url", STATIC_PAGES)
def test_layout_landmarks_and_skip_links(client, url):
    html = html_of(client.get(url))
    skip = re.search(r'<div class="fr-skiplinks">.*?</div>', html, re.S).group(0)
    targets = re.findall(r'href="#([\w-]+)"', skip)
    assert targets == ["content", "main-navigation", "footer"]
    for target in targets:
        assert f'id="{target}"' in html
    assert html.index('class="fr-skiplinks"') < html.index("<header")
    assert html.count("<main ") == 1
    assert re.search(r"<title>[^<]+ — Socle</title>", html)
    assert "Les services numériques partagés de l’éducation" in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", STATIC_PAGES)
@pytest.mark.parametrize("dsfr", [True, False])
def test_no_inline_style_and_scripts_carry_the_nonce(client, settings, url, dsfr):
    settings.SOCLE_DSFR = dsfr
    response = client.get(url)
    html = html_of(response)
    assert not re.search(r"\sstyle\s*=", html, re.I)
    assert "<style" not in html.lower()
    policy = response["Content-Security-Policy"]
    assert "style-src 'self';" in policy + ";"
    for script in re.findall(r"<script\b[^>]*>", html):
        assert 'src="/static/' in script  # no inline script at all
        nonce = re.search(r'nonce="([^"]+)"', script).group(1)
        assert f"'nonce-{nonce}'" in policy


@pytest.mark.django_db
def test_dsfr_theme_loads_dsfr_assets(client, settings):
    settings.SOCLE_DSFR = True
    html = html_of(client.get("/"))
    assert "/static/dsfr/dist/dsfr/dsfr.min.css" in html
    assert "/static/dsfr/dist/dsfr/dsfr.module.min.js" in html
    assert '<p class="fr-logo">République<br>française</p>' in html
    assert "socle/plain.css" not in html


@pytest.mark.django_db
def test_plain_theme_loads_no_dsfr_asset_and_no_state_logo(client, settings):
    settings.SOCLE_DSFR = False
    html = html_of(client.get("/"))
    assert "/static/socle/plain.css" in html
    assert "/static/dsfr/" not in html
    assert "fr-logo" not in html
    assert "République" not in html
    assert "<script" not in html
    # Same structure and landmarks.
    for landmark in ('<header class="fr-header"', '<main id="content"', '<footer class="fr-footer"'):
        assert landmark in html
    assert 'id="main-navigation"' in html


@pytest.mark.django_db
def test_plain_theme_stylesheet_is_served(client):
    response = client.get("/static/socle/plain.css")
    assert response.status_code == 200
    css = b"".join(response.streaming_content).decode()
    assert ":focus-visible" in css
    assert "Marianne" not in css


@pytest.mark.django_db
def test_main_navigation_marks_the_current_section(client, user):
    client.force_login(user)
    html = html_of(client.get("/referentiel/etablissements/"))
    nav = re.search(r'<nav class="fr-nav".*?</nav>', html, re.S).group(0)
    current = '<a class="fr-nav__link" href="/referentiel/etablissements/" aria-current="page">'
    current += "Référentiel</a>"
    assert current in nav
    assert '<a class="fr-nav__link" href="/">Accueil</a>' in nav


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("level", "css", "role"),
    [(messages.SUCCESS, "success", "status"), (messages.ERROR, "error", "alert")],
)
def test_messages_are_rendered_as_dsfr_alerts(client, level, css, role):
    # Store a message the way any view would (cookie storage), then load a page.
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(level, "Enregistré.")
    response = HttpResponse()
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    html = html_of(client.get("/"))
    alert = rf'<div class="fr-alert fr-alert--{css} [^"]*" role="{role}">\s*<p>Enregistré.</p>'
    assert re.search(alert, html)
    assert "Enregistré." not in html_of(client.get("/"))  # shown once


def test_core_login_hands_over_to_identite_login(client, settings):
    # With Identité installed there must be one login only: password, then TOTP where required.
    settings.LOGIN_URL = "identite:login"
    response = client.get("/connexion/?next=/referentiel/etablissements/")
    assert response.status_code == 302
    assert response["Location"] == "/identite/connexion/?next=/referentiel/etablissements/"
    response = client.post("/connexion/", {"username": "x", "password": "y"})
    assert response.status_code == 302
    assert response["Location"] == "/identite/connexion/"
