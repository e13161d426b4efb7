"""Journey 4 — reasoned school–family communication, on the `make run` demo, through the JSON API
of the live server and the diffusion brick's test clock (`clock.freeze`, allowed only under the
test settings) with its cron sweep (`socle diffusion-deliver-due`):

- Mme Martin writes to 4e B's families and sets homework on a Friday at 21:10 → Karim sees
  nothing until Monday 07:00 (still nothing at 06:59:59), then sees both;
- her marks, released at the same time, reach Léa on Monday 07:00 and Karim 24 h later;
- M. Roux's urgent closure message at 22:00 with a reason is delivered at once, flagged urgent
  and kept in the urgent log; a teacher cannot send an urgent message."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from socle.viescolaire.diffusion import clock
from socle.viescolaire.diffusion import services as diffusion

pytestmark = pytest.mark.django_db(transaction=True)

PARIS = ZoneInfo("Europe/Paris")
MATHS = "061300"


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=PARIS)


def next_ordinary_friday(uai: str) -> dt.date:
    """The next Friday followed by an ordinary school Monday and Tuesday for the school's rules
    (no public or school holiday in between), so that the expected times below hold."""
    day = dt.date.today() + dt.timedelta(days=1)
    while True:
        if day.weekday() == 4:
            monday, tuesday = day + dt.timedelta(days=3), day + dt.timedelta(days=4)
            written = at(day, 21, 10)
            if diffusion.delivery_time(uai, written) == at(monday, 7) and diffusion.marks_release_times(
                uai, written
            ) == (at(monday, 7), at(tuesday, 7)):
                return day
        day += dt.timedelta(days=1)


def move_clock_to(instant: dt.datetime) -> None:
    """Time passes: the platform clock moves, and the cron sweep runs as it would every 5 min."""
    clock.freeze(instant)
    call_command("diffusion_deliver_due", stdout=io.StringIO())


def thread_uids(session) -> set[str]:
    answer = session.get("/vie-scolaire/api/threads")
    assert answer.status_code == 200, answer.text
    return {t["uid"] for t in answer.json()}


def homework_titles(session, pupil_uid) -> set[str]:
    answer = session.get("/vie-scolaire/api/homework", params={"pupil_uid": pupil_uid})
    assert answer.status_code == 200, answer.text
    return {row["title"] for row in answer.json()}


def marks_titles(session, pupil_uid) -> set[str]:
    answer = session.get(f"/vie-scolaire/api/pupils/{pupil_uid}/marks")
    assert answer.status_code == 200, answer.text
    return {row["evaluation"]["title"] for row in answer.json()}


def test_quiet_hours_marks_delay_and_urgent_message(demo, login):
    friday = next_ordinary_friday(demo.college.uai)
    monday, tuesday = friday + dt.timedelta(days=3), friday + dt.timedelta(days=4)
    uai, class_uid = demo.college.uai, str(demo.class_4b.uid)
    lea_uid = str(demo.persons["lea"].uid)
    martin, karim, lea, roux = login("martin"), login("karim"), login("lea"), login("roux")

    # Friday 21:10: Mme Martin writes to 4e B's families and releases a test's marks.
    move_clock_to(at(friday, 21, 10))
    sent = martin.post(
        "/vie-scolaire/api/threads",
        json={
            "subject": "Sortie au musée",
            "body": "La sortie de mardi est confirmée.",
            "recipients": [f"class:{class_uid}:guardians"],
        },
    )
    assert sent.status_code == 201, sent.text
    sent = sent.json()
    assert sent["delivered"] is False and sent["urgent"] is False
    assert dt.datetime.fromisoformat(sent["deliver_at"]) == at(monday, 7)
    homework = martin.post(
        "/vie-scolaire/api/homework",
        json={
            "class_uid": class_uid,
            "subject_code": MATHS,
            "title": "Exercices 12 à 15 page 42",
            "due_date": str(friday + dt.timedelta(days=5)),
        },
    )
    assert homework.status_code == 201, homework.text
    assert dt.datetime.fromisoformat(homework.json()["deliver_at"]) == at(monday, 7)
    evaluation = martin.post(
        "/vie-scolaire/api/evaluations",
        json={
            "class_uid": class_uid,
            "subject_code": MATHS,
            "title": "Contrôle journée 4",
            "date": str(friday),
        },
    )
    assert evaluation.status_code == 201, evaluation.text
    evaluation_uid = evaluation.json()["uid"]
    entered = martin.put(
        f"/vie-scolaire/api/evaluations/{evaluation_uid}/marks",
        json={"marks": [{"pupil_uid": lea_uid, "status": "marked", "value": "15.5"}]},
    )
    assert entered.status_code == 200, entered.text
    released = martin.post(f"/vie-scolaire/api/evaluations/{evaluation_uid}/release")
    assert released.status_code == 200, released.text
    assert dt.datetime.fromisoformat(released.json()["pupils_at"]) == at(monday, 7)
    assert dt.datetime.fromisoformat(released.json()["guardians_at"]) == at(tuesday, 7)
    assert sent["thread_uid"] not in thread_uids(karim)
    assert karim.get(f"/vie-scolaire/api/threads/{sent['thread_uid']}").status_code == 404
    assert "Exercices 12 à 15 page 42" not in homework_titles(karim, lea_uid)

    # Friday 22:00: a teacher may not send an urgent message; the principal may, with a reason.
    move_clock_to(at(friday, 22))
    closure = {
        "subject": "Fermeture du collège lundi",
        "body": "Le collège sera fermé lundi : coupure d'eau.",
        "recipients": [f"school:{uai}:families"],
        "urgent": True,
        "urgency_reason": "Coupure d'eau annoncée par la collectivité",
    }
    refused = martin.post("/vie-scolaire/api/threads", json=closure)
    assert refused.status_code in (403, 422), refused.text
    assert refused.json()["error"]["code"] in ("urgent_not_allowed", "forbidden")
    urgent = roux.post("/vie-scolaire/api/threads", json=closure)
    assert urgent.status_code == 201, urgent.text
    urgent = urgent.json()
    assert urgent["delivered"] is True and urgent["urgent"] is True
    assert urgent["thread_uid"] in thread_uids(karim)  # at once, in the quiet hours
    shown = karim.get(f"/vie-scolaire/api/threads/{urgent['thread_uid']}").json()["messages"]
    assert shown[0]["urgent"] is True and shown[0]["urgency_reason"] == closure["urgency_reason"]
    logged = [p for p in diffusion.urgent_publications(uai) if p.item_id == str(urgent["message_uid"])]
    assert len(logged) == 1 and logged[0].urgency_reason == closure["urgency_reason"]
    assert logged[0].author.username == "roux"
    assert sent["thread_uid"] not in thread_uids(karim)  # Mme Martin's message is still held

    # Monday 06:59:59: still quiet. 07:00: the message reaches Karim, the marks reach Léa only.
    move_clock_to(at(monday, 6, 59, 59))
    assert sent["thread_uid"] not in thread_uids(karim)
    assert "Exercices 12 à 15 page 42" not in homework_titles(karim, lea_uid)
    assert "Contrôle journée 4" not in marks_titles(lea, lea_uid)
    move_clock_to(at(monday, 7))
    assert sent["thread_uid"] in thread_uids(karim)
    body = karim.get(f"/vie-scolaire/api/threads/{sent['thread_uid']}").json()["messages"][0]["body"]
    assert body == "La sortie de mardi est confirmée."
    assert "Exercices 12 à 15 page 42" in homework_titles(karim, lea_uid)
    assert "Exercices 12 à 15 page 42" in homework_titles(lea, lea_uid)
    assert "Contrôle journée 4" in marks_titles(lea, lea_uid)
    assert "Contrôle journée 4" not in marks_titles(karim, lea_uid)

    # Tuesday 07:00, 24 h later: Karim sees his daughter's mark.
    move_clock_to(at(tuesday, 6, 59, 59))
    assert "Contrôle journée 4" not in marks_titles(karim, lea_uid)
    move_clock_to(at(tuesday, 7))
    rows = karim.get(f"/vie-scolaire/api/pupils/{lea_uid}/marks").json()
    mark = next(r for r in rows if r["evaluation"]["title"] == "Contrôle journée 4")
    assert float(mark["value"]) == 15.5
