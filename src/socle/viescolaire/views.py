"""Pages of Vie scolaire: inbox, thread, compose; homework list and form; marks entry, release
and view. Each page only calls services.py (authorization through Identité, delivery through the
diffusion brick); the JSON API (api.py) offers the same operations."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from socle.viescolaire.diffusion import clock
from socle.viescolaire.diffusion import services as diffusion

from . import audiences, services
from .audit import log_marks_read
from .forms import MARK_STATUS_CHOICES, ComposeForm, EvaluationForm, HomeworkForm, ReplyForm

MAX_PERSON_CHOICES = 500


def _page(view):
    """Login required; services' NotFound becomes a 404."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except services.NotFound as error:
            raise Http404(str(error)) from error

    return wrapper


def _crumbs(*items):
    return [{"label": _("School life"), "url": reverse("viescolaire:inbox")}, *items]


def when(instant) -> str:
    """« le lundi 3 mars à 07:00 » in the active language (local time)."""
    local = timezone.localtime(instant)
    return _("on %(date)s at %(time)s") % {
        "date": formats.date_format(local, "l j F Y"),
        "time": local.strftime("%H:%M"),
    }


# --- Messages ----------------------------------------------------------------------------------
@_page
def inbox(request):
    threads = list(services.threads_for(request.user)[:100])
    names = services.names_of({str(t.started_by) for t in threads})
    me = audiences.person_uid_of(request.user)
    notifications = list(diffusion.notifications_for(me)[:20]) if me else []
    return render(
        request,
        "viescolaire/inbox.html",
        {
            "threads": [(t, names.get(str(t.started_by), "")) for t in threads],
            "notifications": notifications,
            "can_write": bool(audiences.audiences_for(request.user)),
            "breadcrumb": _crumbs({"label": _("Messages")}),
        },
    )


def _person_choices(user):
    reachable = audiences.reachable_persons(user)
    names = services.names_of(list(reachable)[:MAX_PERSON_CHOICES])
    return sorted(names.items(), key=lambda item: item[1])


