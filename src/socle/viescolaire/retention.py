"""Retention of school-life messages and homework (RGPD art. 5-1-e, arrêté of 30 November 2006
art. 6: data are kept while useful to the school year, then deleted).

Rule: a conversation is kept until the end of the school year of its last message, plus
`SOCLE_VIESCOLAIRE_RETENTION_DAYS` days (default 365: families and staff can find the year's
exchanges during the following year, e.g. for a dispute or an orientation appeal). Homework
follows the same rule on its due date. The school year ends on 31 August (the French school
year runs from the rentrée in September; the registry's SchoolYear rows are per school and may
be absent, so the calendar bound is used, which never deletes earlier than the real end).

`socle viescolaire-purge` applies it (daily, from cron or the task worker)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from socle.viescolaire.diffusion import services as diffusion

from .models import Homework, Message, Thread

DEFAULT_RETENTION_DAYS = 365


def retention_days() -> int:
    return int(getattr(settings, "SOCLE_VIESCOLAIRE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def school_year_end(day: dt.date) -> dt.date:
    """31 August closing the school year that contains `day`."""
    return dt.date(day.year if day.month < 9 else day.year + 1, 8, 31)


def last_expired_year_end(today: dt.date, days: int | None = None) -> dt.date:
    """The latest school-year end whose retention has run out on `today`: everything dated on or
    before it may go."""
    days = retention_days() if days is None else days
    end = school_year_end(today)
    while end + dt.timedelta(days=days) >= today:
        end = dt.date(end.year - 1, 8, 31)
    return end


@dataclass
class PurgeResult:
    cutoff: dt.date
    threads: int
    homework: int


def purge(today: dt.date | None = None, *, dry_run: bool = False) -> PurgeResult:
    """Delete the threads (with their messages) and homework past retention on `today`."""
    today = today or timezone.localdate()
    cutoff = last_expired_year_end(today)
    tz = timezone.get_current_timezone()
    limit = dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    threads = Thread.objects.filter(last_message_at__lt=limit)
    homework = Homework.objects.filter(due_date__lte=cutoff)
    result = PurgeResult(cutoff, threads.count(), homework.count())
    if not dry_run:
        with transaction.atomic():
            # The delivery records (publication, recipients, notifications) point at the items by
            # (kind, id) strings, so nothing cascades: withdraw them with the items.
            for uid in Message.objects.filter(thread__in=threads).values_list("uid", flat=True):
                diffusion.withdraw("message", str(uid))
            for uid in homework.values_list("uid", flat=True):
                diffusion.withdraw("homework", str(uid))
            threads.delete()
            homework.delete()
    return result
