"""The OpenID Connect provider, driven by Authlib's OAuth 2.0 client (requests flavour) against
the live test server on PostgreSQL: discovery, code + PKCE (S256), consent, ID token verified
against the JWKS, userinfo claims per scope, pairwise subjects, refresh rotation, RP-initiated
logout, and the refusals (no PKCE for a public client, `plain`, scopes the client may not have)."""

from __future__ import annotations

import re
import secrets
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.test import Client
from oauth2_provider.models import AccessToken, Application, RefreshToken

from socle.identite.oidc.models import ClientProfile
from socle.identite.services import pairwise_subject

SECRET = "rp-secret-" + "x" * 30


def session_for(user, base_url: str) -> requests.Session:
    """A browser-like HTTP session already logged in to Socle as `user` (the login page itself
    belongs to the accounts part and is tested there)."""
    client = Client()
    client.force_login(user)
    http = requests.Session()
    http.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    return http


def make_client(
    live_server,
    *,
    name="Appli tierce",
    scopes="openid profile email educonnect schools",
    client_type=Application.CLIENT_CONFIDENTIAL,
    skip_authorization=False,
    sector="",
):
    client_id = "client-" + secrets.token_hex(6)
    application = Application.objects.create(
        name=name,
        client_id=client_id,
        client_secret=SECRET,
        client_type=client_type,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=f"{live_server.url}/rp/{client_id}/callback",
        post_logout_redirect_uris=f"{live_server.url}/rp/{client_id}/bye",
        skip_authorization=skip_authorization,
    )
    ClientProfile.objects.create(application=application, allowed_scopes=scopes, sector_identifier=sector)
    return application


def discovery(live_server) -> dict:
    response = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=30)
    assert response.status_code == 200
    return response.json()


def consent(http: requests.Session, authorize_url: str, *, allow=True) -> str:
    """Open the authorization URL as the user's browser would; answer the consent form if shown.
    Returns the final redirect (to the client) location."""
    response = http.get(authorize_url, allow_redirects=False, timeout=30)
    if response.status_code == 200:
        form = re.search(r'<form method="post" id="authorizationForm">(.*?)</form>', response.text, re.S)
        assert form, response.text[:2000]
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))
        fields = {k: unescape(v) for k, v in fields.items()}
        if allow:
            fields["allow"] = "Authorize"
        response = http.post(
            response.url, data=fields, headers={"Referer": response.url}, allow_redirects=False, timeout=30
        )
    assert response.status_code == 302, (response.status_code, response.text[:2000])
    return response.headers["Location"]


def code_flow(live_server, application, user, *, scope="openid profile email educonnect schools", http=None):
    meta = discovery(live_server)
    http = http or session_for(user, live_server.url)
    rp = OAuth2Session(
        application.client_id,
        SECRET,
        scope=scope,
        redirect_uri=application.redirect_uris,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = generate_token(48)
    nonce = generate_token(20)
    url, state = rp.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    location = consent(http, url)
    query = parse_qs(urlsplit(location).query)
    assert query.get("state") == [state], location
    assert query["iss"] == [meta["issuer"]]  # RFC 9207: mix-up protection
    token = rp.fetch_token(meta["token_endpoint"], authorization_response=location, code_verifier=verifier)
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=30).json())
    claims = jwt.decode(
        token["id_token"],
        keys,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": meta["issuer"]}},
        claims_params={
            "nonce": nonce,
            "client_id": application.client_id,
            "access_token": token["access_token"],
        },
    )
    claims.validate(leeway=5)
    return rp, meta, token, dict(claims), http


# --- discovery and keys -------------------------------------------------------------------------
def test_discovery_document_at_the_root(live_server):
    meta = discovery(live_server)
    assert meta["issuer"] == live_server.url
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
    ):
        assert meta[key].startswith(live_server.url + "/oidc/")
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "pairwise" in meta["subject_types_supported"]
    assert {"FrEduCtPersonAffiliation", "FrEduCtEleveUAI", "FrEduCtEleveINEHash"} <= set(
        meta["claims_supported"]
    )
    assert meta["response_types_supported"] == ["code"]
    # the copy under /oidc/ says the same
    assert requests.get(f"{live_server.url}/oidc/.well-known/openid-configuration", timeout=30).json() == meta


