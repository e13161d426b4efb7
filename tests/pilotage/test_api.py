"""The steering API: bearer tokens with scopes or the session, the same role scoping as the
pages, declarations created and listed, errors in the platform's one shape, and the log."""

# The fixtures imported from the collecte's conftest are used as arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811

import pytest
from django.test import Client

from socle.core.models import ApiToken
from socle.pilotage.collecte.models import Declaration, IndicatorAccess
from tests.pilotage.collecte.conftest import EQUIPMENT, client_for, steering, world  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/pilotage/api"


def bearer(name, scopes, user=None) -> dict:
    _token, secret = ApiToken.issue(name, scopes, created_by=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_authentication_and_scopes(steering):
    client = Client()
    missing = client.get(f"{API}/indicators")
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "not_authenticated"
    wrong = client.get(f"{API}/indicators", HTTP_AUTHORIZATION="Bearer soc_nope")
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"].startswith("Bearer")
    other_scope = bearer("ref", ["referentiel:read"])
    refused = client.get(f"{API}/indicators", **other_scope)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"
    read_only = bearer("reader", ["pilotage:read"], steering.user("departement"))
    body = {"uai": steering.schools["college"].uai, "vintage": steering.vintage, "kind": "pix", "values": {}}
    post = client.post(f"{API}/declarations", body, content_type="application/json", **read_only)
    assert post.status_code == 403 and "pilotage:declare" in post.json()["error"]["message"]


def test_catalogue_and_openapi(steering):
    client = Client()
    catalogue = client.get(f"{API}/indicators", **bearer("op", ["pilotage:read"])).json()
    assert catalogue["count"] == len(catalogue["items"]) > 0
    first = catalogue["items"][0]
    assert {"code", "label", "definition", "unit", "version", "school_levels"} <= set(first)
    schema = client.get(f"{API}/openapi.json").json()
    assert schema["info"]["title"] == "Socle — Pilotage API v1"
    assert {
        "/pilotage/api/values",
        "/pilotage/api/declarations",
        "/pilotage/api/schools/{uai}/comparison",
    } <= set(schema["paths"])
    assert schema["paths"]["/pilotage/api/declarations"]["post"]["security"] == [
        {"TokenAuth": ["pilotage:declare"]}
    ]
    assert client.get(f"{API}/docs").status_code == 200


def test_values_are_scoped_by_the_tokens_owner(steering):
    client = Client()
    college, ecole = steering.schools["college"].uai, steering.schools["ecole"].uai
    departement = bearer("cd35", ["pilotage:read"], steering.user("departement"))
    schools = client.get(f"{API}/values", {"level": "school"}, **departement).json()
    assert {item["territory_code"] for item in schools["items"]} == {college}
    refused = client.get(f"{API}/values", {"level": "school", "code": [college, ecole]}, **departement)
    assert refused.status_code == 403 and ecole in refused.json()["error"]["message"]
    assert (
        client.get(f"{API}/values", {"level": "departement", "code": "29"}, **departement).status_code == 403
    )
    nation = client.get(
        f"{API}/values", {"level": "nation", "vintage": steering.previous_vintage}, **departement
    )
    assert {item["vintage"] for item in nation.json()["items"]} == {steering.previous_vintage}
    bad = client.get(f"{API}/values", {"level": "canton"}, **departement)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "level"
    operator = bearer("op", ["pilotage:read"])  # an operator token without owner sees everything
    every = client.get(f"{API}/values", {"level": "school"}, **operator).json()
    assert {college, ecole, steering.schools["college_creteil"].uai} <= {
        i["territory_code"] for i in every["items"]
    }
    teacher = bearer("t", ["pilotage:read"], steering.user("martin"))
    assert client.get(f"{API}/values", {"level": "nation"}, **teacher).status_code == 403
    logged = IndicatorAccess.objects.filter(channel="api", token_name="cd35", what="values", level="school")
    assert list(logged.values_list("code", "username")) == [(college, "departement")]


def test_school_comparison(steering):
    client = Client()
    college = steering.schools["college"].uai
    head = bearer("roux", ["pilotage:read"], steering.user("roux"))
    body = client.get(f"{API}/schools/{college}/comparison", **head).json()
    assert body["uai"] == college and body["indicators"]
    cells = next(iter(body["indicators"].values()))
    assert set(cells) == {"school", "commune", "departement", "academie", "region", "nation"}
    other = steering.schools["college_brest"].uai
    assert client.get(f"{API}/schools/{other}/comparison", **head).status_code == 403
    assert client.get(f"{API}/schools/0000000A/comparison", **head).status_code == 404
    assert IndicatorAccess.objects.filter(channel="api", what="school_comparison", code=college).count() == 1


def test_declarations_created_and_listed(steering):
    client = Client()
    college, ecole = steering.schools["college"].uai, steering.schools["ecole"].uai
    token = bearer("cd35-sync", ["pilotage:read", "pilotage:declare"], steering.user("departement"))
    body = {"uai": college, "vintage": steering.vintage, "kind": "equipment", "values": EQUIPMENT}
    created = client.post(f"{API}/declarations", body, content_type="application/json", **token)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["source"] == "api" and data["current"] and data["supersedes"] is not None
    assert data["declared_by"] == "departement (API token cd35-sync)"
    assert data["values"]["bandwidth_class"] == "100_1000"
    refused = client.post(
        f"{API}/declarations", {**body, "uai": ecole}, content_type="application/json", **token
    )
    assert refused.status_code == 403
    invalid = client.post(
        f"{API}/declarations",
        {**body, "values": {**EQUIPMENT, "teaching_rooms_wifi": 99, "wifi_switchable": "maybe"}},
        content_type="application/json",
        **token,
    )
    assert invalid.status_code == 422
    error = invalid.json()["error"]
    assert error["field"] == "values.wifi_switchable" and "oui ou non" in error["message"]
    unknown = client.post(
        f"{API}/declarations", {**body, "values": {"laptops": 3}}, content_type="application/json", **token
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "values.laptops"
    listing = client.get(f"{API}/declarations", {"uai": college, "vintage": steering.vintage}, **token).json()
    equipment = [item for item in listing["items"] if item["kind"] == "equipment"]
    assert [item["current"] for item in equipment] == [True, False]  # the history is kept
    assert listing["items"][0]["id"] == data["id"]
    current = client.get(f"{API}/declarations", {"current": "true"}, **token).json()
    assert {item["uai"] for item in current["items"]} == {college}
    ownerless = bearer("op-declare", ["pilotage:declare"])
    assert (
        client.post(f"{API}/declarations", body, content_type="application/json", **ownerless).status_code
        == 403
    )
    assert Declaration.objects.filter(source="api").count() == 1


def test_session_auth_for_pages(steering, client_for):
    client = client_for(steering.user("roux"))
    response = client.get(f"{API}/values", {"level": "school"})
    assert response.status_code == 200
    assert {item["territory_code"] for item in response.json()["items"]} == {steering.schools["college"].uai}


def test_api_token_command_knows_the_pilotage_scopes(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "api_token",
        "create",
        "--name",
        "cd35",
        "--scope",
        "pilotage:read",
        "--scope",
        "pilotage:declare",
        stdout=out,
    )
    assert sorted(ApiToken.objects.get(name="cd35").scopes) == ["pilotage:declare", "pilotage:read"]


def test_declaring_more_attested_teachers_than_the_registry_has_is_a_422_naming_the_field(steering):
    client = Client()
    auth = bearer("declarer", ["pilotage:declare"], steering.user("departement"))
    body = {
        "uai": steering.schools["college"].uai,
        "vintage": steering.vintage,
        "kind": "pix",
        "values": {"teachers_pix_edu": 45},
    }
    before = Declaration.objects.count()
    response = client.post(f"{API}/declarations", body, content_type="application/json", **auth)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_body" and error["field"] == "values.teachers_pix_edu"
    assert error["message"].startswith("teachers_pix_edu: expected ")
    assert "45" in error["message"] and "1" in error["message"]
    assert Declaration.objects.count() == before
    body["values"] = {"teachers_pix_edu": 1}
    response = client.post(f"{API}/declarations", body, content_type="application/json", **auth)
    assert response.status_code == 201 and response.json()["values"]["teachers_pix_edu"] == 1


def test_values_are_paginated_in_the_query_with_a_next_link(steering):
    """The page size is a LIMIT in the SQL (the whole level was once loaded, then cut), and a
    walk along the `next` links returns every cell exactly once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    operator = bearer("op", ["pilotage:read"])
    whole = client.get(f"{API}/values", {"level": "school"}, **operator).json()
    assert whole["next"] is None and whole["count"] == len(whole["items"]) >= 3
    seen, url, params, pages = [], f"{API}/values", {"level": "school", "limit": 2}, 0
    while url:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url, params, **operator).json()
        cell_queries = [q["sql"] for q in queries if "pilotage_indicatorvalue" in q["sql"]]
        assert cell_queries and all("LIMIT 3" in sql for sql in cell_queries if "ORDER BY" in sql)
        assert page["count"] == len(page["items"]) <= 2
        seen += [(i["indicator_code"], i["territory_code"]) for i in page["items"]]
        url, params, pages = page["next"], None, pages + 1
    assert pages > 1
    assert seen == [(i["indicator_code"], i["territory_code"]) for i in whole["items"]]
    bad = client.get(f"{API}/values", {"level": "school", "cursor": "nope"}, **operator)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "cursor"
    too_big = client.get(f"{API}/values", {"level": "school", "limit": 100000}, **operator)
    assert too_big.status_code in (400, 422)
    schema = client.get(f"{API}/openapi.json").json()
    assert "cursor" in schema["paths"]["/pilotage/api/values"]["get"]["description"]


def test_values_log_every_territory_in_a_constant_number_of_queries(steering):
    """One access entry per territory returned, written in one bulk insert (one INSERT per
    territory made ~5 000 queries for the communes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    operator = bearer("op-log", ["pilotage:read"])
    with CaptureQueriesContext(connection) as one:
        client.get(f"{API}/values", {"level": "school", "limit": 1}, **operator)
    IndicatorAccess.objects.all().delete()
    with CaptureQueriesContext(connection) as many:
        body = client.get(f"{API}/values", {"level": "school"}, **operator).json()
    codes = {item["territory_code"] for item in body["items"]}
    assert len(codes) >= 3
    assert len(many) == len(one)
    logged = IndicatorAccess.objects.filter(token_name="op-log", what="values", level="school", channel="api")
    assert sorted(logged.values_list("code", flat=True)) == sorted(codes)
    assert {entry.path for entry in logged} == {"/pilotage/api/values?level=school"}
