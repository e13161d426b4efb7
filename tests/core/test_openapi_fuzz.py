"""Schemathesis against every OpenAPI document of the live test server (prototype)."""

from __future__ import annotations

import pytest
import schemathesis
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client

from socle.core.models import ApiToken
from tests.identite.conftest import world  # noqa: F401
from tests.ressources.gar.conftest import catalogue, distributors, subscribe  # noqa: F401

DOCS = {
    "referentiel": ("/api/referentiel/openapi.json", "token"),
    "ressources": ("/api/ressources/openapi.json", "token"),
    "gar": ("/ressources/acces/api/openapi.json", "session"),
    "pilotage": ("/pilotage/api/openapi.json", "token"),
    "viescolaire": ("/vie-scolaire/api/openapi.json", "session"),
    "diffusion": ("/vie-scolaire/diffusion/api/openapi.json", "token"),
}
ALL_SCOPES = [
    "referentiel:read",
    "referentiel:read:persons",
    "ressources:read",
    "ressources:submit",
    "ressources:review",
    "pilotage:read",
    "pilotage:declare",
    "diffusion:read",
    "diffusion:manage",
]

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": 15, "with-security-parameters": False},
        "checks": {"enabled": True},
        "phases": {"stateful": {"enabled": False}},
    }
)


@pytest.fixture(params=list(DOCS))
def api_schema(request, live_server, world, catalogue, distributors):  # noqa: F811
    path, kind = DOCS[request.param]
    # schemathesis 4.32 renames the pytest node through `_nodeid`, which pytest 9.2 no longer has.
    request.node._nodeid = request.node.nodeid
    subscribe(distributors["EDMATHS"][0], catalogue["cas"].ark, world.schools["college"].uai)
    if kind == "token":
        _, secret = ApiToken.issue("fuzz", ALL_SCOPES, created_by=world.users["martin"])
        headers = {"Authorization": f"Bearer {secret}"}
    else:
        client = Client()
        client.force_login(world.users["martin"])
        secret = _get_new_csrf_string()
        headers = {
            "Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={secret}",
            "X-CSRFToken": _mask_cipher_secret(secret),
        }
    schema = schemathesis.openapi.from_url(live_server.url + path, config=CONFIG)
    schema.config.headers = headers
    request.node.fuzz_headers = headers
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_api(case, request):
    case.call_and_validate(headers=request.node.fuzz_headers)
