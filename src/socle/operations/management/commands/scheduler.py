"""`socle scheduler`: start the periodic jobs of settings.SOCLE_SCHEDULE when due (no cron).

One small process; the jobs themselves run on the workers (`socle worker`). Several schedulers
may run (one per host): a slot is claimed in the database, so it starts once."""

import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from socle.operations import scheduler


class Command(BaseCommand):
    help = "Start the periodic jobs of SOCLE_SCHEDULE when they are due (catching up missed runs)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=15.0, help="seconds between two checks")
        parser.add_argument("--once", action="store_true", help="check once, start what is due, exit")

    def handle(self, *args, interval=15.0, once=False, **options):
        jobs = scheduler.jobs()  # a mistake in the schedule stops the start, loudly
        self.stdout.write(
            "scheduler: " + ", ".join(f"{job.name} ({job.schedule_label})" for job in jobs.values())
        )
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        last_purge = None
        while not stop.is_set():
            close_old_connections()
            now = timezone.now()
            for run in scheduler.tick(now):
                self.stdout.write(
                    f"{now:%Y-%m-%d %H:%M:%S} queued {run.job} (slot {run.slot:%Y-%m-%d %H:%M})"
                )
            if last_purge != now.date():
                scheduler.purge_history(now)
                last_purge = now.date()
            if once:
                break
            stop.wait(interval)
        self.stdout.write("scheduler: stopped")
