"""Parameter and field types of the JSON APIs: what the OpenAPI document says is exactly what is
accepted, and nothing is accepted that the database could not hold (`storable`).

- `DbId`: a database id in a path (1 … 2⁶³−1; beyond, SQLite could not even compare it);
- `Int32`, `NonNegativeInt32`: a value for an `IntegerField` (PostgreSQL refuses beyond 32 bits);
- `IsoDateTime`: an RFC 3339 date-time *with its offset* (a number is not a timestamp here),
  within years 0001–9999 once in UTC, with a day's margin;
- `IsoDate`: an RFC 3339 full-date in the same range;
- `LocalTime`: a wall-clock time `HH:MM[:SS[.ffffff]]` without offset (a quiet-hours bound is
  the school's local time: `20:00Z` means nothing there);
- `pattern_str(pattern, …)`: a string documented and checked against a pattern, with an optional
  custom `format` naming a rule the pattern cannot say (the UAI's control letter)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Path
from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema

from .storable import BIGINT_MAX, INT32_MAX, INT32_MIN, date_problem, datetime_problem

DbId = Path[int, {"ge": 1, "le": BIGINT_MAX}]
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
NonNegativeInt32 = Annotated[int, Field(ge=0, le=INT32_MAX)]

RANGE_NOTE = "years 0001–9999 once in UTC (one day's margin)"
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$")
LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


def parse_datetime(value: Any) -> dt.datetime:
    """An aware datetime from an RFC 3339 date-time string (fractions beyond microseconds are
    cut); ValueError with the reason otherwise."""
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        match = _DATETIME.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError("expected an RFC 3339 date-time with its offset, e.g. 2026-09-01T08:00:00+02:00")
        year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
        if zulu:
            tz = dt.UTC
        else:
            if int(off_h) > 23 or int(off_m) > 59:
                raise ValueError("the UTC offset must be at most ±23:59")
            delta = dt.timedelta(hours=int(off_h), minutes=int(off_m))
            tz = dt.timezone(-delta if sign == "-" else delta)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        try:
            parsed = dt.datetime(
                int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz
            )
        except ValueError as exc:
            raise ValueError(f"not a valid date and time ({exc})") from exc
    if parsed.tzinfo is None:
        raise ValueError("expected a date-time with its UTC offset (Z, +02:00…)")
    problem = datetime_problem(parsed)
    if problem:
        raise ValueError(problem)
    # In UTC: PostgreSQL refuses offsets beyond ±15:59 that RFC 3339 allows (up to ±23:59).
    return parsed.astimezone(dt.UTC)


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date (YYYY-MM-DD)")
    if isinstance(value, dt.date):
        parsed = value
    else:
        match = _DATE.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError("expected an RFC 3339 date, e.g. 2026-09-01")
        try:
            parsed = dt.date(*(int(part) for part in match.groups()))
        except ValueError as exc:
            raise ValueError(f"not a valid date ({exc})") from exc
    problem = date_problem(parsed)
    if problem:
        raise ValueError(problem)
    return parsed


def parse_local_time(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise ValueError("expected a local time without UTC offset (HH:MM or HH:MM:SS)")
        return value
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("expected a local time without UTC offset (HH:MM or HH:MM:SS)")
    hour, minute, second, fraction = match.groups()
    try:
        return dt.time(int(hour), int(minute), int(second or 0), int((fraction or "0").ljust(6, "0")))
    except ValueError as exc:
        raise ValueError(f"not a valid time ({exc})") from exc


IsoDateTime = Annotated[
    dt.datetime,
    BeforeValidator(parse_datetime),
    WithJsonSchema({"type": "string", "format": "date-time", "description": f"RFC 3339, {RANGE_NOTE}"}),
]
IsoDate = Annotated[
    dt.date,
    BeforeValidator(parse_date),
    WithJsonSchema({"type": "string", "format": "date", "description": f"RFC 3339 full-date, {RANGE_NOTE}"}),
]
LocalTime = Annotated[
    dt.time,
    BeforeValidator(parse_local_time),
    WithJsonSchema(
        {"type": "string", "pattern": LOCAL_TIME_PATTERN, "description": "local time HH:MM[:SS], no offset"}
    ),
]


def pattern_str(pattern: str, *, format: str | None = None, description: str | None = None, checked=True):
    """A string documented with `pattern` (and a custom `format` naming a rule the pattern
    cannot say, e.g. "uai" for the control letter). `checked=False` leaves the check to the view
    (which answers with its own error code)."""
    schema: dict[str, Any] = {"type": "string", "pattern": pattern}
    if format:
        schema["format"] = format
    if description:
        schema["description"] = description
    if checked:
        return Annotated[str, StringConstraints(pattern=pattern), WithJsonSchema(schema)]
    return Annotated[str, WithJsonSchema(schema)]


def text(max_length: int, *, min_length: int = 0):
    """A string for a `CharField(max_length)` (PostgreSQL refuses longer; SQLite does not)."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length)]
