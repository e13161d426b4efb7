"""The 07:00 delivery on real worker processes, on both tasks backends: the database backend's
`db_worker` and Celery workers on RabbitMQ (`socle worker` starts either). The workers obey the
test's platform clock (the TestClock row).

- Held at night, delivered at 07:00 across a worker restart, by Celery workers.
- A worker killed with SIGKILL in the middle of the burst: after another worker takes over (and
  the periodic sweep has run, as the scheduler runs it), every publication is delivered once,
  every notification exists once per (publication, person, channel), and every push reached the
  gateway — a send interrupted by the kill is re-sent with the same idempotency key, so the
  gateway, which deduplicates on it, shows it once."""

import time
import uuid
from collections import Counter

import pytest

from socle.viescolaire.diffusion import services
from socle.viescolaire.diffusion.models import Channel, Notification, Publication
from socle.viescolaire.diffusion.tasks import sweep_task
from tests.viescolaire.diffusion.conftest import frozen, paris, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(condition, timeout, message):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s: {message()}")


@pytest.mark.parametrize("workers", ["celery"], indirect=True)
def test_celery_workers_deliver_at_seven_across_a_restart(workers, world, frozen):  # noqa: F811
    kind = "test-e2e-celery"
    frozen(paris(2026, 3, 3, 21, 0))  # a Tuesday evening
    workers.start("worker-a")
    for item_id, minute in (("n1", 0), ("n2", 15), ("n3", 40)):
        services.publish(
            kind,
            item_id,
            school_uai=world.uai,
            author=world.users["martin"],
            recipients=[world.uid("lea"), world.uid("karim")],
            written_at=paris(2026, 3, 3, 21, minute),
        )
    workers.wait_for_a_task("worker-a")  # early: the task puts itself back in the broker
    assert services.visible_item_ids(world.uid("karim"), kind) == set()

    workers.stop("worker-a")  # the worker goes down during the night…
    frozen(paris(2026, 3, 4, 6, 59, 59))
    workers.start("worker-b")  # …and another comes up before the opening
    workers.wait_for_a_task("worker-b")
    time.sleep(1)
    assert services.visible_item_ids(world.uid("karim"), kind) == set()
    assert not Notification.objects.exists()

    frozen(paris(2026, 3, 4, 7, 0))  # 07:00: a second worker joins, both take the tasks
    workers.start("worker-c")
    wait_until(
        lambda: (
            services.visible_item_ids(world.uid("karim"), kind) == {"n1", "n2", "n3"}
            and Notification.objects.count() == 3 * 2 * 3
            and not Notification.objects.filter(status__in=["pending", "sending"]).exists()
        ),
        90,
        workers.logs,
    )
    time.sleep(2)  # let any duplicate attempt happen before counting
    assert services.visible_item_ids(world.uid("lea"), kind) == {"n1", "n2", "n3"}
    delivered = Publication.objects.order_by("written_at").values_list("item_id", "delivered_at")
    assert [item for item, _ in delivered] == ["n1", "n2", "n3"]
    assert {at for _, at in delivered} == {paris(2026, 3, 4, 7, 0)}
    for channel in Channel.values:
        assert Notification.objects.filter(channel=channel).count() == 3 * 2, channel
    assert Notification.objects.filter(status="sent", channel=Channel.EMAIL).count() == 3  # Karim
    assert Notification.objects.filter(status="skipped", channel=Channel.EMAIL).count() == 3  # Léa
    assert not Notification.objects.filter(status="failed").exists(), workers.logs()
    keys = {n.idempotency_key for n in Notification.objects.filter(channel=Channel.PUSH)}
    assert Counter(p["key"] for p in workers.pushes()) == Counter(keys)  # each push once
    assert "Task socle.run_django_task" in workers.log("worker-c") + workers.log("worker-b")


PUBLICATIONS, RECIPIENTS = 24, 25
SCHOOLS = ["0350001X", "0350002Y", "0350003Z"]


def test_a_worker_killed_mid_burst_loses_nothing_and_delivers_nothing_twice(workers, frozen):  # noqa: F811
    kind = "test-burst"
    frozen(paris(2026, 3, 1, 21, 0))  # Sunday evening: everything is held until Monday 07:00
    people = [str(uuid.uuid4()) for _ in range(RECIPIENTS)]
    for number in range(PUBLICATIONS):
        services.publish(
            kind,
            f"b{number}",
            school_uai=SCHOOLS[number % len(SCHOOLS)],
            author=None,
            recipients=people,
            written_at=paris(2026, 3, 1, 21, number),
        )
    assert not Publication.objects.filter(delivered_at__isnull=False).exists()
    expected = PUBLICATIONS * RECIPIENTS

    frozen(paris(2026, 3, 2, 7, 0))  # Monday 07:00: the burst
    workers.start("first")
    wait_until(lambda: len(workers.pushes()) >= expected // 5, 120, workers.logs)
    workers.kill("first")  # SIGKILL: no clean-up, its running task and its send are cut short
    at_kill = len(workers.pushes())
    assert at_kill < expected, "the burst was over before the kill: nothing was tested"

    workers.start("second")

    def settled():
        return (
            not Publication.objects.filter(delivered_at__isnull=True).exists()
            and not Notification.objects.filter(status__in=["pending", "sending"]).exists()
        )

    # The scheduler runs the sweep every few minutes; here every 4 s, longer than the send lease
    # (3 s), so that a send the kill interrupted is resumed, and (database backend, where the
    # killed worker's task is not handed to another) what that task would have delivered.
    deadline = time.monotonic() + 150
    while not settled() and time.monotonic() < deadline:
        time.sleep(4)
        sweep_task.enqueue()
    assert settled(), workers.logs()
    time.sleep(2)  # let any duplicate attempt happen before counting

    publications = Publication.objects.filter(item_kind=kind)
    assert publications.count() == PUBLICATIONS
    assert set(publications.values_list("delivered_at", flat=True)) == {paris(2026, 3, 2, 7, 0)}
    # One row per (publication, person, channel): the unique key; and each in its final state.
    for channel, status in ((Channel.IN_APP, "sent"), (Channel.PUSH, "sent"), (Channel.EMAIL, "skipped")):
        rows = Notification.objects.filter(publication__item_kind=kind, channel=channel)
        assert rows.count() == expected, channel
        assert set(rows.values_list("status", flat=True)) == {status}, (channel, workers.logs())
    # Every push reached the gateway; at most the one send cut by the kill arrived twice, with
    # the same key (the gateway shows it once).
    received = Counter(p["key"] for p in workers.pushes())
    keys = {n.idempotency_key for n in Notification.objects.filter(channel=Channel.PUSH)}
    assert set(received) == keys
    assert sum(received.values()) - len(keys) <= 1, received.most_common(3)
    assert len({p["pid"] for p in workers.pushes()}) == 2, "both workers sent pushes"
