"""The Statement Resource over real HTTP, driven by the `tincan` client library where it can
express the request and by raw HTTP for the rest."""

import json
import uuid

import pytest
from tincan import Activity, Agent, Statement, Verb

from .conftest import multipart_statement, statement

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = {"objectType": "Agent", "mbox": "mailto:alice@example.org"}
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def tincan_statement(email="bob@example.org", verb=COMPLETED, activity="https://example.org/a/1"):
    return Statement(
        actor=Agent(name="Bob", mbox=f"mailto:{email}"),
        verb=Verb(id=verb, display={"en-US": "completed"}),
        object=Activity(id=activity),
    )


def test_about_lists_both_versions(lrs):
    # tincan's About class refuses "2.0.0" (it predates xAPI 2.0), so About is checked raw.
    about = lrs.request("GET", "about", auth=False)
    assert about.status == 200
    assert {"1.0.3", "2.0.0"} <= set(about.json()["version"])


def test_save_and_retrieve_with_tincan(lrs):
    remote = lrs.remote()
    saved = remote.save_statement(tincan_statement())
    assert saved.success, saved.data
    statement_id = saved.content.id
    fetched = remote.retrieve_statement(statement_id)
    assert fetched.success
    assert str(fetched.content.id) == str(statement_id)
    assert fetched.content.actor.mbox == "mailto:bob@example.org"
    assert fetched.content.authority.account.name == lrs.key  # authority set from the credential
    assert fetched.content.stored is not None


def test_batch_post_returns_ids_in_order(lrs):
    statements = [statement() for _ in range(5)]
    response = lrs.post_statements(statements)
    assert response.status == 200
    assert response.json() == [s["id"] for s in statements]


def test_query_filters_with_tincan(lrs):
    remote = lrs.remote()
    for index in range(3):
        assert remote.save_statement(tincan_statement(email=f"u{index}@example.org")).success
    assert remote.save_statement(tincan_statement(verb="http://adlnet.gov/expapi/verbs/attempted")).success
    by_agent = remote.query_statements({"agent": Agent(mbox="mailto:u1@example.org")})
    assert by_agent.success
    assert [s.actor.mbox for s in by_agent.content.statements] == ["mailto:u1@example.org"]
    by_verb = remote.query_statements({"verb": Verb(id="http://adlnet.gov/expapi/verbs/attempted")})
    assert len(by_verb.content.statements) == 1
    by_activity = remote.query_statements({"activity": Activity(id="https://example.org/a/1")})
    assert len(by_activity.content.statements) == 4


def test_more_paging_is_stable_and_complete(lrs):
    statements = [statement() for _ in range(7)]
    assert lrs.post_statements(statements).status == 200
    remote = lrs.remote()
    page = remote.query_statements({"limit": 3, "ascending": True})
    seen = [str(s.id) for s in page.content.statements]
    assert page.content.more
    # A statement stored after the first page must not slip into the following pages.
    assert lrs.post_statements(statement()).status == 200
    while page.content.more:
        page = remote.more_statements(page.content.more)
        assert page.success
        seen += [str(s.id) for s in page.content.statements]
    assert seen == [s["id"] for s in statements]


def test_validation_errors_are_400_with_the_json_path(lrs):
    bad = statement(actor={"objectType": "Agent", "mbox": "alice@example.org"})
    response = lrs.post_statements(bad)
    assert response.status == 400
    assert "statement.actor.mbox" in response.json()["error"]["message"]
    bad = statement(result={"score": {"scaled": 1.5}})
    response = lrs.post_statements(bad)
    assert response.status == 400
    assert "statement.result.score.scaled" in response.json()["error"]["message"]
    # The whole batch is rejected: nothing from it is stored.
    good = statement()
    response = lrs.post_statements([good, statement(verb={"id": "not an iri"})])
    assert response.status == 400
    assert "statements[1].verb.id" in response.json()["error"]["message"]
    assert lrs.request("GET", "statements", {"statementId": good["id"]}).status == 404


def test_partial_batch_mode_keeps_the_valid_statements(lrs):
    good = statement()
    response = lrs.post_statements(
        [good, statement(verb={"id": "not an iri"})], headers={"X-Socle-Batch-Mode": "partial"}
    )
    assert response.status == 200
    body = response.json()
    assert body["stored"] == [good["id"]]
    assert body["rejected"][0]["index"] == 1
    assert "verb.id" in body["rejected"][0]["error"]
    assert lrs.request("GET", "statements", {"statementId": good["id"]}).status == 200


