"""Finding 5 (low): code e-mails and SMS sent inside the request, so that the response time told
whether an account exists (sending takes a mail or SMS gateway's round trip; an unknown login
took none). The forms now enqueue one background task whatever was typed; the worker looks the
account up, issues the code and sends it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from socle.identite import sms
from socle.referentiel import models as rm
from tests.identite.conftest import run_tasks

from .conftest import Browser


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SOCLE_SMS_BACKEND = "socle.identite.sms.OutboxBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def _queued():
    return list(DBTaskResult.objects.order_by("enqueued_at").values_list("task_path", "args_kwargs"))


@pytest.mark.parametrize(
    ("form", "field", "known", "unknown"),
    [
        ("/identite/mot-de-passe-oublie/", "username", "karim", "personne.inconnue"),
        ("/identite/activation/demande/", "contact", "06 11 22 33 44", "06 99 99 99 99"),
    ],
)
def test_nothing_is_sent_inside_the_request_and_both_paths_enqueue_the_same_task(
    live_server, world, sms_outbox, form, field, known, unknown
):
    guardian = rm.Person.objects.create(first_name="Sarah", last_name="Lambert", mobile_phone="0611223344")
    rm.Guardianship.objects.create(guardian=guardian, pupil=world.persons["tom"], relationship="mere")
    pages = []
    for value in (known, unknown):
        before = len(_queued())
        answer = Browser(live_server.url).submit(form, {field: value})
        assert answer.status_code == 200
        # The response is back: nothing was sent while it was being made...
        assert mail.outbox == [] and sms_outbox == []
        # ...and exactly one task was queued, the same one whatever was typed.
        queued = _queued()[before:]
        assert [path for path, _args in queued] == ["socle.identite.tasks.deliver_requested_code"]
        pages.append(answer.text.replace("csrfmiddlewaretoken", ""))
    assert run_tasks() == 2
    assert len(mail.outbox) + len(sms_outbox) == 1  # only the known identifier got a code


def test_known_and_unknown_identifiers_cost_the_same_queries(client, world):
    """The same SQL statements, in number, for a login that exists and one that does not: the
    request does the same work (the time it takes follows)."""
    # A first request from this address creates its counter row; the two compared requests
    # then find it, like any later request.
    client.post("/identite/mot-de-passe-oublie/", {"username": "premiere.demande"})
    counts = []
    for username in ("karim", "personne.inconnue"):
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/identite/mot-de-passe-oublie/", {"username": username})
        assert response.status_code == 200
        counts.append(len(queries))
        assert not any("auth_user" in query["sql"] for query in queries.captured_queries)
    assert counts[0] == counts[1]
    assert mail.outbox == []


def test_finished_code_requests_leave_the_queue_after_a_day(client, world):
    """A queued request holds what was typed (a login, an e-mail, a phone number)."""
    import datetime as dt

    from django.utils import timezone

    from socle.identite.retention import apply_retention

    client.post("/identite/mot-de-passe-oublie/", {"username": "karim"})
    assert run_tasks() == 1
    assert apply_retention()["code_requests_deleted"] == 0
    later = timezone.now() + dt.timedelta(days=1, minutes=1)
    assert apply_retention(later)["code_requests_deleted"] == 1
    assert not DBTaskResult.objects.filter(task_path="socle.identite.tasks.deliver_requested_code").exists()
