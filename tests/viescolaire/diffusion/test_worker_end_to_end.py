"""End to end with real `db_worker` processes (django-tasks-db) against the test database: post at
21:00, nothing is delivered before 07:00 across a worker restart, everything is delivered at
07:00 exactly once while two workers run, with one notification per recipient and channel.

The workers obey the same platform clock as the test (the TestClock row, read by `clock.now()`
under the test settings only)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail  # noqa: F401 — the workers use the test settings' locmem backend
from django.db import connection

from socle.viescolaire.diffusion import services
from socle.viescolaire.diffusion.models import Channel, Notification, Publication

from .conftest import paris

pytestmark = pytest.mark.django_db(transaction=True)
KIND = "test-e2e"
ROOT = Path(__file__).resolve().parents[3]


def start_worker(tmp_path, name):
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "socle.settings.test",
        "PYTHONPATH": str(ROOT / "src"),
    }
    log = (tmp_path / f"{name}.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "socle.cli",
            "db_worker",
            "--interval",
            "0.2",
            "--no-startup-delay",
            "--no-reload",
            "--worker-id",
            name,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process


def stop(process):
    process.send_signal(signal.SIGTERM)  # graceful: finishes the running task, then exits
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def wait_for_run_by(worker_id, timeout=90):
    """Wait until `worker_id` has finished a delivery task (Django start-up takes seconds)."""
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if DBTaskResult.objects.filter(status="SUCCESSFUL", worker_ids__contains=[worker_id]).exists():
            return
        time.sleep(0.3)
    raise AssertionError(f"{worker_id} ran no task within {timeout} s")


def visible(world):
    return services.visible_item_ids(world.uid("karim"), KIND)


def test_held_at_night_delivered_at_seven_across_a_worker_restart(world, frozen, tmp_path):
    frozen(paris(2026, 3, 3, 21, 0))  # a Tuesday evening
    first = start_worker(tmp_path, "worker-a")
    workers = [first]
    try:
        for item_id, minute in (("n1", 0), ("n2", 15), ("n3", 40)):
            services.publish(
                KIND,
                item_id,
                school_uai=world.uai,
                author=world.users["martin"],
                recipients=[world.uid("lea"), world.uid("karim")],
                written_at=paris(2026, 3, 3, 21, minute),
            )
        assert set(Publication.objects.values_list("deliver_at", flat=True)) == {paris(2026, 3, 4, 7, 0)}
        wait_for_run_by("worker-a")  # the worker runs the tasks: early, they re-enqueue themselves
        assert first.poll() is None, (tmp_path / "worker-a.log").read_text()
        assert visible(world) == set()

        stop(first)  # the worker goes down during the night…
        frozen(paris(2026, 3, 4, 6, 59, 59))
        second = start_worker(tmp_path, "worker-b")  # …and comes back before the opening
        workers.append(second)
        wait_for_run_by("worker-b")
        time.sleep(1)
        assert visible(world) == set()
        assert not Notification.objects.exists()

        # 07:00: a second worker joins; both race for the same tasks.
        frozen(paris(2026, 3, 4, 7, 0))
        workers.append(start_worker(tmp_path, "worker-c"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            visible(world) != {"n1", "n2", "n3"}
            or Notification.objects.filter(status__in=["pending", "sending"]).exists()
            or Notification.objects.count() < 3 * 2 * 3
        ):
            time.sleep(0.3)
        time.sleep(2)  # let any duplicate attempt happen before counting
    finally:
        for process in workers:
            if process.poll() is None:
                stop(process)
    logs = "\n".join(p.read_text() for p in tmp_path.glob("*.log"))
    assert visible(world) == {"n1", "n2", "n3"}, logs
    assert services.visible_item_ids(world.uid("lea"), KIND) == {"n1", "n2", "n3"}
    delivered = Publication.objects.order_by("written_at").values_list("item_id", "delivered_at")
    assert [item for item, _ in delivered] == ["n1", "n2", "n3"]
    assert {at for _, at in delivered} == {paris(2026, 3, 4, 7, 0)}
    for channel in Channel.values:
        assert Notification.objects.filter(channel=channel).count() == 3 * 2, channel
    assert Notification.objects.filter(status="sent", channel=Channel.EMAIL).count() == 3  # Karim
    assert (
        Notification.objects.filter(status="skipped", channel=Channel.EMAIL).count() == 3
    )  # Léa: no address
    assert not Notification.objects.filter(status__in=["pending", "sending", "failed"]).exists(), logs
    # The workers did it: the delivering runs are theirs, and each of the three ran tasks.
    from django_tasks_db.models import DBTaskResult

    finished = DBTaskResult.objects.filter(
        status="SUCCESSFUL", task_path__endswith="deliver_publication_task"
    )
    workers_seen = {worker for ids in finished.values_list("worker_ids", flat=True) for worker in ids}
    assert {"worker-a", "worker-b"} <= workers_seen and workers_seen <= {"worker-a", "worker-b", "worker-c"}
    assert not DBTaskResult.objects.filter(status="FAILED").exists(), logs
