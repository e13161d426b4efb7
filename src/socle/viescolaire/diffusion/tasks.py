"""Background tasks (django.tasks; the django-tasks-db backend by default, worker:
`socle db_worker`). The queue only wakes the delivery up; the database row is the truth, so a
task run twice, early or never is harmless (see delivery.py and the sweep)."""

from __future__ import annotations

from django_tasks import task

from . import clock, delivery
from .models import Publication

QUEUE = "default"


def schedule(publication: Publication) -> None:
    """Called by publish() inside its transaction: deliver at once if due (urgent, or written
    while open), and enqueue the task that sends notifications / delivers at `deliver_at`. The
    task row is written in the same transaction (database backend), so a rolled-back publish
    leaves no task."""
    now = clock.now()
    if publication.deliver_at <= now:
        delivery.deliver_publication(publication.pk, now)
    enqueue_delivery(publication)


def enqueue_delivery(publication: Publication) -> None:
    run_after = clock.run_after(publication.deliver_at)
    runner = deliver_publication_task.using(run_after=run_after) if run_after else deliver_publication_task
    runner.enqueue(publication.pk)


@task(queue_name=QUEUE)
def deliver_publication_task(publication_id: int) -> str:
    """Deliver the school's due publications (in the order written) and send the notifications
    of this one. Early (clock skew, frozen test clock): re-enqueue for `deliver_at`."""
    publication = Publication.objects.filter(pk=publication_id).first()
    if publication is None:
        return "gone"
    now = clock.now()
    if publication.delivered_at is None and publication.deliver_at > now:
        enqueue_delivery(publication)
        return "early"
    delivery.deliver_due(now, school_uai=publication.school_uai)
    delivery.send_pending(now, publication_id=publication.pk)
    return "delivered"


@task(queue_name=QUEUE)
def sweep_task() -> dict[str, int]:
    return delivery.sweep(clock.now())
