"""Finding 5 (low), the protocol part: authorization-code replay, bad SAML AuthnRequests, SPs
that sign their requests, and logouts forced by a cross-site GET. Driven by the real clients of
the identity tests: Authlib (OIDC), python-cas, a pysaml2 service provider."""

from __future__ import annotations

import base64
import re
import zlib
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from cas import CASClient
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

from socle.identite.models import SecurityEvent
from tests.identite.test_cas import cas_client, obtain_ticket, register
from tests.identite.test_oidc import SECRET, consent, discovery, make_client
from tests.identite.test_oidc import session_for as oidc_session_for
from tests.identite.test_saml import SP
from tests.identite.test_saml import session_for as saml_session_for

from .conftest import LOGIN, PASSWORD, Browser


# --- OIDC: a replayed authorization code revokes what it gave (RFC 6749 §4.1.2) -----------------
def test_replayed_authorization_code_revokes_the_tokens_it_issued(live_server, world):
    application = make_client(live_server)
    meta = discovery(live_server)
    rp = OAuth2Session(
        application.client_id,
        SECRET,
        scope="openid profile",
        redirect_uri=application.redirect_uris,
        code_challenge_method="S256",
    )
    verifier = generate_token(48)
    url, _state = rp.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
    location = consent(oidc_session_for(world.user("lea"), live_server.url), url)
    token = rp.fetch_token(meta["token_endpoint"], authorization_response=location, code_verifier=verifier)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert requests.get(meta["userinfo_endpoint"], headers=bearer, timeout=30).status_code == 200
    # The code intercepted and replayed (by whoever): refused, and what it issued is revoked.
    code = parse_qs(urlsplit(location).query)["code"][0]
    replay = requests.post(
        meta["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": application.redirect_uris,
            "code_verifier": verifier,
        },
        auth=(application.client_id, SECRET),
        timeout=30,
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert requests.get(meta["userinfo_endpoint"], headers=bearer, timeout=30).status_code == 401
    refreshed = requests.post(
        meta["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(application.client_id, SECRET),
        timeout=30,
    )
    assert refreshed.status_code == 400
    assert SecurityEvent.objects.filter(kind="oauth_code_replay", user=world.user("lea")).exists()


# --- SAML: a bad AuthnRequest is a clear refusal, never a server error ---------------------------
def _redirect_url(live_server, xml: str, relay_state: str = "rs") -> str:
    compressed = zlib.compress(xml.encode())[2:-4]  # raw DEFLATE, as the Redirect binding wants
    query = urlencode({"SAMLRequest": base64.b64encode(compressed).decode(), "RelayState": relay_state})
    return f"{live_server.url}/saml/sso/redirect?{query}"


def _refused(response) -> None:
    assert response.status_code in (400, 403), (response.status_code, response.text[:500])
    assert "SAMLResponse" not in response.text or "urn:oasis:names:tc:SAML:2.0:status:Requester" in unescape(
        base64.b64decode(
            re.search(r'name="SAMLResponse" value="([^"]*)"', response.text).group(1) + "=="
        ).decode(errors="replace")
    )


@pytest.fixture
def saml_sp(live_server, tmp_path, world):
    sp = SP(live_server, tmp_path)
    sp.register(encrypt_assertions=False)
    return sp


def test_authn_request_with_an_unknown_acs_is_refused(live_server, saml_sp, world):
    _request_id, request = saml_sp.client.create_authn_request(
        f"{live_server.url}/saml/sso/redirect",
        binding=BINDING_HTTP_POST,
        assertion_consumer_service_url="https://evil.example/acs",
    )
    http = saml_session_for(world.user("lea"))
    answer = http.get(_redirect_url(live_server, str(request)), timeout=30)
    _refused(answer)
    assert "evil.example" not in answer.text


def test_authn_request_for_another_destination_is_refused(live_server, saml_sp, world):
    _request_id, request = saml_sp.client.create_authn_request("https://autre-idp.example/saml/sso/redirect")
    for http in (saml_session_for(world.user("lea")), requests.Session()):
        _refused(http.get(_redirect_url(live_server, str(request)), allow_redirects=False, timeout=30))


@pytest.mark.parametrize(
    "prologue",
    [
        '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    ],
)
def test_authn_request_with_a_dtd_is_refused(live_server, saml_sp, world, prologue):
    _request_id, request = saml_sp.client.create_authn_request(f"{live_server.url}/saml/sso/redirect")
    xml = prologue + str(request)
    http = saml_session_for(world.user("lea"))
    _refused(http.get(_redirect_url(live_server, xml), timeout=30))
    posted = http.post(
        f"{live_server.url}/saml/sso/post",
        data={"SAMLRequest": base64.b64encode(xml.encode()).decode()},
        timeout=30,
    )
    _refused(posted)
    assert "root:" not in posted.text


@pytest.mark.parametrize("value", ["%%%", base64.b64encode(b"not xml at all").decode(), "PHNhbWw+"])
def test_garbage_authn_requests_are_refused(live_server, world, value):
    http = saml_session_for(world.user("lea"))
    _refused(http.get(f"{live_server.url}/saml/sso/redirect", params={"SAMLRequest": value}, timeout=30))
    _refused(http.post(f"{live_server.url}/saml/sso/post", data={"SAMLRequest": value}, timeout=30))


def test_an_sp_that_signs_its_requests_gets_nothing_for_an_unsigned_one(live_server, tmp_path, world):
    sp = SP(live_server, tmp_path, "signe")
    sp.config.setattr("sp", "authn_requests_signed", True)
    sp.client.authn_requests_signed = True
    sp.register(encrypt_assertions=False)
    assert 'AuthnRequestsSigned="true"' in sp.metadata()
    http = saml_session_for(world.user("lea"))
    # Forged: an unsigned request in the SP's name (Redirect binding, no Signature).
    _request_id, request = sp.client.create_authn_request(f"{live_server.url}/saml/sso/redirect", sign=False)
    _refused(http.get(_redirect_url(live_server, str(request)), timeout=30))
    # HTTP-POST without an enveloped signature either.
    _request_id, request = sp.client.create_authn_request(f"{live_server.url}/saml/sso/post", sign=False)
    _refused(
        http.post(
            f"{live_server.url}/saml/sso/post",
            data={"SAMLRequest": base64.b64encode(str(request).encode()).decode()},
            timeout=30,
        )
    )
    # The genuine SP signs (Redirect binding: SigAlg + Signature over the query): accepted.
    request_id, info = sp.client.prepare_for_authenticate(
        entityid=sp.idp_entity_id,
        relay_state="/apres",
        binding=BINDING_HTTP_REDIRECT,
        sign=True,
        sigalg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    )
    location = dict(info["headers"])["Location"]
    assert "Signature=" in location
    page = http.get(location, timeout=30)
    assert page.status_code == 200, page.text[:500]
    response, _raw, _rs = sp.finish(page.text, request_id)
    assert response.assertion.subject.name_id.text


# --- logouts forced by a cross-site GET ------------------------------------------------------------
def _still_signed_in(http, base_url) -> bool:
    base_url = getattr(base_url, "url", base_url)  # a live_server or a URL
    return http.get(f"{base_url}/identite/compte/", allow_redirects=False, timeout=30).status_code == 200


def test_cas_logout_by_a_cross_site_get_asks_first(live_server, world):
    service_url = f"{live_server.url}/ent/"
    register(service_url)
    http = oidc_session_for(world.user("lea"), live_server.url)
    answer = http.get(f"{live_server.url}/cas/logout", params={"service": service_url}, timeout=30)
    assert answer.status_code == 200 and 'method="post"' in answer.text
    assert _still_signed_in(http, live_server)
    # Confirmed (the form, its CSRF token): the session ends and the service is reached.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.text).group(1)
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', answer.text).group(1))
    done = http.post(
        f"{live_server.url}{action}",
        data={"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 302 and done.headers["Location"] == service_url
    assert not _still_signed_in(http, live_server)


def test_saml_logout_without_a_request_asks_first(live_server, world):
    http = saml_session_for(world.user("lea"))
    answer = http.get(f"{live_server.url}/saml/slo/redirect", timeout=30)
    assert answer.status_code == 200 and 'method="post"' in answer.text
    assert _still_signed_in(http, live_server)


def test_cas_renew_asks_for_the_credentials_without_ending_the_session(live_server, world):
    lea = Browser(live_server.url)  # on http://127.0.0.1:<port>: every URL below uses that host
    service_url = f"{lea.base_url}/ent/"
    register(service_url)
    client = CASClient(version=3, service_url=service_url, server_url=f"{lea.base_url}/cas/", renew=True)
    assert lea.login("lea").status_code == 302
    answer = lea.get(client.get_login_url())
    assert answer.status_code == 302
    login = urlsplit(answer.headers["Location"])
    assert login.path == LOGIN
    assert _still_signed_in(lea.http, lea.base_url)  # a cross-site GET ended nothing
    # The credentials typed again: back to the service with a ticket from a new login.
    form_page = answer.headers["Location"]
    next_url = parse_qs(login.query)["next"][0]
    typed = lea.submit(
        LOGIN, {"username": "lea", "password": PASSWORD, "next": next_url}, form_page=form_page
    )
    assert typed.status_code == 302
    back = lea.get(typed.headers["Location"])
    assert back.status_code == 302 and back.headers["Location"].startswith(service_url)
    ticket = parse_qs(urlsplit(back.headers["Location"]).query)["ticket"][0]
    validator = CASClient(version=3, service_url=service_url, server_url=f"{lea.base_url}/cas/")
    _user, attributes, _pgt = validator.verify_ticket(ticket)
    assert attributes["isFromNewLogin"] == "true"


def test_cas_renew_without_new_credentials_gives_no_fresh_ticket(live_server, world):
    service_url = f"{live_server.url}/ent/"
    register(service_url)
    http = oidc_session_for(world.user("lea"), live_server.url)
    renew = cas_client(live_server, service_url, renew=True)
    answer = http.get(renew.get_login_url(), allow_redirects=False, timeout=30)
    assert "ticket=" not in answer.headers.get("Location", "")
    # The plain SSO still works, and its ticket does not claim a new login.
    ticket = obtain_ticket(http, cas_client(live_server, service_url))
    _user, attributes, _pgt = cas_client(live_server, service_url).verify_ticket(ticket)
    assert attributes["isFromNewLogin"] == "false"
