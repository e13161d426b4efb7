"""Vie scolaire's JSON API: session + CSRF, the platform's error shape, OpenAPI document."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client

from socle.viescolaire import audit
from socle.viescolaire.diffusion import delivery
from socle.viescolaire.models import Evaluation

from .conftest import FRIDAY_2110, MONDAY_0700, TUESDAY_1000, uid

pytestmark = pytest.mark.django_db
API = "/vie-scolaire/api"


def session(world, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[name])
    client.get("/vie-scolaire/")  # sets the csrftoken cookie like a page visit
    return client


def post(client, path, body, method="post"):
    token = client.cookies["csrftoken"].value
    return getattr(client, method)(
        API + path, data=json.dumps(body), content_type="application/json", headers={"X-CSRFToken": token}
    )


def test_openapi_documents_every_operation(vs):
    schema = Client().get(API + "/openapi.json").json()
    assert schema["info"]["title"] == "Socle — Vie scolaire API v1"
    paths = schema["paths"]
    for path in (
        "/vie-scolaire/api/audiences",
        "/vie-scolaire/api/threads",
        "/vie-scolaire/api/threads/{thread_uid}",
        "/vie-scolaire/api/threads/{thread_uid}/messages",
        "/vie-scolaire/api/homework",
        "/vie-scolaire/api/evaluations",
        "/vie-scolaire/api/evaluations/{evaluation_uid}/marks",
        "/vie-scolaire/api/evaluations/{evaluation_uid}/release",
        "/vie-scolaire/api/pupils/{pupil_uid}/marks",
        "/vie-scolaire/api/notifications",
        "/vie-scolaire/api/children",
    ):
        assert path in paths, path
    assert "put" in paths["/vie-scolaire/api/evaluations/{evaluation_uid}/marks"]
    assert "SessionCSRFAuth" in schema["components"]["securitySchemes"]


def test_anonymous_csrf_and_errors_have_the_platform_shape(vs, at):
    at(TUESDAY_1000)
    response = Client().get(API + "/threads")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    client = Client(enforce_csrf_checks=True)
    client.force_login(vs.users["martin"])
    no_token = client.post(API + "/threads", data="{}", content_type="application/json")
    assert no_token.status_code == 403 and no_token.json()["error"]["code"] == "csrf_failed"
    client = session(vs, "martin")
    refused = post(
        client,
        "/threads",
        {"subject": "x", "body": "y", "recipients": [f"class:{vs.classes['5C'].uid}:guardians"]},
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    empty = post(client, "/threads", {"subject": " ", "body": "y", "recipients": []})
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "subject"
    urgent = post(
        client,
        "/threads",
        {
            "subject": "x",
            "body": "y",
            "recipients": [f"class:{vs.classes['4B'].uid}:guardians"],
            "urgent": True,
        },
    )
    assert urgent.status_code == 422 and urgent.json()["error"]["code"] == "urgent_not_allowed"
    missing = session(vs, "karim").get(API + "/threads/7b0d4c1e-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_messages_through_the_api(vs, at):
    at(FRIDAY_2110)
    martin = session(vs, "martin")
    audiences = martin.get(API + "/audiences").json()
    assert dt.datetime.fromisoformat(audiences["deliver_at"]) == MONDAY_0700
    key = f"class:{vs.classes['4B'].uid}:guardians"
    assert key in {a["key"] for a in audiences["audiences"]}
    sent = post(martin, "/threads", {"subject": "Sortie", "body": "Mardi.", "recipients": [key]})
    assert sent.status_code == 201
    body = sent.json()
    assert body["delivered"] is False and dt.datetime.fromisoformat(body["deliver_at"]) == MONDAY_0700
    karim = session(vs, "karim")
    assert karim.get(API + "/threads").json() == []
    assert karim.get(f"{API}/threads/{body['thread_uid']}").status_code == 404
    delivery.deliver_due(MONDAY_0700)
    at(MONDAY_0700)
    [thread] = karim.get(API + "/threads").json()
    detail = karim.get(f"{API}/threads/{thread['uid']}").json()
    assert [m["body"] for m in detail["messages"]] == ["Mardi."] and detail["messages"][0][
        "deliver_at"
    ] is None
    answer = post(karim, f"/threads/{thread['uid']}/messages", {"body": "Merci !"})
    assert answer.status_code == 201 and answer.json()["delivered"] is True
    mine = martin.get(f"{API}/threads/{thread['uid']}").json()["messages"]
    assert [m["body"] for m in mine] == ["Mardi.", "Merci !"]
    assert [n["subject"] for n in karim.get(API + "/notifications").json()] == ["Nouveau message : Sortie"]


def test_homework_and_marks_through_the_api(vs, at):
    at(FRIDAY_2110)
    martin = session(vs, "martin")
    class_uid = str(vs.classes["4B"].uid)
    homework = post(
        martin,
        "/homework",
        {"class_uid": class_uid, "subject_code": "061300", "title": "Ex. 5", "due_date": "2026-12-04"},
    )
    assert homework.status_code == 201 and homework.json()["warning"]
    assert len(martin.get(API + "/homework", {"class_uid": class_uid}).json()) == 1
    assert session(vs, "dupont").get(API + "/homework", {"class_uid": class_uid}).status_code == 404
    lea = session(vs, "lea")
    assert lea.get(API + "/homework", {"pupil_uid": uid(vs, "lea")}).json() == []
    evaluation = post(
        martin,
        "/evaluations",
        {"class_uid": class_uid, "subject_code": "061300", "title": "Contrôle", "date": "2026-11-27"},
    ).json()
    marks = post(
        martin,
        f"/evaluations/{evaluation['uid']}/marks",
        {
            "marks": [
                {"pupil_uid": uid(vs, "lea"), "value": "16.5"},
                {"pupil_uid": uid(vs, "zoe"), "status": "exempt"},
            ]
        },
        method="put",
    )
    assert marks.status_code == 200
    assert {m["name"]: m["status"] for m in marks.json()["marks"]} == {
        "Lambert Zoé": "exempt",
        "Moreau Léa": "marked",
    }
    bad = post(
        martin,
        f"/evaluations/{evaluation['uid']}/marks",
        {"marks": [{"pupil_uid": uid(vs, "lea"), "value": "-1"}]},
        method="put",
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == f"marks.{uid(vs, 'lea')}"
    reads = audit.marks_reads(Evaluation.objects.get())
    assert reads.filter(additional_data__channel="api").count() == 1  # the successful PUT
    assert martin.get(f"{API}/evaluations/{evaluation['uid']}/marks").status_code == 200
    assert reads.filter(additional_data__channel="api").count() == 2
    released = post(martin, f"/evaluations/{evaluation['uid']}/release", {}).json()
    assert dt.datetime.fromisoformat(released["pupils_at"]) == MONDAY_0700
    delivery.deliver_due(MONDAY_0700)
    at(MONDAY_0700)
    [row] = lea.get(f"{API}/pupils/{uid(vs, 'lea')}/marks").json()
    assert Decimal(row["value"]) == Decimal("16.5") and row["subject_label"] == "Mathématiques"
    assert len(lea.get(API + "/homework", {"pupil_uid": uid(vs, "lea")}).json()) == 1
    assert session(vs, "karim").get(f"{API}/pupils/{uid(vs, 'lea')}/marks").json() == []
    assert {c["name"] for c in session(vs, "karim").get(API + "/children").json()} == {
        "Léa Moreau",
        "Inès Moreau",
    }
    for name in ("zoe", "nadia", "stranger"):
        assert session(vs, name).get(f"{API}/pupils/{uid(vs, 'lea')}/marks").status_code == 404
    assert session(vs, "dupont").get(f"{API}/evaluations/{evaluation['uid']}/marks").status_code == 404
