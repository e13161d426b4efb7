"""Retention of digital-skills results (RGPD art. 5-1-e; minors' data kept no longer than the
purpose needs). The purpose is the pupil's follow-up during schooling and the school-year
indicators; Pix itself keeps the pupil's account and certificate.

Rules (applied by `socle competences-purge`, daily from cron or the task worker):

1. **Left the registry**: every result of a person who is no longer in the Référentiel, or is
   marked `tobedeleted` there, is deleted — the registry's own purge decides when a person goes.
2. **Pix profiles** are kept until the end of the school year of their last sending plus
   `SOCLE_COMPETENCES_PROFILE_YEARS` school years (default 2: a cycle 4 profile follows the pupil
   to the 3e certification; the CRCN level is reported in CM2 and 6e).
3. **6e parcours and certifications** are kept until the end of their school year plus
   `SOCLE_COMPETENCES_RESULT_YEARS` school years (default 1: the indicators of the year and
   their comparison with the next).
4. **Pix+ Édu** of teachers: kept while the teacher is in the registry (rule 1).

School years end on 31 August (the calendar bound: never earlier than the real end).
The audit entries of staff reads follow the platform's audit-log retention, not these rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from socle.referentiel import services as referentiel

from .models import Certification, ParcoursCompletion, PixPlusEdu, PixProfile

MODELS = (PixProfile, ParcoursCompletion, Certification, PixPlusEdu)


def profile_years() -> int:
    return int(getattr(settings, "SOCLE_COMPETENCES_PROFILE_YEARS", 2))


def result_years() -> int:
    return int(getattr(settings, "SOCLE_COMPETENCES_RESULT_YEARS", 1))


def school_year_end(day: dt.date) -> dt.date:
    """31 August closing the school year that contains `day`."""
    return dt.date(day.year if day.month < 9 else day.year + 1, 8, 31)


def cutoff(today: dt.date, years: int) -> dt.date:
    """Results dated on or before this day are past retention on `today`: their school year
    ended more than `years` school years ago."""
    return dt.date(school_year_end(today).year - 1 - years, 8, 31)


@dataclass
class PurgeResult:
    departed: dict[str, int]
    profiles: int
    parcours: int
    certifications: int

    @property
    def total(self) -> int:
        return sum(self.departed.values()) + self.profiles + self.parcours + self.certifications


def _departed(model) -> list:
    """Person uids of `model`'s rows whose person left the registry (chunked lookups)."""
    uids = list(model.objects.values_list("person_uid", flat=True).distinct())
    gone = []
    for start in range(0, len(uids), 5000):
        chunk = uids[start : start + 5000]
        present = set(
            referentiel.persons()
            .filter(uid__in=chunk)
            .exclude(status="tobedeleted")
            .values_list("uid", flat=True)
        )
        gone += [uid for uid in chunk if uid not in present]
    return gone


def purge(today: dt.date | None = None, *, dry_run: bool = False) -> PurgeResult:
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    profile_limit = dt.datetime.combine(
        cutoff(today, profile_years()) + dt.timedelta(days=1), dt.time(0), tzinfo=tz
    )
    result_cut = cutoff(today, result_years())
    result_limit = dt.datetime.combine(result_cut + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    with transaction.atomic():
        departed = {}
        for model in MODELS:
            gone = _departed(model)
            rows = model.objects.filter(person_uid__in=gone)
            departed[model.__name__] = rows.count()
            if not dry_run:
                rows.delete()
        profiles = PixProfile.objects.filter(shared_at__lt=profile_limit)
        parcours = ParcoursCompletion.objects.filter(completed_at__lt=result_limit)
        certifications = Certification.objects.filter(certified_at__lte=result_cut)
        result = PurgeResult(departed, profiles.count(), parcours.count(), certifications.count())
        if not dry_run:
            profiles.delete()
            parcours.delete()
            certifications.delete()
    return result
