"""Hypothesis fuzzing of the xAPI endpoint over HTTP (the live LRS on PostgreSQL): valid statements
with parts replaced by odd JSON (NUL characters, timestamps at the edges of the calendar and of
the offsets, deep nesting, huge numbers, long IRIs, wrong types), batches mixing good and bad
statements in both batch modes, raw bodies that are barely JSON, and documents. For every
request:

- never a 5xx and never a traceback: 200/204, or xAPI's error object with a 400/401/403/404/409/412/413;
- never a partial write: a refused batch stores none of its statements, an accepted one stores all
  (in partial mode, exactly the statements reported stored);
- reads keep working afterwards (nothing was stored that cannot be given back)."""

from __future__ import annotations

import json
import sys
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socle.traces.models import Statement

from .conftest import statement

pytestmark = pytest.mark.django_db(transaction=True)
FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OK = {200, 204}
REFUSED = {400, 401, 403, 404, 409, 412, 413}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["\u0000", "a\u0000b", "mailto:\u0000@x.org", "https://example.org/\u0000"]),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)
timestamps = st.one_of(
    st.builds(
        lambda year, month, day, time, offset: f"{year:04d}-{month:02d}-{day:02d}T{time}{offset}",
        st.integers(0, 9999),
        st.integers(1, 12),
        st.integers(1, 31),
        st.sampled_from(["00:00:00", "23:59:59", "12:00:00.1234567", "24:00:00", "00:00"]),
        st.sampled_from(
            ["Z", "+00:00", "-00:00", "-14:00", "+14:00", "+15:59", "-23:59", "+23:58", "+2400", ""]
        ),
    ),
    st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2026-02-29T00:00:00Z"]),
)
iris = st.one_of(
    st.builds(lambda n: "https://example.org/" + "é" * n, st.integers(500, 1500)),
    st.sampled_from(["https://example.org/a", "urn:x", "not an iri", "https://example.org/\u0000"]),
)
# Where a statement's parts go, and what they may become.
PATHS = [
    ("actor",),
    ("actor", "name"),
    ("actor", "mbox"),
    ("verb", "id"),
    ("verb", "display"),
    ("object", "id"),
    ("object", "definition"),
    ("object", "definition", "name"),
    ("object", "definition", "extensions"),
    ("result",),
    ("result", "score"),
    ("result", "extensions"),
    ("context",),
    ("context", "extensions"),
    ("context", "contextActivities"),
    ("timestamp",),
    ("stored",),
    ("id",),
    ("version",),
    ("attachments",),
]


def _deep(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def odd_statements(draw) -> dict:
    data = statement()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        last = path[-1]
        if last in ("timestamp", "stored"):
            value = draw(timestamps)
        elif last == "id" and len(path) > 1:
            value = draw(iris)
        elif last == "extensions":
            value = draw(
                st.one_of(
                    st.dictionaries(iris, json_values, max_size=2),
                    st.builds(lambda d: {"https://example.org/x": _deep(d)}, st.integers(20, 300)),
                )
            )
        else:
            value = draw(json_values)
        target = data
        for key in path[:-1]:
            existing = target.get(key)
            if not isinstance(existing, dict):
                existing = target[key] = {}
            target = existing
        if draw(st.integers(0, 9)) == 0:
            target.pop(last, None)
        else:
            target[last] = value
    return data


def _encode(data) -> bytes:
    """JSON text of `data`, however deep (up to 300 levels must reach the LRS)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 5000))
    try:
        return json.dumps(data).encode()
    finally:
        sys.setrecursionlimit(limit)


def _post(lrs, body: bytes, headers: dict | None = None):
    return lrs.request(
        "POST", "statements", body=body, headers={"Content-Type": "application/json", **(headers or {})}
    )


def _check(raw) -> None:
    assert raw.status in OK | REFUSED, (raw.status, raw.body[:300])
    if raw.status in REFUSED:
        error = raw.json()["error"]
        assert error["code"] == raw.status and error["message"], error
        assert b"Traceback" not in raw.body


def _stored_ids() -> set[str]:
    return {str(value) for value in Statement.objects.values_list("statement_id", flat=True)}


@FUZZ
@given(
    statements=st.lists(st.one_of(odd_statements(), st.builds(statement)), min_size=1, max_size=4),
    partial=st.booleans(),
)
def test_statement_batches_never_fail_nor_half_write(lrs, statements, partial):
    for item in statements:
        item["id"] = str(uuid.uuid4())  # fresh ids: a batch never collides with an earlier one
    before = _stored_ids()
    headers = {"X-Socle-Batch-Mode": "partial"} if partial else {}
    answer = _post(lrs, _encode(statements), headers)
    _check(answer)
    added = _stored_ids() - before
    if answer.status == 200 and partial:
        assert added == set(answer.json()["stored"])
    elif answer.status == 200:
        assert added == set(answer.json()) == {item["id"] for item in statements}
    else:
        assert added == set()
    reads = lrs.request("GET", "statements", params={"limit": "5"})
    assert reads.status == 200, reads.body[:300]


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(str.encode),
        json_values.map(lambda v: _encode(v)),
        st.sampled_from([b"[" * 2000 + b"]" * 2000, b'{"actor": ' * 500, b"\xff\xfe{}", b'"\\u0000"']),
    ),
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=utf-8", "text/plain", "multipart/mixed", ""]
    ),
    method=st.sampled_from(["POST", "PUT"]),
)
def test_raw_bodies_never_fail(lrs, body, content_type, method):
    before = _stored_ids()
    params = {"statementId": str(uuid.uuid4())} if method == "PUT" else None
    headers = {"Content-Type": content_type} if content_type else {}
    answer = lrs.request(method, "statements", params=params, body=body, headers=headers)
    _check(answer)
    if answer.status not in OK:
        assert _stored_ids() == before


@FUZZ
@given(
    resource=st.sampled_from(["activities/state", "activities/profile", "agents/profile"]),
    document=st.one_of(json_values.map(_encode), st.binary(max_size=50)),
    doc_id=st.one_of(st.text(max_size=20), st.builds(lambda n: "d" * n, st.integers(300, 1200))),
    activity=iris,
    method=st.sampled_from(["PUT", "POST", "GET", "DELETE"]),
)
def test_documents_never_fail(lrs, resource, document, doc_id, activity, method):
    params = {"stateId" if resource == "activities/state" else "profileId": doc_id}
    if resource != "agents/profile":
        params["activityId"] = activity
    if resource != "activities/profile":
        params["agent"] = json.dumps({"mbox": "mailto:alice@example.org"})
    headers = {"Content-Type": "application/json", "If-None-Match": "*"} if method in ("PUT", "POST") else {}
    answer = lrs.request(
        method, resource, params=params, body=document if method in ("PUT", "POST") else None, headers=headers
    )
    _check(answer)