def test_put_and_id_conflicts(lrs):
    data = statement()
    statement_id = data.pop("id")
    assert lrs.request("PUT", "statements", {"statementId": statement_id}, data).status == 204
    # The same statement again is accepted (idempotent); a different one with that id is a conflict.
    assert lrs.request("PUT", "statements", {"statementId": statement_id}, data).status == 204
    other = {**data, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    assert lrs.request("PUT", "statements", {"statementId": statement_id}, other).status == 409
    assert lrs.request("PUT", "statements", {}, data).status == 400
    duplicate = statement()
    assert lrs.post_statements([duplicate, duplicate]).status == 400


def test_voiding(lrs):
    target = statement()
    assert lrs.post_statements(target).status == 200
    voiding = statement(
        verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
        object={"objectType": "StatementRef", "id": target["id"]},
    )
    assert lrs.post_statements(voiding).status == 200
    assert lrs.request("GET", "statements", {"statementId": target["id"]}).status == 404
    voided = lrs.request("GET", "statements", {"voidedStatementId": target["id"]})
    assert voided.status == 200
    assert voided.json()["id"] == target["id"]
    ids = [s["id"] for s in lrs.request("GET", "statements").json()["statements"]]
    assert target["id"] not in ids
    assert voiding["id"] in ids
    # A voiding statement cannot itself be voided.
    again = statement(
        verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
        object={"objectType": "StatementRef", "id": voiding["id"]},
    )
    assert lrs.post_statements(again).status == 400


def test_formats_and_headers(lrs):
    data = statement()
    assert lrs.post_statements(data).status == 200
    ids = lrs.request("GET", "statements", {"statementId": data["id"], "format": "ids"}).json()
    assert ids["actor"] == ALICE
    assert ids["object"] == {"id": data["object"]["id"]}
    assert ids["verb"] == {"id": COMPLETED}
    canonical = lrs.request(
        "GET",
        "statements",
        {"statementId": data["id"], "format": "canonical"},
        headers={"Accept-Language": "fr-FR"},
    )
    assert canonical.json()["verb"]["display"] == {"fr-FR": "a terminé"}
    assert "x-experience-api-consistent-through" in canonical.headers
    assert "last-modified" in canonical.headers
    assert canonical.headers["x-experience-api-version"] == "1.0.3"
    head = lrs.request("HEAD", "statements", {"statementId": data["id"]})
    assert head.status == 200 and head.body == b""
    assert lrs.request("GET", "statements", {"format": "weird"}).status == 400
    assert lrs.request("GET", "statements", {"unknown": "1"}).status == 400
    assert lrs.request("GET", "statements", version=False).status == 400


def test_related_agents_and_activities(lrs):
    data = statement(
        context={
            "instructor": {"mbox": "mailto:teacher@example.org"},
            "contextActivities": {"parent": {"id": "https://example.org/courses/maths"}},
        }
    )
    assert lrs.post_statements(data).status == 200
    teacher = json.dumps({"mbox": "mailto:teacher@example.org"})
    assert lrs.request("GET", "statements", {"agent": teacher}).json()["statements"] == []
    related = lrs.request("GET", "statements", {"agent": teacher, "related_agents": "true"}).json()
    assert [s["id"] for s in related["statements"]] == [data["id"]]
    course = "https://example.org/courses/maths"
    assert lrs.request("GET", "statements", {"activity": course}).json()["statements"] == []
    related = lrs.request("GET", "statements", {"activity": course, "related_activities": "true"}).json()
    assert [s["id"] for s in related["statements"]] == [data["id"]]
    # A single context activity is returned as an array of one.
    assert isinstance(related["statements"][0]["context"]["contextActivities"]["parent"], list)


def test_activities_and_agents_resources(lrs):
    first = statement()
    second = statement(
        object={"id": first["object"]["id"], "definition": {"name": {"de-DE": "Brüche"}}},
    )
    assert lrs.post_statements([first, second]).status == 200
    activity = lrs.request("GET", "activities", {"activityId": first["object"]["id"]}).json()
    assert activity["definition"]["name"] == {
        "en-US": "Fractions",
        "fr-FR": "Fractions (fr)",
        "de-DE": "Brüche",
    }
    person = lrs.request("GET", "agents", {"agent": json.dumps(ALICE)}).json()
    assert person == {"objectType": "Person", "mbox": ["mailto:alice@example.org"]}
    assert lrs.request("GET", "agents", {"agent": "{}"}).status == 400


def test_attachments_multipart_round_trip(lrs):
    content = b"un compte rendu de lecture"
    data, body, headers = multipart_statement(content)
    sha2 = data["attachments"][0]["sha2"]
    response = lrs.request("POST", "statements", body=body, headers=headers)
    assert response.status == 200, response.body
    # Without the part, the same statement is rejected.
    missing = statement(attachments=data["attachments"])
    assert lrs.post_statements(missing).status == 400
    fetched = lrs.request("GET", "statements", {"statementId": data["id"], "attachments": "true"})
    assert fetched.status == 200
    assert fetched.headers["content-type"].startswith("multipart/mixed")
    assert content in fetched.body
    assert sha2.encode() in fetched.body


def test_version_2_statements(lrs_factory):
    client = lrs_factory("v2", ["all"], version="2.0.0")
    data = statement(
        context={
            "contextAgents": [
                {
                    "objectType": "contextAgent",
                    "agent": {"mbox": "mailto:tutor@example.org"},
                    "relevantTypes": ["https://example.org/types/tutor"],
                }
            ]
        }
    )
    response = client.post_statements(data)
    assert response.status == 200, response.body
    fetched = client.request("GET", "statements", {"statementId": data["id"]})
    assert fetched.headers["x-experience-api-version"] == "2.0.0"
    assert fetched.json()["version"] == "2.0.0"
    # contextAgents do not exist in 1.0.3.
    old = lrs_factory("v1", ["all"], version="1.0.3")
    assert old.post_statements(statement(context=data["context"])).status == 400
    # The alternate request syntax is gone in 2.0.
    assert client.request("POST", "statements", {"method": "GET"}).status == 400


def test_alternate_request_syntax_in_1_0(lrs):
    data = statement()
    form = {
        "Authorization": lrs.auth,
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
        "statementId": data["id"],
        "content": json.dumps(data),
    }
    from urllib.parse import urlencode

    response = lrs.request(
        "POST",
        "statements?method=PUT",
        body=urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=False,
        version=False,
    )
    assert response.status == 204, response.body
    assert lrs.request("GET", "statements", {"statementId": data["id"]}).status == 200


def test_cors_preflight(lrs):
    response = lrs.request("OPTIONS", "statements", auth=False, version=False)
    assert response.status == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "X-Experience-API-Version" in response.headers["access-control-allow-headers"]


def test_statement_ids_are_uuids(lrs):
    assert lrs.request("GET", "statements", {"statementId": "nope"}).status == 400
    assert lrs.request("GET", "statements", {"statementId": str(uuid.uuid4())}).status == 404


def test_authority_is_a_related_agent(lrs):
    data = statement()
    assert lrs.post_statements(data).status == 200
    authority = json.dumps(lrs.request("GET", "statements", {"statementId": data["id"]}).json()["authority"])
    assert lrs.request("GET", "statements", {"agent": authority}).json()["statements"] == []
    related = lrs.request("GET", "statements", {"agent": authority, "related_agents": "true"}).json()
    assert [s["id"] for s in related["statements"]] == [data["id"]]


def test_empty_batch(lrs):
    response = lrs.post_statements([])
    assert response.status == 200
    assert response.json() == []


def test_concurrent_posts_of_one_id(lrs):
    from concurrent.futures import ThreadPoolExecutor

    from socle.traces.models import Statement, StatementKey

    same = statement()
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda _: lrs.post_statements(same).status, range(6)))
    assert statuses == [200] * 6  # identical re-sends are accepted, stored once
    assert Statement.objects.filter(statement_id=same["id"]).count() == 1
    rival = statement()
    variants = [rival, {**rival, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}]
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(lambda data: lrs.post_statements(data).status, variants))
    assert statuses == [200, 409]
    assert StatementKey.objects.filter(statement_id=rival["id"]).count() == 1
