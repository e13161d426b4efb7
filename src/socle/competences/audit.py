"""Audit log of staff reads of pupils' digital-skills results (RGPD accountability): one
auditlog ACCESS entry per pupil whose individual results a member of staff (teacher, head) was
shown — a profile page, one line of a class matrix, an API response. A pupil reading their own
results or a guardian their ward's is not logged: it is their own data.

The entry is filed under the pupil (`object_pk` = the pupil's person uid), so "who read Léa's
results?" is one query (`profile_reads`). It names the reader, the relation that allowed the
read (teacher of the class, head), the channel and the page; it never copies a result."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from .models import PixProfile


def _content_type():
    return ContentType.objects.get_for_model(PixProfile)


def log_profile_reads(request, reads: list[tuple[str, str]], *, channel: str, context: str = "") -> int:
    """One entry per (pupil uid, relation) shown to the staff member of `request`."""
    if not reads:
        return 0
    user = request.user if request.user.is_authenticated else None
    content_type = _content_type()
    address = request.META.get("REMOTE_ADDR") or None
    entries = [
        LogEntry(
            content_type=content_type,
            object_pk=str(pupil_uid),
            object_repr=f"Digital-skills results of {pupil_uid}",
            action=LogEntry.Action.ACCESS,
            actor=user,
            changes_text=f"{request.method} {request.path}: results read as {relation}",
            remote_addr=address,
            additional_data={
                "brick": "competences",
                "subject": "digital_skills_results",
                "channel": channel,
                "relation": relation,
                "context": context,
            },
        )
        for pupil_uid, relation in reads
    ]
    LogEntry.objects.bulk_create(entries)
    return len(entries)


def profile_reads(pupil_uid):
    """The audit entries of staff reads of a pupil's results, newest first."""
    return LogEntry.objects.filter(
        content_type=_content_type(), object_pk=str(pupil_uid), action=LogEntry.Action.ACCESS
    ).order_by("-timestamp", "-id")
