"""Retention of the security log (CNIL recommendation: logs kept 6 to 12 months, pseudonymous
identifiers where possible).

`apply_retention()` is cron- and task-friendly (no argument needed, idempotent, returns counts):
it replaces the IP address of events older than `SOCLE_SECURITY_LOG_IP_DAYS` by a keyed
pseudonym, deletes events older than `SOCLE_SECURITY_LOG_RETENTION_DAYS`, revoked or stale
session records, expired one-time codes, expired throttling counters, and the finished code
requests of the task queue a day after they ran (they hold what was typed: a login, an e-mail
address, a phone number). Run it daily:
`socle identite-retention`."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from . import conf
from .models import OneTimeCode, SecurityEvent, Throttle, UserSession
from .security import ip_pseudonym


def apply_retention(
    now: dt.datetime | None = None, *, ip_days: int | None = None, retention_days: int | None = None
) -> dict[str, int]:
    now = now or timezone.now()
    ip_days = conf.log_ip_days() if ip_days is None else ip_days
    retention_days = conf.log_retention_days() if retention_days is None else retention_days
    if ip_days > retention_days:
        raise ValueError("IP addresses cannot be kept longer than the events themselves")
    ip_cutoff = now - dt.timedelta(days=ip_days)
    cutoff = now - dt.timedelta(days=retention_days)
    pseudonymised = 0
    with transaction.atomic():
        deleted_events, _ = SecurityEvent.objects.filter(at__lt=cutoff).delete()
        pending = SecurityEvent.objects.filter(at__lt=ip_cutoff, ip_address__isnull=False)
        for event in pending.only("pk", "ip_address").iterator(chunk_size=2000):
            SecurityEvent.objects.filter(pk=event.pk).update(
                ip_address=None, ip_pseudonym=ip_pseudonym(event.ip_address)
            )
            pseudonymised += 1
        sessions, _ = UserSession.objects.filter(last_seen_at__lt=cutoff).delete()
        ended, _ = UserSession.objects.filter(
            revoked_at__isnull=False, revoked_at__lt=now - dt.timedelta(days=30)
        ).delete()
        codes, _ = OneTimeCode.objects.filter(expires_at__lt=now - dt.timedelta(days=30)).delete()
        throttles, _ = (
            Throttle.objects.filter(first_failure_at__lt=now - dt.timedelta(days=1))
            .exclude(locked_until__gt=now)
            .delete()
        )
        requests = _finished_code_requests(now - dt.timedelta(days=1)).delete()[0]
    return {
        "code_requests_deleted": requests,
        "events_deleted": deleted_events,
        "ips_pseudonymised": pseudonymised,
        "sessions_deleted": sessions + ended,
        "codes_deleted": codes,
        "throttles_deleted": throttles,
    }


def _finished_code_requests(before: dt.datetime):
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path="socle.identite.tasks.deliver_requested_code",
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=before,
    )
