"""The security regression suite: each attack found by the audit (issue 16) replayed against the
live test server with real clients — a browser-like `requests` session that fills the real forms
(CSRF token included), Authlib's OAuth 2 client, python-cas, a pysaml2 service provider — plus
OWASP-style header and cookie checks of the production settings.

Distinct clients (an attacker and the victim, pupils behind a school's NAT) are told apart the way
the server sees them: by their source address. Linux routes the whole 127.0.0.0/8 block to the
loopback interface, so a session bound to 127.0.0.2 reaches the live server from another address."""

from __future__ import annotations

import re
from base64 import b32decode
from html import unescape

import pytest
import requests
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from requests.adapters import HTTPAdapter

from tests.identite.conftest import PASSWORD, make_user, world  # noqa: F401 - the shared registry fixture

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOGIN = "/identite/connexion/"
TOTP_STEP = "/identite/connexion/code/"
ENROL = "/identite/double-authentification/"


class SourceAddressAdapter(HTTPAdapter):
    """Connect from a given local address (another client as the server sees it)."""

    def __init__(self, address: str, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Browser:
    """A browser as far as the server can tell: cookies, forms with their CSRF token, and no
    redirect followed unless asked (so that every step can be checked)."""

    def __init__(self, base_url: str, address: str = "127.0.0.1"):
        # An IPv4 literal, so that every client connects over IPv4 from its own address.
        self.base_url = base_url.replace("://localhost", "://127.0.0.1")
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "Mozilla/5.0 (security regression suite)"
        if address != "127.0.0.1":
            adapter = SourceAddressAdapter(address)
            self.http.mount("http://", adapter)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.http.get(self.url(path), timeout=30, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.http.post(self.url(path), data=data, timeout=30, **kwargs)

    def submit(self, path: str, data: dict, *, form_page: str | None = None) -> requests.Response:
        """GET the page holding the form (default: `path`), then POST `data` with its CSRF token."""
        page = self.get(form_page or path)
        assert page.status_code == 200, (page.status_code, page.headers.get("Location"), page.text[:500])
        token = CSRF_FIELD.search(page.text)
        assert token, page.text[:2000]
        return self.post(path, {"csrfmiddlewaretoken": unescape(token.group(1)), **data})

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        return self.submit(LOGIN, {"username": username, "password": password})


def totp_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def totp_from_secret(secret: str) -> str:
    """The code an authenticator app shows for the base32 key printed on the enrolment page."""
    key = b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if totp_code(device) != "000000" else "111111"


def allow_code_reuse(device: TOTPDevice) -> None:
    """django-otp refuses a code of a time step already used (replay); tests that log the same
    device in twice within 30 s forget the last step, as if the next one had come."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)


@pytest.fixture
def visitor(live_server):
    """One browser on the live server (named so as not to shadow the Playwright `browser`)."""
    return Browser(live_server.url)


@pytest.fixture
def client_factory(live_server):
    return lambda address="127.0.0.1": Browser(live_server.url, address)
