"""Vie scolaire delivery: the public interface of socle.viescolaire.diffusion.

Other apps (messages, homework, marks in socle.viescolaire) publish their items through
`publish()` and ask `is_visible()` / `visible_item_ids()` before showing them to families and
pupils. Writing and reading are never blocked: only *publication* waits for the next opening of
the school's quiet-hours window (circulaire of 10 July 2025, see quiet_hours.py and
docs/vie-scolaire.md).

Every function taking `at`/`now` uses the platform clock (`clock.now()`) when it is omitted.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from . import clock, quiet_hours
from .models import (
    Channel as Channel,
)
from .models import (
    HolidayPeriod,
    Notification,
    OperatorBounds,
    Publication,
    Recipient,
    SchoolSettings,
)

logger = logging.getLogger("socle.viescolaire.diffusion")

__all__ = [
    "Channel",
    "Publication",
    "Rendered",
    "UrgentNotAllowed",
    "delivery_time",
    "homework_warning",
    "is_visible",
    "marks_release_times",
    "notifications_for",
    "policy_for",
    "publication_of",
    "publish",
    "register_renderer",
    "visible_item_ids",
    "withdraw",
]


class UrgentNotAllowed(ValidationError):
    """An urgent publication by someone who is not the school's head or deputy, or without a
    reason. A ValidationError, so forms and the API show its message as is."""


# --- Policies ----------------------------------------------------------------------------------
def school_settings(school_uai: str) -> SchoolSettings:
    """The school's settings (defaults when the head never changed them; not saved)."""
    found = SchoolSettings.objects.filter(uai=school_uai).first()
    return found if found is not None else SchoolSettings(uai=school_uai)


def holiday_periods(zone: str) -> list[quiet_hours.QuietPeriod]:
    return [
        quiet_hours.QuietPeriod(p.first_day, p.last_day, p.label)
        for p in HolidayPeriod.objects.filter(zone=zone).order_by("first_day")
    ]


def policy_for(school_uai: str) -> quiet_hours.Policy:
    """The quiet-hours policy of a school: its window, and its zone's holidays if it keeps the
    holidays quiet."""
    conf = school_settings(school_uai)
    periods: tuple[quiet_hours.QuietPeriod, ...] = ()
    if conf.holiday_zone and conf.quiet_during_holidays:
        periods = tuple(holiday_periods(conf.holiday_zone))
    return quiet_hours.Policy(
        evening_start=conf.evening_start, morning_end=conf.morning_end, quiet_periods=periods
    )


def validate_school_settings(conf: SchoolSettings, bounds: OperatorBounds | None = None) -> None:
    """Raise ValidationError (field → message) if `conf` is outside the operator's bounds."""
    bounds = bounds or OperatorBounds.current()
    errors: dict[str, str] = {}
    if not bounds.earliest_evening_start <= conf.evening_start <= bounds.latest_evening_start:
        errors["evening_start"] = _("The evening start must be between %(low)s and %(high)s.") % {
            "low": f"{bounds.earliest_evening_start:%H:%M}",
            "high": f"{bounds.latest_evening_start:%H:%M}",
        }
    if not bounds.earliest_morning_end <= conf.morning_end <= bounds.latest_morning_end:
        errors["morning_end"] = _("The morning end must be between %(low)s and %(high)s.") % {
            "low": f"{bounds.earliest_morning_end:%H:%M}",
            "high": f"{bounds.latest_morning_end:%H:%M}",
        }
    delay = conf.guardian_marks_delay_hours
    if delay is None or not bounds.min_guardian_delay_hours <= delay <= bounds.max_guardian_delay_hours:
        errors["guardian_marks_delay_hours"] = _(
            "The guardians' marks delay must be between %(low)s and %(high)s hours."
        ) % {"low": bounds.min_guardian_delay_hours, "high": bounds.max_guardian_delay_hours}
    if errors:
        raise ValidationError(errors)


def save_school_settings(school_uai: str, *, by=None, **values) -> SchoolSettings:
    """Validate and store a school's settings (fields of SchoolSettings)."""
    with transaction.atomic():
        conf = SchoolSettings.objects.select_for_update().filter(uai=school_uai).first()
        conf = conf or SchoolSettings(uai=school_uai)
        for name, value in values.items():
            setattr(conf, name, value)
        conf.updated_by = by
        conf.full_clean(exclude=["updated_by"])
        validate_school_settings(conf)
        conf.save()
    return conf


