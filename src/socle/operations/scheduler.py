"""Periodic jobs as code: the schedule lives in `settings.SOCLE_SCHEDULE`, `socle scheduler`
(one small process, on either tasks backend) starts each job when due by enqueueing
`run_scheduled_job` through django.tasks — so the job runs on a worker, the database backend's
or Celery's — and the database remembers every run.

    SOCLE_SCHEDULE = {
        "diffusion-deliver-due": {"command": "diffusion-deliver-due", "every": 300},
        "viescolaire-purge": {"command": "viescolaire-purge", "daily": "02:10"},
        "traces-partitions": {"command": "traces-partitions", "args": ["--months-ahead", "3"],
                              "daily": "02:50"},
    }

`every` (seconds) slots are aligned on the epoch (every 300 s: :00, :05, …); `daily` slots are a
wall-clock time in TIME_ZONE. A job is due when its latest slot is after the last slot it was
started for (`ScheduledJob.last_slot`): after a downtime the missed slots are run once (every
job is idempotent), and the run records how many it catches up. The claim of a slot is a
conditional UPDATE, so two schedulers (one per host, for availability) never start a slot twice.

Written here rather than with Celery beat (docs/operations.md, "Scheduled jobs"): beat keeps its
state in a local file, remembers no outcome, catches up nothing and exists only with Celery;
the embedded deployment has no broker.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import traceback
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import JobRun, RunStatus, ScheduledJob

logger = logging.getLogger("socle.operations.scheduler")

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
RUN_HISTORY = dt.timedelta(days=90)
OUTPUT_LIMIT = 4000


@dataclass(frozen=True)
class Job:
    name: str
    command: str
    args: tuple[str, ...] = ()
    every: dt.timedelta | None = None
    daily: dt.time | None = None
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(settings.TIME_ZONE))

    @property
    def command_line(self) -> str:
        return " ".join(["socle", self.command, *self.args])

    @property
    def schedule_label(self) -> str:
        if self.every is not None:
            seconds = int(self.every.total_seconds())
            if seconds % 3600 == 0:
                return _("every %(n)s h") % {"n": seconds // 3600}
            if seconds % 60 == 0:
                return _("every %(n)s min") % {"n": seconds // 60}
            return _("every %(n)s s") % {"n": seconds}
        return _("daily at %(time)s") % {"time": f"{self.daily:%H:%M}"}

    def latest_slot(self, now: dt.datetime) -> dt.datetime:
        """The latest scheduled time at or before `now`."""
        if self.every is not None:
            step = self.every.total_seconds()
            return EPOCH + dt.timedelta(seconds=((now - EPOCH).total_seconds() // step) * step)
        local = now.astimezone(self.tz)
        slot = dt.datetime.combine(local.date(), self.daily, tzinfo=self.tz)
        if slot > local:
            slot = dt.datetime.combine(local.date() - dt.timedelta(days=1), self.daily, tzinfo=self.tz)
        return slot.astimezone(dt.UTC)

    def next_slot(self, after: dt.datetime) -> dt.datetime:
        """The first scheduled time strictly after `after`."""
        if self.every is not None:
            return self.latest_slot(after) + self.every
        local = after.astimezone(self.tz)
        day = local.date()
        slot = dt.datetime.combine(day, self.daily, tzinfo=self.tz)
        if slot <= local:
            slot = dt.datetime.combine(day + dt.timedelta(days=1), self.daily, tzinfo=self.tz)
        return slot.astimezone(dt.UTC)

    def slots_between(self, earlier: dt.datetime, later: dt.datetime) -> int:
        """How many slots lie in (earlier, later]."""
        if self.every is not None:
            return max(0, round((later - earlier) / self.every))
        count, slot = 0, self.next_slot(earlier)
        while slot <= later and count < 10_000:
            count, slot = count + 1, self.next_slot(slot)
        return count


def jobs() -> dict[str, Job]:
    """The schedule of `settings.SOCLE_SCHEDULE`, checked (a typo fails at start, loudly)."""
    parsed: dict[str, Job] = {}
    for name, spec in getattr(settings, "SOCLE_SCHEDULE", {}).items():
        every, daily = spec.get("every"), spec.get("daily")
        if (every is None) == (daily is None):
            raise ValueError(
                f"SOCLE_SCHEDULE[{name!r}]: give exactly one of 'every' (seconds) or 'daily' (HH:MM)"
            )
        parsed[name] = Job(
            name=name,
            command=spec["command"],
            args=tuple(str(arg) for arg in spec.get("args", ())),
            every=dt.timedelta(seconds=int(every)) if every is not None else None,
            daily=dt.time.fromisoformat(daily) if daily is not None else None,
        )
        if every is not None and int(every) < 1:
            raise ValueError(f"SOCLE_SCHEDULE[{name!r}]: 'every' must be at least 1 second")
    return parsed


def tick(now: dt.datetime | None = None) -> list[JobRun]:
    """Start every job that is due at `now` (default: the real time); return the runs queued."""
    from .tasks import run_scheduled_job

    now = now or timezone.now()
    started = []
    for job in jobs().values():
        slot = job.latest_slot(now)
        state, _created = ScheduledJob.objects.get_or_create(name=job.name)
        with transaction.atomic():
            claimed = (
                ScheduledJob.objects.filter(pk=state.pk)
                .filter(Q(last_slot__isnull=True) | Q(last_slot__lt=slot))
                .update(last_slot=slot)
            )
            if not claimed:
                continue
            missed = job.slots_between(state.last_slot, slot) - 1 if state.last_slot else 0
            run = JobRun.objects.create(
                job=job.name, command=job.command_line, slot=slot, missed=max(0, missed), queued_at=now
            )
            run_scheduled_job.enqueue(run.pk)
        if missed > 0:
            logger.warning("%s: %d missed run(s) caught up by this one", job.name, missed)
        started.append(run)
    return started


def purge_history(now: dt.datetime | None = None) -> int:
    deleted, _by_model = JobRun.objects.filter(slot__lt=(now or timezone.now()) - RUN_HISTORY).delete()
    return deleted


def execute(run_id: int, worker: str = "") -> str:
    """Run the command of a queued run and record its outcome (called by the task)."""
    now = timezone.now()
    # A run is started once; a run left "running" by a killed worker is not run again by a
    # redelivered message: the next slot will run it (every job is idempotent).
    claimed = JobRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now, worker=worker[:200]
    )
    if not claimed:
        return "not queued"
    run = JobRun.objects.get(pk=run_id)
    job = jobs().get(run.job)
    output = io.StringIO()
    try:
        if job is None:
            raise LookupError(f"{run.job} is no longer in SOCLE_SCHEDULE")
        # `socle` maps hyphenated names onto the management commands; so does the scheduler.
        call_command(job.command.replace("-", "_"), *job.args, stdout=output, stderr=output)
    except Exception as error:
        finished = timezone.now()
        JobRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED,
            finished_at=finished,
            output=output.getvalue()[-OUTPUT_LIMIT:],
            error=(traceback.format_exc()[-OUTPUT_LIMIT:] or repr(error)),
        )
        ScheduledJob.objects.filter(name=run.job).update(
            consecutive_failures=F("consecutive_failures") + 1, last_failure_at=finished
        )
        logger.error("scheduled job %s failed: %s", run.job, error)
        return "failed"
    finished = timezone.now()
    JobRun.objects.filter(pk=run_id).update(
        status=RunStatus.SUCCEEDED, finished_at=finished, output=output.getvalue()[-OUTPUT_LIMIT:]
    )
    ScheduledJob.objects.filter(name=run.job).update(consecutive_failures=0, last_success_at=finished)
    logger.info("scheduled job %s succeeded in %.1f s", run.job, (finished - now).total_seconds())
    return "succeeded"


@dataclass(frozen=True)
class JobStatus:
    """What the operators' page and API show for one job."""

    job: Job
    state: ScheduledJob | None
    last_run: JobRun | None
    last_failure: JobRun | None
    next_run: dt.datetime
    overdue: bool


def status(now: dt.datetime | None = None) -> list[JobStatus]:
    now = now or timezone.now()
    states = {state.name: state for state in ScheduledJob.objects.all()}
    rows = []
    for job in jobs().values():
        state = states.get(job.name)
        runs = JobRun.objects.filter(job=job.name)
        last_slot = state.last_slot if state else None
        due = job.latest_slot(now)
        overdue = last_slot is None or last_slot < due
        rows.append(
            JobStatus(
                job=job,
                state=state,
                last_run=runs.first(),
                last_failure=runs.filter(status=RunStatus.FAILED).first(),
                next_run=due if overdue else job.next_slot(last_slot),
                overdue=overdue,
            )
        )
    return rows
