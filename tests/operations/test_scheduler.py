"""Scheduled jobs as code: slots, catching up missed runs, failures recorded, the operators'
page and API; and the real `socle scheduler` process starting every job of the settings'
schedule on real workers of both backends, without cron."""

import datetime as dt
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from socle.core.models import ApiToken
from socle.operations import scheduler
from socle.operations.models import JobRun, RunStatus, ScheduledJob

from .conftest import ROOT

PARIS = ZoneInfo("Europe/Paris")
SCHEDULE = {
    "sweep": {"command": "diffusion-deliver-due", "every": 300},
    "purge": {"command": "viescolaire-purge", "args": ["--dry-run"], "daily": "02:10"},
    "broken": {"command": "viescolaire-purge", "args": ["--today", "not-a-date"], "every": 3600},
}


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


# The scheduling logic, with the tasks run at once in this process; the real worker processes of
# both backends run the jobs in the last test.
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def run_queued_tasks():
    """Nothing to do: the immediate backend ran each job when it was queued."""


def test_slots_every_and_daily_across_the_daylight_saving_switch():
    with override_settings(SOCLE_SCHEDULE=SCHEDULE):
        jobs = scheduler.jobs()
    sweep, purge = jobs["sweep"], jobs["purge"]
    assert sweep.latest_slot(paris(2026, 3, 2, 7, 4, 59)) == paris(2026, 3, 2, 7, 0)
    assert sweep.next_slot(paris(2026, 3, 2, 7, 0)) == paris(2026, 3, 2, 7, 5)
    assert purge.latest_slot(paris(2026, 3, 2, 2, 9)) == paris(2026, 3, 1, 2, 10)
    assert purge.latest_slot(paris(2026, 3, 2, 2, 10)) == paris(2026, 3, 2, 2, 10)
    # 29 March 2026: Paris moves from UTC+1 to UTC+2 at 02:00, so 02:10 does not exist that
    # night: the job runs at 03:10 CEST (01:10 UTC); the next day at 02:10 CEST again.
    assert purge.latest_slot(paris(2026, 3, 29, 12, 0)) == dt.datetime(2026, 3, 29, 1, 10, tzinfo=dt.UTC)
    assert purge.next_slot(paris(2026, 3, 29, 12, 0)) == paris(2026, 3, 30, 2, 10)
    assert purge.next_slot(paris(2026, 3, 30, 12, 0)).astimezone(dt.UTC).hour == 0  # 02:10 CEST
    assert purge.slots_between(paris(2026, 3, 1, 2, 10), paris(2026, 3, 5, 2, 10)) == 4
    assert sweep.slots_between(paris(2026, 3, 2, 7, 0), paris(2026, 3, 2, 10, 0)) == 36


def test_a_mistake_in_the_schedule_is_refused():
    with override_settings(SOCLE_SCHEDULE={"x": {"command": "clearsessions"}}), pytest.raises(ValueError):
        scheduler.jobs()
    both = {"x": {"command": "clearsessions", "every": 60, "daily": "02:00"}}
    with override_settings(SOCLE_SCHEDULE=both), pytest.raises(ValueError):
        scheduler.jobs()