def delivery_time(school_uai: str, at: dt.datetime | None = None) -> dt.datetime:
    """When something written at `at` (default now) in that school becomes visible: `at` itself
    when the school is open, else its next opening."""
    at = at or clock.now()
    return quiet_hours.next_opening(policy_for(school_uai), at)


def is_quiet(school_uai: str, at: dt.datetime | None = None) -> bool:
    return quiet_hours.is_quiet(policy_for(school_uai), at or clock.now())


# --- Rendering ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    url: str = ""


Renderer = Callable[[str], "Rendered | tuple[str, str, str]"]
_renderers: dict[str, Renderer] = {}


def register_renderer(item_kind: str, renderer: Renderer) -> None:
    """Tell the delivery how to describe an item of `item_kind` in a notification:
    `renderer(item_id)` returns Rendered(subject, body, url) or a (subject, body, url) tuple.
    Register in your AppConfig.ready() so the worker process knows it too."""
    _renderers[item_kind] = renderer


def render(item_kind: str, item_id: str) -> Rendered:
    """The item's notification text; a generic one if no renderer is registered or it fails (a
    broken renderer must not block the delivery of held items)."""
    generic = Rendered(subject=_("New item in school life"), body=_("Something new was published for you."))
    renderer = _renderers.get(item_kind)
    if renderer is None:
        return generic
    try:
        result = renderer(item_id)
        return result if isinstance(result, Rendered) else Rendered(*result)
    except Exception:
        logger.exception("renderer of %r failed for %r", item_kind, item_id)
        return generic


# --- Publication -------------------------------------------------------------------------------
def _may_send_urgent(author, school_uai: str) -> bool:
    from socle.identite import services as identite

    return any(
        role.name in (identite.RoleName.HEAD, identite.RoleName.DEPUTY) and role.uai == school_uai
        for role in identite.roles_of(author)
    )


def publish(
    item_kind: str,
    item_id: str,
    *,
    school_uai: str,
    author,
    recipients: Iterable[str],
    written_at: dt.datetime | None = None,
    not_before: dt.datetime | None = None,
    urgent: bool = False,
    urgency_reason: str = "",
) -> Publication:
    """Publish an item to Référentiel persons (uids as str).

    Held until the school's next opening (and not before `not_before`); items become visible in
    the order written. `urgent` is reserved to the school's head or deputy with a non-empty
    reason (else UrgentNotAllowed): delivered at once, flagged, logged for review. Enqueues the
    delivery task (django.tasks) to run at `deliver_at`. Idempotent per (item_kind, item_id):
    publishing the same item again returns the existing publication."""
    if not item_kind or not item_id:
        raise ValidationError(_("item_kind and item_id are required."))
    reason = (urgency_reason or "").strip()
    if urgent:
        if not reason:
            raise UrgentNotAllowed(_("An urgent publication needs a reason."), code="reason_required")
        if not _may_send_urgent(author, school_uai):
            logger.warning("urgent publication refused for %s on %s", getattr(author, "pk", None), school_uai)
            raise UrgentNotAllowed(
                _("Only the school's head or deputy may send an urgent publication."), code="not_head"
            )
    written_at = written_at or clock.now()
    uids = list(dict.fromkeys(str(uid) for uid in recipients if uid))
    if urgent:
        deliver_at = written_at
    else:
        deliver_at = delivery_time(school_uai, max(written_at, not_before or written_at))
    with transaction.atomic():
        publication, created = Publication.objects.get_or_create(
            item_kind=item_kind,
            item_id=str(item_id),
            defaults={
                "school_uai": school_uai,
                "author": author if getattr(author, "pk", None) else None,
                "written_at": written_at,
                "not_before": not_before,
                "deliver_at": deliver_at,
                "urgent": urgent,
                "urgency_reason": reason,
            },
        )
        if not created:
            return publication
        Recipient.objects.bulk_create([Recipient(publication=publication, person_uid=uid) for uid in uids])
        if urgent:
            logger.warning(
                "urgent publication %s by user %s in %s: %s",
                publication,
                getattr(author, "pk", None),
                school_uai,
                reason,
            )
        from . import tasks

        tasks.schedule(publication)
    return publication


def withdraw(item_kind: str, item_id: str) -> bool:
    """Forget an item's publication, its recipients and notifications (call it when the item is
    deleted: there is no foreign key to cascade). True if there was one."""
    deleted, _by_model = Publication.objects.filter(item_kind=item_kind, item_id=str(item_id)).delete()
    return bool(deleted)