def test_jwks_publishes_public_rsa_keys_only(live_server):
    jwks = requests.get(discovery(live_server)["jwks_uri"], timeout=30).json()
    assert jwks["keys"]
    for key in jwks["keys"]:
        assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["kid"]
        assert "d" not in key and "p" not in key  # never the private part


# --- the full flow ------------------------------------------------------------------------------
def test_code_pkce_flow_with_consent_verified_id_token_and_userinfo(live_server, world):
    lea = world.user("lea")
    application = make_client(live_server)
    rp, meta, token, claims, _http = code_flow(live_server, application, lea)
    expected_sub = pairwise_subject(lea, f"oidc:{application.client_id}")
    assert claims["sub"] == expected_sub
    assert claims["aud"] == application.client_id
    assert claims["given_name"] == "Léa" and claims["family_name"] == "Moreau"
    assert claims["FrEduCtPersonAffiliation"] == "eleve2d"
    assert claims["FrEduCtEleveUAI"] == [world.schools["college"].uai]
    assert claims["FrEduCtEleveNiveau"] == "4E"
    ine_hash = claims["FrEduCtEleveINEHash"]
    assert re.fullmatch(r"[0-9a-f]{64}", ine_hash) and "123456789AB" not in str(claims)
    assert "4B##4e B" in claims["socle_classes"]
    # a scope that was not asked for releases nothing
    assert "FrEduCtDateNaissance" not in claims and "birthdate" not in claims
    userinfo = rp.get(meta["userinfo_endpoint"]).json()
    assert userinfo["sub"] == expected_sub
    assert userinfo["FrEduCtEleveINEHash"] == ine_hash
    assert "email" not in userinfo  # pupils have no e-mail in the identity
    assert token["token_type"].lower() == "bearer" and token["refresh_token"]


def test_guardian_claims(live_server, world):
    application = make_client(live_server)
    _rp, _meta, _token, claims, _http = code_flow(live_server, application, world.user("karim"))
    assert claims["FrEduCtPersonAffiliation"] == "resp2d"
    assert claims["email"] == "karim@example.org"
    assert "FrEduCtEleveINEHash" not in claims and "FrEduCtEleveUAI" not in claims
    assert set(claims["socle_uai"]) == {world.schools["college"].uai, world.schools["ecole"].uai}


def test_subjects_are_pairwise_per_client_and_stable(live_server, world):
    lea = world.user("lea")
    first, second = make_client(live_server, name="Un"), make_client(live_server, name="Deux")
    same_sector = make_client(live_server, name="Trois", sector="https://editeur.example")
    same_sector_bis = make_client(live_server, name="Quatre", sector="https://editeur.example")
    subs = [code_flow(live_server, app, lea, scope="openid")[3]["sub"] for app in (first, second, first)]
    assert subs[0] != subs[1]
    assert subs[0] == subs[2]  # stable for one client
    sector_subs = {
        code_flow(live_server, app, lea, scope="openid")[3]["sub"] for app in (same_sector, same_sector_bis)
    }
    assert len(sector_subs) == 1 and subs[0] not in sector_subs
    tom = code_flow(live_server, first, world.user("tom"), scope="openid")[3]["sub"]
    assert tom != subs[0]


