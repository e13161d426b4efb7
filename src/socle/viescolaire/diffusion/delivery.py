"""Exactly-once delivery of held publications.

Visibility: `Publication.delivered_at` is set by a conditional UPDATE (`… WHERE delivered_at IS
NULL AND deliver_at <= now`); only the caller whose UPDATE changed the row creates the
notifications, in the same transaction. A re-run task or a second worker finds the row already
delivered and does nothing.

Notifications: one row per publication × person × channel (unique). In-app rows are the
notification itself. E-mail and push rows are claimed (pending → sending, a conditional UPDATE)
before anything leaves, so two workers never send the same one; a failure is recorded and
retried up to MAX_ATTEMPTS by the sweep; a row left in "sending" by a killed worker is marked
failed rather than re-sent (at most once: a duplicate e-mail to a family is the worse outcome,
the in-app notification is there anyway).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F

from . import channels
from .models import Channel, Notification, NotificationStatus, Publication

logger = logging.getLogger("socle.viescolaire.diffusion")

MAX_ATTEMPTS = 3
# Notifications are kept one school year at most (arrêté RU-003: data refreshed every rentrée);
# the publications stay, since they decide what the other apps may show.
NOTIFICATION_RETENTION = dt.timedelta(days=365)
STALE_SENDING = dt.timedelta(minutes=15)
EXTERNAL_CHANNELS = (Channel.EMAIL, Channel.PUSH)


def deliver_publication(publication_id: int, now: dt.datetime) -> bool:
    """Make one publication visible if it is due and not yet delivered; True if this call did."""
    from .services import render

    with transaction.atomic():
        claimed = Publication.objects.filter(
            pk=publication_id, delivered_at__isnull=True, deliver_at__lte=now
        ).update(delivered_at=now)
        if not claimed:
            return False
        publication = Publication.objects.get(pk=publication_id)
        rendered = render(publication.item_kind, publication.item_id)
        rows = []
        for person_uid in publication.recipients.values_list("person_uid", flat=True).order_by("pk"):
            for channel in Channel.values:
                rows.append(
                    Notification(
                        publication=publication,
                        person_uid=person_uid,
                        channel=channel,
                        status=NotificationStatus.SENT
                        if channel == Channel.IN_APP
                        else NotificationStatus.PENDING,
                        subject=rendered.subject[:200],
                        url=rendered.url[:300],
                        created_at=now,
                        sent_at=now if channel == Channel.IN_APP else None,
                    )
                )
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    logger.info("delivered %s to %d recipients", publication, len(rows) // len(Channel.values) if rows else 0)
    return True


def deliver_due(now: dt.datetime, school_uai: str | None = None) -> list[int]:
    """Deliver every due publication (of one school, or all), in the order written."""
    due = Publication.objects.filter(delivered_at__isnull=True, deliver_at__lte=now)
    if school_uai:
        due = due.filter(school_uai=school_uai)
    delivered = []
    for pk in due.order_by("deliver_at", "written_at", "pk").values_list("pk", flat=True):
        if deliver_publication(pk, now):
            delivered.append(pk)
    return delivered


def _send_one(notification_id: int, now: dt.datetime) -> str | None:
    claimed = Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.SENDING, attempts=F("attempts") + 1
    )
    if not claimed:
        return None  # another worker has it
    notification = Notification.objects.select_related("publication").get(pk=notification_id)
    from .services import render

    rendered = render(notification.publication.item_kind, notification.publication.item_id)
    message = channels.Message(notification.person_uid, notification.subject, rendered.body, notification.url)
    sender = channels.send_email if notification.channel == Channel.EMAIL else channels.send_push
    status, error = NotificationStatus.SENT, ""
    try:
        sender(message)
    except channels.Skip as skip:
        status, error = NotificationStatus.SKIPPED, str(skip)
    except Exception as failure:
        logger.warning("notification %s failed: %s", notification_id, failure)
        status, error = NotificationStatus.FAILED, f"{type(failure).__name__}: {failure}"[:300]
    Notification.objects.filter(pk=notification_id).update(
        status=status, error=error, sent_at=now if status == NotificationStatus.SENT else None
    )
    return status


def send_pending(now: dt.datetime, publication_id: int | None = None) -> dict[str, int]:
    """Send the pending e-mail and push notifications (of one publication, or all)."""
    pending = Notification.objects.filter(status=NotificationStatus.PENDING, channel__in=EXTERNAL_CHANNELS)
    if publication_id is not None:
        pending = pending.filter(publication_id=publication_id)
    counts: dict[str, int] = {}
    for pk in pending.order_by("pk").values_list("pk", flat=True):
        status = _send_one(pk, now)
        if status:
            counts[status] = counts.get(status, 0) + 1
    return counts


def sweep(now: dt.datetime) -> dict[str, int]:
    """The safety net (task and `socle diffusion-deliver-due`): deliver whatever is due whose task
    was lost, retry failed sends, close sends interrupted by a killed worker, purge notifications
    older than NOTIFICATION_RETENTION."""
    retried = Notification.objects.filter(status=NotificationStatus.FAILED, attempts__lt=MAX_ATTEMPTS).update(
        status=NotificationStatus.PENDING
    )
    # A "sending" row older than STALE_SENDING was interrupted; its send may have left: not retried.
    interrupted = Notification.objects.filter(
        status=NotificationStatus.SENDING, publication__delivered_at__lt=now - STALE_SENDING
    ).update(status=NotificationStatus.FAILED, attempts=MAX_ATTEMPTS, error="interrupted; not retried")
    delivered = deliver_due(now)
    counts = send_pending(now)
    purged, _by_model = Notification.objects.filter(created_at__lt=now - NOTIFICATION_RETENTION).delete()
    return {
        "delivered": len(delivered),
        "retried": retried,
        "interrupted": interrupted,
        "purged": purged,
        **counts,
    }
