"""Vie scolaire: message threads, homework (cahier de textes), evaluations and marks.

People, classes and schools are referred to by their Référentiel public identifiers (person uid,
class uid, UAI, BCN subject code), never by foreign keys: another brick's models are not ours to
join, and a registry purge must not cascade into school-life records (or the reverse). When
something becomes visible to whom is not stored here: every item is published through
`socle.viescolaire.diffusion.services.publish`, which holds it outside the quiet hours."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Thread(models.Model):
    """A conversation started by one person. Its first message fixes the participants; a reply
    from the starter goes to every participant, a reply from anybody else only to the starter
    (a guardian answering a class-wide message does not write to the other families)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school_uai = models.CharField(max_length=8, db_index=True)
    subject = models.CharField(_("subject"), max_length=200)
    started_by = models.UUIDField(db_index=True)  # person uid
    # How the recipients were chosen, shown to the starter ("Guardians of 4e B").
    audience_label = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class ThreadParticipant(models.Model):
    """Every person the first message was addressed to, plus the starter."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="participants")
    person_uid = models.UUIDField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "person_uid"], name="vs_participant_unique")]

    def __str__(self) -> str:
        return f"{self.person_uid} in {self.thread_id}"


class Message(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author_uid = models.UUIDField(db_index=True)
    body = models.TextField(_("message"))
    written_at = models.DateTimeField()
    urgent = models.BooleanField(default=False)
    urgency_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return f"{self.thread.subject} ({self.written_at:%Y-%m-%d %H:%M})"


class MessageRecipient(models.Model):
    """Who a message was addressed to (the delivery itself is the diffusion brick's)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="recipients")
    person_uid = models.UUIDField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "person_uid"], name="vs_recipient_unique")]

    def __str__(self) -> str:
        return f"{self.person_uid} ← {self.message_id}"


class Homework(models.Model):
    """One entry of a class's cahier de textes, set by a teacher of that class in that subject."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school_uai = models.CharField(max_length=8, db_index=True)
    class_uid = models.UUIDField(db_index=True)
    subject_code = models.CharField(_("subject"), max_length=6)
    teacher_uid = models.UUIDField(db_index=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("instructions"), blank=True)
    due_date = models.DateField(_("due date"))
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["due_date", "set_at", "id"]

    def __str__(self) -> str:
        return self.title


class Evaluation(models.Model):
    """An assessment of a class in a subject. Marks are entered any time; `released_at` is set
    once when the teacher releases them (pupils then guardians, see services.release_marks)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school_uai = models.CharField(max_length=8, db_index=True)
    class_uid = models.UUIDField(db_index=True)
    subject_code = models.CharField(_("subject"), max_length=6)
    teacher_uid = models.UUIDField(db_index=True)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    scale = models.DecimalField(_("out of"), max_digits=5, decimal_places=2, default=20)
    coefficient = models.DecimalField(_("coefficient"), max_digits=4, decimal_places=2, default=1)
    created_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    pupils_at = models.DateTimeField(null=True, blank=True)
    guardians_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.title


class MarkStatus(models.TextChoices):
    MARKED = "marked", _("Marked")
    ABSENT = "absent", _("Absent")
    EXEMPT = "exempt", _("Exempt")


class Mark(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="marks")
    pupil_uid = models.UUIDField(db_index=True)
    value = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=8, choices=MarkStatus.choices, default=MarkStatus.MARKED)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "pupil_uid"], name="vs_mark_unique"),
            models.CheckConstraint(
                condition=models.Q(status="marked", value__isnull=False)
                | (~models.Q(status="marked") & models.Q(value__isnull=True)),
                name="vs_mark_value_iff_marked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_uid}: {self.value if self.status == MarkStatus.MARKED else self.status}"
