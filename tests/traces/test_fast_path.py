"""The fast ingestion path: the xAPI short path through the middleware stack, and the batch
stored by one SQL statement (ids claimed, statements and relation rows inserted together)."""

from __future__ import annotations

import base64
import json

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from socle.traces.http import forget_cached_credentials
from socle.traces.models import Statement, StatementKey, StatementRelation
from socle.traces.store import forget_caches

from .conftest import make_credential, statement

SHORT_PATH = "socle.traces.middleware.XAPIShortPathMiddleware"


def without_short_path() -> list[str]:
    return [m for m in settings.MIDDLEWARE if m != SHORT_PATH]


def with_short_path() -> list[str]:
    middleware = without_short_path()
    return [middleware[0], SHORT_PATH, *middleware[1:]]


def test_the_platform_settings_install_the_short_path_right_after_security():
    assert settings.MIDDLEWARE[:2] == ["django.middleware.security.SecurityMiddleware", SHORT_PATH]


@pytest.fixture
def auth(db) -> dict:
    forget_cached_credentials()
    forget_caches()
    key, secret = make_credential("fast-path", ["all"])
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}", "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}


def post(client: Client, auth: dict, body) -> object:
    return client.post("/xapi/statements", json.dumps(body), content_type="application/json", **auth)


@override_settings(MIDDLEWARE=with_short_path())
def test_short_path_serves_xapi_without_the_session_stack(auth):
    client = Client()
    data = statement()
    response = post(client, auth, [data])
    assert response.status_code == 200
    assert response.json() == [data["id"]]
    # Neither the clickjacking nor the session nor the locale middleware saw the request.
    assert "X-Frame-Options" not in response
    assert "Vary" not in response
    assert not response.cookies
    got = client.get("/xapi/statements", {"statementId": data["id"]}, **auth)
    assert got.status_code == 200
    assert got.json()["actor"] == data["actor"]
    assert got["X-Experience-API-Version"] == "1.0.3"


@override_settings(MIDDLEWARE=with_short_path())
def test_short_path_leaves_other_requests_to_the_full_stack(auth):
    client = Client()
    # Unknown path under /xapi/: the normal stack answers (xAPI's 404, with the stack's headers).
    response = client.get("/xapi/no-such-resource", **auth)
    assert response.status_code == 404
    assert response["X-Frame-Options"] == "DENY"
    assert response.json()["error"]["code"] == 404
    # The about resource through the short path still answers the xAPI way.
    about = client.get("/xapi/about")
    assert about.status_code == 200
    assert "X-Frame-Options" not in about


@override_settings(MIDDLEWARE=without_short_path())
def test_without_the_short_path_the_full_stack_runs(auth):
    response = post(Client(), auth, [statement()])
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"


def test_one_statement_batch_keeps_resends_and_conflicts_exact(auth):
    client = Client()
    first = statement(context={"contextActivities": {"parent": {"id": "https://example.org/course/1"}}})
    assert post(client, auth, [first]).status_code == 200
    row = Statement.objects.get(statement_id=first["id"])
    relations = set(StatementRelation.objects.filter(statement_id=row.id).values_list("kind", "key"))
    assert ("V", "https://example.org/course/1") in relations
    assert StatementKey.objects.filter(statement_id=first["id"]).count() == 1
    # A batch that re-sends `first` unchanged plus new statements: all ids answered, `first` once.
    fresh = [statement() for _ in range(5)]
    response = post(client, auth, [first, *fresh])
    assert response.status_code == 200
    assert response.json() == [first["id"], *[s["id"] for s in fresh]]
    assert Statement.objects.filter(statement_id=first["id"]).count() == 1
    assert Statement.objects.filter(statement_id__in=[s["id"] for s in fresh]).count() == 5
    # A batch with a *different* statement under a stored id: 409 and nothing of it stored.
    others = [statement() for _ in range(3)]
    changed = {**first, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    response = post(client, auth, [*others, changed])
    assert response.status_code == 409
    assert not Statement.objects.filter(statement_id__in=[s["id"] for s in others]).exists()
    assert not StatementKey.objects.filter(statement_id__in=[s["id"] for s in others]).exists()
    # The same in partial mode: the others are stored, the conflicting one is reported.
    response = client.post(
        "/xapi/statements",
        json.dumps([*others, changed]),
        content_type="application/json",
        HTTP_X_SOCLE_BATCH_MODE="partial",
        **auth,
    )
    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["rejected"]] == [first["id"]]
    assert Statement.objects.filter(statement_id__in=[s["id"] for s in others]).count() == 3
    assert Statement.objects.get(statement_id=first["id"]).verb_id == first["verb"]["id"]


def test_partial_indexes_skip_null_rows(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'traces_statement' "
            "AND indexname IN ('traces_stmt_objagent', 'traces_stmt_reg', 'traces_stmt_ref')"
        )
        definitions = dict(cursor.fetchall())
    assert len(definitions) == 3
    assert all("IS NOT NULL" in definition for definition in definitions.values())


def test_one_statement_batch_keeps_the_batch_order(auth):
    client = Client()
    batch = [statement() for _ in range(7)]
    assert post(client, auth, batch).status_code == 200
    response = client.get("/xapi/statements", {"ascending": "true", "limit": "7"}, **auth)
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["statements"]] == [s["id"] for s in batch]


def test_related_queries_split_into_branches_with_the_same_answer(lrs):
    from socle.traces.store import Query

    agent = {"mbox": "mailto:alice@example.org"}
    activity = "https://example.org/activities/fractions"
    assert len(Query(agent=agent, activity=activity).branches()) == 1
    assert len(Query(agent=agent, activity=activity, related_activities=True).branches()) == 2
    assert (
        len(Query(agent=agent, related_agents=True, activity=activity, related_activities=True).branches())
        == 4
    )
    # Over HTTP: a statement matching only through a context activity, one matching only by its
    # object, one matching neither; related_activities answers the first two, newest first.
    parent = statement(
        object={"objectType": "Activity", "id": "https://example.org/activities/other"},
        context={"contextActivities": {"grouping": [{"id": activity}]}},
    )
    direct = statement()
    unrelated = statement(object={"objectType": "Activity", "id": "https://example.org/activities/none"})
    for data in (parent, direct, unrelated):
        assert lrs.post_statements(data).status == 200
    body = lrs.request("GET", "statements", {"activity": activity, "related_activities": "true"}).json()
    assert [s["id"] for s in body["statements"]] == [direct["id"], parent["id"]]
    body = lrs.request("GET", "statements", {"activity": activity}).json()
    assert [s["id"] for s in body["statements"]] == [direct["id"]]