@pytest.mark.django_db
@override_settings(SOCLE_SCHEDULE=SCHEDULE, TASKS=IMMEDIATE)
def test_due_jobs_run_once_per_slot_missed_runs_are_caught_up_and_failures_recorded():
    monday = paris(2026, 3, 2, 7, 1)
    first = scheduler.tick(monday)
    assert sorted(run.job for run in first) == ["broken", "purge", "sweep"]  # never run: due now
    assert scheduler.tick(monday + dt.timedelta(seconds=30)) == []  # same slots: nothing new
    run_queued_tasks()
    runs = {run.job: run for run in JobRun.objects.all()}
    assert runs["sweep"].status == RunStatus.SUCCEEDED and "delivered" in runs["sweep"].output
    assert runs["purge"].status == RunStatus.SUCCEEDED
    assert runs["broken"].status == RunStatus.FAILED and "not-a-date" in runs["broken"].error
    assert ScheduledJob.objects.get(name="broken").consecutive_failures == 1

    # The scheduler is down from 07:01 to 10:31 (and over the night's 02:10): when it comes back,
    # each job runs once for its latest slot and says how many slots that run catches up.
    later = paris(2026, 3, 3, 10, 31)
    caught_up = {run.job: run for run in scheduler.tick(later)}
    assert caught_up["sweep"].slot == paris(2026, 3, 3, 10, 30)
    assert caught_up["sweep"].missed == (27 * 60 + 30) // 5 - 1
    assert caught_up["purge"].slot == paris(2026, 3, 3, 2, 10) and caught_up["purge"].missed == 0
    assert caught_up["broken"].missed == 26
    run_queued_tasks()
    assert ScheduledJob.objects.get(name="broken").consecutive_failures == 2
    assert ScheduledJob.objects.get(name="sweep").consecutive_failures == 0

    rows = {row.job.name: row for row in scheduler.status(later)}
    assert rows["sweep"].next_run == paris(2026, 3, 3, 10, 35) and not rows["sweep"].overdue
    assert rows["purge"].next_run == paris(2026, 3, 4, 2, 10)
    assert rows["broken"].last_failure.status == RunStatus.FAILED


@pytest.mark.django_db
@override_settings(SOCLE_SCHEDULE=SCHEDULE, TASKS=IMMEDIATE)
def test_operators_page_and_api(client, django_user_model):
    from socle.identite.models import Account, AccountKind, AccountState

    scheduler.tick(paris(2026, 3, 2, 7, 1))
    run_queued_tasks()
    operator = django_user_model.objects.create_user("exploitant", password="x-Unused-42!", is_staff=True)
    Account.objects.create(user=operator, kind=AccountKind.OPERATOR, state=AccountState.ACTIVE)
    parent = django_user_model.objects.create_user("parent", password="x-Unused-42!")
    Account.objects.create(user=parent, kind=AccountKind.GUARDIAN, state=AccountState.ACTIVE)

    client.force_login(parent)
    assert client.get("/exploitation/taches/").status_code == 403
    client.force_login(operator)
    page = client.get("/exploitation/taches/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "socle diffusion-deliver-due" in html and "toutes les 5 min" in html
    assert "not-a-date" in html  # the failure, with its error

    client.logout()
    assert client.get("/exploitation/api/jobs").status_code == 401
    _token, secret = ApiToken.issue("supervision", scopes=["operations:read"])
    answer = client.get("/exploitation/api/jobs", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
    jobs = {job["name"]: job for job in answer.json()}
    assert (
        jobs["broken"]["consecutive_failures"] == 1 and jobs["broken"]["last_failure"]["status"] == "failed"
    )
    assert jobs["sweep"]["last_run"]["status"] == "succeeded"
    runs = client.get("/exploitation/api/jobs/sweep/runs", headers={"Authorization": f"Bearer {secret}"})
    assert runs.status_code == 200 and len(runs.json()) == 1
    missing = client.get("/exploitation/api/jobs/nope/runs", headers={"Authorization": f"Bearer {secret}"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_process_runs_every_job_of_the_settings_on_real_workers(workers):
    """`socle scheduler` + `socle worker`, no cron: every job of the default schedule runs and
    succeeds, on the database backend and on Celery."""
    from django.conf import settings

    expected = set(settings.SOCLE_SCHEDULE)
    workers.start("jobs-worker")
    log = (workers.tmp_path / "scheduler.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "socle.cli", "scheduler", "--interval", "1"],
        cwd=ROOT,
        env=workers.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = set(
                JobRun.objects.filter(status__in=[RunStatus.SUCCEEDED, RunStatus.FAILED]).values_list(
                    "job", flat=True
                )
            )
            if done >= expected:
                break
            time.sleep(0.5)
    finally:
        process.terminate()
        process.wait(timeout=20)
    scheduler_log = (workers.tmp_path / "scheduler.log").read_text()
    assert process.returncode == 0, scheduler_log
    runs = {run.job: run for run in JobRun.objects.all()}
    assert set(runs) == expected, scheduler_log + workers.logs()
    failed = {name: run.error for name, run in runs.items() if run.status != RunStatus.SUCCEEDED}
    assert failed == {}, failed
    assert "scheduler: stopped" in scheduler_log
