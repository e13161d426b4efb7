"""A django.tasks backend that runs tasks on Celery workers over RabbitMQ.

Select it with `SOCLE_TASKS_BACKEND=socle.operations.tasks_backend.CeleryBackend` (broker:
`SOCLE_BROKER_URL`); run workers with `socle worker` (which starts `db_worker` or a Celery worker
according to the backend). The bricks' code does not change: they call `task.enqueue()`.

Written here rather than taken from PyPI (docs/operations.md, "Why a thin adapter"): the
backends published for django.tasks either require Django 6 and Python 3.12
(django-tasks-celery) or are a first 0.1 release that monkeypatches Django at import
(django-tasks-fennel); neither sets the delivery guarantees the 07:00 burst needs (late
acknowledgement, broker-side delays, enqueue after commit). This adapter is those guarantees plus
the small mapping between the two APIs.

Differences from the database backend, both deliberate:
- `enqueue()` inside a transaction sends the message when the transaction commits
  (`transaction.on_commit`): a worker must not look for a row that is not committed yet, and a
  rolled-back transaction leaves no task (the database backend gets this for free: its task is a
  row of the same transaction). If the broker cannot be reached at commit, the error is logged
  and the caller goes on: the database is the truth and the periodic sweep catches up.
- results are not stored (`supports_get_result = False`): the platform's tasks record what they
  did in their own tables.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskContext, TaskError, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued, task_finished, task_started
from django_tasks.utils import get_exception_traceback, get_module_path, get_random_id, normalize_json
from kombu import Exchange
from kombu.transport.native_delayed_delivery import (
    bind_queue_to_native_delayed_delivery_exchange,
    calculate_routing_key,
    declare_native_delayed_delivery_exchanges_and_queues,
    level_name,
)

from . import celery as socle_celery

logger = logging.getLogger("socle.operations.tasks")


class CeleryBackend(BaseTaskBackend):
    supports_defer = True
    supports_async_task = False
    supports_get_result = False
    supports_priority = False

    def __init__(self, alias: str, params: dict) -> None:
        import os

        super().__init__(alias, params)
        self.broker_url = self.options.get("BROKER_URL") or os.environ.get(
            "SOCLE_BROKER_URL", socle_celery.DEFAULT_BROKER_URL
        )
        self.prefix = self.options.get("QUEUE_PREFIX") or os.environ.get(
            "SOCLE_BROKER_QUEUE_PREFIX", socle_celery.DEFAULT_QUEUE_PREFIX
        )
        self.app = socle_celery.configure(self.broker_url, self.prefix, self.queues)
        self._declared = False
        self._lock = threading.Lock()

    # --- Topology ---------------------------------------------------------------------------
    def celery_queues(self):
        return socle_celery.queues_for(self.prefix, self.queues)

    def declare_topology(self) -> None:
        """Declare the exchange, the quorum queues and the delayed-delivery levels once per
        process, so that a message published before any worker has started is not dropped (a
        topic exchange drops what no queue is bound to receive)."""
        if self._declared:
            return
        with self._lock:
            if self._declared:
                return
            with self.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=3)
                channel = connection.default_channel
                socle_celery.exchange_for(self.prefix).bind(channel).declare()
                declare_native_delayed_delivery_exchanges_and_queues(connection, "quorum")
                for queue in self.celery_queues():
                    queue.bind(channel).declare()
                    bind_queue_to_native_delayed_delivery_exchange(connection, queue)
            self._declared = True

    def purge_and_delete_queues(self) -> None:
        """Remove this backend's queues and exchange (tests and benchmarks clean up after
        themselves; the shared delayed-delivery levels stay)."""
        with self.app.connection_for_write() as connection:
            channel = connection.default_channel
            for queue in self.celery_queues():
                queue.bind(channel).delete()
            socle_celery.exchange_for(self.prefix).bind(channel).delete()
        self._declared = False

    def queue_depth(self) -> int:
        """Messages ready in this backend's queues (delayed ones not counted)."""
        total = 0
        with self.app.connection_for_write() as connection:
            channel = connection.default_channel
            for queue in self.celery_queues():
                _name, count, _consumers = queue.bind(channel).queue_declare(passive=True)
                total += count
        return total

    def ping(self) -> None:
        """Raise if the broker cannot be reached (readiness endpoint)."""
        with self.app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)

    # --- Enqueue ----------------------------------------------------------------------------
    def enqueue(self, task: Task, args, kwargs) -> TaskResult:
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=normalize_json(list(args)),
            kwargs=normalize_json(dict(kwargs)),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )

        def send() -> None:
            self.send(result)
            object.__setattr__(result, "enqueued_at", timezone.now())
            task_enqueued.send(type(self), task_result=result)

        transaction.on_commit(send, robust=True)
        return result

    def send(self, result: TaskResult) -> None:
        self.declare_topology()
        task = result.task
        queue = socle_celery.queue_name(self.prefix, task.queue_name)
        exchange, routing_key = socle_celery.exchange_for(self.prefix), queue
        if task.run_after is not None:
            delay = (task.run_after - timezone.now()).total_seconds()
            if delay > 0:
                # Whole seconds, at least one: the delayed-delivery levels count seconds.
                exchange = Exchange(level_name(27), type="topic")
                routing_key = calculate_routing_key(max(1, math.ceil(delay)), queue)
        socle_celery.run_django_task.apply_async(
            args=[task.module_path, result.args, result.kwargs, self.alias],
            task_id=result.id,
            exchange=exchange,
            routing_key=routing_key,
        )


def execute(
    task: Task,
    args: list,
    kwargs: dict,
    *,
    result_id: str,
    backend_alias: str,
    worker_id: str,
    attempt: int = 1,
) -> Any:
    """Run one django task in a Celery worker, sending django.tasks' signals as the database
    backend's worker does. An exception propagates (Celery logs it and acknowledges the
    message: a task that *raises* is not retried by the broker, only one whose worker died)."""
    now = timezone.now()
    result = TaskResult(
        task=task,
        id=result_id,
        status=TaskResultStatus.RUNNING,
        enqueued_at=None,
        started_at=now,
        last_attempted_at=now,
        finished_at=None,
        args=args,
        kwargs=kwargs,
        backend=backend_alias,
        errors=[],
        worker_ids=[worker_id] * attempt,
    )
    task_started.send(sender=CeleryBackend, task_result=result)
    try:
        if task.takes_context:
            value = task.call(TaskContext(task_result=result), *args, **kwargs)
        else:
            value = task.call(*args, **kwargs)
    except BaseException as error:
        object.__setattr__(result, "finished_at", timezone.now())
        object.__setattr__(result, "status", TaskResultStatus.FAILED)
        result.errors.append(
            TaskError(
                exception_class_path=get_module_path(type(error)), traceback=get_exception_traceback(error)
            )
        )
        task_finished.send(sender=CeleryBackend, task_result=result)
        raise
    object.__setattr__(result, "finished_at", timezone.now())
    object.__setattr__(result, "status", TaskResultStatus.SUCCESSFUL)
    object.__setattr__(result, "_return_value", normalize_json(value))
    task_finished.send(sender=CeleryBackend, task_result=result)
    return normalize_json(value)
