"""Publication held during quiet hours, exactly-once delivery, notifications on three channels,
urgent override limited to head/deputy, settings within the operator's bounds, marks and
homework timing."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from socle.viescolaire.diffusion import delivery, services
from socle.viescolaire.diffusion.channels import OutboxPushBackend
from socle.viescolaire.diffusion.models import (
    Channel,
    HolidayPeriod,
    Notification,
    NotificationStatus,
    Publication,
)

from .conftest import paris

KIND = "test-note"  # an item kind of our own: socle.viescolaire registers "message" & co.


def publish_message(world, item_id, at, **extra):
    return services.publish(
        KIND,
        item_id,
        school_uai=world.uai,
        author=world.users["martin"],
        recipients=[world.uid("lea"), world.uid("karim")],
        written_at=at,
        **extra,
    )


def test_written_at_night_is_held_until_seven_in_order(world, frozen):
    frozen(paris(2026, 3, 3, 21, 0))
    first = publish_message(world, "m1", paris(2026, 3, 3, 21, 0))
    second = publish_message(world, "m2", paris(2026, 3, 3, 23, 30))
    assert first.deliver_at == second.deliver_at == paris(2026, 3, 4, 7, 0)
    assert delivery.deliver_due(paris(2026, 3, 4, 6, 59, 59)) == []
    assert not services.is_visible(world.uid("karim"), KIND, "m1")
    assert services.visible_item_ids(world.uid("lea"), KIND) == set()
    assert delivery.deliver_due(paris(2026, 3, 4, 7, 0)) == [first.pk, second.pk]
    assert services.visible_item_ids(world.uid("lea"), KIND) == {"m1", "m2"}
    assert services.is_visible(world.uid("karim"), KIND, "m2")
    # Newest first, and only the recipients' own.
    subjects = list(
        services.notifications_for(world.uid("karim")).values_list("publication__item_id", flat=True)
    )
    assert subjects == ["m2", "m1"]
    assert not services.notifications_for(world.uid("martin")).exists()


def test_written_while_open_is_visible_at_once(world, frozen):
    at = frozen(paris(2026, 3, 3, 10, 0))
    publication = publish_message(world, "m-open", at)
    publication.refresh_from_db()
    assert publication.delivered_at == at
    assert services.is_visible(world.uid("lea"), KIND, "m-open")


def test_not_before_is_respected(world, frozen):
    frozen(paris(2026, 3, 3, 10, 0))
    publication = publish_message(
        world, "m-later", paris(2026, 3, 3, 10, 0), not_before=paris(2026, 3, 6, 21, 0)
    )
    assert publication.deliver_at == paris(2026, 3, 9, 7, 0)


def test_rerun_and_two_workers_deliver_once_with_one_notification_per_channel(world, frozen):
    frozen(paris(2026, 3, 3, 21, 0))
    services.register_renderer(
        "test-rendered", lambda item_id: ("Nouveau message", f"Message {item_id}", f"/m/{item_id}")
    )
    publication = services.publish(
        "test-rendered",
        "m-once",
        school_uai=world.uai,
        author=world.users["martin"],
        recipients=[world.uid("lea"), world.uid("karim")],
        written_at=paris(2026, 3, 3, 21, 0),
    )
    at = paris(2026, 3, 4, 7, 0)
    # Two workers picking the same task one after the other, each sending what is pending.
    results = [delivery.deliver_publication(publication.pk, at) for _ in range(2)]
    delivery.send_pending(at)
    delivery.send_pending(at)
    assert results == [True, False]
    assert delivery.deliver_publication(publication.pk, at) is False  # a re-run task
    delivery.send_pending(at)
    rows = Notification.objects.filter(publication=publication)
    assert rows.count() == 2 * 3
    for channel in Channel.values:
        assert rows.filter(channel=channel).count() == 2
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["karim@example.org"]  # Léa has no address
    assert mail.outbox[0].subject == "Nouveau message"
    assert rows.get(channel=Channel.EMAIL, person_uid=world.uid("lea")).status == NotificationStatus.SKIPPED
    assert len(OutboxPushBackend.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_delivery_in_separate_transactions(world):
    """Two real database sessions racing on the conditional UPDATE: one wins."""
    publication = Publication.objects.create(
        item_kind=KIND,
        item_id="race",
        school_uai=world.uai,
        written_at=paris(2026, 3, 3, 21),
        deliver_at=paris(2026, 3, 4, 7),
    )
    barrier = threading.Barrier(4)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(delivery.deliver_publication(publication.pk, paris(2026, 3, 4, 7, 0, 1)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


def test_sweep_command_delivers_what_a_lost_task_left(world, frozen):
    frozen(paris(2026, 3, 3, 21, 0))
    publish_message(world, "lost", paris(2026, 3, 3, 21, 0))
    frozen(paris(2026, 3, 4, 7, 5))
    from io import StringIO

    out = StringIO()
    call_command("diffusion_deliver_due", stdout=out)
    assert "delivered=1" in out.getvalue()
    assert services.is_visible(world.uid("lea"), KIND, "lost")
    out = StringIO()
    call_command("diffusion_deliver_due", stdout=out)
    assert "delivered=0" in out.getvalue()


def test_failed_push_is_recorded_and_retried(world, frozen, settings):
    settings.SOCLE_DIFFUSION_PUSH_BACKEND = "tests.viescolaire.diffusion.test_services.BrokenPush"
    frozen(paris(2026, 3, 3, 10, 0))
    publish_message(world, "push-fails", paris(2026, 3, 3, 10, 0))
    delivery.send_pending(paris(2026, 3, 3, 10, 0))
    failed = Notification.objects.filter(channel=Channel.PUSH, status=NotificationStatus.FAILED)
    assert failed.count() == 2 and "gateway down" in failed.first().error
    settings.SOCLE_DIFFUSION_PUSH_BACKEND = "socle.viescolaire.diffusion.channels.OutboxPushBackend"
    counts = delivery.sweep(paris(2026, 3, 3, 10, 1))
    assert counts["retried"] == 2 and counts["sent"] == 2
    assert len(OutboxPushBackend.outbox) == 2


from socle.viescolaire.diffusion.channels import PushBackend  # noqa: E402


class BrokenPush(PushBackend):
    def send(self, message):
        raise ConnectionError("gateway down")


# --- urgent override ---------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["roux", "adjointe"])
def test_head_or_deputy_sends_urgent_at_once(world, frozen, who):
    at = frozen(paris(2026, 3, 3, 22, 0))
    publication = services.publish(
        KIND,
        f"urgent-{who}",
        school_uai=world.uai,
        author=world.users[who],
        recipients=[world.uid("karim")],
        urgent=True,
        urgency_reason="Collège fermé demain (inondation)",
    )
    publication.refresh_from_db()
    assert publication.urgent and publication.delivered_at == at
    assert services.is_visible(world.uid("karim"), KIND, f"urgent-{who}")
    assert list(services.urgent_publications(world.uai)) == [publication]


@pytest.mark.parametrize("who", ["martin", "cpe", "other_head", "karim"])
def test_others_cannot_send_urgent(world, frozen, who):
    frozen(paris(2026, 3, 3, 22, 0))
    with pytest.raises(services.UrgentNotAllowed) as refused:
        services.publish(
            KIND,
            "nope",
            school_uai=world.uai,
            author=world.users[who],
            recipients=[world.uid("karim")],
            urgent=True,
            urgency_reason="Je veux",
        )
    assert refused.value.code == "not_head"
    assert "chef d'établissement" in refused.value.messages[0]  # French, the platform's language
    assert not Publication.objects.exists()


def test_urgent_needs_a_reason(world, frozen):
    frozen(paris(2026, 3, 3, 22, 0))
    with pytest.raises(services.UrgentNotAllowed) as refused:
        services.publish(
            KIND,
            "no-reason",
            school_uai=world.uai,
            author=world.users["roux"],
            recipients=[world.uid("karim")],
            urgent=True,
            urgency_reason="   ",
        )
    assert refused.value.code == "reason_required"


def test_review_once(world, frozen):
    frozen(paris(2026, 3, 3, 22, 0))
    publication = services.publish(
        KIND,
        "u",
        school_uai=world.uai,
        author=world.users["roux"],
        recipients=[world.uid("karim")],
        urgent=True,
        urgency_reason="Alerte",
    )
    assert services.review_urgent(publication, by=world.users["operateur"], note="Justifié")
    assert not services.review_urgent(publication, by=world.users["roux"])


# --- settings, holidays, marks, homework ----------------------------------------------------------
def test_settings_within_bounds(world):
    conf = services.save_school_settings(
        world.uai, evening_start=dt.time(19, 0), guardian_marks_delay_hours=48
    )
    assert conf.pk and services.policy_for(world.uai).evening_start == dt.time(19, 0)
    with pytest.raises(ValidationError) as error:
        services.save_school_settings(world.uai, evening_start=dt.time(21, 0))
    assert "18:00" in str(error.value.message_dict["evening_start"])
    assert "20:00" in str(error.value.message_dict["evening_start"])
    with pytest.raises(ValidationError) as error:
        services.save_school_settings(world.uai, guardian_marks_delay_hours=500)
    assert "guardian_marks_delay_hours" in error.value.message_dict


def test_the_calendar_is_seeded_and_a_zone_makes_holidays_quiet(world):
    # Migration 0002 seeds it; a transactional test may have flushed the table since: re-seed
    # (idempotent) and check the same rows.
    from socle.viescolaire.diffusion.holidays import seed

    seed(HolidayPeriod)
    assert seed(HolidayPeriod) == 0
    assert HolidayPeriod.objects.filter(school_year="2025-2026", zone="B").count() == 6
    assert services.delivery_time(world.uai, paris(2026, 2, 13, 21, 0)) == paris(2026, 2, 16, 7, 0)
    services.save_school_settings(world.uai, holiday_zone="B")
    assert services.delivery_time(world.uai, paris(2026, 2, 13, 21, 0)) == paris(2026, 3, 2, 7, 0)
    services.save_school_settings(world.uai, quiet_during_holidays=False)
    assert services.delivery_time(world.uai, paris(2026, 2, 13, 21, 0)) == paris(2026, 2, 16, 7, 0)


def test_marks_release_times(world):
    pupils, guardians = services.marks_release_times(world.uai, paris(2026, 3, 3, 21, 0))
    assert pupils == paris(2026, 3, 4, 7, 0) and guardians == paris(2026, 3, 5, 7, 0)
    # Entered Thursday 15:00: pupils at once; +24 h is Friday 15:00, open.
    pupils, guardians = services.marks_release_times(world.uai, paris(2026, 3, 5, 15, 0))
    assert pupils == paris(2026, 3, 5, 15, 0) and guardians == paris(2026, 3, 6, 15, 0)
    # Entered Friday 15:00: +24 h falls on Saturday → Monday 07:00.
    _, guardians = services.marks_release_times(world.uai, paris(2026, 3, 6, 15, 0))
    assert guardians == paris(2026, 3, 9, 7, 0)


@translation.override("en")
def test_homework_warnings(world):
    assert services.homework_warning(world.uai, paris(2026, 3, 3, 10, 0), dt.date(2026, 3, 5)) is None
    late = services.homework_warning(world.uai, paris(2026, 3, 3, 18, 0), dt.date(2026, 3, 4))
    assert late and "one evening" in late
    night = services.homework_warning(world.uai, paris(2026, 3, 7, 11, 0), dt.date(2026, 3, 9))
    assert night and "09/03/2026 07:00" in night and "the day it is due" in night
    weekend = services.homework_warning(world.uai, paris(2026, 3, 7, 11, 0), dt.date(2026, 3, 12))
    assert weekend and "quiet hours" in weekend and "the day it is due" not in weekend


def test_publish_is_idempotent_per_item(world, frozen):
    frozen(paris(2026, 3, 3, 21, 0))
    first = publish_message(world, "same", paris(2026, 3, 3, 21, 0))
    again = publish_message(world, "same", paris(2026, 3, 3, 22, 0))
    assert first.pk == again.pk and Publication.objects.count() == 1


def test_sweep_purges_notifications_after_a_school_year(world, frozen):
    frozen(paris(2026, 3, 3, 10, 0))
    publish_message(world, "old", paris(2026, 3, 3, 10, 0))
    assert Notification.objects.count() == 2 * 3
    counts = delivery.sweep(paris(2027, 3, 3, 10, 1))
    assert counts["purged"] == 6 and not Notification.objects.exists()
    # The publication stays: the other apps still show the item it delivered.
    assert services.is_visible(world.uid("lea"), KIND, "old")


def test_withdraw_forgets_the_publication(world, frozen):
    frozen(paris(2026, 3, 3, 10, 0))
    publish_message(world, "gone", paris(2026, 3, 3, 10, 0))
    assert services.withdraw(KIND, "gone") is True
    assert not services.is_visible(world.uid("lea"), KIND, "gone")
    assert not Notification.objects.exists() and services.publication_of(KIND, "gone") is None
    assert services.withdraw(KIND, "gone") is False


# --- the test clock is a test-only device --------------------------------------------------------
def test_clock_ignores_the_frozen_time_when_not_allowed(world, frozen, settings):
    from django.utils import timezone

    from socle.viescolaire.diffusion import clock

    frozen(paris(2026, 3, 3, 21, 0))
    assert clock.now() == paris(2026, 3, 3, 21, 0)
    settings.SOCLE_DIFFUSION_TEST_CLOCK = False  # what every other settings module amounts to
    assert abs((clock.now() - timezone.now()).total_seconds()) < 5
    with pytest.raises(RuntimeError, match="test settings"):
        clock.freeze(paris(2026, 3, 3, 22, 0))


def test_system_check_refuses_the_test_clock_elsewhere(settings):
    from socle.viescolaire.diffusion.apps import check_test_clock

    settings.SOCLE_DIFFUSION_TEST_CLOCK = True
    assert check_test_clock() == []  # under socle.settings.test
    settings.SETTINGS_MODULE = "socle.settings.production"
    assert [error.id for error in check_test_clock()] == ["viescolaire_diffusion.E001"]
