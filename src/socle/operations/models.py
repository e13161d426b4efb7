"""The scheduler's memory: one row per periodic job (the last slot it was started for, its
failure count) and one row per run (when, how long, outcome, the tail of its output)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledJob(models.Model):
    """The state of one job of `settings.SOCLE_SCHEDULE`. `last_slot` is the scheduled time of
    the last run the scheduler started: a run is due when the latest slot is after it, which is
    how runs missed while no scheduler ran are caught up (once) when one starts again."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    last_slot = models.DateTimeField(_("last slot"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("scheduled job")

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class JobRun(models.Model):
    job = models.CharField(_("job"), max_length=80, db_index=True)
    command = models.CharField(_("command"), max_length=300)
    slot = models.DateTimeField(_("slot"))
    # Slots that passed without a run (the scheduler was down) and that this run catches up.
    missed = models.PositiveIntegerField(_("missed slots"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    queued_at = models.DateTimeField(_("queued at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    output = models.TextField(_("output"), blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-slot", "-pk"]
        verbose_name = _("job run")
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="operations_run_once_per_slot")]
        indexes = [models.Index(fields=["job", "-slot"], name="operations_run_job_slot")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None
