"""Pages: the schools a user manages, a school's quiet-hours settings (head, deputy, operator)
and the review of urgent publications. Every feature is also in the JSON API (api.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from socle.identite import services as identite
from socle.referentiel import services as referentiel

from . import clock, quiet_hours, services
from .forms import SchoolSettingsForm
from .models import HolidayPeriod, OperatorBounds, Publication

MAX_LISTED_SCHOOLS = 50


def _crumbs(*items):
    return [
        {"label": _("Home"), "url": "/"},
        {"label": _("Quiet hours"), "url": reverse("viescolaire_diffusion:index")},
        *items,
    ]


def _managed_school(request, uai: str):
    try:
        school = referentiel.school_by_uai(uai)
    except ValueError as error:  # not a well-formed UAI
        raise Http404(uai) from error
    if school is None:
        raise Http404(uai)
    identite.ensure(request, "school.manage", school)
    return school


@login_required
def index(request):
    schools = [
        school
        for school in identite.visible(request.user, "school").order_by("name")[: MAX_LISTED_SCHOOLS * 4]
        if identite.can(request.user, "school.manage", school)
    ][:MAX_LISTED_SCHOOLS]
    if not schools and not request.user.is_superuser:
        raise PermissionDenied("school.manage")
    return render(
        request,
        "viescolaire_diffusion/index.html",
        {
            "schools": schools,
            "breadcrumb": [{"label": _("Home"), "url": "/"}, {"label": _("Quiet hours"), "url": ""}],
        },
    )


@login_required
def school_settings(request, uai: str):
    school = _managed_school(request, uai)
    instance = services.school_settings(uai)
    form = SchoolSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.save_school_settings(uai, by=request.user, **values)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            _mark_invalid(form)
        else:
            messages.success(request, _("The quiet-hours settings are saved."))
            return redirect("viescolaire_diffusion:school_settings", uai=uai)
    now = clock.now()
    policy = services.policy_for(uai)
    bounds = OperatorBounds.current()
    conf = services.school_settings(uai)
    holidays = (
        HolidayPeriod.objects.filter(zone=conf.holiday_zone)
        if conf.holiday_zone
        else HolidayPeriod.objects.none()
    )
    return render(
        request,
        "viescolaire_diffusion/school_settings.html",
        {
            "school": school,
            "form": form,
            "bounds": bounds,
            "quiet_now": quiet_hours.is_quiet(policy, now),
            "next_opening": quiet_hours.next_opening(policy, now),
            "holidays": holidays,
            "conf": conf,
            "title": _("Quiet hours of %(school)s") % {"school": school.name},
            "breadcrumb": _crumbs({"label": school.name, "url": ""}),
        },
    )


def _mark_invalid(form) -> None:
    """Errors added after validation (the operator's bounds): mark their inputs like
    AccessibleErrorsMixin does (aria-invalid, aria-describedby)."""
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": f"{form[name].auto_id}-error"}
            )


@login_required
def urgent_review(request, uai: str):
    school = _managed_school(request, uai)
    publications = services.urgent_publications(uai)[:200]
    return render(
        request,
        "viescolaire_diffusion/urgent_review.html",
        {
            "school": school,
            "publications": publications,
            "title": _("Urgent publications of %(school)s") % {"school": school.name},
            "breadcrumb": _crumbs(
                {"label": school.name, "url": reverse("viescolaire_diffusion:school_settings", args=[uai])},
                {"label": _("Urgent publications"), "url": ""},
            ),
        },
    )


@login_required
@require_POST
def mark_reviewed(request, uai: str, pk: int):
    _managed_school(request, uai)
    publication = get_object_or_404(Publication, pk=pk, school_uai=uai, urgent=True)
    if services.review_urgent(publication, by=request.user, note=request.POST.get("note", "")):
        messages.success(request, _("The urgent publication is marked as reviewed."))
    return redirect("viescolaire_diffusion:urgent_review", uai=uai)
