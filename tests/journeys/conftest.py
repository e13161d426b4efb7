"""The world of the end-to-end journeys: exactly what `make run` shows.

Each journey test builds the Référentiel demo world (`socle demo-data --scale tiny --seed 1`), the
personas' accounts (`socle provision-demo-accounts`) and every brick's demo part (`socle
demo-bricks`) through the management commands themselves, then drives the live server over HTTP
as the personas would: they log in through the real login form with the demo password (heads of
school and territorial officers also type their TOTP code, as Identité requires)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html import unescape

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from socle.identite import services as identite
from socle.referentiel import services as referentiel
from socle.referentiel.demo.personas import COLLEGE_NAME, DEMO_PASSWORD, ECOLE_NAME, person_for

LOGIN_PATH = "/identite/connexion/"
TOTP_PATH = "/identite/connexion/code/"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Demo:
    """Handles on the demo world: the collège, the école, 4e B, the personas' person uids."""

    base_url: str
    college: object
    ecole: object
    class_4b: object
    persons: dict = field(default_factory=dict)
    seed_output: str = ""

    def user(self, username):
        return get_user_model().objects.select_related("account").get(username=username)


def _build_world() -> str:
    out = io.StringIO()
    call_command("demo_data", scale="tiny", seed=1, stdout=out)
    call_command("provision_demo_accounts", stdout=out)
    call_command("demo_bricks", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(live_server, transactional_db) -> Demo:
    output = _build_world()
    lea = person_for("lea")
    links = referentiel.person_links(lea.uid)
    class_4b = next(e.class_group for e in links.enrolments if e.class_group.kind == "division")
    college = class_4b.etablissement
    diallo_links = referentiel.person_links(person_for("diallo").uid)
    ecole = next(f.etablissement for f in diallo_links.functions if f.role == "direction")
    # The journeys' cast, as the project notes tell it.
    assert (class_4b.name, college.name, ecole.name) == ("4e B", COLLEGE_NAME, ECOLE_NAME)
    persons = {name: person_for(name) for name in ("lea", "karim", "ines", "martin", "roux", "diallo")}
    return Demo(live_server.url, college, ecole, class_4b, persons, output)


def confirmed_totp_device(user) -> TOTPDevice:
    """The authenticator app the persona enrolled (mandatory for administrative roles)."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="app", defaults={"confirmed": True})
    return device


def totp_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


class Browserless(requests.Session):
    """A persona's HTTP session on the live server, logged in through the login form; sends the
    CSRF token the way the pages' JavaScript does for JSON writes."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 60)
        if method.upper() not in ("GET", "HEAD", "OPTIONS") and "csrftoken" in self.cookies:
            headers = kwargs.setdefault("headers", {}) or {}
            headers.setdefault("X-CSRFToken", self.cookies["csrftoken"])
            headers.setdefault("Referer", self.url("/"))
            kwargs["headers"] = headers
        return super().request(method, self.url(url), *args, **kwargs)


def browser_login(browser, live_server, demo, username: str, **context_options):
    """Log a demo persona in through the login form in Chromium, TOTP step included, as `make
    run` users do; returns (context, page). `context_options` go to `browser.new_context`."""
    context = browser.new_context(locale="fr-FR", base_url=live_server.url, **context_options)
    page = context.new_page()
    user = demo.user(username)
    device = confirmed_totp_device(user) if identite.requires_second_factor(user) else None
    page.goto("/identite/connexion/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    if device is not None:
        page.wait_for_url("**/identite/connexion/code/**")
        page.fill("input[name=token]", totp_code(device))
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/identite/connexion" not in page.url, (username, page.url)
    return context, page


def _csrf(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, html[:1500]
    return unescape(found.group(1))


def log_in(base_url: str, username: str) -> Browserless:
    """Log `username` in with the demo password through /identite/connexion/, then the TOTP step
    for the accounts that must use one (heads of school, territorial officers, operators)."""
    user = get_user_model().objects.get(username=username)
    # The persona has enrolled the authenticator app Identité requires for administrative roles.
    device = confirmed_totp_device(user) if identite.requires_second_factor(user) else None
    http = Browserless(base_url)
    page = http.get(LOGIN_PATH)
    assert page.status_code == 200
    answer = http.post(
        LOGIN_PATH,
        data={"csrfmiddlewaretoken": _csrf(page.text), "username": username, "password": DEMO_PASSWORD},
        allow_redirects=False,
    )
    assert answer.status_code == 302, (username, answer.status_code, answer.text[:1500])
    if device is not None:
        assert answer.headers["Location"].startswith(TOTP_PATH), answer.headers["Location"]
        page = http.get(TOTP_PATH)
        answer = http.post(
            TOTP_PATH,
            data={"csrfmiddlewaretoken": _csrf(page.text), "token": totp_code(device)},
            allow_redirects=False,
        )
        assert answer.status_code == 302, answer.text[:1500]
    account = http.get("/identite/compte/", allow_redirects=False)
    assert account.status_code == 200, (username, account.status_code)
    return http


@pytest.fixture
def login(demo):
    def _login(username: str) -> Browserless:
        return log_in(demo.base_url, username)

    return _login
