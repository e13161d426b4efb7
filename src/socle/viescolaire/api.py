"""Vie scolaire JSON API (django-ninja, OpenAPI at /vie-scolaire/api/openapi.json, docs at
/vie-scolaire/api/docs): the same operations as the pages, for the same users.

Authentication is the user's Django session (the cookie the pages use), not an operator token:
these are a pupil's, a guardian's or a teacher's own data, authorised per person by Identité.
Every unsafe method (POST, PUT) needs the CSRF token in the `X-CSRFToken` header, like a form.
Errors have the platform's one shape `{"error": {"code", "message", "field"}}`: 401 not logged
in, 403 not allowed (or CSRF), 404 unknown or not visible to you, 422 invalid input."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied
from ninja import Field, Schema, Status

from socle.core.api_auth import ApiError, ErrorOut, SessionUserAuth, SocleAPI
from socle.core.api_types import IsoDate, text
from socle.viescolaire.diffusion import services as diffusion

from . import audiences, services
from .audit import log_marks_read
from .models import Evaluation


class SessionCSRFAuth(SessionUserAuth):
    """The logged-in user of the session; CSRF checked on unsafe methods (401 first)."""

    openapi_description = (
        "The Django session cookie of a logged-in user (log in at /identite/connexion/). "
        "POST and PUT also need the CSRF token in the X-CSRFToken header."
    )


class VieScolaireAPI(SocleAPI):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_exception_handler(PermissionDenied, self._forbidden)
        self.add_exception_handler(services.NotFound, self._missing)
        self.add_exception_handler(services.InvalidInput, self._invalid)
        self.add_exception_handler(diffusion.UrgentNotAllowed, self._urgent)

    def _authentication_error(self, request, exc):
        return self.error_response(
            request, ApiError(401, "not_authenticated", "Log in first: this API uses your session.")
        )

    def _forbidden(self, request, exc):
        return self.error_response(request, ApiError(403, "forbidden", str(exc) or "Not allowed."))

    def _missing(self, request, exc):
        return self.error_response(request, ApiError(404, "not_found", "Not found."))

    def _invalid(self, request, exc):
        return self.error_response(request, ApiError(422, "invalid_input", exc.message, exc.field))

    def _urgent(self, request, exc):
        return self.error_response(request, ApiError(422, "urgent_not_allowed", exc.messages[0], "urgent"))


api = VieScolaireAPI(
    title="Socle — Vie scolaire API v1",
    version="1",
    # Nested in the pages' namespace: the API is mounted by urls.py under /vie-scolaire/api/.
    urls_namespace="viescolaire:viescolaire-api",
    auth=SessionCSRFAuth(),
    description=__doc__,
)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- Schemas -----------------------------------------------------------------------------------
class AudienceOut(Schema):
    key: str
    label: str


class AudiencesOut(Schema):
    audiences: list[AudienceOut]
    deliver_at: dt.datetime  # when a message written now would be delivered


class ThreadOut(Schema):
    uid: uuid.UUID
    subject: str
    started_by: uuid.UUID
    audience_label: str
    last_message_at: dt.datetime


class MessageOut(Schema):
    uid: uuid.UUID
    author_uid: uuid.UUID
    author_name: str
    mine: bool
    body: str
    written_at: dt.datetime
    urgent: bool
    urgency_reason: str
    held: bool
    deliver_at: dt.datetime | None = None


class ThreadDetailOut(ThreadOut):
    messages: list[MessageOut]


class NewThreadIn(Schema):
    subject: text(200)  # type: ignore[valid-type]
    body: str
    recipients: list[str]  # audience keys, see GET /audiences; "person:<uid>" for one person
    urgent: bool = False
    urgency_reason: text(300) = ""  # type: ignore[valid-type]


class ReplyIn(Schema):
    body: str


class SentOut(Schema):
    thread_uid: uuid.UUID
    message_uid: uuid.UUID
    deliver_at: dt.datetime
    delivered: bool
    urgent: bool


class HomeworkOut(Schema):
    uid: uuid.UUID
    class_uid: uuid.UUID
    subject_code: str
    title: str
    description: str
    due_date: dt.date
    set_at: dt.datetime


class HomeworkIn(Schema):
    class_uid: uuid.UUID
    subject_code: text(6)  # type: ignore[valid-type]
    title: text(200)  # type: ignore[valid-type]
    description: str = ""
    due_date: IsoDate


class HomeworkSetOut(Schema):
    homework: HomeworkOut
    warning: str | None = None
    deliver_at: dt.datetime | None = None


class EvaluationOut(Schema):
    uid: uuid.UUID
    class_uid: uuid.UUID
    subject_code: str
    title: str
    date: dt.date
    scale: Decimal
    coefficient: Decimal
    released_at: dt.datetime | None = None
    pupils_at: dt.datetime | None = None
    guardians_at: dt.datetime | None = None


class EvaluationIn(Schema):
    class_uid: uuid.UUID
    subject_code: text(6)  # type: ignore[valid-type]
    title: text(200)  # type: ignore[valid-type]
    date: IsoDate
    # The columns: DecimalField(max_digits=5 / 4, decimal_places=2).
    scale: Decimal = Field(Decimal(20), gt=0, le=100, max_digits=5, decimal_places=2)
    coefficient: Decimal = Field(Decimal(1), gt=0, max_digits=4, decimal_places=2)


class MarkEntry(Schema):
    pupil_uid: uuid.UUID
    # marked, absent, exempt; "" with no value clears the mark
    status: Literal["marked", "absent", "exempt", ""] = "marked"
    value: Decimal | None = None  # checked against the scale by the service, naming the pupil


class MarksIn(Schema):
    marks: list[MarkEntry]


class MarkRowOut(Schema):
    pupil_uid: uuid.UUID
    name: str
    status: str
    value: Decimal | None = None


class MarkSheetOut(Schema):
    evaluation: EvaluationOut
    marks: list[MarkRowOut]


class PupilMarkOut(Schema):
    evaluation: EvaluationOut
    subject_label: str
    status: str
    value: Decimal | None = None


class NotificationOut(Schema):
    id: int
    subject: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None = None
    urgent: bool


# --- Helpers -----------------------------------------------------------------------------------
def _thread_out(thread) -> dict:
    return {
        "uid": thread.uid,
        "subject": thread.subject,
        "started_by": thread.started_by,
        "audience_label": thread.audience_label,
        "last_message_at": thread.last_message_at,
    }


def _sent(message) -> dict:
    publication = diffusion.publication_of(services.MESSAGE, str(message.uid))
    return {
        "thread_uid": message.thread.uid,
        "message_uid": message.uid,
        "deliver_at": publication.deliver_at,
        "delivered": publication.delivered_at is not None,
        "urgent": publication.urgent,
    }


# --- Messages ----------------------------------------------------------------------------------
@api.get("/audiences", response={200: AudiencesOut, **ERRORS}, summary="Who I may write to")
def list_audiences(request):
    """The audiences (class pupils/guardians/teachers, school families/staff/management) the user
    may write to, and when a message written now would be delivered (quiet hours)."""
    found = audiences.audiences_for(request.user)
    return {
        "audiences": [{"key": a.key, "label": a.label} for a in found],
        "deliver_at": services.delivery_preview(request.user),
    }


@api.get("/threads", response={200: list[ThreadOut], **ERRORS}, summary="My conversations")
def list_threads(request):
    return [_thread_out(t) for t in services.threads_for(request.user)[:200]]


@api.post("/threads", response={201: SentOut, **ERRORS}, summary="Start a conversation")
def start_thread(request, payload: NewThreadIn):
    """Held until the school's next opening outside the quiet hours, unless urgent (head or
    deputy only, with a reason)."""
    message = services.start_thread(
        request.user,
        subject=payload.subject,
        body=payload.body,
        audience_keys=payload.recipients,
        urgent=payload.urgent,
        urgency_reason=payload.urgency_reason,
    )
    return Status(201, _sent(message))


@api.get("/threads/{thread_uid}", response={200: ThreadDetailOut, **ERRORS}, summary="A conversation")
def get_thread(request, thread_uid: uuid.UUID):
    """The messages the user may read: their own (with `held`/`deliver_at`) and those delivered
    to them."""
    thread = services.thread_by_uid(request.user, thread_uid)
    rows = services.messages_of(request.user, thread)
    return {
        **_thread_out(thread),
        "messages": [
            {
                "uid": r.message.uid,
                "author_uid": r.message.author_uid,
                "author_name": r.author_name,
                "mine": r.mine,
                "body": r.message.body,
                "written_at": r.message.written_at,
                "urgent": r.message.urgent,
                "urgency_reason": r.message.urgency_reason,
                "held": r.held,
                "deliver_at": r.deliver_at if r.mine else None,
            }
            for r in rows
        ],
    }


@api.post("/threads/{thread_uid}/messages", response={201: SentOut, **ERRORS}, summary="Reply")
def reply(request, thread_uid: uuid.UUID, payload: ReplyIn):
    thread = services.thread_by_uid(request.user, thread_uid)
    return Status(201, _sent(services.reply(request.user, thread, payload.body)))


@api.get("/notifications", response={200: list[NotificationOut], **ERRORS}, summary="My notifications")
def notifications(request):
    me = audiences.person_uid_of(request.user)
    if me is None:
        return []
    return [
        {
            "id": n.pk,
            "subject": n.subject,
            "url": n.url,
            "created_at": n.created_at,
            "read_at": n.read_at,
            "urgent": n.publication.urgent,
        }
        for n in diffusion.notifications_for(me)[:100]
    ]


class ChildOut(Schema):
    uid: uuid.UUID
    name: str


@api.get("/children", response={200: list[ChildOut], **ERRORS}, summary="Pupils whose family view I may open")
def children(request):
    """Oneself for a pupil, one's wards for a guardian: the `pupil_uid`s of `GET /homework` and
    `GET /pupils/{uid}/marks`."""
    return [{"uid": pupil_uid, "name": name} for pupil_uid, name in services.children_of(request.user)]


# --- Homework ----------------------------------------------------------------------------------
@api.get("/homework", response={200: list[HomeworkOut], **ERRORS}, summary="Homework of a class or a pupil")
def list_homework(request, class_uid: uuid.UUID | None = None, pupil_uid: uuid.UUID | None = None):
    """`class_uid`: every entry of a class (its teachers, the school's management).
    `pupil_uid`: the entries delivered to the user for that pupil (the pupil, their guardians)."""
    if class_uid:
        return list(services.homework_of_class(request.user, str(class_uid)))
    if pupil_uid:
        return services.homework_of_pupil(request.user, str(pupil_uid))
    raise services.InvalidInput("class_uid", "give class_uid or pupil_uid")


@api.post("/homework", response={201: HomeworkSetOut, **ERRORS}, summary="Set homework")
def set_homework(request, payload: HomeworkIn):
    result = services.set_homework(
        request.user,
        class_uid=str(payload.class_uid),
        subject_code=payload.subject_code,
        title=payload.title,
        description=payload.description,
        due_date=payload.due_date,
    )
    return Status(
        201, {"homework": result.homework, "warning": result.warning, "deliver_at": result.deliver_at}
    )


# --- Marks -------------------------------------------------------------------------------------
@api.get("/evaluations", response={200: list[EvaluationOut], **ERRORS}, summary="My evaluations (teacher)")
def list_evaluations(request):
    return list(services.evaluations_of_teacher(request.user))


@api.post("/evaluations", response={201: EvaluationOut, **ERRORS}, summary="Create an evaluation")
def create_evaluation(request, payload: EvaluationIn):
    evaluation = services.create_evaluation(
        request.user,
        class_uid=str(payload.class_uid),
        subject_code=payload.subject_code,
        title=payload.title,
        date=payload.date,
        scale=payload.scale,
        coefficient=payload.coefficient,
    )
    return Status(201, evaluation)


def _sheet(request, evaluation: Evaluation) -> dict:
    sheet = services.marks_sheet(evaluation)
    log_marks_read(request, evaluation, pupils=len(sheet), channel="api")
    return {
        "evaluation": evaluation,
        "marks": [
            {"pupil_uid": r.pupil_uid, "name": r.name, "status": r.status, "value": r.value} for r in sheet
        ],
    }


@api.get(
    "/evaluations/{evaluation_uid}/marks",
    response={200: MarkSheetOut, **ERRORS},
    summary="The marks of an evaluation (teacher; audited)",
)
def get_marks(request, evaluation_uid: uuid.UUID):
    """Every pupil of the class with their mark. Each call is written to the audit log."""
    return _sheet(request, services.evaluation_for_teacher(request.user, evaluation_uid))


@api.put("/evaluations/{evaluation_uid}/marks", response={200: MarkSheetOut, **ERRORS}, summary="Enter marks")
def put_marks(request, evaluation_uid: uuid.UUID, payload: MarksIn):
    """Record the given pupils' marks (others untouched). One invalid entry rejects all, naming
    the pupil. Possible before and after release."""
    evaluation = services.evaluation_for_teacher(request.user, evaluation_uid)
    entries = {str(m.pupil_uid): (m.status, None if m.value is None else str(m.value)) for m in payload.marks}
    services.enter_marks(request.user, evaluation, entries)
    return _sheet(request, evaluation)


@api.post(
    "/evaluations/{evaluation_uid}/release", response={200: EvaluationOut, **ERRORS}, summary="Release marks"
)
def release(request, evaluation_uid: uuid.UUID):
    """Pupils see the marks at `pupils_at` (next opening), guardians at `guardians_at` (24 h
    later by default, outside the quiet hours)."""
    evaluation = services.evaluation_for_teacher(request.user, evaluation_uid)
    return services.release_marks(request.user, evaluation)


@api.get("/pupils/{pupil_uid}/marks", response={200: list[PupilMarkOut], **ERRORS}, summary="A pupil's marks")
def pupil_marks(request, pupil_uid: uuid.UUID):
    """The released marks of a pupil, for the pupil or their guardians (once delivered to them)."""
    return [
        {"evaluation": r.evaluation, "subject_label": r.subject_label, "status": r.status, "value": r.value}
        for r in services.marks_of_pupil(request.user, str(pupil_uid))
    ]
