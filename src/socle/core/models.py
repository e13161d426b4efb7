"""Platform-wide building blocks: the tracked-record base, import runs with their rejection
reports, and operator API tokens (until the Identité brick issues OAuth tokens)."""

import datetime
import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RecordStatus(models.TextChoices):
    # OneRoster's vocabulary, so that "what changed since T" maps 1:1 onto delta exports.
    ACTIVE = "active", _("active")
    TO_BE_DELETED = "tobedeleted", _("to be deleted")


class TrackedModel(models.Model):
    """Every registry record says where it came from, when it last changed and whether it is
    still active, so that every other brick can ask "what changed since T"."""

    uid = models.UUIDField(_("public identifier"), default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(_("source"), max_length=32, default="manual")
    status = models.CharField(
        _("status"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    date_last_modified = models.DateTimeField(_("last modified"), default=timezone.now, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.date_last_modified = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "date_last_modified"}
        super().save(*args, **kwargs)


class ImportRun(models.Model):
    """One run of an importer or generator: who ran it, on what, with what outcome. Bulk loads
    are audited at this level; interactive edits are audited per record by django-auditlog."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        SUCCEEDED_WITH_REJECTIONS = "partial", _("succeeded with rejected records")
        FAILED = "failed", _("failed, nothing written")

    kind = models.CharField(_("kind"), max_length=32)
    source_name = models.CharField(_("source file or parameters"), max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    fatal_error = models.TextField(_("fatal error"), blank=True)
    # A dry run did everything then rolled it back: its counts say what an import would do.
    dry_run = models.BooleanField(_("dry run"), default=False)
    # The per-source lock the run held (socle.core.importing.locks), to name it to a second run.
    lock_key = models.CharField(_("lock"), max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_name} ({self.outcome})"


class ImportRejection(models.Model):
    """One rejected input record: every one is kept, never only the first."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejections")
    file = models.CharField(max_length=500)
    line = models.PositiveIntegerField()
    field = models.CharField(max_length=100, blank=True)
    value = models.TextField(blank=True)
    reason = models.TextField()

    class Meta:
        ordering = ["run", "line", "id"]

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


class ApiToken(models.Model):
    """An operator's bearer token for the JSON APIs. Only a SHA-256 digest is stored; the
    token itself is shown once at creation."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    prefix = models.CharField(max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, name: str, scopes: list[str], **extra) -> tuple["ApiToken", str]:
        token = "soc_" + secrets.token_urlsafe(32)
        obj = cls.objects.create(name=name, prefix=token[:8], digest=cls.hash(token), scopes=scopes, **extra)
        return obj, token

    @classmethod
    def authenticate(cls, token: str) -> "ApiToken | None":
        obj = cls.objects.filter(digest=cls.hash(token), is_active=True).first()
        if obj is None or (obj.expires_at and obj.expires_at <= timezone.now()):
            return None
        now = timezone.now()
        # Record use at most once a minute: a write per API call would double the load.
        if obj.last_used_at is None or now - obj.last_used_at > datetime.timedelta(minutes=1):
            cls.objects.filter(pk=obj.pk).update(last_used_at=now)
        return obj
