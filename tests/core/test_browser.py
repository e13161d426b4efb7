"""Every page of the shell in headless Chromium, in both themes: zero axe-core violations, no
Content-Security-Policy violation in the console, and the keyboard path through the skip links."""

import re

import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def core_login_is_the_login(settings):
    """These tests exercise the platform's own login page, the fallback used when no identity
    brick provides one; with Identité installed, LOGIN_URL points to Identité's login."""
    settings.LOGIN_URL = "core:login"


PASSWORD = "a-long-test-password"
THEMES = [pytest.param(True, id="dsfr"), pytest.param(False, id="plain")]


def watch_console(page) -> list[str]:
    """Collect console messages and page errors (CSP violations are reported there)."""
    messages: list[str] = []
    page.on(
        "console",
        lambda message: messages.append(f"{message.type}: {message.text} @ {message.location.get('url')}"),
    )
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    return messages


def assert_page_is_clean(page, axe_check, messages: list[str], dsfr: bool) -> None:
    """axe-core finds nothing, the console has no CSP violation nor error, the theme is right."""
    page.wait_for_load_state("load")
    axe_check(page)
    # The browser logs the page's own 404/429 status (asserted by the tests); anything else fails.
    own_status = "Failed to load resource: the server responded with a status of"
    problems = [
        m
        for m in messages
        if "Content Security Policy" in m
        or (m.startswith(("error", "pageerror")) and not (own_status in m and m.endswith(f"@ {page.url}")))
    ]
    assert problems == []
    stylesheets = page.eval_on_selector_all("link[rel=stylesheet]", "links => links.map(l => l.href)")
    if dsfr:
        assert any("/dsfr/dist/dsfr/dsfr.min.css" in href for href in stylesheets)
    else:
        assert not any("/dsfr/" in href for href in stylesheets)
        assert page.locator("script").count() == 0


def assert_skip_link_path(page) -> None:
    """First Tab focuses the skip link to the content; following it moves focus to <main>."""
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.tagName, document.activeElement.getAttribute('href')]")
    assert focused == ["A", "#content"]
    assert page.locator("a[href='#content']").is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    assert page.evaluate("document.activeElement.tagName") == "MAIN"


def visit(page, url: str) -> list[str]:
    messages = watch_console(page)
    response = page.goto(url)
    return messages, response


@pytest.fixture
def agent(transactional_db):
    return get_user_model().objects.create_user("agent", password=PASSWORD)


def log_in(page, username="agent", password=PASSWORD):
    page.goto("/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("dsfr", THEMES)
@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/", 200, "Socle"),
        ("/connexion/", 200, "Se connecter à Socle"),
        ("/accessibilite/", 200, "Déclaration d’accessibilité"),
        ("/mentions-legales/", 200, "Mentions légales"),
        ("/donnees-personnelles/", 200, "Données personnelles"),
        ("/cette-page-n-existe-pas/", 404, "Page non trouvée"),
    ],
)
def test_anonymous_pages(page, axe_check, settings, dsfr, url, status, heading):
    settings.SOCLE_DSFR = dsfr
    messages, response = visit(page, url)
    assert response.status == status
    assert page.locator("h1").inner_text() == heading
    assert page.locator("html").get_attribute("lang") == "fr"
    assert_page_is_clean(page, axe_check, messages, dsfr)
    assert_skip_link_path(page)


@pytest.mark.parametrize("dsfr", THEMES)
def test_home_logged_in_with_logout_button(page, axe_check, settings, agent, dsfr):
    settings.SOCLE_DSFR = dsfr
    messages = watch_console(page)
    log_in(page)
    assert page.url.endswith("/")
    logout = page.get_by_role("button", name="Se déconnecter (agent)")
    assert logout.count() >= 1
    assert_page_is_clean(page, axe_check, messages, dsfr)
    assert_skip_link_path(page)
    page.get_by_role("button", name="Se déconnecter (agent)").first.click()
    page.wait_for_load_state("load")
    assert page.get_by_role("link", name="Se connecter").count() >= 1


@pytest.mark.parametrize("dsfr", THEMES)
def test_login_error_is_announced_and_linked(page, axe_check, settings, agent, dsfr):
    settings.SOCLE_DSFR = dsfr
    messages = watch_console(page)
    log_in(page, password="wrong-password")
    alert = page.locator("#login-errors")
    assert alert.get_attribute("role") == "alert"
    assert "Échec de la connexion" in alert.inner_text()
    for field in ("#id_username", "#id_password"):
        assert page.locator(field).get_attribute("aria-invalid") == "true"
        assert page.locator(field).get_attribute("aria-describedby") == "login-errors"
    assert page.title().startswith("Erreur — ")
    assert_page_is_clean(page, axe_check, messages, dsfr)
    assert_skip_link_path(page)


@pytest.mark.parametrize("dsfr", THEMES)
def test_lockout_page(page, axe_check, settings, agent, dsfr):
    settings.SOCLE_DSFR = dsfr
    messages = watch_console(page)
    statuses = []
    page.on("response", lambda response: statuses.append((response.url, response.status)))
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(page, password="wrong-password")
    assert any(url.endswith("/connexion/") and status == 429 for url, status in statuses)
    assert page.locator("h1").inner_text() == "Trop de tentatives échouées"
    assert "Réessayez dans 15 minutes." in page.locator("main").inner_text()
    assert_page_is_clean(page, axe_check, messages, dsfr)
    assert_skip_link_path(page)


@pytest.mark.parametrize("dsfr", THEMES)
def test_skip_links_to_menu_and_footer(page, settings, dsfr):
    settings.SOCLE_DSFR = dsfr
    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main-navigation"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-navigation"
    # The next Tab lands on the first navigation link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "fr-nav__link"
    page.goto("/")
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#footer"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "footer"


@pytest.mark.parametrize("dsfr", THEMES)
def test_focus_is_visible(page, settings, dsfr):
    settings.SOCLE_DSFR = dsfr
    page.goto("/")
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert outline[0] != "none" and outline[1] >= 2


def test_english_locale_and_language_switcher(browser, live_server, transactional_db):
    context = browser.new_context(locale="en-GB", base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", name="The bricks of the platform").count() == 1
        # Switch to French with the header button, then back to English.
        page.get_by_role("button", name="Français").click()
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.get_by_role("heading", name="Les briques de la plateforme").count() == 1
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == "en"
        assert re.search(r"Accessibility: non-compliant", page.locator("footer").inner_text())
    finally:
        context.close()
