"""The Celery application behind `socle.operations.tasks_backend.CeleryBackend`.

Celery carries django.tasks tasks: one generic Celery task, `socle.run_django_task`, receives the
django task's dotted path and its arguments and calls it, so the bricks keep defining their work
with `@django_tasks.task` and calling `.enqueue()`; nothing in them knows about Celery.

Delivery guarantees (the reason for every option below):
- `task_acks_late` + `task_reject_on_worker_lost`: a message is acknowledged only once its task
  has returned. A worker killed mid-task (SIGKILL, OOM, lost host) never acknowledges it; RabbitMQ
  hands it to another worker when the dead one's connection closes. Tasks are therefore run *at
  least* once, and every task the platform enqueues is idempotent (the database row is the
  truth: see socle.viescolaire.diffusion.delivery).
- `worker_prefetch_multiplier = 1`: a worker holds one unacknowledged message, so a killed worker
  strands one task, not a prefetch buffer, and a burst spreads evenly over the workers.
- publisher confirms (`confirm_publish`): `enqueue()` returns once RabbitMQ has the message.
- quorum queues (replicated, durable) with a delivery limit, so that a task that kills its worker
  every time (a poison message) cannot loop for ever; the periodic sweep still catches up
  whatever such a task should have done.
- delayed tasks (`run_after`, e.g. a publication held until 07:00) use RabbitMQ-native delayed
  delivery (Celery 5.5+/kombu's TTL + dead-letter levels): the message waits *in the broker* and
  enters the queue when due. Celery's classic ETA would hold it, unacknowledged, in a worker's
  memory all night, beyond RabbitMQ's consumer timeout and lost with that worker.
"""

from __future__ import annotations

import logging

from celery import Celery
from django.utils.module_loading import import_string
from kombu import Exchange, Queue

logger = logging.getLogger("socle.operations.tasks")

app = Celery("socle")

DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
DEFAULT_QUEUE_PREFIX = "socle-"
# Redeliveries of one message (each a worker lost while running it) before RabbitMQ drops it.
DELIVERY_LIMIT = 20


def queue_name(prefix: str, django_queue: str) -> str:
    # No dots: topic routing treats them as word separators (see `declare_topology`).
    return f"{prefix}{django_queue}".replace(".", "-")


def exchange_for(prefix: str) -> Exchange:
    # A topic exchange: native delayed delivery re-routes to it with a key prefixed by the
    # delay's binary digits ("0.1.1.….socle-default"), which a direct exchange cannot match.
    return Exchange(f"{prefix}tasks".replace(".", "-"), type="topic", durable=True)


def queues_for(prefix: str, django_queues) -> list[Queue]:
    exchange = exchange_for(prefix)
    return [
        Queue(
            queue_name(prefix, name),
            exchange=exchange,
            routing_key=f"#.{queue_name(prefix, name)}",
            queue_arguments={"x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT},
            durable=True,
        )
        for name in sorted(django_queues)
    ]


def configure(broker_url: str, prefix: str, django_queues) -> Celery:
    """Point the app at the broker and the queues of a django.tasks backend (idempotent)."""
    queues = queues_for(prefix, django_queues)
    app.conf.update(
        broker_url=broker_url,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"confirm_publish": True},
        task_queues=queues,
        task_default_queue=queues[0].name,
        task_default_exchange=queues[0].exchange.name,
        task_default_exchange_type="topic",
        task_default_routing_key=queues[0].name,
        task_create_missing_queues=False,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        worker_detect_quorum_queues=True,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        enable_utc=True,
    )
    # Celery caches the queue map and the router on first use; another backend (tests, the
    # burst benchmark: one queue prefix per run) must not route to the previous queues.
    for cached in ("queues", "default_queue", "router"):
        app.amqp.__dict__.pop(cached, None)
    app.amqp._rtable = None
    return app


@app.task(name="socle.run_django_task", bind=True, acks_late=True, reject_on_worker_lost=True)
def run_django_task(self, module_path: str, args: list, kwargs: dict, backend_alias: str = "default"):
    """Run the django.tasks task at `module_path` (a module-level `@task`) with its arguments."""
    from django_tasks.base import Task

    from .tasks_backend import execute

    task = import_string(module_path)
    if not isinstance(task, Task):
        raise TypeError(f"{module_path} is not a django.tasks task")
    return execute(
        task,
        args,
        kwargs,
        result_id=self.request.id,
        backend_alias=backend_alias,
        worker_id=self.request.hostname or "celery",
        attempt=2 if (self.request.delivery_info or {}).get("redelivered") else 1,
    )
