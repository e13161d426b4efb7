"""The quiet-hours JSON API (django-ninja), mounted at /vie-scolaire/diffusion/api/.

Operator bearer tokens (`socle api-token create --scope diffusion:read --scope diffusion:manage`):
`diffusion:read` reads settings, delivery times, holidays and the urgent-publication log (each
read of the log, which names staff authors, is written to the audit log); `diffusion:manage`
changes a school's settings, the operator's bounds and the holiday calendar, and marks urgent
publications reviewed. Errors use the platform's single shape `{"error": {code, message, field}}`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Schema

from socle.core.api_auth import (
    AUTH_ERRORS,
    ApiError,
    ErrorOut,
    SocleAPI,
    TokenAuth,
    audit_token_access,
    scopes_extra,
)
from socle.core.api_types import DbId, IsoDate, IsoDateTime, LocalTime, pattern_str, text
from socle.referentiel import codes
from socle.referentiel import services as referentiel

from . import clock, quiet_hours, services
from .models import HolidayPeriod, HolidayZone, OperatorBounds, Publication

READ, MANAGE = "diffusion:read", "diffusion:manage"
api = SocleAPI(
    title="Socle — Vie scolaire quiet hours API v1",
    version="1",
    # Nested in the app namespace of diffusion/urls.py (django-ninja resolves "app:api" names).
    urls_namespace="viescolaire_diffusion:diffusion-api",
    description=(
        "Quiet hours of vie-scolaire publication (circulaire of 10 July 2025): per-school window "
        "within the operator's bounds, school-holiday calendar, delivery times, urgent publications."
    ),
)
NOT_FOUND = {404: ErrorOut}
# django-ninja declares query parameters as `Query(...)` defaults (a module-level singleton).
AT = Query(None, description="RFC 3339 date-time with its UTC offset (default: now)")
Uai = pattern_str(codes.UAI_PATTERN, format="uai", description=codes.UAI_DESCRIPTION, checked=False)
Zone = Literal[tuple(HolidayZone.values)]  # type: ignore[valid-type]
Hours = Field(ge=0, le=32767)  # PositiveSmallIntegerField


class SettingsIn(Schema):
    evening_start: LocalTime = quiet_hours.DEFAULT_EVENING_START
    morning_end: LocalTime = quiet_hours.DEFAULT_MORNING_END
    holiday_zone: Zone | Literal[""] = ""  # type: ignore[valid-type]
    quiet_during_holidays: bool = True
    guardian_marks_delay_hours: int = Field(24, ge=0, le=168)


class SettingsOut(SettingsIn):
    uai: str
    quiet_now: bool
    next_opening: dt.datetime


class BoundsSchema(Schema):
    earliest_evening_start: LocalTime
    latest_evening_start: LocalTime
    earliest_morning_end: LocalTime
    latest_morning_end: LocalTime
    min_guardian_delay_hours: int = Hours
    max_guardian_delay_hours: int = Hours


class DeliveryOut(Schema):
    uai: str
    at: dt.datetime
    quiet: bool
    deliver_at: dt.datetime


class HolidayIn(Schema):
    zone: Zone  # type: ignore[valid-type]
    school_year: pattern_str(r"^[0-9]{4}-[0-9]{4}$", description="e.g. 2025-2026")  # type: ignore[valid-type]
    label: text(100, min_length=1)  # type: ignore[valid-type]
    first_day: IsoDate
    last_day: IsoDate
    source: text(200) = ""  # type: ignore[valid-type]


class HolidayOut(Schema):
    zone: str
    school_year: str
    label: str
    first_day: dt.date
    last_day: dt.date
    source: str


class UrgentOut(Schema):
    id: int
    item_kind: str
    item_id: str
    written_at: dt.datetime
    delivered_at: dt.datetime | None
    author: str | None
    reason: str
    reviewed_at: dt.datetime | None
    review_note: str


class ReviewIn(Schema):
    note: str = ""


def _school_or_404(uai: str):
    try:
        school = referentiel.school_by_uai(uai)
    except ValueError as error:
        raise ApiError(400, "invalid_parameter", f"uai: {error}", "uai") from error
    if school is None:
        raise ApiError(404, "not_found", f"No school with UAI {uai!r}.", "uai")
    return school


def _invalid(error: ValidationError) -> ApiError:
    if hasattr(error, "message_dict"):
        field, messages = next(iter(error.message_dict.items()))
        return ApiError(422, "invalid_body", f"{field}: {' '.join(messages)}", field)
    return ApiError(422, "invalid_body", " ".join(error.messages))


def _settings_out(uai: str) -> dict:
    conf = services.school_settings(uai)
    now = clock.now()
    policy = services.policy_for(uai)
    return {
        "uai": uai,
        "evening_start": conf.evening_start,
        "morning_end": conf.morning_end,
        "holiday_zone": conf.holiday_zone,
        "quiet_during_holidays": conf.quiet_during_holidays,
        "guardian_marks_delay_hours": conf.guardian_marks_delay_hours,
        "quiet_now": quiet_hours.is_quiet(policy, now),
        "next_opening": quiet_hours.next_opening(policy, now),
    }


@api.get(
    "/schools/{uai}/settings",
    response={200: SettingsOut, **AUTH_ERRORS, **NOT_FOUND},
    auth=TokenAuth(READ),
    openapi_extra=scopes_extra(READ),
    tags=["settings"],
    summary="A school's quiet-hours settings and current state",
)
def get_settings(request: HttpRequest, uai: Uai):
    _school_or_404(uai)
    return _settings_out(uai)


@api.put(
    "/schools/{uai}/settings",
    response={200: SettingsOut, 422: ErrorOut, **AUTH_ERRORS, **NOT_FOUND},
    auth=TokenAuth(MANAGE),
    openapi_extra=scopes_extra(MANAGE),
    tags=["settings"],
    summary="Change a school's quiet-hours settings (within the operator's bounds)",
)
def put_settings(request: HttpRequest, uai: Uai, payload: SettingsIn):
    _school_or_404(uai)
    try:
        services.save_school_settings(uai, **payload.dict())
    except ValidationError as error:
        raise _invalid(error) from error
    return _settings_out(uai)


@api.get(
    "/schools/{uai}/delivery-time",
    response={200: DeliveryOut, **AUTH_ERRORS, **NOT_FOUND},
    auth=TokenAuth(READ),
    openapi_extra=scopes_extra(READ),
    tags=["settings"],
    summary="When something written at `at` (default now) would become visible",
)
def delivery_time(request: HttpRequest, uai: Uai, at: IsoDateTime | None = AT):
    _school_or_404(uai)
    if at is not None and at.tzinfo is None:
        raise ApiError(400, "invalid_parameter", "at: expected a date-time with its UTC offset", "at")
    at = at or clock.now()
    return {
        "uai": uai,
        "at": at,
        "quiet": services.is_quiet(uai, at),
        "deliver_at": services.delivery_time(uai, at),
    }


@api.get(
    "/bounds",
    response={200: BoundsSchema, **AUTH_ERRORS},
    auth=TokenAuth(READ),
    openapi_extra=scopes_extra(READ),
    tags=["operator"],
    summary="The operator's bounds on the schools' windows",
)
def get_bounds(request: HttpRequest):
    return OperatorBounds.current()


@api.put(
    "/bounds",
    response={200: BoundsSchema, 422: ErrorOut, **AUTH_ERRORS},
    auth=TokenAuth(MANAGE),
    openapi_extra=scopes_extra(MANAGE),
    tags=["operator"],
    summary="Change the operator's bounds",
)
def put_bounds(request: HttpRequest, payload: BoundsSchema):
    bounds = OperatorBounds.current()
    for name, value in payload.dict().items():
        setattr(bounds, name, value)
    try:
        bounds.full_clean()
    except ValidationError as error:
        raise _invalid(error) from error
    bounds.save()
    return bounds


@api.get(
    "/holidays",
    response={200: list[HolidayOut], **AUTH_ERRORS},
    auth=TokenAuth(READ),
    openapi_extra=scopes_extra(READ),
    tags=["holidays"],
    summary="School-holiday periods by zone",
)
def list_holidays(request: HttpRequest, zone: str | None = None, school_year: str | None = None):
    qs = HolidayPeriod.objects.all()
    if zone:
        qs = qs.filter(zone=zone)
    if school_year:
        qs = qs.filter(school_year=school_year)
    return list(qs)


@api.put(
    "/holidays",
    response={200: list[HolidayOut], 422: ErrorOut, **AUTH_ERRORS},
    auth=TokenAuth(MANAGE),
    openapi_extra=scopes_extra(MANAGE),
    tags=["holidays"],
    summary="Add or replace holiday periods (key: zone and first day); all or nothing",
)
def put_holidays(request: HttpRequest, payload: list[HolidayIn]):
    saved = []
    with transaction.atomic():
        for index, row in enumerate(payload):
            if row.last_day < row.first_day:
                raise ApiError(
                    422, "invalid_body", f"{index}.last_day: before first_day", f"{index}.last_day"
                )
            period, _created = HolidayPeriod.objects.update_or_create(
                zone=row.zone, first_day=row.first_day, defaults=row.dict()
            )
            saved.append(period)
    return saved


def _audit_urgent_read(request: HttpRequest, uai: str, count: int) -> None:
    audit_token_access(
        request, api="viescolaire_diffusion", summary=f"{count} urgent publication(s)", uai=uai
    )


def _urgent_out(publication: Publication) -> dict:
    author = publication.author
    return {
        "id": publication.pk,
        "item_kind": publication.item_kind,
        "item_id": publication.item_id,
        "written_at": publication.written_at,
        "delivered_at": publication.delivered_at,
        "author": (author.get_full_name() or author.get_username()) if author else None,
        "reason": publication.urgency_reason,
        "reviewed_at": publication.reviewed_at,
        "review_note": publication.review_note,
    }


@api.get(
    "/schools/{uai}/urgent",
    response={200: list[UrgentOut], **AUTH_ERRORS, **NOT_FOUND},
    auth=TokenAuth(READ),
    openapi_extra={**scopes_extra(READ), "description": "Each call is written to the audit log."},
    tags=["urgent"],
    summary="The school's urgent publications, newest first, for review",
)
def list_urgent(request: HttpRequest, uai: Uai):
    _school_or_404(uai)
    rows = [_urgent_out(p) for p in services.urgent_publications(uai)[:500]]
    _audit_urgent_read(request, uai, len(rows))
    return rows


@api.post(
    "/urgent/{publication_id}/review",
    response={200: UrgentOut, 422: ErrorOut, **AUTH_ERRORS, **NOT_FOUND},
    auth=TokenAuth(MANAGE),
    openapi_extra=scopes_extra(MANAGE),
    tags=["urgent"],
    summary="Mark an urgent publication reviewed (once)",
)
def review(request: HttpRequest, publication_id: DbId, payload: ReviewIn):
    publication = Publication.objects.filter(pk=publication_id, urgent=True).first()
    if publication is None:
        raise ApiError(404, "not_found", f"No urgent publication {publication_id}.", "publication_id")
    services.review_urgent(publication, by=None, note=payload.note)
    publication.refresh_from_db()
    return _urgent_out(publication)
