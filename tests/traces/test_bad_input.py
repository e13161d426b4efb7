"""What the LRS cannot store it refuses with xAPI's 400 (naming the JSON path) — never a 500, never
a statement stored that breaks every later read — and a body over the limit is a 413 answered
before the body is read (credentials too are looked at before the body)."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlparse

import pytest
from django.test import override_settings

from socle.traces.models import Document, Statement

from .conftest import statement

pytestmark = pytest.mark.django_db(transaction=True)


def _error(raw, status=400) -> str:
    assert raw.status == status, (raw.status, raw.body[:300])
    return raw.json()["error"]["message"]


def _reads_still_work(lrs) -> None:
    listed = lrs.request("GET", "statements")
    assert listed.status == 200, listed.body[:300]


def test_a_timestamp_beyond_year_9999_in_utc_is_refused_and_reads_keep_working(lrs):
    for value in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:30:00+01:00"):
        message = _error(lrs.post_statements(statement(timestamp=value)))
        assert "statement.timestamp" in message and "9999" in message
    message = _error(lrs.post_statements([statement(), statement(stored="9999-12-31T23:00:00-05:00")]))
    assert "statements[1].stored" in message
    assert Statement.objects.count() == 0
    _reads_still_work(lrs)
    for name in ("since", "until"):
        refused = lrs.request("GET", "statements", params={name: "9999-12-31T23:59:59-14:00"})
        assert name in _error(refused)


def test_an_offset_postgresql_would_refuse_is_stored_in_utc(lrs):
    """ISO 8601 allows offsets up to ±23:59, PostgreSQL's timestamptz ±15:59."""
    data = statement(timestamp="2026-01-01T00:00:00+23:58")
    assert lrs.post_statements(data).status == 200
    stored = Statement.objects.get()
    assert stored.timestamp.isoformat() == "2025-12-31T00:02:00+00:00"
    read = lrs.request("GET", "statements", params={"statementId": data["id"]}).json()
    assert read["timestamp"] == "2026-01-01T00:00:00+23:58"
    since = lrs.request("GET", "statements", params={"since": "2999-12-31T23:00:00-23:59"})
    assert since.status == 200 and since.json()["statements"] == []


def test_nul_characters_are_refused_with_their_path(lrs):
    cases = [
        (
            statement(actor={"name": "Al\u0000ice", "mbox": "mailto:alice@example.org"}),
            "statement.actor.name",
        ),
        (
            statement(result={"extensions": {"https://example.org/x": {"deep": ["ok", "n\u0000o"]}}}),
            "statement.result.extensions",
        ),
        (statement(result={"extensions": {"https://example.org/x": {"k\u0000ey": 1}}}), "statement.result"),
        (statement(verb={"id": "https://example.org/verbs/\u0000"}), "statement.verb.id"),
    ]
    for data, path in cases:
        message = _error(lrs.post_statements(data))
        assert path in message and "NUL" in message, message
    assert Statement.objects.count() == 0
    _reads_still_work(lrs)
    refused = lrs.request(
        "PUT",
        "activities/state",
        params={
            "activityId": "https://example.org/a",
            "agent": json.dumps({"mbox": "mailto:alice@example.org"}),
            "stateId": "s\u0000",
        },
        body={"a": 1},
    )
    assert "stateId" in _error(refused)
    assert Document.objects.count() == 0


def _nested(depth: int) -> str:
    return "[" * depth + '"bottom"' + "]" * depth