@_page
@require_http_methods(["GET", "POST"])
def compose(request):
    user_audiences = audiences.audiences_for(request.user)
    if not user_audiences:
        raise PermissionDenied("message.write")
    form = ComposeForm(request.POST or None, audiences=user_audiences, persons=_person_choices(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            message = services.start_thread(
                request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                audience_keys=form.audience_keys(),
                urgent=form.cleaned_data["urgent"],
                urgency_reason=form.cleaned_data["urgency_reason"],
            )
        except services.InvalidInput as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except audiences.AudienceError as error:
            form.add_error("recipients", str(error))
        except diffusion.UrgentNotAllowed as error:
            form.add_error("urgency_reason", error.messages[0])
        else:
            _announce_delivery(request, message)
            return redirect("viescolaire:thread", thread_uid=message.thread.uid)
    deliver_at = services.delivery_preview(request.user)
    return render(
        request,
        "viescolaire/compose.html",
        {
            "form": form,
            "deliver_at": deliver_at,
            "deliver_when": when(deliver_at),
            "held": deliver_at > clock.now() + dt.timedelta(minutes=1),
            "may_send_urgent": any(
                r.name in ("head", "deputy") for r in services.identite.roles_of(request.user)
            ),
            "breadcrumb": _crumbs(
                {"label": _("Messages"), "url": reverse("viescolaire:inbox")}, {"label": _("New message")}
            ),
        },
    )


def _announce_delivery(request, message) -> None:
    publication = diffusion.publication_of(services.MESSAGE, str(message.uid))
    if (
        publication is not None
        and publication.delivered_at is None
        and publication.deliver_at > message.written_at
    ):
        messages.info(
            request,
            _("Message saved: it will be delivered %(when)s.") % {"when": when(publication.deliver_at)},
        )
    elif message.urgent:
        messages.success(request, _("Urgent message delivered at once."))
    else:
        messages.success(request, _("Message delivered."))


@_page
@require_http_methods(["GET", "POST"])
def thread(request, thread_uid):
    thread = services.thread_by_uid(request.user, thread_uid)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = services.reply(request.user, thread, form.cleaned_data["body"])
        except services.InvalidInput as error:
            form.add_error("body", error.message)
        else:
            _announce_delivery(request, message)
            return redirect("viescolaire:thread", thread_uid=thread.uid)
    rows = services.messages_of(request.user, thread)
    _mark_notifications_read(request)
    return render(
        request,
        "viescolaire/thread.html",
        {
            "thread": thread,
            "rows": [(row, when(row.deliver_at) if row.held and row.deliver_at else "") for row in rows],
            "form": form,
            "breadcrumb": _crumbs(
                {"label": _("Messages"), "url": reverse("viescolaire:inbox")}, {"label": thread.subject}
            ),
        },
    )


def _mark_notifications_read(request) -> None:
    """Opening the page a notification links to reads it."""
    me = audiences.person_uid_of(request.user)
    if me is None:
        return
    for notification in diffusion.notifications_for(me).filter(url=request.path, read_at__isnull=True):
        diffusion.mark_read(me, notification.pk)


# --- Homework ----------------------------------------------------------------------------------
@_page
def homework_list(request):
    teachings = services.teachings_of(request.user)
    classes = services.classes_for_homework(request.user)
    selected_class = request.GET.get("classe") or next(iter(classes), "")
    subjects = {m.code: m.label for m in services.referentiel.subjects()}
    class_rows = []
    if selected_class:
        for homework in services.homework_of_class(request.user, selected_class):
            publication = diffusion.publication_of(services.HOMEWORK, str(homework.uid))
            held = publication is not None and publication.delivered_at is None
            label = subjects.get(homework.subject_code, homework.subject_code)
            class_rows.append((homework, label, when(publication.deliver_at) if held else ""))
    children = services.children_of(request.user)
    family = []
    for pupil_uid, name in children:
        rows = services.homework_of_pupil(request.user, pupil_uid)
        family.append((pupil_uid, name, [(h, subjects.get(h.subject_code, h.subject_code)) for h in rows]))
    return render(
        request,
        "viescolaire/homework_list.html",
        {
            "classes": sorted(classes.items(), key=lambda item: item[1]),
            "selected_class": selected_class,
            "class_name": classes.get(selected_class, ""),
            "class_rows": class_rows,
            "family": family,
            "can_set": bool(teachings),
            "can_browse": bool(classes),
            "breadcrumb": _crumbs({"label": _("Homework")}),
        },
    )


@_page
@require_http_methods(["GET", "POST"])
def homework_new(request):
    teachings = services.teachings_of(request.user)
    if not teachings:
        raise PermissionDenied("homework.set")
    form = HomeworkForm(request.POST or None, teachings=teachings)
    if request.method == "POST" and form.is_valid():
        class_uid, subject_code = form.cleaned_data["teaching"].split("|")
        try:
            result = services.set_homework(
                request.user,
                class_uid=class_uid,
                subject_code=subject_code,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                due_date=form.cleaned_data["due_date"],
            )
        except services.InvalidInput as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if result.warning:
                messages.warning(request, result.warning)
            if result.deliver_at and result.deliver_at > result.homework.set_at:
                messages.info(
                    request,
                    _("Homework saved: it will be delivered %(when)s.") % {"when": when(result.deliver_at)},
                )
            else:
                messages.success(request, _("Homework saved and delivered."))
            return redirect(reverse("viescolaire:homework") + f"?classe={class_uid}")
    return render(
        request,
        "viescolaire/homework_form.html",
        {
            "form": form,
            "breadcrumb": _crumbs(
                {"label": _("Homework"), "url": reverse("viescolaire:homework")}, {"label": _("New homework")}
            ),
        },
    )


# --- Marks -------------------------------------------------------------------------------------
@_page
@require_http_methods(["GET", "POST"])
def marks(request):
    """Teachers: their evaluations and a form to create one. Pupils and guardians: the released
    marks they may see."""
    teachings = services.teachings_of(request.user)
    form = EvaluationForm(request.POST or None, teachings=teachings) if teachings else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("class.marks")
        if form.is_valid():
            class_uid, subject_code = form.cleaned_data["teaching"].split("|")
            try:
                evaluation = services.create_evaluation(
                    request.user,
                    class_uid=class_uid,
                    subject_code=subject_code,
                    title=form.cleaned_data["title"],
                    date=form.cleaned_data["date"],
                    scale=form.cleaned_data["scale"],
                    coefficient=form.cleaned_data["coefficient"],
                )
            except services.InvalidInput as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("viescolaire:evaluation", evaluation_uid=evaluation.uid)
    class_names = {t.class_uid: t.class_name for t in teachings}
    subjects = {m.code: m.label for m in services.referentiel.subjects()}
    evaluations = (
        [
            (e, class_names.get(str(e.class_uid), ""), subjects.get(e.subject_code, e.subject_code))
            for e in services.evaluations_of_teacher(request.user)
        ]
        if teachings
        else []
    )
    family = [
        (pupil_uid, name, services.marks_of_pupil(request.user, pupil_uid))
        for pupil_uid, name in services.children_of(request.user)
    ]
    return render(
        request,
        "viescolaire/marks.html",
        {
            "form": form,
            "evaluations": evaluations,
            "family": family,
            "breadcrumb": _crumbs({"label": _("Marks")}),
        },
    )


@_page
@require_http_methods(["GET", "POST"])
def evaluation(request, evaluation_uid):
    evaluation = services.evaluation_for_teacher(request.user, evaluation_uid)
    errors = []
    if request.method == "POST" and request.POST.get("action") == "release":
        try:
            services.release_marks(request.user, evaluation)
        except services.InvalidInput as error:
            errors.append(error.message)
        else:
            messages.success(
                request,
                _("Marks released: pupils see them %(pupils)s, guardians %(guardians)s.")
                % {"pupils": when(evaluation.pupils_at), "guardians": when(evaluation.guardians_at)},
            )
            return redirect("viescolaire:evaluation", evaluation_uid=evaluation.uid)
    sheet = services.marks_sheet(evaluation)
    if request.method == "POST" and request.POST.get("action") == "save":
        entries = {
            row.pupil_uid: (
                request.POST.get(f"status-{row.pupil_uid}", ""),
                request.POST.get(f"mark-{row.pupil_uid}", ""),
            )
            for row in sheet
        }
        try:
            count = services.enter_marks(request.user, evaluation, entries)
        except services.InvalidInput as error:
            errors.append(error.message)
            for row in sheet:  # keep what was typed
                row.status, row.value = entries[row.pupil_uid][0], entries[row.pupil_uid][1]
        else:
            messages.success(request, _("%(count)d mark(s) saved.") % {"count": count})
            return redirect("viescolaire:evaluation", evaluation_uid=evaluation.uid)
    log_marks_read(request, evaluation, pupils=len(sheet), channel="page")
    group = services.referentiel.class_by_uid(evaluation.class_uid)
    return render(
        request,
        "viescolaire/evaluation.html",
        {
            "evaluation": evaluation,
            "class_name": group.name if group else "",
            "sheet": sheet,
            "status_choices": MARK_STATUS_CHOICES,
            "errors": errors,
            "pupils_when": when(evaluation.pupils_at) if evaluation.pupils_at else "",
            "guardians_when": when(evaluation.guardians_at) if evaluation.guardians_at else "",
            "breadcrumb": _crumbs(
                {"label": _("Marks"), "url": reverse("viescolaire:marks")}, {"label": evaluation.title}
            ),
        },
    )
