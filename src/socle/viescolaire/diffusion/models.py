"""Quiet-hours settings, held publications and their notifications.

Items (messages, homework, marks…) live in other apps; a `Publication` refers to one only by
(item_kind, item_id) strings, and to people by Référentiel person uids, so no foreign key crosses
the brick boundary."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import quiet_hours


class HolidayZone(models.TextChoices):
    A = "A", _("Zone A")
    B = "B", _("Zone B")
    C = "C", _("Zone C")
    CORSE = "Corse", _("Corsica")
    GUADELOUPE = "Guadeloupe", _("Guadeloupe")
    GUYANE = "Guyane", _("French Guiana")
    MARTINIQUE = "Martinique", _("Martinique")
    MAYOTTE = "Mayotte", _("Mayotte")
    REUNION = "Réunion", _("La Réunion")


class OperatorBounds(models.Model):
    """The bounds within which a head may set the school's window (one row, pk=1). The defaults
    allow a stricter window than the circulaire's 20:00 → 07:00, never a looser one."""

    earliest_evening_start = models.TimeField(_("earliest evening start"), default=dt.time(18, 0))
    latest_evening_start = models.TimeField(_("latest evening start"), default=dt.time(20, 0))
    earliest_morning_end = models.TimeField(_("earliest morning end"), default=dt.time(7, 0))
    latest_morning_end = models.TimeField(_("latest morning end"), default=dt.time(8, 30))
    min_guardian_delay_hours = models.PositiveSmallIntegerField(
        _("minimum guardians' delay (hours)"), default=0
    )
    max_guardian_delay_hours = models.PositiveSmallIntegerField(
        _("maximum guardians' delay (hours)"), default=72
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("operator bounds of the quiet hours")

    def __str__(self) -> str:
        return (
            f"{self.earliest_evening_start:%H:%M}-{self.latest_evening_start:%H:%M} / "
            f"{self.earliest_morning_end:%H:%M}-{self.latest_morning_end:%H:%M}"
        )

    def clean(self) -> None:
        # Keeps every configurable time out of the 02:00-03:00 daylight-saving switch hours.
        if not dt.time(5, 0) <= self.earliest_morning_end <= self.latest_morning_end <= dt.time(10, 0):
            raise ValidationError(_("Morning bounds must satisfy 05:00 ≤ earliest ≤ latest ≤ 10:00."))
        if not dt.time(16, 0) <= self.earliest_evening_start <= self.latest_evening_start <= dt.time(23, 0):
            raise ValidationError(_("Evening bounds must satisfy 16:00 ≤ earliest ≤ latest ≤ 23:00."))
        if self.min_guardian_delay_hours > self.max_guardian_delay_hours:
            raise ValidationError(_("The minimum guardians' delay exceeds the maximum."))

    @classmethod
    def current(cls) -> OperatorBounds:
        bounds, _created = cls.objects.get_or_create(pk=1)
        return bounds


class SchoolSettings(models.Model):
    """One school's quiet-hours window, set by its head within the operator's bounds."""

    uai = models.CharField(_("UAI"), max_length=8, unique=True)
    evening_start = models.TimeField(_("evening start"), default=quiet_hours.DEFAULT_EVENING_START)
    morning_end = models.TimeField(_("morning end"), default=quiet_hours.DEFAULT_MORNING_END)
    holiday_zone = models.CharField(_("holiday zone"), max_length=12, choices=HolidayZone.choices, blank=True)
    quiet_during_holidays = models.BooleanField(_("quiet during school holidays"), default=True)
    guardian_marks_delay_hours = models.PositiveSmallIntegerField(
        _("guardians' marks delay (hours)"),
        default=24,
        validators=[MinValueValidator(0), MaxValueValidator(168)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("school quiet-hours settings")

    def __str__(self) -> str:
        return self.uai


class HolidayPeriod(models.Model):
    """A school-holiday period of one zone (from the ministry's calendar): the days `first_day`
    … `last_day` have no classes; classes resume the morning after `last_day`."""

    zone = models.CharField(_("zone"), max_length=12, choices=HolidayZone.choices)
    school_year = models.CharField(_("school year"), max_length=9)  # "2025-2026"
    label = models.CharField(_("label"), max_length=100)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["zone", "first_day"]
        verbose_name = _("school-holiday period")
        constraints = [
            models.UniqueConstraint(fields=["zone", "first_day"], name="diffusion_holiday_zone_day"),
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")), name="diffusion_holiday_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.zone}, {self.first_day} → {self.last_day})"


class Publication(models.Model):
    """One item's publication: written at `written_at`, visible from `deliver_at` (the next
    opening), `delivered_at` set exactly once by the worker (a conditional UPDATE)."""

    item_kind = models.CharField(_("item kind"), max_length=40)
    item_id = models.CharField(_("item id"), max_length=64)
    school_uai = models.CharField(_("UAI"), max_length=8, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(_("written at"))
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    deliver_at = models.DateTimeField(_("deliver at"), db_index=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    urgency_reason = models.TextField(_("urgency reason"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["deliver_at", "written_at", "pk"]
        verbose_name = _("publication")
        constraints = [
            models.UniqueConstraint(fields=["item_kind", "item_id"], name="diffusion_publication_item"),
            models.CheckConstraint(
                condition=models.Q(urgent=False) | ~models.Q(urgency_reason=""),
                name="diffusion_urgent_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["delivered_at", "deliver_at"], name="diffusion_due_idx")]

    def __str__(self) -> str:
        return f"{self.item_kind}:{self.item_id}"

    @property
    def held(self) -> bool:
        return self.deliver_at > self.written_at


class Recipient(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="recipients")
    person_uid = models.CharField(_("person uid"), max_length=36, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "person_uid"], name="diffusion_recipient_once")
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} → {self.person_uid}"


class Channel(models.TextChoices):
    IN_APP = "in_app", _("in-app")
    EMAIL = "email", _("e-mail")
    PUSH = "push", _("push")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    SKIPPED = "skipped", _("skipped")
    FAILED = "failed", _("failed")


class Notification(models.Model):
    """One notification of one publication to one person on one channel. The unique key makes a
    re-run task or a second worker unable to create a second one; external sends are claimed by
    a conditional UPDATE (pending → sending) before they leave."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="notifications")
    person_uid = models.CharField(_("person uid"), max_length=36, db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    subject = models.CharField(_("subject"), max_length=200)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a worker claimed the send (real time, not the platform clock: a lease on a worker's
    # life). A "sending" row whose lease has expired was interrupted (see delivery.py).
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "person_uid", "channel"], name="diffusion_notification_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} → {self.person_uid} ({self.channel})"

    @property
    def idempotency_key(self) -> str:
        """The send's key, the same for every attempt: (publication, person, channel). A channel
        that deduplicates on it makes a re-sent notification arrive once."""
        return f"socle-diffusion-{self.publication_id}-{self.person_uid}-{self.channel}"


class TestClock(models.Model):
    """A frozen platform time for end-to-end tests (one row, pk=1). `clock.now()` reads it only
    when the test settings allow it (see clock.py); production never does."""

    frozen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("test clock")

    def __str__(self) -> str:
        return self.frozen_at.isoformat()
