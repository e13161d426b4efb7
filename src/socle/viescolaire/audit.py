"""Audit log of staff reads of pupils' marks (RGPD accountability): one auditlog ACCESS entry
per page or API response that shows the marks of an evaluation to a member of staff. A pupil
reading their own marks or a guardian their ward's is not logged: it is their own data.

The entry names the actor (the user), the evaluation, how many pupils' marks were shown and
through which channel; it never copies a mark."""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from .models import Evaluation


def log_marks_read(request, evaluation: Evaluation, *, pupils: int, channel: str) -> LogEntry:
    user = request.user if request.user.is_authenticated else None
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Evaluation),
        object_pk=str(evaluation.pk),
        object_id=evaluation.pk,
        object_repr=f"Evaluation {evaluation.uid}",
        action=LogEntry.Action.ACCESS,
        actor=user,
        changes_text=f"{request.method} {request.path}: marks of {pupils} pupil(s)",
        remote_addr=request.META.get("REMOTE_ADDR") or None,
        additional_data={
            "brick": "viescolaire",
            "subject": "marks",
            "channel": channel,
            "evaluation": str(evaluation.uid),
            "class_uid": str(evaluation.class_uid),
            "school_uai": evaluation.school_uai,
            "pupils": pupils,
        },
    )


def marks_reads(evaluation: Evaluation):
    """The audit entries of reads of `evaluation`'s marks, newest first."""
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Evaluation),
        object_pk=str(evaluation.pk),
        action=LogEntry.Action.ACCESS,
    ).order_by("-timestamp")
