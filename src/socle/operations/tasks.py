"""Background tasks of the operations app (django.tasks: the database backend or Celery)."""

import os
import socket

from django_tasks import task

from . import scheduler


@task()
def run_scheduled_job(run_id: int) -> str:
    """Run one scheduled job's command (queued by `socle scheduler`) and record the outcome."""
    return scheduler.execute(run_id, worker=f"{socket.gethostname()}:{os.getpid()}")
