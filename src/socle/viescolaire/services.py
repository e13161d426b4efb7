"""Vie scolaire's public interface: messages, homework and marks, for the pages, the API and
other bricks. Every function takes the acting `user` and checks it through Identité
(`socle.identite.services`); every item reaches its recipients through the diffusion brick's
`publish`, so that nothing is delivered during the quiet hours (evening, weekend) unless a head
or deputy sends it as urgent with a reason.

Errors: `PermissionDenied` when the user may not act (pages answer 403); `NotFound` when the
item does not exist *or is not visible to the user* (a stranger cannot tell them apart);
`InvalidInput(field, message)` for bad input."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from socle.identite import services as identite
from socle.referentiel import services as referentiel
from socle.viescolaire.diffusion import clock
from socle.viescolaire.diffusion import services as diffusion

from . import audiences
from .audiences import person_uid_of
from .models import (
    Evaluation,
    Homework,
    Mark,
    MarkStatus,
    Message,
    MessageRecipient,
    Thread,
    ThreadParticipant,
)

MESSAGE = "message"
HOMEWORK = "homework"
MARKS = "marks"
STAFF_ROLES = {
    identite.RoleName.TEACHER,
    identite.RoleName.HEAD,
    identite.RoleName.DEPUTY,
    identite.RoleName.VIE_SCOLAIRE,
}


class NotFound(Exception):
    """No such item, or not one the user may see."""


class InvalidInput(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _now(at: dt.datetime | None) -> dt.datetime:
    """`at`, or the platform clock (the diffusion brick's, which end-to-end tests can freeze)."""
    return at or clock.now()


def _me(user) -> str:
    uid = person_uid_of(user)
    if uid is None:
        raise PermissionDenied("a person account is required")
    return uid


def names_of(person_uids) -> dict[str, str]:
    """Display names ("First Last") of persons, by uid."""
    people = referentiel.persons().filter(uid__in=list(person_uids))
    return {str(p.uid): f"{p.first_name} {p.last_name}" for p in people}


def marks_pupils_item(evaluation: Evaluation) -> str:
    return f"{evaluation.uid}:pupils"


def marks_guardians_item(evaluation: Evaluation) -> str:
    return f"{evaluation.uid}:guardians"


# --- Messages ----------------------------------------------------------------------------------
def delivery_preview(user, audience_keys: list[str] | None = None, at: dt.datetime | None = None):
    """When a message written now by `user` would be delivered (the compose page's notice)."""
    uai = ""
    if audience_keys:
        allowed = {a.key: a for a in audiences.audiences_for(user)}
        uai = next((allowed[k].school_uai for k in audience_keys if k in allowed), "")
    if not uai:
        uai = next((r.uai for r in identite.roles_of(user) if r.uai), "")
    return diffusion.delivery_time(uai, at=_now(at)) if uai else _now(at)


def _publish_message(message: Message, school_uai: str, author, recipients: set[str], at: dt.datetime):
    MessageRecipient.objects.bulk_create(
        [MessageRecipient(message=message, person_uid=uid) for uid in sorted(recipients)]
    )
    return diffusion.publish(
        MESSAGE,
        str(message.uid),
        school_uai=school_uai,
        author=author,
        recipients=sorted(recipients),
        written_at=at,
        urgent=message.urgent,
        urgency_reason=message.urgency_reason,
    )


def _check_body(subject: str | None, body: str) -> None:
    if subject is not None and not subject.strip():
        raise InvalidInput("subject", _("Enter a subject."))
    if subject is not None and len(subject) > 200:
        raise InvalidInput("subject", _("The subject is at most 200 characters long."))
    if not body.strip():
        raise InvalidInput("body", _("Write a message."))


def start_thread(
    user,
    *,
    subject: str,
    body: str,
    audience_keys: list[str],
    urgent: bool = False,
    urgency_reason: str = "",
    at: dt.datetime | None = None,
) -> Message:
    """Write a new message to the chosen audiences and persons. Raises AudienceError
    (PermissionDenied) for a recipient the user may not address; the diffusion brick refuses an
    urgent send by someone who is not head or deputy, or without a reason."""
    me = _me(user)
    _check_body(subject, body)
    resolved = audiences.resolve(user, audience_keys)
    at = _now(at)
    with transaction.atomic():
        thread = Thread.objects.create(
            school_uai=resolved.school_uai,
            subject=subject.strip(),
            started_by=me,
            audience_label=", ".join(resolved.labels)[:300],
            created_at=at,
            last_message_at=at,
        )
        ThreadParticipant.objects.bulk_create(
            [ThreadParticipant(thread=thread, person_uid=uid) for uid in sorted(resolved.recipients | {me})]
        )
        message = Message.objects.create(
            thread=thread,
            author_uid=me,
            body=body.strip(),
            written_at=at,
            urgent=urgent,
            urgency_reason=urgency_reason.strip(),
        )
        _publish_message(message, resolved.school_uai, user, resolved.recipients, at)
    return message


def _visible_message_ids(me: str) -> set[str]:
    return set(diffusion.visible_item_ids(me, MESSAGE))


def threads_for(user) -> QuerySet[Thread]:
    """The threads the user started or received a delivered message in, newest activity first."""
    me = person_uid_of(user)
    if me is None:
        return Thread.objects.none()
    visible = _visible_message_ids(me)
    received = Message.objects.filter(uid__in=[uuid.UUID(i) for i in visible]).values("thread_id")
    return Thread.objects.filter(
        Q(started_by=me) | Q(messages__author_uid=me) | Q(pk__in=received)
    ).distinct()


def thread_by_uid(user, thread_uid) -> Thread:
    me = person_uid_of(user)
    thread = Thread.objects.filter(uid=thread_uid).first()
    if thread is None or me is None:
        raise NotFound(thread_uid)
    if str(thread.started_by) == me or thread.messages.filter(author_uid=me).exists():
        return thread
    visible = _visible_message_ids(me)
    if any(str(uid) in visible for uid in thread.messages.values_list("uid", flat=True)):
        return thread
    raise NotFound(thread_uid)


@dataclass
class MessageView:
    message: Message
    author_name: str
    mine: bool
    held: bool  # written, not yet delivered (only shown to its author)
    deliver_at: dt.datetime | None
    recipients: int


def messages_of(user, thread: Thread) -> list[MessageView]:
    """The messages of `thread` the user may read: their own (with their delivery state) and
    those delivered to them."""
    me = _me(user)
    visible = _visible_message_ids(me)
    rows = []
    messages = list(thread.messages.all())
    names = names_of({str(m.author_uid) for m in messages})
    for message in messages:
        mine = str(message.author_uid) == me
        if not mine and str(message.uid) not in visible:
            continue
        publication = diffusion.publication_of(MESSAGE, str(message.uid)) if mine else None
        held = bool(publication is not None and publication.delivered_at is None)
        rows.append(
            MessageView(
                message=message,
                author_name=names.get(str(message.author_uid), ""),
                mine=mine,
                held=held,
                deliver_at=publication.deliver_at if publication is not None else None,
                recipients=message.recipients.count() if mine else 0,
            )
        )
    return rows


def reply(
    user,
    thread: Thread,
    body: str,
    *,
    urgent: bool = False,
    urgency_reason: str = "",
    at: dt.datetime | None = None,
) -> Message:
    """Answer in `thread` (which the user must be able to read: see `thread_by_uid`). The
    starter's reply goes to every participant still reachable; anybody else's reply goes to the
    starter only."""
    thread = thread_by_uid(user, thread.uid)  # NotFound unless the user takes part
    me = _me(user)
    _check_body(None, body)
    if str(thread.started_by) == me:
        recipients = {str(uid) for uid in thread.participants.values_list("person_uid", flat=True)}
    else:
        recipients = {str(thread.started_by)}
    recipients.discard(me)
    if not recipients:
        raise InvalidInput("body", _("Nobody else takes part in this conversation."))
    at = _now(at)
    with transaction.atomic():
        message = Message.objects.create(
            thread=thread,
            author_uid=me,
            body=body.strip(),
            written_at=at,
            urgent=urgent,
            urgency_reason=urgency_reason.strip(),
        )
        Thread.objects.filter(pk=thread.pk).update(last_message_at=at)
        ThreadParticipant.objects.get_or_create(thread=thread, person_uid=me)
        _publish_message(message, thread.school_uai, user, recipients, at)
    return message


# --- Homework ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Teaching:
    class_uid: str
    class_name: str
    subject_code: str
    subject_label: str
    school_uai: str


def teachings_of(user) -> list[Teaching]:
    """The (class, subject) pairs the user teaches today."""
    pairs = {
        (r.class_uid, r.subject_code)
        for r in identite.roles_of(user)
        if r.name == identite.RoleName.TEACHER and r.class_uid and r.subject_code
    }
    subjects = {m.code: m.label for m in referentiel.subjects().filter(code__in={s for _c, s in pairs})}
    rows = []
    for class_uid, subject_code in pairs:
        group = referentiel.class_by_uid(class_uid)
        if group is not None:
            rows.append(
                Teaching(
                    class_uid,
                    group.name,
                    subject_code,
                    subjects.get(subject_code, subject_code),
                    group.etablissement.uai,
                )
            )
    return sorted(rows, key=lambda t: (t.class_name, t.subject_label))


def _teaching(user, class_uid: str, subject_code: str) -> Teaching:
    for teaching in teachings_of(user):
        if teaching.class_uid == str(class_uid) and teaching.subject_code == subject_code:
            return teaching
    raise PermissionDenied("class.marks")


def _class_families(group) -> set[str]:
    return audiences.members(f"class:{group.uid}:pupils") | audiences.members(f"class:{group.uid}:guardians")


@dataclass
class HomeworkResult:
    homework: Homework
    warning: str | None
    deliver_at: dt.datetime | None


def set_homework(
    user,
    *,
    class_uid: str,
    subject_code: str,
    title: str,
    description: str,
    due_date: dt.date,
    at: dt.datetime | None = None,
) -> HomeworkResult:
    """Record homework for a class the user teaches in that subject and publish it to the
    class's pupils and their guardians. Returns the diffusion brick's warning (e.g. set on a
    weekend, or due too soon), shown to the teacher."""
    me = _me(user)
    teaching = _teaching(user, class_uid, subject_code)
    if not title.strip():
        raise InvalidInput("title", _("Enter a title."))
    at = _now(at)
    if due_date < timezone.localtime(at).date():
        raise InvalidInput("due_date", _("The due date is in the past."))
    group = referentiel.class_by_uid(class_uid)
    with transaction.atomic():
        homework = Homework.objects.create(
            school_uai=teaching.school_uai,
            class_uid=teaching.class_uid,
            subject_code=subject_code,
            teacher_uid=me,
            title=title.strip(),
            description=description.strip(),
            due_date=due_date,
            set_at=at,
        )
        publication = diffusion.publish(
            HOMEWORK,
            str(homework.uid),
            school_uai=teaching.school_uai,
            author=user,
            recipients=sorted(_class_families(group)),
            written_at=at,
        )
    warning = diffusion.homework_warning(teaching.school_uai, at, due_date)
    return HomeworkResult(homework, warning, getattr(publication, "deliver_at", None))


def classes_for_homework(user) -> dict[str, str]:
    """{class uid: name} of the classes whose cahier de textes the user may read: the classes
    they teach; for head, deputy and vie scolaire every class of their school."""
    groups = [g for g in identite.visible(user, "class") if identite.can(user, "class.message", g)]
    return {str(g.uid): g.name for g in sorted(groups, key=lambda g: (g.name, str(g.uid)))}


def homework_of_class(user, class_uid: str) -> QuerySet[Homework]:
    """All homework of a class, for its teachers and the school's management (class.message)."""
    group = referentiel.class_by_uid(class_uid)
    if group is None or not identite.can(user, "class.message", group):
        raise NotFound(class_uid)
    return Homework.objects.filter(class_uid=group.uid)


def homework_of_pupil(user, pupil_uid: str) -> list[Homework]:
    """The homework delivered to the viewer for a pupil: the pupil themself or a guardian of
    theirs; held homework stays invisible until delivered."""
    _check_family(user, pupil_uid)
    me = _me(user)
    links = referentiel.person_links(pupil_uid)
    classes = [e.class_group.uid for e in links.enrolments] if links else []
    visible = set(diffusion.visible_item_ids(me, HOMEWORK))
    rows = Homework.objects.filter(class_uid__in=classes)
    return [h for h in rows if str(h.uid) in visible]


def _check_family(user, pupil_uid: str) -> None:
    """The user is the pupil or one of their guardians (else NotFound: no existence leak)."""
    me = person_uid_of(user)
    if me is not None and me == str(pupil_uid):
        return
    if any(
        r.name == identite.RoleName.GUARDIAN and r.pupil_uid == str(pupil_uid)
        for r in identite.roles_of(user)
    ):
        return
    raise NotFound(pupil_uid)


def children_of(user) -> list[tuple[str, str]]:
    """(uid, first name) of the pupils whose family view the user may open: themself if a
    pupil, their wards if a guardian."""
    roles = identite.roles_of(user)
    rows: dict[str, str] = {}
    me = person_uid_of(user)
    if me and any(r.name == identite.RoleName.PUPIL for r in roles):
        rows[me] = names_of([me]).get(me, "")
    wards = [r.pupil_uid for r in roles if r.name == identite.RoleName.GUARDIAN]
    rows.update(names_of(wards))
    return sorted(rows.items(), key=lambda item: item[1])


# --- Marks -------------------------------------------------------------------------------------
def _decimal(field: str, value, *, positive: bool = True) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", ".").strip())
    except (InvalidOperation, ValueError) as error:
        raise InvalidInput(field, _("Expected a number, got %(value)r.") % {"value": value}) from error
    if not number.is_finite() or (positive and number <= 0):
        raise InvalidInput(field, _("Expected a positive number, got %(value)s.") % {"value": value})
    return number


def create_evaluation(
    user,
    *,
    class_uid: str,
    subject_code: str,
    title: str,
    date: dt.date,
    scale=20,
    coefficient=1,
    at: dt.datetime | None = None,
) -> Evaluation:
    me = _me(user)
    teaching = _teaching(user, class_uid, subject_code)
    group = referentiel.class_by_uid(class_uid)
    if not identite.can(user, "class.marks", group):
        raise PermissionDenied("class.marks")
    if not title.strip():
        raise InvalidInput("title", _("Enter a title."))
    scale = _decimal("scale", scale)
    if scale > 100:
        raise InvalidInput("scale", _("The scale is at most 100."))
    coefficient = _decimal("coefficient", coefficient)
    return Evaluation.objects.create(
        school_uai=teaching.school_uai,
        class_uid=teaching.class_uid,
        subject_code=subject_code,
        teacher_uid=me,
        title=title.strip(),
        date=date,
        scale=scale,
        coefficient=coefficient,
        created_at=_now(at),
    )


def evaluation_for_teacher(user, evaluation_uid) -> Evaluation:
    """An evaluation the user may enter marks for (a teacher of that class and subject)."""
    evaluation = Evaluation.objects.filter(uid=evaluation_uid).first()
    if evaluation is None:
        raise NotFound(evaluation_uid)
    group = referentiel.class_by_uid(evaluation.class_uid)
    if group is None or not identite.can(user, "class.marks", group):
        raise NotFound(evaluation_uid)
    if not any(
        t.class_uid == str(evaluation.class_uid) and t.subject_code == evaluation.subject_code
        for t in teachings_of(user)
    ):
        raise NotFound(evaluation_uid)
    return evaluation


def evaluations_of_teacher(user) -> QuerySet[Evaluation]:
    pairs = Q(pk__in=[])
    for teaching in teachings_of(user):
        pairs |= Q(class_uid=teaching.class_uid, subject_code=teaching.subject_code)
    return Evaluation.objects.filter(pairs)


@dataclass
class MarkRow:
    pupil_uid: str
    name: str
    status: str
    value: Decimal | None


def marks_sheet(evaluation: Evaluation) -> list[MarkRow]:
    """Every pupil of the class today with their mark (if any), in the class-list order. Callers
    showing this to staff must log the read (`audit.log_marks_read`)."""
    group = referentiel.class_by_uid(evaluation.class_uid)
    existing = {str(m.pupil_uid): m for m in evaluation.marks.all()}
    rows = []
    for pupil in referentiel.pupils_of_class(group):
        mark = existing.get(str(pupil.uid))
        rows.append(
            MarkRow(
                str(pupil.uid),
                f"{pupil.last_name} {pupil.first_name}",
                mark.status if mark else "",
                mark.value if mark else None,
            )
        )
    return rows


def enter_marks(user, evaluation: Evaluation, entries: dict[str, tuple[str, str | None]]) -> int:
    """Record marks: `entries` maps a pupil uid to (status, value). Status "" with no value
    clears the mark. Entry stays possible after release (corrections). Every entry is checked
    before anything is written: one bad value rejects the whole sheet, naming the pupil."""
    evaluation_for_teacher(user, evaluation.uid)
    pupils = {row.pupil_uid: row.name for row in marks_sheet(evaluation)}
    cleaned: dict[str, tuple[str, Decimal | None]] = {}
    for pupil_uid, (status, value) in entries.items():
        if pupil_uid not in pupils:
            raise InvalidInput(f"marks.{pupil_uid}", _("This pupil is not in the class."))
        status = (status or "").strip()
        value = None if value in (None, "") else value
        name = pupils[pupil_uid]
        if status in ("", MarkStatus.MARKED) and value is None:
            cleaned[pupil_uid] = ("", None)
            continue
        if status in (MarkStatus.ABSENT, MarkStatus.EXEMPT):
            if value is not None:
                raise InvalidInput(
                    f"marks.{pupil_uid}",
                    _("%(name)s: no mark for an absent or exempt pupil.") % {"name": name},
                )
            cleaned[pupil_uid] = (status, None)
            continue
        if status not in ("", MarkStatus.MARKED):
            raise InvalidInput(
                f"marks.{pupil_uid}", _("%(name)s: expected marked, absent or exempt.") % {"name": name}
            )
        number = _decimal(f"marks.{pupil_uid}", value, positive=False)
        if number < 0 or number > evaluation.scale:
            raise InvalidInput(
                f"marks.{pupil_uid}",
                _("%(name)s: the mark must be between 0 and %(scale)s, got %(value)s.")
                % {"name": name, "scale": f"{evaluation.scale.normalize():f}", "value": value},
            )
        cleaned[pupil_uid] = (MarkStatus.MARKED, number)
    with transaction.atomic():
        for pupil_uid, (status, number) in cleaned.items():
            if not status:
                Mark.objects.filter(evaluation=evaluation, pupil_uid=pupil_uid).delete()
                continue
            Mark.objects.update_or_create(
                evaluation=evaluation, pupil_uid=pupil_uid, defaults={"status": status, "value": number}
            )
    return len(cleaned)


def release_marks(user, evaluation: Evaluation, at: dt.datetime | None = None) -> Evaluation:
    """Release the marks: to the pupils at the diffusion brick's `pupils_at`, to their guardians at
    `guardians_at` (24 h later by default, both outside the quiet hours). Once only."""
    evaluation_for_teacher(user, evaluation.uid)
    if evaluation.released_at is not None:
        raise InvalidInput("evaluation", _("These marks are already released."))
    at = _now(at)
    pupils_at, guardians_at = diffusion.marks_release_times(evaluation.school_uai, at)
    pupils = audiences.members(f"class:{evaluation.class_uid}:pupils")
    guardians = audiences.members(f"class:{evaluation.class_uid}:guardians")
    with transaction.atomic():
        diffusion.publish(
            MARKS,
            marks_pupils_item(evaluation),
            school_uai=evaluation.school_uai,
            author=user,
            recipients=sorted(pupils),
            written_at=at,
            not_before=pupils_at,
        )
        diffusion.publish(
            MARKS,
            marks_guardians_item(evaluation),
            school_uai=evaluation.school_uai,
            author=user,
            recipients=sorted(guardians),
            written_at=at,
            not_before=guardians_at,
        )
        evaluation.released_at = at
        evaluation.pupils_at = pupils_at
        evaluation.guardians_at = guardians_at
        evaluation.save(update_fields=["released_at", "pupils_at", "guardians_at"])
    return evaluation


@dataclass
class PupilMark:
    evaluation: Evaluation
    subject_label: str
    status: str
    value: Decimal | None


def marks_of_pupil(user, pupil_uid: str) -> list[PupilMark]:
    """A pupil's released marks as the viewer may see them: the pupil once the pupils' release
    is delivered, a guardian once the guardians' release is delivered. Nobody else (NotFound)."""
    _check_family(user, pupil_uid)
    me = _me(user)
    is_pupil = me == str(pupil_uid)
    suffix = ":pupils" if is_pupil else ":guardians"
    visible = {i.removesuffix(suffix) for i in diffusion.visible_item_ids(me, MARKS) if i.endswith(suffix)}
    links = referentiel.person_links(pupil_uid)
    classes = [e.class_group.uid for e in links.enrolments] if links else []
    evaluations = (
        Evaluation.objects.filter(uid__in=[uuid.UUID(i) for i in visible])
        .filter(Q(class_uid__in=classes) | Q(marks__pupil_uid=pupil_uid))
        .distinct()
    )
    marks = {m.evaluation_id: m for m in Mark.objects.filter(evaluation__in=evaluations, pupil_uid=pupil_uid)}
    labels = {m.code: m.label for m in referentiel.subjects()}
    rows = []
    for evaluation in evaluations:
        mark = marks.get(evaluation.pk)
        rows.append(
            PupilMark(
                evaluation,
                labels.get(evaluation.subject_code, evaluation.subject_code),
                mark.status if mark else "",
                mark.value if mark else None,
            )
        )
    return rows