def publication_of(item_kind: str, item_id: str) -> Publication | None:
    return Publication.objects.filter(item_kind=item_kind, item_id=str(item_id)).first()


def visible_item_ids(person_uid: str, item_kind: str) -> set[str]:
    """The ids of the items of `item_kind` delivered to that person."""
    return set(
        Recipient.objects.filter(
            person_uid=str(person_uid),
            publication__item_kind=item_kind,
            publication__delivered_at__isnull=False,
        ).values_list("publication__item_id", flat=True)
    )


def is_visible(person_uid: str, item_kind: str, item_id: str) -> bool:
    return Recipient.objects.filter(
        person_uid=str(person_uid),
        publication__item_kind=item_kind,
        publication__item_id=str(item_id),
        publication__delivered_at__isnull=False,
    ).exists()


def notifications_for(person_uid: str) -> QuerySet[Notification]:
    """The person's in-app notifications, newest first."""
    return (
        Notification.objects.filter(person_uid=str(person_uid), channel=Channel.IN_APP)
        .select_related("publication")
        .order_by("-created_at", "-publication__written_at", "-pk")
    )


def mark_read(person_uid: str, notification_id: int, at: dt.datetime | None = None) -> bool:
    return bool(
        Notification.objects.filter(
            pk=notification_id, person_uid=str(person_uid), channel=Channel.IN_APP, read_at__isnull=True
        ).update(read_at=at or clock.now())
    )


# --- Homework and marks ------------------------------------------------------------------------
def homework_warning(school_uai: str, set_at: dt.datetime, due_date: dt.date) -> str | None:
    """A warning for the teacher, or None:

    - set during quiet hours: it will only be visible at the next opening (and if it is due on
      the day it becomes visible, pupils have no evening to do it);
    - set on an open school day after the end of the school day and due on the next school day:
      pupils have one evening at most."""
    policy = policy_for(school_uai)
    visible_at = quiet_hours.next_opening(policy, set_at)
    visible_day = visible_at.date()
    if quiet_hours.is_quiet(policy, set_at):
        when = visible_at.strftime("%d/%m/%Y %H:%M")
        if due_date <= visible_day:
            return _(
                "This homework is set during quiet hours: pupils will only see it on %(when)s, "
                "the day it is due. Please choose a later due date."
            ) % {"when": when}
        return _("This homework is set during quiet hours: pupils will see it on %(when)s.") % {"when": when}
    local = set_at.astimezone(policy.tz)
    if local.time() >= policy.school_day_end and due_date <= quiet_hours.next_school_day(
        policy, local.date()
    ):
        return _(
            "This homework is set after the school day and due on the next school day: pupils "
            "will have one evening at most."
        )
    return None


def marks_release_times(school_uai: str, entered_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(pupils_at, guardians_at): pupils at the next opening; guardians after the school's delay
    (24 h by default) counted from the pupils' release, itself moved to the next opening."""
    conf = school_settings(school_uai)
    policy = policy_for(school_uai)
    pupils_at = quiet_hours.next_opening(policy, entered_at)
    guardians_at = quiet_hours.next_opening(
        policy, pupils_at + dt.timedelta(hours=conf.guardian_marks_delay_hours)
    )
    return pupils_at, guardians_at


# --- Urgent review -----------------------------------------------------------------------------
def urgent_publications(school_uai: str | None = None) -> QuerySet[Publication]:
    qs = Publication.objects.filter(urgent=True).select_related("author", "reviewed_by")
    if school_uai:
        qs = qs.filter(school_uai=school_uai)
    return qs.order_by("-written_at", "-pk")


def review_urgent(publication: Publication, *, by, note: str = "", at: dt.datetime | None = None) -> bool:
    """Mark an urgent publication as reviewed (once)."""
    if not publication.urgent:
        raise ValidationError(_("Only urgent publications are reviewed."))
    done = Publication.objects.filter(pk=publication.pk, reviewed_at__isnull=True).update(
        reviewed_at=at or clock.now(), reviewed_by=by, review_note=note.strip()[:2000]
    )
    return bool(done)


def ensure_can_manage(user, school_uai: str):
    """The Référentiel school if `user` may manage it (head, deputy, operator), else
    PermissionDenied; Http404-like None handling is the caller's."""
    from socle.identite import services as identite
    from socle.referentiel import services as referentiel

    school = referentiel.school_by_uai(school_uai)
    if school is None or not identite.can(user, "school.manage", school):
        raise PermissionDenied("school.manage")
    return school
