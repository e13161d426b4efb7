"""Exactly-once delivery of held publications.

Visibility: `Publication.delivered_at` is set by a conditional UPDATE (`… WHERE delivered_at IS
NULL AND deliver_at <= now`); only the caller whose UPDATE changed the row creates the
notifications, in the same transaction. A re-run task or a second worker finds the row already
delivered and does nothing.

Notifications: one row per publication × person × channel (unique). In-app rows are the
notification itself. E-mail and push rows are claimed (pending → sending, a conditional UPDATE
that also stamps `claimed_at`) before anything leaves, so two workers never send the same one; a
failure is recorded and retried up to MAX_ATTEMPTS by the sweep. Every attempt carries the same
idempotency key (publication, person, channel). A row left in "sending" by a killed worker is
found once its lease (`send_lease()`, real time) has expired:
- on a channel whose receiver deduplicates on the key (`channels.is_idempotent`), it is sent
  again with that key: nothing lost, and the receiver shows it once;
- otherwise it is marked failed and not re-sent (at most once: a duplicate e-mail to a family
  is the worse outcome, the in-app notification is there anyway).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import channels
from .models import Channel, Notification, NotificationStatus, Publication

logger = logging.getLogger("socle.viescolaire.diffusion")

MAX_ATTEMPTS = 3
# Notifications are kept one school year at most (arrêté RU-003: data refreshed every rentrée);
# the publications stay, since they decide what the other apps may show.
NOTIFICATION_RETENTION = dt.timedelta(days=365)
EXTERNAL_CHANNELS = (Channel.EMAIL, Channel.PUSH)
DEFAULT_SEND_LEASE = dt.timedelta(minutes=15)


def send_lease() -> dt.timedelta:
    """How long a claimed send may take before it counts as interrupted (a killed worker).
    Real time: `SOCLE_DIFFUSION_SEND_LEASE_SECONDS`, 15 minutes by default."""
    seconds = getattr(settings, "SOCLE_DIFFUSION_SEND_LEASE_SECONDS", None)
    return dt.timedelta(seconds=float(seconds)) if seconds else DEFAULT_SEND_LEASE


def _lease_expired() -> Q:
    return Q(status=NotificationStatus.SENDING, claimed_at__lt=timezone.now() - send_lease())


def _idempotent_channels() -> list[str]:
    return [channel for channel in EXTERNAL_CHANNELS if channels.is_idempotent(channel)]


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


@contextlib.contextmanager
def _bookkeeping():
    """A transaction for one send's status (its claim, then its outcome) that does not wait for
    PostgreSQL to flush its WAL to disk (`synchronous_commit = off`, this transaction only).

    The commit is visible to every other session at once and survives the *worker's* death,
    which is what the claim protocol relies on; only a crash of the PostgreSQL server itself can
    lose the last fraction of a second of such commits, and then a claim comes back "pending"
    (re-sent: at worst a duplicate on a channel that does not deduplicate) or an outcome back
    "sending" (handled as an interrupted send). In exchange a send costs no disk flush: on a
    disk that flushes in ~6 ms (this project's machines) that is most of a send's time, and the
    07:00 burst is millions of sends (docs/benchmarks.md, "The 07:00 burst")."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


@dataclass(frozen=True)
class _Row:
    pk: int
    channel: str
    person_uid: str
    subject: str
    url: str
    key: str


def _send_one(row: _Row, body: str, now: dt.datetime, *, resume: bool = False) -> str | None:
    """Claim and send one notification; `resume`: also take it over from an expired lease."""
    claimable = Q(status=NotificationStatus.PENDING)
    if resume:
        claimable |= _lease_expired()
    with _bookkeeping():
        claimed = (
            Notification.objects.filter(claimable, pk=row.pk)
            .filter(channel__in=EXTERNAL_CHANNELS)
            .update(status=NotificationStatus.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now())
        )
    if not claimed:
        return None  # another worker has it
    message = channels.Message(row.person_uid, row.subject, body, row.url, key=row.key)
    sender = channels.send_email if row.channel == Channel.EMAIL else channels.send_push
    status, error = NotificationStatus.SENT, ""
    try:
        sender(message)
    except channels.Skip as skip:
        status, error = NotificationStatus.SKIPPED, str(skip)
    except Exception as failure:
        logger.warning("notification %s failed: %s", row.pk, failure)
        status, error = NotificationStatus.FAILED, f"{type(failure).__name__}: {failure}"[:300]
    with _bookkeeping():
        Notification.objects.filter(pk=row.pk).update(
            status=status, error=error, sent_at=now if status == NotificationStatus.SENT else None
        )
    return status


def send_pending(now: dt.datetime, publication_id: int | None = None) -> dict[str, int]:
    """Send the pending e-mail and push notifications (of one publication, or all), and resume
    the sends a killed worker left behind on channels that deduplicate (lease expired). The rows
    are read in one query and each item is rendered once; each send is then claimed on its own
    (a conditional UPDATE), so that concurrent workers share the rows and never send one twice."""
    from .services import render

    sendable = Q(status=NotificationStatus.PENDING, channel__in=EXTERNAL_CHANNELS)
    resumable = _idempotent_channels()
    if resumable:
        sendable |= _lease_expired() & Q(channel__in=resumable)
    pending = Notification.objects.filter(sendable)
    if publication_id is not None:
        pending = pending.filter(publication_id=publication_id)
    counts: dict[str, int] = {}
    bodies: dict[int, str] = {}
    fields = ("pk", "channel", "person_uid", "subject", "url", "publication_id")
    for pk, channel, person_uid, subject, url, pub_id in pending.order_by("pk").values_list(*fields):
        if pub_id not in bodies:
            item_kind, item_id = Publication.objects.values_list("item_kind", "item_id").get(pk=pub_id)
            bodies[pub_id] = render(item_kind, item_id).body
        key = Notification(publication_id=pub_id, person_uid=person_uid, channel=channel).idempotency_key
        row = _Row(pk, channel, person_uid, subject, url, key)
        status = _send_one(row, bodies[pub_id], now, resume=channel in resumable)
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
    # A "sending" row whose lease expired was interrupted and its send may have left: on a
    # channel that does not deduplicate it is closed, not retried (send_pending below resumes
    # the others with the same idempotency key).
    interrupted = (
        Notification.objects.filter(_lease_expired())
        .exclude(channel__in=_idempotent_channels())
        .update(status=NotificationStatus.FAILED, attempts=MAX_ATTEMPTS, error="interrupted; not retried")
    )
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
