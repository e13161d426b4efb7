"""The platform time of the delivery services.

Production: `now()` is `django.utils.timezone.now()`, nothing else.

End-to-end tests need a clock that a separate worker process also obeys (post at 21:00, restart
the worker, watch 07:00 pass). `now()` therefore reads a frozen time from the `TestClock` table,
but only when the setting `SOCLE_DIFFUSION_TEST_CLOCK` is true, which defaults to true only under
the test settings module (`socle.settings.test`) and may never be set in production (the system
check `diffusion.E001` refuses it when DEBUG is off outside the test settings).
"""

from __future__ import annotations

import datetime as dt
import os

from django.conf import settings
from django.utils import timezone

TEST_SETTINGS_MODULE = "socle.settings.test"
# While the test clock is frozen, a task that ran early re-checks this often (real seconds).
TEST_RECHECK = dt.timedelta(seconds=1)


def settings_module() -> str:
    # override_settings hides SETTINGS_MODULE; the environment variable names the same module.
    return getattr(settings, "SETTINGS_MODULE", "") or os.environ.get("DJANGO_SETTINGS_MODULE", "")


def test_clock_allowed() -> bool:
    default = settings_module() == TEST_SETTINGS_MODULE
    return bool(getattr(settings, "SOCLE_DIFFUSION_TEST_CLOCK", default))


def _frozen() -> dt.datetime | None:
    if not test_clock_allowed():
        return None
    from .models import TestClock

    row = TestClock.objects.filter(pk=1).values_list("frozen_at", flat=True).first()
    return row


def now() -> dt.datetime:
    """The platform time: real time, or the frozen test time when allowed and set."""
    return _frozen() or timezone.now()


def freeze(at: dt.datetime) -> None:
    """Set the test clock (tests only)."""
    if not test_clock_allowed():
        raise RuntimeError("the test clock is only available under the test settings")
    from .models import TestClock

    TestClock.objects.update_or_create(pk=1, defaults={"frozen_at": at})


def unfreeze() -> None:
    from .models import TestClock

    TestClock.objects.all().delete()


def run_after(deliver_at: dt.datetime) -> dt.datetime | None:
    """The real time at which the queue should run a task due at platform time `deliver_at`:
    itself in production; under a frozen test clock, soon (the task re-checks the platform time
    and re-enqueues itself while early)."""
    frozen = _frozen()
    if frozen is None:
        return deliver_at if deliver_at > timezone.now() else None
    return None if deliver_at <= frozen else timezone.now() + TEST_RECHECK
