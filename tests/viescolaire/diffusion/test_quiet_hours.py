"""The pure quiet-hours rule: boundaries to the second, a whole year minute by minute across both
daylight-saving switches, holidays, per-school windows, and hypothesis properties."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socle.viescolaire.diffusion.quiet_hours import (
    PARIS,
    Policy,
    QuietPeriod,
    is_quiet,
    next_opening,
    next_school_day,
)

UTC = dt.UTC
DEFAULT = Policy()


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("instant", "quiet"),
    [
        (paris(2026, 3, 3, 19, 59, 59), False),  # Tuesday
        (paris(2026, 3, 3, 20, 0, 0), True),
        (paris(2026, 3, 4, 6, 59, 59), True),
        (paris(2026, 3, 4, 7, 0, 0), False),
        (paris(2026, 3, 6, 19, 59, 59), False),  # Friday evening
        (paris(2026, 3, 6, 20, 0, 0), True),
        (paris(2026, 3, 7, 12, 0, 0), True),  # Saturday noon
        (paris(2026, 3, 8, 12, 0, 0), True),  # Sunday noon
        (paris(2026, 3, 9, 6, 59, 59), True),  # Monday
        (paris(2026, 3, 9, 7, 0, 0), False),
    ],
)
def test_window_boundaries_to_the_second(instant, quiet):
    assert is_quiet(DEFAULT, instant) is quiet


def test_next_opening_of_weeknight_and_weekend():
    assert next_opening(DEFAULT, paris(2026, 3, 3, 21, 0)) == paris(2026, 3, 4, 7, 0)
    assert next_opening(DEFAULT, paris(2026, 3, 4, 6, 59, 59)) == paris(2026, 3, 4, 7, 0)
    assert next_opening(DEFAULT, paris(2026, 3, 6, 20, 0)) == paris(2026, 3, 9, 7, 0)
    assert next_opening(DEFAULT, paris(2026, 3, 8, 23, 0)) == paris(2026, 3, 9, 7, 0)
    open_instant = paris(2026, 3, 4, 10, 30)
    assert next_opening(DEFAULT, open_instant) == open_instant


def test_daylight_saving_weekends():
    # 29 March 2026: clocks go 02:00 → 03:00; Monday 07:00 is then UTC+2.
    spring = next_opening(DEFAULT, paris(2026, 3, 27, 21, 0))
    assert spring == paris(2026, 3, 30, 7, 0)
    assert spring.astimezone(UTC) == dt.datetime(2026, 3, 30, 5, 0, tzinfo=UTC)
    # 25 October 2026: 03:00 → 02:00; Monday 07:00 is UTC+1 again.
    autumn = next_opening(DEFAULT, paris(2026, 10, 23, 20, 30))
    assert autumn.astimezone(UTC) == dt.datetime(2026, 10, 26, 6, 0, tzinfo=UTC)
    # The repeated hour of the autumn night is quiet both times.
    for fold in (0, 1):
        assert is_quiet(DEFAULT, dt.datetime(2026, 10, 25, 2, 30, fold=fold, tzinfo=PARIS))


def expected_quiet(policy: Policy, local: dt.datetime) -> bool:
    """The rule restated independently, from local wall-clock fields."""
    minutes = local.hour * 60 + local.minute
    evening = policy.evening_start.hour * 60 + policy.evening_start.minute
    morning = policy.morning_end.hour * 60 + policy.morning_end.minute
    holiday = any(p.first_day <= local.date() <= p.last_day for p in policy.quiet_periods)
    return local.weekday() >= 5 or holiday or minutes >= evening or minutes < morning


def test_every_minute_of_2026_in_paris():
    """525,600 instants, stepping in UTC so both DST switches are crossed exactly once."""
    instant = dt.datetime(2025, 12, 31, 23, 0, tzinfo=UTC)  # 2026-01-01 00:00 in Paris
    end = dt.datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    step = dt.timedelta(minutes=1)
    opening = None
    checked = quiet_minutes = 0
    while instant < end:
        local = instant.astimezone(PARIS)
        quiet = is_quiet(DEFAULT, instant)
        assert quiet == expected_quiet(DEFAULT, local), local
        if quiet:
            quiet_minutes += 1
            if opening is None or opening <= instant:
                opening = next_opening(DEFAULT, instant)
                local_opening = opening.astimezone(PARIS)
                assert (local_opening.hour, local_opening.minute, local_opening.second) == (7, 0, 0)
                assert local_opening.weekday() < 5
            assert opening > instant
        checked += 1
        instant += step
    assert checked == 365 * 24 * 60
    # Open: 52 weeks × 5 days × 13 h, plus 1 January 2027 is not in range; 2026 has 261 weekdays.
    assert checked - quiet_minutes == 261 * 13 * 60


HOLIDAYS = (QuietPeriod(dt.date(2026, 2, 7), dt.date(2026, 2, 22), "Vacances d'hiver"),)


def test_holidays_are_quiet_and_classes_resume_in_the_morning():
    policy = Policy(quiet_periods=HOLIDAYS)
    assert is_quiet(policy, paris(2026, 2, 9, 10, 0))  # a Monday of the holidays
    assert next_opening(policy, paris(2026, 2, 6, 20, 0)) == paris(2026, 2, 23, 7, 0)
    assert next_opening(policy, paris(2026, 2, 12, 15, 0)) == paris(2026, 2, 23, 7, 0)
    assert not is_quiet(policy, paris(2026, 2, 23, 7, 0))
    assert next_school_day(policy, dt.date(2026, 2, 6)) == dt.date(2026, 2, 23)


def test_a_stricter_school_window():
    policy = Policy(evening_start=dt.time(19, 0), morning_end=dt.time(7, 30))
    assert not is_quiet(policy, paris(2026, 3, 3, 18, 59, 59))
    assert is_quiet(policy, paris(2026, 3, 3, 19, 0))
    assert next_opening(policy, paris(2026, 3, 3, 19, 0)) == paris(2026, 3, 4, 7, 30)


def test_invalid_policies_and_instants_are_refused():
    with pytest.raises(ValueError, match="morning end"):
        Policy(evening_start=dt.time(6, 0), morning_end=dt.time(7, 0))
    with pytest.raises(ValueError, match="naive"):
        is_quiet(DEFAULT, dt.datetime(2026, 3, 3, 21, 0))
    with pytest.raises(ValueError, match="before"):
        QuietPeriod(dt.date(2026, 2, 7), dt.date(2026, 2, 1))


times = st.times(min_value=dt.time(0, 0)).map(lambda t: t.replace(microsecond=0))
policies = st.builds(
    lambda evening, morning, start, length: Policy(
        evening_start=evening,
        morning_end=morning,
        quiet_periods=(QuietPeriod(start, start + dt.timedelta(days=length)),),
    ),
    st.times(min_value=dt.time(16, 0), max_value=dt.time(23, 0)).map(
        lambda t: t.replace(second=0, microsecond=0)
    ),
    st.times(min_value=dt.time(5, 0), max_value=dt.time(10, 0)).map(
        lambda t: t.replace(second=0, microsecond=0)
    ),
    st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31)),
    st.integers(min_value=0, max_value=20),
)
instants_2026 = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),
    max_value=dt.datetime(2026, 12, 31, 23, 59, 59),
    timezones=st.just(PARIS),
)


@settings(max_examples=400, deadline=None)
@given(policies, instants_2026)
def test_next_opening_properties(policy, instant):
    opening = next_opening(policy, instant)
    assert opening >= instant
    assert not is_quiet(policy, opening)
    assert is_quiet(policy, instant) == (opening != instant)
    if opening != instant:
        local = opening.astimezone(PARIS)
        assert local.time() == policy.morning_end
        # Nothing open in between: one second before the opening is still quiet.
        assert is_quiet(policy, opening - dt.timedelta(seconds=1))
        # The rule agrees with its restatement on both ends.
    assert is_quiet(policy, instant) == expected_quiet(policy, instant.astimezone(PARIS))


@settings(max_examples=300, deadline=None)
@given(policies, instants_2026, instants_2026)
def test_order_written_is_order_delivered(policy, first, second):
    """Monotonic: an item written later never becomes visible before one written earlier."""
    early, late = sorted([first, second])
    assert next_opening(policy, early) <= next_opening(policy, late)
