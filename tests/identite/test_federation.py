"""Upstream federation for guardians against a real OpenID Connect provider: Socle's own OIDC
provider, reached under another host name (127.0.0.1) plays FranceConnect, and Socle under
localhost is its relying party. Code + PKCE, ID token verified against the upstream JWKS, pivot
identity matching, the explicit confirmation (children's birth dates), the link, and later
sign-ins without confirmation."""

from __future__ import annotations

import re
from html import unescape
from importlib import import_module
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.test import Client
from oauth2_provider.models import Application

from socle.identite.models import AccountKind, AccountState, ExternalIdentity
from socle.identite.oidc.models import ClientProfile, SubjectType

from .conftest import make_user

SECRET = "federation-secret-" + "y" * 30


@pytest.fixture
def upstream(live_server, settings):
    """Socle's OIDC provider as the upstream issuer, with Socle (localhost) registered as client."""
    issuer = live_server.url.replace("localhost", "127.0.0.1")
    application = Application.objects.create(
        name="Socle (RP)",
        client_id="socle-federation",
        client_secret=SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=f"{live_server.url}/federation/franceconnect/callback",
        skip_authorization=True,
    )
    ClientProfile.objects.create(
        application=application, allowed_scopes="openid profile birthdate", subject_type=SubjectType.PUBLIC
    )
    settings.SOCLE_FEDERATION_PROVIDERS = {
        "franceconnect": {
            "name": "FranceConnect (test)",
            "issuer": issuer,
            "client_id": application.client_id,
            "client_secret": SECRET,
            "scope": "openid profile birthdate",
        }
    }
    return issuer


def browser_logged_in_upstream(upstream_url: str, user) -> requests.Session:
    """A browser whose user is logged in at the upstream provider (not at Socle)."""
    client = Client()
    client.force_login(user)
    http = requests.Session()
    http.cookies.set(
        settings.SESSION_COOKIE_NAME,
        client.cookies[settings.SESSION_COOKIE_NAME].value,
        domain=urlsplit(upstream_url).hostname,
    )
    return http


def upstream_person(username, first, last):
    return make_user(username, kind=AccountKind.PARTNER, first_name=first, last_name=last)


def run_until_socle(http, live_server, next_url="/identite/compte/"):
    """Start at Socle, go through the upstream authorization, come back to Socle's callback."""
    start = http.get(
        f"{live_server.url}/federation/franceconnect/login", params={"next": next_url}, allow_redirects=False
    )
    assert start.status_code == 302
    authorize = start.headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    upstream_answer = http.get(authorize, allow_redirects=False)
    assert upstream_answer.status_code == 302, upstream_answer.text[:1000]
    callback = upstream_answer.headers["Location"]
    assert callback.startswith(f"{live_server.url}/federation/franceconnect/callback?code=")
    return http.get(callback, allow_redirects=False)


def socle_user_id(http, live_server):
    for cookie in http.cookies:
        if cookie.name == settings.SESSION_COOKIE_NAME and cookie.domain.startswith("localhost"):
            store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie.value)
            return store.get("_auth_user_id")
    return None


def confirm_form(http, url):
    page = http.get(url)
    assert page.status_code == 200, page.text[:1000]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    labels = [
        unescape(label)
        for label in re.findall(r'<label class="fr-label" for="ward-\d+">([^<]+)</label>', page.text)
    ]
    return page, token, labels


