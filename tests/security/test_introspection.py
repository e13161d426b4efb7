"""Finding 2 (high): OIDC token introspection (RFC 7662) open to any client.

The audit's attack: a public client (no secret at all) posts someone's access token to
`/oidc/introspect/` and learns the login name (prénom.nom), which undoes the pairwise subjects.
Only registered resource servers may introspect now, authenticated with a client secret or
private_key_jwt (RFC 7523); they get an answer only for tokens issued to the clients they serve,
with the pairwise `sub` of that client — never the login name. Driven by Authlib's client."""

from __future__ import annotations

import json
import secrets

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc.jwk import RSAKey
from oauth2_provider.models import Application

from socle.identite.oidc.keys import new_rsa_pem
from socle.identite.services import pairwise_subject
from tests.identite.test_oidc import SECRET, code_flow, make_client

INTROSPECT = "/oidc/introspect/"


def lea_token(live_server, world, application=None):
    application = application or make_client(live_server)
    _rp, _meta, token, _claims, _http = code_flow(live_server, application, world.user("lea"), scope="openid")
    return application, token["access_token"]


def machine(name: str, **extra) -> Application:
    """A confidential client (a resource server's own credentials) with the known SECRET."""
    return Application.objects.create(
        name=name,
        client_id=f"{name}-{secrets.token_hex(4)}",
        client_secret=SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        **extra,
    )


def register_resource_server(application, served, *, auth_method="client_secret_basic", jwks=""):
    from socle.identite.oidc.models import ResourceServer

    server = ResourceServer.objects.create(application=application, auth_method=auth_method, jwks=jwks)
    server.served_clients.set(served)
    return server


def test_a_public_client_without_secret_learns_nothing(live_server, world):
    _client, access_token = lea_token(live_server, world)
    public = Application.objects.create(
        name="Appli mobile",
        client_id="public-" + secrets.token_hex(4),
        client_secret="",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=f"{live_server.url}/cb",
    )
    url = live_server.url + INTROSPECT
    for body in (
        {"token": access_token, "client_id": public.client_id},
        {"token": access_token, "client_id": public.client_id, "client_secret": ""},
    ):
        answer = requests.post(url, data=body, timeout=30)
        assert answer.status_code == 401, answer.text
        assert "lea" not in answer.text and "active" not in answer.json()
    # The same through a real client library, "none" authentication.
    rp = OAuth2Session(public.client_id, token_endpoint_auth_method="none")
    answer = rp.introspect_token(url, token=access_token)
    assert answer.status_code == 401 and "username" not in answer.text


def test_a_confidential_client_that_is_not_a_resource_server_is_refused(live_server, world):
    _client, access_token = lea_token(live_server, world)
    other = machine("autre-client")
    rp = OAuth2Session(other.client_id, SECRET, token_endpoint_auth_method="client_secret_basic")
    answer = rp.introspect_token(live_server.url + INTROSPECT, token=access_token)
    assert answer.status_code == 401
    assert "username" not in answer.text and "lea" not in answer.text


def test_a_bearer_token_is_no_introspection_credential(live_server, world):
    _client, access_token = lea_token(live_server, world)
    answer = requests.post(
        live_server.url + INTROSPECT,
        data={"token": access_token},
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=30,
    )
    assert answer.status_code == 401
    assert "username" not in answer.text


def test_registered_resource_server_gets_the_pairwise_subject_never_the_login(live_server, world):
    client, access_token = lea_token(live_server, world)
    api = machine("api-ent")
    register_resource_server(api, [client])
    rp = OAuth2Session(api.client_id, SECRET, token_endpoint_auth_method="client_secret_basic")
    answer = rp.introspect_token(live_server.url + INTROSPECT, token=access_token)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    data = answer.json()
    assert data["active"] is True
    assert data["sub"] == pairwise_subject(world.user("lea"), f"oidc:{client.client_id}")
    assert data["client_id"] == client.client_id and data["aud"] == client.client_id
    assert data["token_type"] == "Bearer" and data["iss"] == live_server.url
    assert "username" not in data and "lea" not in json.dumps(data)
    # An unknown or garbage token is just inactive.
    assert rp.introspect_token(live_server.url + INTROSPECT, token="nope").json() == {"active": False}
    # A wrong secret is no authentication.
    wrong = OAuth2Session(api.client_id, "not-the-secret", token_endpoint_auth_method="client_secret_basic")
    assert wrong.introspect_token(live_server.url + INTROSPECT, token=access_token).status_code == 401


def test_tokens_of_clients_the_server_does_not_serve_are_inactive(live_server, world):
    served = make_client(live_server, name="Service servi")
    _other_client, other_token = lea_token(live_server, world)
    api = machine("api-ressource")
    register_resource_server(api, [served], auth_method="client_secret_post")
    rp = OAuth2Session(api.client_id, SECRET, token_endpoint_auth_method="client_secret_post")
    answer = rp.introspect_token(live_server.url + INTROSPECT, token=other_token)
    assert answer.status_code == 200 and answer.json() == {"active": False}
    # Registered for client_secret_post: HTTP Basic is not its method.
    basic = OAuth2Session(api.client_id, SECRET, token_endpoint_auth_method="client_secret_basic")
    assert basic.introspect_token(live_server.url + INTROSPECT, token=other_token).status_code == 401


def test_private_key_jwt_resource_server_and_assertion_replay(live_server, world):
    client, access_token = lea_token(live_server, world)
    pem = new_rsa_pem()
    public_jwk = RSAKey.import_key(pem).as_dict(private=False)
    public_jwk["kid"] = "api-key-1"
    api = machine("api-jwt")
    register_resource_server(
        api, [client], auth_method="private_key_jwt", jwks=json.dumps({"keys": [public_jwk]})
    )
    url = live_server.url + INTROSPECT
    rp = OAuth2Session(api.client_id, pem.decode(), token_endpoint_auth_method="private_key_jwt")
    rp.register_client_auth_method(PrivateKeyJWT(headers={"kid": "api-key-1"}))
    sent = []
    rp.register_compliance_hook("introspect_token_request", lambda u, h, b: sent.append(b) or (u, h, b))
    answer = rp.introspect_token(url, token=access_token)
    assert answer.status_code == 200, answer.text
    assert answer.json()["sub"] == pairwise_subject(world.user("lea"), f"oidc:{client.client_id}")
    # The same signed assertion replayed (jti already seen) is refused.
    replay = requests.post(url, data=sent[-1] if "client_assertion" in sent[-1] else None, timeout=30)
    assert replay.status_code in (400, 401)
    # A key that is not the registered one is refused.
    stranger = OAuth2Session(
        api.client_id, new_rsa_pem().decode(), token_endpoint_auth_method="private_key_jwt"
    )
    stranger.register_client_auth_method(PrivateKeyJWT(headers={"kid": "api-key-1"}))
    assert stranger.introspect_token(url, token=access_token).status_code == 401


@pytest.mark.parametrize("method", ["GET"])
def test_introspection_is_post_only(live_server, world, method):
    _client, access_token = lea_token(live_server, world)
    answer = requests.request(
        method, live_server.url + INTROSPECT, params={"token": access_token}, timeout=30
    )
    assert answer.status_code in (401, 405)
    assert "username" not in answer.text
