"""The scheduled jobs' JSON API (django-ninja), mounted at /exploitation/api/: what the
operators' page shows, for monitoring. Operator bearer tokens with the scope `operations:read`
(`socle api-token create --name supervision --scope operations:read`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Schema

from socle.core.api_auth import AUTH_ERRORS, ApiError, ErrorOut, SocleAPI, TokenAuth, scopes_extra

from . import scheduler
from .models import JobRun

READ = "operations:read"
api = SocleAPI(
    title="Socle — Operations API v1",
    version="1",
    urls_namespace="operations:operations-api",
    description="Scheduled jobs of the platform: schedule, last run, next run, failures.",
)


class RunOut(Schema):
    slot: dt.datetime
    status: str
    queued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    duration_seconds: float | None
    missed: int
    worker: str
    error: str


class JobOut(Schema):
    name: str
    command: str
    schedule: str
    next_run: dt.datetime
    overdue: bool
    consecutive_failures: int
    last_success_at: dt.datetime | None
    last_run: RunOut | None
    last_failure: RunOut | None


def run_out(run: JobRun | None) -> dict | None:
    if run is None:
        return None
    duration = run.duration
    return {
        "slot": run.slot,
        "status": run.status,
        "queued_at": run.queued_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_seconds": round(duration.total_seconds(), 3) if duration else None,
        "missed": run.missed,
        "worker": run.worker,
        "error": run.error[-1000:],
    }


def job_out(row: scheduler.JobStatus) -> dict:
    return {
        "name": row.job.name,
        "command": row.job.command_line,
        "schedule": row.job.schedule_label,
        "next_run": row.next_run,
        "overdue": row.overdue,
        "consecutive_failures": row.state.consecutive_failures if row.state else 0,
        "last_success_at": row.state.last_success_at if row.state else None,
        "last_run": run_out(row.last_run),
        "last_failure": run_out(row.last_failure),
    }


@api.get(
    "/jobs",
    response={200: list[JobOut], **AUTH_ERRORS},
    auth=TokenAuth(READ),
    summary="Every scheduled job with its last run, next run and failures",
    openapi_extra=scopes_extra(READ),
)
def list_jobs(request):
    return [job_out(row) for row in scheduler.status(timezone.now())]


@api.get(
    "/jobs/{name}/runs",
    response={200: list[RunOut], 404: ErrorOut, **AUTH_ERRORS},
    auth=TokenAuth(READ),
    summary="The last runs of one job, newest first (at most 100)",
    openapi_extra=scopes_extra(READ),
)
def list_runs(request, name: str):
    if name not in scheduler.jobs():
        raise ApiError(404, "not_found", f"No scheduled job named {name!r}.")
    return [run_out(run) for run in JobRun.objects.filter(job=name)[:100]]