def test_guardian_links_and_then_signs_in_directly(live_server, world, upstream):
    karim = world.user("karim")
    fc_karim = upstream_person("fc-karim", "Karim Ahmed", "MOREAU")
    http = browser_logged_in_upstream(upstream, fc_karim)
    answer = run_until_socle(http, live_server)
    assert answer.status_code == 302
    confirm_url = f"{live_server.url}{answer.headers['Location']}"
    assert answer.headers["Location"] == "/federation/franceconnect/confirm"
    assert socle_user_id(http, live_server) is None  # not logged in before the confirmation

    _page, token, labels = confirm_form(http, confirm_url)
    assert labels == ["Date de naissance de Inès", "Date de naissance de Léa"] or labels == [
        "Date of birth of Inès",
        "Date of birth of Léa",
    ]
    wrong = http.post(
        confirm_url,
        data={
            "csrfmiddlewaretoken": token,
            "decision": "confirm",
            "ward-0": "2016-05-06",
            "ward-1": "2012-03-05",
        },
        headers={"Referer": confirm_url},
        allow_redirects=False,
    )
    assert wrong.status_code == 400
    assert not ExternalIdentity.objects.filter(provider="franceconnect").exists()
    right = http.post(
        confirm_url,
        data={
            "csrfmiddlewaretoken": token,
            "decision": "confirm",
            "ward-0": "2016-05-06",
            "ward-1": "2012-03-04",
        },
        headers={"Referer": confirm_url},
        allow_redirects=False,
    )
    assert right.status_code == 302 and right.headers["Location"] == "/identite/compte/"
    link = ExternalIdentity.objects.get(provider="franceconnect")
    assert link.account_id == karim.account.pk
    assert socle_user_id(http, live_server) == str(karim.pk)

    # Next time: a fresh browser, straight in, no confirmation.
    again = browser_logged_in_upstream(upstream, fc_karim)
    answer = run_until_socle(again, live_server, next_url="/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert socle_user_id(again, live_server) == str(karim.pk)


def test_pending_guardian_is_activated_by_the_confirmation(live_server, world, upstream):
    durand = world.user("durand")
    durand.account.state = AccountState.PENDING
    durand.account.save()
    http = browser_logged_in_upstream(upstream, upstream_person("fc-durand", "Paul", "Durand"))
    answer = run_until_socle(http, live_server)
    confirm_url = f"{live_server.url}{answer.headers['Location']}"
    _page, token, labels = confirm_form(http, confirm_url)
    assert len(labels) == 1  # Tom
    right = http.post(
        confirm_url,
        data={"csrfmiddlewaretoken": token, "decision": "confirm", "ward-0": "2013-01-02"},
        allow_redirects=False,
    )
    assert right.status_code == 302
    durand.account.refresh_from_db()
    assert durand.account.state == AccountState.ACTIVE


def test_three_wrong_answers_end_the_attempt(live_server, world, upstream):
    http = browser_logged_in_upstream(upstream, upstream_person("fc-karim", "Karim", "Moreau"))
    answer = run_until_socle(http, live_server)
    confirm_url = f"{live_server.url}{answer.headers['Location']}"
    _page, token, _labels = confirm_form(http, confirm_url)
    statuses = [
        http.post(
            confirm_url,
            data={
                "csrfmiddlewaretoken": token,
                "decision": "confirm",
                "ward-0": "2000-01-01",
                "ward-1": "2000-01-01",
            },
            allow_redirects=False,
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [400, 400, 403]
    assert http.get(confirm_url).status_code == 400  # the attempt is over
    assert not ExternalIdentity.objects.exists()


def test_no_match_and_pupils_are_never_matched(live_server, world, upstream):
    for first, last in (("Jean", "Inconnu"), ("Léa", "Moreau")):  # Léa is a pupil, not a guardian
        http = browser_logged_in_upstream(upstream, upstream_person(f"fc-{first}", first, last))
        answer = run_until_socle(http, live_server)
        assert answer.status_code == 200
        heading = re.search(r"<h1>([^<]+)</h1>", answer.text).group(1)
        assert heading in ("No account found", "Aucun compte trouvé")
        assert socle_user_id(http, live_server) is None
    assert not ExternalIdentity.objects.exists()


def test_forged_state_is_refused(live_server, world, upstream):
    http = browser_logged_in_upstream(upstream, upstream_person("fc-karim", "Karim", "Moreau"))
    start = http.get(f"{live_server.url}/federation/franceconnect/login", allow_redirects=False)
    authorize = start.headers["Location"]
    callback = http.get(authorize, allow_redirects=False).headers["Location"]
    forged = re.sub(r"state=[^&]+", "state=forged", callback)
    answer = http.get(forged, allow_redirects=False)
    assert answer.status_code == 400
    assert socle_user_id(http, live_server) is None


def test_unknown_provider_is_404(live_server, world):
    assert (
        requests.get(
            f"{live_server.url}/federation/nope/login", allow_redirects=False, timeout=30
        ).status_code
        == 404
    )
