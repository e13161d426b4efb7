"""Liveness and readiness, for the process manager, the load balancer and the orchestrator.

- liveness (`/sante/vivant/`): the process answers HTTP. Nothing else is touched, so a database
  outage does not get every web process restarted.
- readiness (`/sante/pret/`): this instance can serve: the database answers and has every
  migration applied, and the broker answers when the tasks backend is Celery. 503 otherwise,
  naming what failed, so the load balancer takes the instance out until it recovers.
"""

from __future__ import annotations

import time

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

_migrated = False  # once every migration of this code is applied, it stays so for this process


def check_database() -> dict:
    global _migrated
    started = time.perf_counter()
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if not _migrated:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise RuntimeError(f"{len(pending)} migration(s) not applied")
        _migrated = True
    return {"ms": round((time.perf_counter() - started) * 1000, 1)}


def check_broker() -> dict:
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

    from .tasks_backend import CeleryBackend

    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if not isinstance(backend, CeleryBackend):
        return {"backend": "database"}
    started = time.perf_counter()
    backend.ping()
    return {"backend": "celery", "ms": round((time.perf_counter() - started) * 1000, 1)}


def readiness() -> tuple[bool, dict]:
    checks = {}
    ready = True
    for name, check in (("database", check_database), ("broker", check_broker)):
        try:
            checks[name] = {"status": "ok", **check()}
        except Exception as error:  # any failure makes the instance not ready, and says why
            ready = False
            checks[name] = {"status": "error", "error": f"{type(error).__name__}: {error}"[:300]}
    return ready, checks