def test_refresh_token_rotation_and_reuse_detection(live_server, world):
    application = make_client(live_server)
    rp, meta, token, claims, _http = code_flow(live_server, application, world.user("lea"))
    first_refresh = token["refresh_token"]
    renewed = rp.refresh_token(meta["token_endpoint"], refresh_token=first_refresh)
    assert renewed["access_token"] != token["access_token"]
    assert renewed["refresh_token"] != first_refresh
    assert rp.get(meta["userinfo_endpoint"]).json()["sub"] == claims["sub"]
    # The old refresh token is single use: replayed, it is taken for theft and the whole family
    # is revoked (reuse protection), including the token just issued.
    reused = requests.post(
        meta["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": first_refresh},
        auth=(application.client_id, SECRET),
        timeout=30,
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    latest = requests.post(
        meta["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": renewed["refresh_token"]},
        auth=(application.client_id, SECRET),
        timeout=30,
    )
    assert latest.status_code == 400
    assert not RefreshToken.objects.filter(application=application, revoked__isnull=True).exists()


def test_refresh_refused_once_the_account_is_suspended(live_server, world):
    lea = world.user("lea")
    application = make_client(live_server)
    _rp, meta, token, _claims, _http = code_flow(live_server, application, lea)
    lea.account.state = "suspended"
    lea.account.save()
    response = requests.post(
        meta["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(application.client_id, SECRET),
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_first_party_client_skips_consent_and_consent_refusal_is_reported(live_server, world):
    lea = world.user("lea")
    trusted = make_client(live_server, name="ENT", skip_authorization=True)
    http = session_for(lea, live_server.url)
    rp = OAuth2Session(
        trusted.client_id,
        SECRET,
        scope="openid",
        redirect_uri=trusted.redirect_uris,
        code_challenge_method="S256",
    )
    url, _state = rp.create_authorization_url(
        discovery(live_server)["authorization_endpoint"], code_verifier=generate_token(48), nonce="n"
    )
    response = http.get(url, allow_redirects=False, timeout=30)
    assert response.status_code == 302 and "code=" in response.headers["Location"]

    third = make_client(live_server)
    rp = OAuth2Session(
        third.client_id,
        SECRET,
        scope="openid",
        redirect_uri=third.redirect_uris,
        code_challenge_method="S256",
    )
    url, _state = rp.create_authorization_url(
        discovery(live_server)["authorization_endpoint"], code_verifier=generate_token(48), nonce="n"
    )
    location = consent(http, url, allow=False)
    assert parse_qs(urlsplit(location).query)["error"] == ["access_denied"]
    assert not AccessToken.objects.filter(application=third).exists()


def test_unauthenticated_authorization_goes_to_the_login_page(live_server, world):
    application = make_client(live_server)
    rp = OAuth2Session(
        application.client_id,
        SECRET,
        scope="openid",
        redirect_uri=application.redirect_uris,
        code_challenge_method="S256",
    )
    url, _state = rp.create_authorization_url(
        discovery(live_server)["authorization_endpoint"], code_verifier=generate_token(48)
    )
    response = requests.get(url, allow_redirects=False, timeout=30)
    assert response.status_code == 302
    from django.shortcuts import resolve_url

    assert urlsplit(response.headers["Location"]).path == resolve_url(settings.LOGIN_URL)


# --- refusals -----------------------------------------------------------------------------------
def _authorize_error(http, url) -> str:
    response = http.get(url, allow_redirects=False, timeout=30)
    if response.status_code == 302:
        return parse_qs(urlsplit(response.headers["Location"]).query).get("error", [""])[0]
    return response.text


def test_public_client_must_use_pkce_s256(live_server, world):
    lea = world.user("lea")
    application = make_client(live_server, client_type=Application.CLIENT_PUBLIC)
    endpoint = discovery(live_server)["authorization_endpoint"]
    http = session_for(lea, live_server.url)
    no_pkce = OAuth2Session(application.client_id, scope="openid", redirect_uri=application.redirect_uris)
    url, _ = no_pkce.create_authorization_url(endpoint)
    assert "invalid_request" in _authorize_error(http, url)
    plain = OAuth2Session(
        application.client_id,
        scope="openid",
        redirect_uri=application.redirect_uris,
        code_challenge_method="plain",
    )
    url, _ = plain.create_authorization_url(endpoint, code_verifier=generate_token(48))
    assert "invalid_request" in _authorize_error(http, url) or "plain" in _authorize_error(http, url)
    # with S256 it works, without a client secret
    public = OAuth2Session(
        application.client_id,
        scope="openid",
        redirect_uri=application.redirect_uris,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    verifier = generate_token(48)
    url, _ = public.create_authorization_url(endpoint, code_verifier=verifier)
    location = consent(http, url)
    token = public.fetch_token(
        discovery(live_server)["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    assert token["id_token"]
    # a wrong verifier cannot redeem a code
    url, _ = public.create_authorization_url(endpoint, code_verifier=generate_token(48))
    location = consent(http, url)
    code = parse_qs(urlsplit(location).query)["code"][0]
    response = requests.post(
        discovery(live_server)["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": application.redirect_uris,
            "client_id": application.client_id,
            "code_verifier": generate_token(48),
        },
        timeout=30,
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_scopes_beyond_the_clients_release_list_are_refused(live_server, world):
    application = make_client(live_server, scopes="openid profile")
    http = session_for(world.user("lea"), live_server.url)
    rp = OAuth2Session(
        application.client_id,
        SECRET,
        scope="openid educonnect",
        redirect_uri=application.redirect_uris,
        code_challenge_method="S256",
    )
    url, _ = rp.create_authorization_url(
        discovery(live_server)["authorization_endpoint"], code_verifier=generate_token(48)
    )
    assert _authorize_error(http, url) == "invalid_scope"


def test_authorization_code_is_single_use(live_server, world):
    application = make_client(live_server)
    meta = discovery(live_server)
    http = session_for(world.user("lea"), live_server.url)
    rp = OAuth2Session(
        application.client_id,
        SECRET,
        scope="openid",
        redirect_uri=application.redirect_uris,
        code_challenge_method="S256",
    )
    verifier = generate_token(48)
    url, _ = rp.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
    location = consent(http, url)
    rp.fetch_token(meta["token_endpoint"], authorization_response=location, code_verifier=verifier)
    code = parse_qs(urlsplit(location).query)["code"][0]
    again = requests.post(
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
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


# --- logout -------------------------------------------------------------------------------------
def test_rp_initiated_logout_ends_the_session(live_server, world):
    application = make_client(live_server)
    _rp, meta, token, _claims, http = code_flow(live_server, application, world.user("lea"))
    response = http.get(
        meta["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": application.post_logout_redirect_uris,
            "state": "xyz",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == application.post_logout_redirect_uris + "?state=xyz"
    # the Socle session is gone: the next authorization asks to log in again
    rp = OAuth2Session(
        application.client_id,
        SECRET,
        scope="openid",
        redirect_uri=application.redirect_uris,
        code_challenge_method="S256",
    )
    url, _ = rp.create_authorization_url(meta["authorization_endpoint"], code_verifier=generate_token(48))
    again = http.get(url, allow_redirects=False, timeout=30)
    assert again.status_code == 302 and "code=" not in again.headers["Location"]
    # and the client's tokens are revoked
    assert (
        requests.get(
            meta["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {token['access_token']}"},
            timeout=30,
        ).status_code
        == 401
    )


def test_logout_to_an_unregistered_uri_is_refused(live_server, world):
    application = make_client(live_server)
    _rp, meta, token, _claims, http = code_flow(live_server, application, world.user("lea"), scope="openid")
    response = http.get(
        meta["end_session_endpoint"],
        params={"id_token_hint": token["id_token"], "post_logout_redirect_uri": "https://evil.example/"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 400


# --- the consent page in a browser --------------------------------------------------------------
@pytest.mark.browser
def test_consent_page_is_accessible_and_in_french(page, live_server, world, axe_check):
    application = make_client(live_server, name="Mon appli de révisions")
    ClientProfile.objects.filter(application=application).update(organisation="Éditions Exemple")
    client = Client()
    client.force_login(world.user("lea"))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    rp = OAuth2Session(
        application.client_id,
        SECRET,
        scope="openid profile educonnect",
        redirect_uri=application.redirect_uris,
        code_challenge_method="S256",
    )
    url, _ = rp.create_authorization_url(
        urljoin(live_server.url, "/oidc/authorize/"), code_verifier=generate_token(48)
    )
    page.goto(url)
    assert "Mon appli de révisions" in page.locator("h1").inner_text()
    assert page.locator("html").get_attribute("lang") == "fr"
    axe_check(page)
    with page.expect_request(lambda request: "/callback" in request.url) as request_info:
        page.get_by_role("button", name=re.compile("Autoriser|Allow")).click()
    assert "code=" in request_info.value.url


# --- key rotation -------------------------------------------------------------------------------
def test_key_files_newest_signs_and_previous_stay_published(tmp_path):
    from socle.identite.oidc.keys import load_oidc_keys, rotate_oidc_key

    assert load_oidc_keys(tmp_path, generate=False) == ("", [])
    first = rotate_oidc_key(tmp_path)
    second = rotate_oidc_key(tmp_path)
    current, previous = load_oidc_keys(tmp_path, generate=False)
    assert current == second.read_text() and previous == [first.read_text()]
    assert oct(first.stat().st_mode & 0o777) == "0o600"


def test_rotation_keeps_old_tokens_verifiable(live_server, world, settings, tmp_path):
    from socle.identite.oidc.keys import load_oidc_keys, rotate_oidc_key

    application = make_client(live_server)
    _rp, meta, old_token, _claims, _http = code_flow(
        live_server, application, world.user("lea"), scope="openid"
    )
    old_kid = jwt_header(old_token["id_token"])["kid"]
    rotate_oidc_key(tmp_path)
    new_key, _ = load_oidc_keys(tmp_path, generate=False)
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": new_key,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]],
    }
    jwks = requests.get(meta["jwks_uri"], timeout=30).json()
    kids = [key["kid"] for key in jwks["keys"]]
    assert len(kids) == 2 and kids[1] == old_kid
    # the token signed before the rotation still verifies with the published key set
    jwt.decode(old_token["id_token"], JsonWebKey.import_key_set(jwks)).validate(leeway=5)
    _rp, _meta, new_token, _claims, _http = code_flow(
        live_server, application, world.user("lea"), scope="openid"
    )
    assert jwt_header(new_token["id_token"])["kid"] == kids[0] != old_kid


def jwt_header(token: str) -> dict:
    import base64
    import json

    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


def test_connected_services_lists_and_withdraws_the_consent(live_server, world):
    from socle.identite.connected import connected_services, revoke_service

    lea = world.user("lea")
    application = make_client(live_server, name="Révisions+")
    _rp, meta, token, _claims, _http = code_flow(live_server, application, lea, scope="openid profile")
    services = [s for s in connected_services(lea) if s.key == f"oidc:{application.client_id}"]
    assert len(services) == 1
    assert services[0].name == "Révisions+" and services[0].protocol == "OpenID Connect"
    assert set(services[0].scopes) == {"openid", "profile"}
    assert revoke_service(lea, f"oidc:{application.client_id}")
    assert not [s for s in connected_services(lea) if s.key == f"oidc:{application.client_id}"]
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert requests.get(meta["userinfo_endpoint"], headers=bearer, timeout=30).status_code == 401
    refused = requests.post(
        meta["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(application.client_id, SECRET),
        timeout=30,
    )
    assert refused.status_code == 400


def test_silent_authorization_without_session_answers_login_required(live_server, world):
    application = make_client(live_server, skip_authorization=True)
    meta = discovery(live_server)
    rp = OAuth2Session(
        application.client_id, SECRET, scope="openid", redirect_uri=application.redirect_uris,
        code_challenge_method="S256",
    )  # fmt: skip
    url, state = rp.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=generate_token(48), prompt="none"
    )
    anonymous = requests.get(url, allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302
    location = anonymous.headers["Location"]
    assert location.startswith(application.redirect_uris + "?")
    assert parse_qs(urlsplit(location).query) == {
        "error": ["login_required"],
        "iss": [meta["issuer"]],
        "state": [state],
    }
    # a forged redirect URI gets no redirect at all (the login page instead)
    forged = url.replace("redirect_uri=", "redirect_uri=https%3A%2F%2Fevil.example%2F&x=")
    response = requests.get(forged, allow_redirects=False, timeout=30)
    assert "evil.example" not in urlsplit(response.headers.get("Location", "")).netloc
    # with a session, prompt=none gives a code for a first-party client
    logged_in = session_for(world.user("lea"), live_server.url).get(url, allow_redirects=False, timeout=30)
    assert logged_in.status_code == 302, (logged_in.status_code, logged_in.text[:3000])
    assert "code=" in logged_in.headers["Location"]
    # a third-party client cannot get a silent answer: its consent screen cannot be shown
    third = make_client(live_server)
    rp = OAuth2Session(
        third.client_id,
        SECRET,
        scope="openid",
        redirect_uri=third.redirect_uris,
        code_challenge_method="S256",
    )
    url, _ = rp.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=generate_token(48), prompt="none"
    )
    answer = session_for(world.user("lea"), live_server.url).get(url, allow_redirects=False, timeout=30)
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["consent_required"]
