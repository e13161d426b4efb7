"""The 07:00 burst (issue #23): N publications held overnight, each to M recipients, released at
the same instant; real worker processes (`socle worker`) of the database backend and of Celery
on RabbitMQ deliver them. Reports notifications/s and the time from the release to the last
notification, with 1, 2 and 4 workers (scaling ratio), the workers' CPU time, and — with a worker
SIGKILLed in the middle of the burst and a new one taking over — what was lost and what arrived
twice.

A notification is one row of `Notification`: one person on one channel (in-app, e-mail, push).
E-mail goes to Django's dummy backend and push to the JSON-lines file backend: the relay's and
the gateway's own throughput are outside the platform and not measured here.

    make bench BENCH_ARGS=burst
    PYTHONPATH=src DATABASE_URL=postgres://postgres@127.0.0.1:5432/socle_bench_burst \\
        SOCLE_BROKER_URL=amqp://guest:guest@127.0.0.1:5672// \\
        .venv/bin/python benchmarks/bench_burst.py --publications 100 --recipients 20 --workers 1,2,4
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import ROOT, child_env, setup_django

DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
CELERY = "socle.operations.tasks_backend.CeleryBackend"
DATABASE = "django_tasks_db.DatabaseBackend"
LEASE_SECONDS = 5
NATIONAL_NOTIFICATIONS = 5_000_000
TARGET_SECONDS = 15 * 60


def parse(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--publications", type=int, default=100)
    parser.add_argument("--recipients", type=int, default=20, help="recipients per publication")
    parser.add_argument("--schools", type=int, default=25, help="schools the publications belong to")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to measure")
    parser.add_argument("--backends", default="database,celery")
    parser.add_argument("--no-kill", action="store_true", help="skip the killed-worker run")
    return parser.parse_args(argv)


class Run:
    """One burst: a clean slate, k workers started, N × M held, released at T0, measured."""

    def __init__(self, backend: str, args, workdir: Path, label: str):
        self.backend, self.args, self.label = backend, args, label
        self.workdir = workdir / label
        self.workdir.mkdir(parents=True)
        self.push_file = self.workdir / "pushes.jsonl"
        self.prefix = f"bench-{uuid.uuid4().hex[:8]}-"
        self.env = {
            **child_env(),
            "SOCLE_TASKS_BACKEND": backend,
            "SOCLE_BROKER_QUEUE_PREFIX": self.prefix,
            "SOCLE_DIFFUSION_PUSH_BACKEND": "socle.viescolaire.diffusion.channels.JsonLinesPushBackend",
            "SOCLE_DIFFUSION_PUSH_FILE": str(self.push_file),
            "SOCLE_DIFFUSION_EMAIL_IDEMPOTENT": "1",
            "SOCLE_DIFFUSION_SEND_LEASE_SECONDS": str(LEASE_SECONDS),
            "SOCLE_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            # One connection per worker for the whole run (as in production), so that the
            # PostgreSQL backends serving it, and their CPU time, are the same from start to end.
            "SOCLE_DB_CONN_MAX_AGE": "86400",
            "SOCLE_LOG_LEVEL": "INFO",  # as in production; Celery says "ready." at INFO
        }
        self.processes: dict[str, subprocess.Popen] = {}
        self.cpu: dict[str, float] = {}

    def tasks_setting(self) -> dict:
        if self.backend == "celery":
            options = {"BROKER_URL": os.environ["SOCLE_BROKER_URL"], "QUEUE_PREFIX": self.prefix}
            return {"default": {"BACKEND": CELERY, "OPTIONS": options}}
        return {"default": {"BACKEND": DATABASE}}

    def start_worker(self, name: str) -> None:
        log = (self.workdir / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "socle.cli", "worker", "--worker-id", name, "--interval", "0.1"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def worker_cpu(self, name: str) -> float:
        import psutil

        try:
            times = psutil.Process(self.processes[name].pid).cpu_times()
            self.cpu[name] = times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            pass
        return self.cpu.get(name, 0.0)

    def stop_all(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is None:
                self.worker_cpu(name)
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(self.workdir.glob("*.log")))

    def pushes(self) -> list[dict]:
        if not self.push_file.exists():
            return []
        return [json.loads(line) for line in self.push_file.read_text().splitlines() if line.strip()]


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends serving this benchmark's database (the workers'
    connections), by pid: the database's share of a notification."""
    import psutil
    from django.db import connection

    name = connection.settings_dict["NAME"]
    seconds = {}
    for process in psutil.process_iter(["cmdline"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            if cmdline.startswith("postgres:") and f" {name} " in cmdline:
                times = process.cpu_times()
                seconds[process.pid] = times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return seconds


def reset() -> None:
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from socle.viescolaire.diffusion.models import Notification, Publication, Recipient

    tables = [m._meta.db_table for m in (Notification, Recipient, Publication, DBTaskResult)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def make_people(args) -> dict[str, list[str]]:
    """Each school's recipients: persons of the Référentiel with an e-mail address (guardians)."""
    from socle.referentiel.models import Person

    people = {}
    Person.objects.filter(source="bench-burst").delete()
    for school in range(args.schools):
        uai = f"{9100000 + school:07d}X"
        rows = [
            Person(
                first_name=f"P{n}",
                last_name=f"Burst{school}",
                email=f"p{n}.s{school}@example.org",
                source="bench-burst",
            )
            for n in range(args.recipients)
        ]
        Person.objects.bulk_create(rows)
        people[uai] = [str(person.uid) for person in rows]
    return people


def lead_time(backend: str, args) -> float:
    """Seconds between now and the release: time to write and enqueue everything first (each
    Celery enqueue waits for RabbitMQ's publisher confirm: tens of ms on a loaded machine)."""
    return 10 + args.publications * (0.3 if backend == "celery" else 0.05)


def hold_and_release(run: Run, people: dict[str, list[str]], lead_seconds: float) -> dt.datetime:
    """Write N held publications and their recipients, enqueue their tasks for T0 (as publish()
    does overnight), return T0."""
    from django.db import transaction
    from django.test import override_settings
    from django.utils import timezone

    from socle.viescolaire.diffusion.models import Publication, Recipient
    from socle.viescolaire.diffusion.tasks import deliver_publication_task

    schools = sorted(people)
    release = timezone.now() + dt.timedelta(seconds=lead_seconds)
    written = release - dt.timedelta(hours=10)
    publications = Publication.objects.bulk_create(
        Publication(
            item_kind="bench-burst",
            item_id=str(n),
            school_uai=schools[n % len(schools)],
            written_at=written + dt.timedelta(seconds=n),
            deliver_at=release,
        )
        for n in range(run.args.publications)
    )
    Recipient.objects.bulk_create(
        Recipient(publication=p, person_uid=uid) for p in publications for uid in people[p.school_uai]
    )
    with override_settings(TASKS=run.tasks_setting()), transaction.atomic():
        for publication in publications:
            deliver_publication_task.using(run_after=release).enqueue(publication.pk)
    if timezone.now() >= release:
        raise RuntimeError("enqueueing took longer than the lead time: raise it")
    return release


def outcome(run: Run, release: dt.datetime, finished: dt.datetime, expected: int) -> dict:
    from django.db.models import Min

    from socle.viescolaire.diffusion.models import Channel, Notification, Publication

    rows = Notification.objects.all()
    # sent_at is the time the send's task started: the last one is read on the wall clock, when
    # the poll (every 0.2 s) first finds every notification in its final state.
    bounds = rows.aggregate(first=Min("sent_at"))
    received = Counter(p["key"] for p in run.pushes())
    keys = set(rows.filter(channel=Channel.PUSH).values_list("publication_id", "person_uid"))
    return {
        "notifications": rows.count(),
        "expected": expected,
        "final_states": dict(Counter(rows.values_list("status", flat=True))),
        "publications_delivered_once": Publication.objects.filter(delivered_at__isnull=False).count(),
        "seconds_to_first": round((bounds["first"] - release).total_seconds(), 2),
        "seconds_to_last": round((finished - release).total_seconds(), 2),
        "push_keys_lost": len(keys) - len(received),
        "push_received_twice": sum(received.values()) - len(received),
    }


def now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def started() -> bool:
    from socle.viescolaire.diffusion.models import Publication

    return Publication.objects.filter(delivered_at__isnull=False).exists()


def settled(expected: int) -> bool:
    from socle.viescolaire.diffusion.models import Notification, Publication

    return (
        not Publication.objects.filter(delivered_at__isnull=True).exists()
        and Notification.objects.filter(status__in=["sent", "skipped"]).count() >= expected
    )


def wait_ready(run: Run, names, timeout=300) -> None:
    marks = ("ready.",) if run.backend == "celery" else ("Starting worker",)
    deadline = time.monotonic() + timeout
    for name in names:
        while not any(m in (run.workdir / f"{name}.log").read_text() for m in marks):
            if time.monotonic() > deadline or run.processes[name].poll() is not None:
                raise RuntimeError(
                    f"{name} did not start:\n{(run.workdir / f'{name}.log').read_text()[-3000:]}"
                )
            time.sleep(0.2)


def burst(backend: str, workers: int, args, people, workdir: Path) -> dict:
    reset()
    run = Run(backend, args, workdir, f"{backend}-{workers}")
    expected = args.publications * args.recipients * 3
    names = [f"w{n}" for n in range(workers)]
    try:
        for name in names:
            run.start_worker(name)
        wait_ready(run, names)
        time.sleep(1)
        idle = {name: run.worker_cpu(name) for name in names}  # start-up (imports, connection)
        release = hold_and_release(run, people, lead_seconds=lead_time(backend, args))
        pg_before = postgres_cpu()
        deadline = time.monotonic() + 1800
        while not settled(expected):
            if time.monotonic() > deadline:
                raise RuntimeError(f"burst not delivered in 30 min ({backend}, {workers} workers)")
            if now() > release + dt.timedelta(seconds=60) and not started():
                raise RuntimeError(f"nothing delivered a minute after the release:\n{run.logs()}")
            time.sleep(0.2)
        finished = now()
        cpu = {name: run.worker_cpu(name) - idle[name] for name in names}
        pg_after = postgres_cpu()
        pg_cpu = sum(seconds - pg_before.get(pid, 0.0) for pid, seconds in pg_after.items())
    finally:
        run.stop_all()
        cleanup(run)
    result = {"backend": backend, "workers": workers, **outcome(run, release, finished, expected)}
    result["notifications_per_s"] = round(expected / result["seconds_to_last"], 1)
    result["per_worker_per_s"] = round(result["notifications_per_s"] / workers, 1)
    result["worker_cpu_s"] = round(sum(cpu.values()), 1)  # after start-up, release to last
    result["notifications_per_worker_cpu_s"] = round(expected / max(sum(cpu.values()), 0.001), 1)
    result["postgres_cpu_s"] = round(pg_cpu, 1)
    result["notifications_per_postgres_cpu_s"] = round(expected / max(pg_cpu, 0.001), 1)
    print(json.dumps(result), flush=True)
    return result


def killed(backend: str, args, people, workdir: Path) -> dict:
    """Two workers; one is SIGKILLed once 30 % of the pushes are out, a new one starts at once;
    the sweep runs every LEASE_SECONDS + 1 (the scheduler's job) until everything is settled."""
    from django.test import override_settings

    from socle.viescolaire.diffusion.tasks import sweep_task

    reset()
    run = Run(backend, args, workdir, f"{backend}-kill")
    expected = args.publications * args.recipients * 3
    pushes_expected = args.publications * args.recipients
    try:
        for name in ("w0", "w1"):
            run.start_worker(name)
        wait_ready(run, ["w0", "w1"])
        release = hold_and_release(run, people, lead_seconds=lead_time(backend, args))
        while len(run.pushes()) < pushes_expected * 0.3:
            time.sleep(0.02)
        run.processes["w0"].send_signal(signal.SIGKILL)
        run.processes["w0"].wait()
        at_kill = len(run.pushes())
        run.start_worker("w2")
        deadline = time.monotonic() + 1800
        last_sweep = time.monotonic()
        while not settled(expected):
            if time.monotonic() > deadline:
                raise RuntimeError(f"killed-worker burst not settled in 30 min ({backend})")
            if time.monotonic() - last_sweep > LEASE_SECONDS + 1:
                with override_settings(TASKS=run.tasks_setting()):
                    sweep_task.enqueue()
                last_sweep = time.monotonic()
            time.sleep(0.2)
        finished = now()
        time.sleep(2)  # let any duplicate attempt happen before counting
    finally:
        run.stop_all()
        cleanup(run)
    result = {
        "backend": backend,
        "scenario": "2 workers, one SIGKILLed at 30 %, replaced",
        **outcome(run, release, finished, expected),
    }
    result["pushes_at_kill"] = at_kill
    print(json.dumps(result), flush=True)
    return result


def cleanup(run: Run) -> None:
    if run.backend != "celery":
        return
    from django.test import override_settings
    from django_tasks import task_backends

    with override_settings(TASKS=run.tasks_setting()):
        task_backends["default"].purge_and_delete_queues()


def summarise(runs: list[dict]) -> dict:
    summary = {}
    for backend in sorted({r["backend"] for r in runs}):
        mine = {r["workers"]: r for r in runs if r["backend"] == backend}
        one = mine.get(1)
        if not one:
            continue
        rate = one["notifications_per_s"]
        scaling = {k: round(r["notifications_per_s"] / rate, 2) for k, r in sorted(mine.items())}
        summary[backend] = {
            "per_worker_per_s": rate,
            "per_worker_cpu_s": one["notifications_per_worker_cpu_s"],
            "scaling_vs_1_worker": scaling,
            # National Monday burst: workers needed at the measured single-worker rate, in 15 min,
            # assuming each worker has its own core and PostgreSQL keeps up (docs/benchmarks.md).
            "workers_for_5M_in_15_min_at_wall_rate": round(NATIONAL_NOTIFICATIONS / TARGET_SECONDS / rate, 1),
            "worker_cores_for_5M_in_15_min": round(
                NATIONAL_NOTIFICATIONS / TARGET_SECONDS / one["notifications_per_worker_cpu_s"], 1
            ),
            "postgres_cores_for_5M_in_15_min": round(
                NATIONAL_NOTIFICATIONS / TARGET_SECONDS / one["notifications_per_postgres_cpu_s"], 1
            ),
        }
    return summary


def main(argv) -> dict:
    args = parse(argv)
    os.environ.setdefault("SOCLE_BROKER_URL", DEFAULT_BROKER_URL)
    os.environ.setdefault("SOCLE_EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    people = make_people(args)
    workdir = Path(tempfile.mkdtemp(prefix="socle-bench-burst-"))
    backends = [b for b in args.backends.split(",") if b]
    counts = [int(k) for k in args.workers.split(",") if k]
    runs = [burst(backend, k, args, people, workdir) for backend in backends for k in counts]
    kills = [] if args.no_kill else [killed(backend, args, people, workdir) for backend in backends]
    config = {
        "publications": args.publications,
        "recipients_per_publication": args.recipients,
        "schools": args.schools,
        "notifications": args.publications * args.recipients * 3,
        "logs": str(workdir),
    }
    return {"config": config, "runs": runs, "killed_worker": kills, "summary": summarise(runs)}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), indent=2))