def test_json_nested_too_deep_is_refused(lrs):
    data = json.dumps(statement(result={"extensions": {"https://example.org/x": "DEEP"}}))
    body = data.replace('"DEEP"', _nested(1000)).encode()
    message = _error(
        lrs.request("POST", "statements", body=body, headers={"Content-Type": "application/json"})
    )
    assert "statement.result.extensions" in message and "deeper" in message
    assert Statement.objects.count() == 0
    # A state document nested too deep is stored as bytes, but cannot be merged into.
    params = {
        "activityId": "https://example.org/a",
        "agent": json.dumps({"mbox": "mailto:alice@example.org"}),
        "stateId": "deep",
    }
    document = ('{"d": ' + _nested(1000) + "}").encode()
    json_type = {"Content-Type": "application/json"}
    assert (
        lrs.request("PUT", "activities/state", params=params, body=document, headers=json_type).status == 204
    )
    merged = lrs.request("POST", "activities/state", params=params, body={"more": 1})
    assert "deeper" in _error(merged)
    fresh = {**params, "stateId": "fresh"}
    assert "deeper" in _error(
        lrs.request("POST", "activities/state", params=fresh, body=document, headers=json_type)
    )


def test_values_too_long_for_the_indexes_are_refused(lrs):
    long_iri = "https://example.org/" + "é" * 2000
    message = _error(lrs.post_statements(statement(verb={"id": long_iri})))
    assert "statement.verb.id" in message and "bytes" in message
    message = _error(lrs.post_statements(statement(object={"objectType": "Activity", "id": long_iri})))
    assert "statement.object.id" in message
    state = {
        "activityId": "https://example.org/a",
        "agent": json.dumps({"mbox": "mailto:alice@example.org"}),
        "stateId": "s" * 3000,
    }
    assert "stateId" in _error(lrs.request("PUT", "activities/state", params=state, body={"a": 1}))
    typed = {**state, "stateId": "s"}
    refused = lrs.request(
        "PUT", "activities/state", params=typed, body=b"x", headers={"Content-Type": "text/" + "x" * 300}
    )
    assert "Content-Type" in _error(refused)
    assert Statement.objects.count() == Document.objects.count() == 0


def test_a_limit_in_other_digits_is_a_400(lrs):
    for value in ("²", "١٠", "-1", "1e3"):
        assert "limit" in _error(lrs.request("GET", "statements", params={"limit": value}))


def test_a_partial_batch_rejects_the_unstorable_statement_alone(lrs):
    good = statement()
    bad = statement(timestamp="9999-12-31T23:59:59-14:00")
    answer = lrs.post_statements([good, bad], headers={"X-Socle-Batch-Mode": "partial"})
    assert answer.status == 200, answer.body[:300]
    body = answer.json()
    assert body["stored"] == [good["id"]]
    assert [r["index"] for r in body["rejected"]] == [1]
    assert list(Statement.objects.values_list("statement_id", flat=True)) == [
        __import__("uuid").UUID(good["id"])
    ]
    _reads_still_work(lrs)


def _announce(base_url: str, headers: dict) -> tuple[int, bytes]:
    """Send the headers of a POST /xapi/statements and no body: the answer must come without
    the server waiting for the announced body."""
    parsed = urlparse(base_url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=15)
    try:
        connection.putrequest("POST", "/xapi/statements", skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    except (TimeoutError, socket.timeout):  # noqa: UP041
        pytest.fail("the LRS waited for the announced body instead of answering")
    finally:
        connection.close()


def test_a_body_over_the_limit_is_413_and_credentials_come_before_the_body(lrs, live_server):
    base = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    status, body = _announce(
        live_server.url, {**base, "Authorization": lrs.auth, "Content-Length": "30000000"}
    )
    assert status == 413 and "bytes" in json.loads(body)["error"]["message"]
    status, body = _announce(live_server.url, {**base, "Content-Length": "30000000"})
    assert status == 413
    # Under the limit but without valid credentials: 401 before a byte of the body is read.
    status, _body = _announce(
        live_server.url, {**base, "Authorization": "Basic bm9ib2R5Om5vdGhpbmc=", "Content-Length": "5000000"}
    )
    assert status == 401


def test_the_limit_is_configurable_and_applies_to_what_is_sent(lrs):
    padded = statement(result={"response": "x" * 200_000})
    with override_settings(SOCLE_XAPI_MAX_BODY_BYTES=100_000):
        refused = lrs.post_statements(padded)
        assert refused.status == 413
        assert "100000 bytes" in refused.json()["error"]["message"]
    assert lrs.post_statements(padded).status == 200
