"""The one error path of the JSON APIs (django-ninja, `socle.core.api_errors`): every 4xx has the
shape `{"error": {"code", "message", "field"}}` and the right status — 400 malformed parameter or
JSON, 401 no credentials (even on a POST, before any CSRF check), 404 inside an API prefix, 405,
413 body over the endpoint's limit (checked before the body is read), 415 wrong media type, 422
body that fails validation (values the database could not hold included) — and the OpenAPI
documents list every status an operation can answer."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlparse

import pytest
from django.test import Client, override_settings

from socle.core.models import ApiToken
from socle.ressources.models import OfferNature, Provider
from tests.identite.conftest import world  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

OPENAPI_DOCUMENTS = [
    "/api/referentiel/openapi.json",
    "/api/ressources/openapi.json",
    "/ressources/acces/api/openapi.json",
    "/pilotage/api/openapi.json",
    "/vie-scolaire/api/openapi.json",
    "/vie-scolaire/diffusion/api/openapi.json",
]


def bearer(*scopes: str, user=None) -> dict:
    _token, secret = ApiToken.issue("t", list(scopes), created_by=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def submitter() -> dict:
    number = ApiToken.objects.count()
    token, secret = ApiToken.issue(f"submitter-{number}", ["ressources:submit"])
    provider = Provider.objects.create(
        name=f"Éditions {number}",
        siren="123456782",
        distributor_code=f"EX{number}",
        nature=OfferNature.EDTECH,
    )
    provider.api_tokens.add(token)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    return body["error"]


def raw_request(base_url: str, method: str, path: str, headers: dict, body: bytes = b""):
    """One HTTP/1.1 request over a socket: the headers (and `body`, possibly shorter than the
    Content-Length announced); the response status, headers and body."""
    parsed = urlparse(base_url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=15)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


# --- Body limits -------------------------------------------------------------------------------
def test_a_body_over_the_limit_is_413_before_it_is_read(live_server, world):  # noqa: F811
    """30 MB announced, nothing sent: the answer comes at once (the server never waits for the
    body) — with and without credentials."""
    auth = submitter()["HTTP_AUTHORIZATION"]
    for headers in (
        {"Authorization": auth, "Content-Type": "application/json", "Content-Length": "30000000"},
        {"Content-Type": "application/json", "Content-Length": "30000000"},
    ):
        try:
            status, response_headers, body = raw_request(
                live_server.url, "POST", "/api/ressources/notices", headers
            )
        except (TimeoutError, socket.timeout):  # noqa: UP041 - both names, for clarity
            pytest.fail("the server waited for a 30 MB body instead of refusing it")
        assert status == 413, (status, body[:300])
        assert response_headers["Content-Type"].startswith("application/json")
        error = json.loads(body)["error"]
        assert error["code"] == "payload_too_large"
        assert "bytes" in error["message"]


def test_a_body_over_the_limit_actually_sent_is_413(live_server, world):  # noqa: F811
    auth = submitter()["HTTP_AUTHORIZATION"]
    big = b'{"ark": "' + b"x" * 3_000_000 + b'"}'
    status, _headers, body = raw_request(
        live_server.url,
        "POST",
        "/api/ressources/notices",
        {"Authorization": auth, "Content-Type": "application/json", "Content-Length": str(len(big))},
        big,
    )
    assert status == 413, body[:300]
    assert json.loads(body)["error"]["code"] == "payload_too_large"


def test_body_limits_are_configurable_per_endpoint(world):  # noqa: F811
    client = Client()
    auth = submitter()
    notice = json.dumps({"ark": "ark:/1/x", "title": "t" * 3000}).encode()
    with override_settings(SOCLE_API_BODY_LIMITS={"ressources-api:submit_json": 1000}):
        error = error_of(
            client.post("/api/ressources/notices", notice, content_type="application/json", **auth), 413
        )
        assert "1000 bytes" in error["message"]
        # The other endpoints keep the default limit.
        scolomfr = client.post(
            "/api/ressources/notices/scolomfr", b"<lom/>" * 300, content_type="application/xml", **auth
        )
        assert scolomfr.status_code != 413


# --- Credentials before CSRF -------------------------------------------------------------------
@pytest.mark.parametrize(
    "path, body",
    [
        (
            "/pilotage/api/declarations",
            {"uai": "0350001U", "vintage": "2025-2026", "kind": "pix", "values": {}},
        ),
        ("/ressources/acces/api/console/0350001U/assignments", {"idAbonnement": "A", "target_kind": "class"}),
        ("/vie-scolaire/api/threads", {"subject": "s", "body": "b", "recipients": ["x"]}),
    ],
)
def test_a_post_without_credentials_is_401_not_a_csrf_403(world, path, body):  # noqa: F811
    client = Client(enforce_csrf_checks=True)
    error = error_of(client.post(path, body, content_type="application/json"), 401)
    assert error["code"] == "not_authenticated"


def test_a_logged_in_post_without_the_csrf_token_is_a_403_in_the_error_shape(world):  # noqa: F811
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["martin"])
    error = error_of(
        client.post("/vie-scolaire/api/threads", {"subject": "s"}, content_type="application/json"), 403
    )
    assert error["code"] == "csrf_failed"


# --- Paths, methods, media types, malformed bodies ---------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/api/ressources/resources/f%0Aa",
        "/api/referentiel/schools/0350001L%0A/extra",
        "/api/referentiel/nothing-here",
        "/pilotage/api/nothing/here",
        "/vie-scolaire/api/threads/x/y/z",
        "/vie-scolaire/diffusion/api/nope",
        "/ressources/acces/api/console",
    ],
)
def test_an_unknown_path_inside_an_api_is_a_json_404(world, path):  # noqa: F811
    error = error_of(Client().get(path, **bearer("referentiel:read", "ressources:read")), 404)
    assert error["code"] == "not_found"


def test_a_method_not_allowed_is_a_json_405_with_allow(world):  # noqa: F811
    response = Client().delete("/api/referentiel/schools", **bearer("referentiel:read"))
    error = error_of(response, 405)
    assert error["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_a_body_that_is_not_json_is_415_or_400(world):  # noqa: F811
    client = Client()
    auth = submitter()
    error = error_of(client.post("/api/ressources/notices", "ark=1", content_type="text/plain", **auth), 415)
    assert error["code"] == "unsupported_media_type" and "application/json" in error["message"]
    error = error_of(
        client.post("/api/ressources/notices", b"{", content_type="application/json", **auth), 400
    )
    assert error["code"] == "invalid_json"
    error = error_of(
        client.post("/api/ressources/notices", b"\x00", content_type="application/json", **auth), 400
    )
    assert error["code"] == "invalid_json"


def test_json_nested_too_deep_is_refused(world):  # noqa: F811
    client = Client()
    deep = b"[" * 1000 + b"]" * 1000
    for payload in (deep, b'{"ark": ' + deep + b"}", b"[" * 100_000 + b"]" * 100_000):
        error = error_of(
            client.post("/api/ressources/notices", payload, content_type="application/json", **submitter()),
            400,
        )
        assert error["code"] == "invalid_json" and "deep" in error["message"]


def test_values_the_database_cannot_hold_are_refused(world):  # noqa: F811
    """NUL characters (PostgreSQL text cannot hold them; SQLite can) and integers beyond the
    column's range are refused at validation, the same on both databases."""
    client = Client()
    auth = bearer("diffusion:manage")
    holiday = {
        "zone": "A",
        "school_year": "2026-2027",
        "label": "Toussaint",
        "first_day": "2026-10-17",
        "last_day": "2026-11-02",
    }
    for changes, field in (
        ({"label": "Tous\u0000saint"}, "0.label"),
        ({"school_year": "2026\u0000"}, "0.school_year"),
    ):
        response = client.put(
            "/vie-scolaire/diffusion/api/holidays",
            json.dumps([{**holiday, **changes}]),
            content_type="application/json",
            **auth,
        )
        error = error_of(response, 422)
        assert error["field"] == field, error
    uai = world.schools["college"].uai
    response = client.put(
        f"/vie-scolaire/diffusion/api/schools/{uai}/settings",
        json.dumps({"guardian_marks_delay_hours": 10**30}),
        content_type="application/json",
        **auth,
    )
    assert error_of(response, 422)["field"] == "guardian_marks_delay_hours"
    # A path integer beyond bigint: SQLite could not even compare it.
    response = client.post(
        f"/vie-scolaire/diffusion/api/urgent/{10**30}/review", "{}", content_type="application/json", **auth
    )
    assert error_of(response, 400)["field"] == "publication_id"


# --- The OpenAPI documents ---------------------------------------------------------------------
@pytest.mark.parametrize("path", OPENAPI_DOCUMENTS)
def test_every_operation_documents_its_error_statuses(path):
    def no_duplicates(pairs):
        keys = [key for key, _value in pairs]
        assert len(keys) == len(set(keys)), keys  # Swagger UI's YAML parser refuses duplicates
        return dict(pairs)

    schema = json.loads(Client().get(path).content, object_pairs_hook=no_duplicates)
    assert "ErrorOut" in schema["components"]["schemas"]
    for route, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            where = f"{method.upper()} {route}"
            expected = set()
            if operation.get("security"):
                expected |= {"401", "403"}
            if operation.get("parameters") or operation.get("requestBody"):
                expected.add("400")
            if operation.get("requestBody"):
                expected |= {"413", "415", "422"}
            if any(p["in"] == "path" for p in operation.get("parameters", [])):
                expected.add("404")
            assert expected <= set(responses), (where, sorted(expected - set(responses)))
            for status in expected:
                content = json.dumps(responses[status]["content"]["application/json"]["schema"])
                assert "ErrorOut" in content, (where, status, content)
