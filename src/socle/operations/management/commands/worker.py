"""`socle worker`: one background worker for whichever django.tasks backend is configured: the
database backend's `db_worker`, or a Celery worker consuming the RabbitMQ queues of
`socle.operations.tasks_backend.CeleryBackend`. The Procfile and the docs use this one command,
so switching SOCLE_TASKS_BACKEND changes nothing else."""

import os
import socket

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from socle.operations.tasks_backend import CeleryBackend


class Command(BaseCommand):
    help = "Run one background worker (database backend or Celery, per SOCLE_TASKS_BACKEND)."

    def add_arguments(self, parser):
        parser.add_argument("--worker-id", default="", help="a name for this worker (logs, task rows)")
        parser.add_argument(
            "--concurrency",
            type=int,
            default=1,
            help="Celery: tasks run in parallel by this worker (prefork pool when above 1)",
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="database backend: polling interval (s)"
        )
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="stop after this many tasks (database backend)"
        )

    def handle(self, *args, worker_id="", concurrency=1, interval=1.0, max_tasks=None, **options):
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}"
        if isinstance(backend, CeleryBackend):
            backend.declare_topology()
            argv = [
                "worker",
                "--queues",
                ",".join(queue.name for queue in backend.celery_queues()),
                "--hostname",
                f"{worker_id}@%h",
                "--loglevel",
                os.environ.get("SOCLE_LOG_LEVEL", "INFO"),
                # One process per worker by default: a SIGKILL takes one task with it, and scaling
                # is counted in processes (`honcho start -c worker=4`, one container each…).
                "--pool",
                "solo" if concurrency == 1 else "prefork",
                "--concurrency",
                str(concurrency),
                "--without-gossip",
                "--without-mingle",
            ]
            backend.app.worker_main(argv)
            return
        extra = {"max_tasks": max_tasks} if max_tasks else {}
        call_command(
            "db_worker",
            queue_name="*",
            interval=interval,
            worker_id=worker_id[:64],
            reload=False,
            startup_delay=False,
            **extra,
        )
