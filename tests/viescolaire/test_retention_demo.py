"""Retention of conversations and homework, and the demo seed of journeys §4."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from socle.referentiel.demo.personas import person_for
from socle.viescolaire import retention, services
from socle.viescolaire.diffusion import services as diffusion
from socle.viescolaire.models import Evaluation, Homework, Message, Thread

from .conftest import MONDAY_0700, PARIS, TUESDAY_1000

pytestmark = pytest.mark.django_db


def test_retention_rule_is_end_of_school_year_plus_a_year(settings):
    assert retention.school_year_end(dt.date(2025, 9, 1)) == dt.date(2026, 8, 31)
    assert retention.school_year_end(dt.date(2026, 6, 30)) == dt.date(2026, 8, 31)
    # On 1 Sept 2027 the year 2024-2025 (ended 31 Aug 2025) is past its year of retention.
    assert retention.last_expired_year_end(dt.date(2026, 9, 1)) == dt.date(2025, 8, 31)
    assert retention.last_expired_year_end(dt.date(2026, 8, 31)) == dt.date(2024, 8, 31)
    settings.SOCLE_VIESCOLAIRE_RETENTION_DAYS = 30
    assert retention.last_expired_year_end(dt.date(2026, 10, 1)) == dt.date(2026, 8, 31)


def test_purge_command_deletes_only_expired_conversations(vs, at):
    group = [f"class:{vs.classes['4B'].uid}:guardians"]
    old_at = dt.datetime(2025, 6, 20, 10, 0, tzinfo=PARIS)  # school year 2024-2025
    at(old_at)
    old = services.start_thread(vs.user("martin"), subject="Ancien", body="…", audience_keys=group, at=old_at)
    at(TUESDAY_1000)
    recent = services.start_thread(vs.user("martin"), subject="Récent", body="…", audience_keys=group)
    out = io.StringIO()
    call_command("viescolaire_purge", "--today", "2026-12-01", "--dry-run", stdout=out)
    assert "Would delete 1 conversation(s)" in out.getvalue() and Thread.objects.count() == 2
    call_command("viescolaire_purge", "--today", "2026-12-01", stdout=out)
    assert list(Thread.objects.all()) == [recent.thread]
    assert not Message.objects.filter(pk=old.pk).exists()
    # The delivery records of the purged message go with it; the recent one's stay.
    assert diffusion.publication_of("message", str(old.uid)) is None
    assert diffusion.publication_of("message", str(recent.uid)) is not None
    with pytest.raises(Exception, match="expected a date"):
        call_command("viescolaire_purge", "--today", "demain", stdout=out)


@pytest.fixture
def demo_world(db, at):
    out = io.StringIO()
    call_command("demo_data", "--scale", "tiny", "--seed", "1", stdout=out)
    call_command("provision_demo_accounts", stdout=out)
    return out


def test_demo_seed_plays_journey_4_and_is_idempotent(demo_world, at):
    from socle.viescolaire import demo

    at(TUESDAY_1000)
    out = io.StringIO()
    demo.seed(out)
    assert "5 item(s) created" in out.getvalue()
    demo.seed(out)
    assert "0 item(s) created" in out.getvalue()
    assert Homework.objects.count() == 1 and Evaluation.objects.count() == 2 and Thread.objects.count() == 2
    homework = diffusion.publication_of("homework", str(Homework.objects.get().uid))
    assert homework.written_at.astimezone(PARIS).strftime("%a %H:%M") == "Fri 21:10"
    assert homework.deliver_at == MONDAY_0700
    held = Thread.objects.get(subject=demo.HELD_SUBJECT).messages.get()
    assert diffusion.publication_of("message", str(held.uid)).delivered_at is None
    urgent = Thread.objects.get(subject=demo.URGENT_SUBJECT).messages.get()
    publication = diffusion.publication_of("message", str(urgent.uid))
    assert publication.urgent and publication.delivered_at is not None
    first = Evaluation.objects.get(title=demo.FIRST_TEST)
    assert (first.pupils_at, first.guardians_at) == (MONDAY_0700, MONDAY_0700 + dt.timedelta(days=1))
    lea = person_for("lea")
    lea_user = get_user_model().objects.get(username="lea")
    marks = {m.evaluation.title: m.value for m in services.marks_of_pupil(lea_user, str(lea.uid))}
    assert marks == {demo.FIRST_TEST: Decimal("15.5"), demo.SECOND_TEST: Decimal("17")}
    # Karim has the first test (released last week); the second reaches him 24 h after Léa.
    karim = get_user_model().objects.get(username="karim")
    assert [m.evaluation.title for m in services.marks_of_pupil(karim, str(lea.uid))] == [demo.FIRST_TEST]
