"""The quiet-hours rule, as pure functions (no database, no clock): property-testable.

Circulaire of 10 July 2025 (Éduscol "Promouvoir un numérique raisonné à l'École"): no new marks,
homework or messages are *published* in the ENT and vie-scolaire software in the evening (20:00 →
07:00) and over the weekend (Friday 20:00 → Monday 07:00). Writing and reading stay possible.

A `Policy` is one school's window, in local time (Europe/Paris by default):

- quiet if the local day is Saturday or Sunday;
- quiet if the local time is at or after `evening_start` (any weekday, Friday included);
- quiet if the local time is before `morning_end` (Monday morning ends the weekend, Tuesday to
  Friday mornings end the weeknight);
- quiet on any local date inside a quiet period (school holidays: from the first day of the
  holidays up to the morning of the day classes resume, `morning_end` included).

Instants are aware datetimes; local times are computed with `zoneinfo`, so the rule holds across
the daylight-saving switches (07:00 and 20:00 always exist in Europe/Paris, whose switches happen
at 02:00/03:00; bounds on the configurable times keep them out of the switch hours).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_EVENING_START = dt.time(20, 0)
DEFAULT_MORNING_END = dt.time(7, 0)
# From this local time on an open school day, homework due the next school day gets a warning:
# pupils who read it now have one evening at most.
DEFAULT_SCHOOL_DAY_END = dt.time(17, 0)
SATURDAY, SUNDAY = 5, 6


@dataclass(frozen=True)
class QuietPeriod:
    """Whole local days `first_day` … `last_day` (inclusive) are quiet; the next day's morning
    until `morning_end` is quiet anyway. `label` names it (e.g. "Vacances de la Toussaint")."""

    first_day: dt.date
    last_day: dt.date
    label: str = ""

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError(
                f"quiet period {self.label!r}: last day {self.last_day} is before {self.first_day}"
            )

    def covers(self, day: dt.date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class Policy:
    evening_start: dt.time = DEFAULT_EVENING_START
    morning_end: dt.time = DEFAULT_MORNING_END
    quiet_periods: tuple[QuietPeriod, ...] = field(default_factory=tuple)
    tz: ZoneInfo = PARIS
    school_day_end: dt.time = DEFAULT_SCHOOL_DAY_END

    def __post_init__(self) -> None:
        if not self.morning_end < self.evening_start:
            raise ValueError(
                f"the morning end ({self.morning_end:%H:%M}) must be before the evening start "
                f"({self.evening_start:%H:%M})"
            )


def _local(policy: Policy, instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got the naive {instant.isoformat()}")
    return instant.astimezone(policy.tz)


def is_school_day(policy: Policy, day: dt.date) -> bool:
    """A weekday outside every quiet period."""
    return day.weekday() < SATURDAY and not any(p.covers(day) for p in policy.quiet_periods)


def is_quiet(policy: Policy, instant: dt.datetime) -> bool:
    """Whether publication is suspended at `instant`."""
    local = _local(policy, instant)
    clock = local.time().replace(tzinfo=None)
    if clock >= policy.evening_start or clock < policy.morning_end:
        return True
    return not is_school_day(policy, local.date())


def _at_local(policy: Policy, day: dt.date, clock: dt.time) -> dt.datetime:
    """`day` at `clock` in the policy's zone; a time in a spring-forward gap is normalised
    through UTC (it cannot happen within the operator's bounds, but the rule stays total)."""
    naive = dt.datetime.combine(day, clock)
    return naive.replace(tzinfo=policy.tz).astimezone(dt.UTC).astimezone(policy.tz)


def next_school_day(policy: Policy, day: dt.date) -> dt.date:
    """The first school day strictly after `day`."""
    candidate = day + dt.timedelta(days=1)
    # Bounded: quiet periods are finite; 400 days covers any school year's holidays.
    for _ in range(400):
        if is_school_day(policy, candidate):
            return candidate
        candidate += dt.timedelta(days=1)
    raise ValueError(f"no school day within 400 days after {day}: check the quiet periods")


def next_opening(policy: Policy, instant: dt.datetime) -> dt.datetime:
    """`instant` itself if it is open, else the next instant publication resumes (a school day
    at `morning_end`). The result has the policy's zone."""
    local = _local(policy, instant)
    if not is_quiet(policy, instant):
        return local
    day = local.date()
    clock = local.time().replace(tzinfo=None)
    if clock < policy.morning_end and is_school_day(policy, day):
        return _at_local(policy, day, policy.morning_end)
    return _at_local(policy, next_school_day(policy, day), policy.morning_end)


def quiet_until(policy: Policy, instant: dt.datetime) -> dt.datetime | None:
    """When the current quiet period ends, or None if `instant` is open."""
    return None if not is_quiet(policy, instant) else next_opening(policy, instant)
