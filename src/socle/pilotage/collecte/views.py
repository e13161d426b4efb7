"""Pages of the collecte: the schools one may declare for, a school's declarations and their
history, the equipment and Pix forms, the CSV import with its line-by-line report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from socle.identite import services as identite

from . import importers, services
from .forms import CsvUploadForm, EquipmentForm, PixForm
from .models import EQUIPMENT_FIELDS, PIX_FIELDS, Declaration, DeclarationKind, DeclarationSource

FORMS = {"equipement": EquipmentForm, "pix": PixForm}


def _crumbs(*items):
    return [
        {"label": _("Home"), "url": reverse("core:home")},
        {"label": _("Steering"), "url": reverse("pilotage:dashboard")},
        *items,
    ]


def _school_or_404(uai: str):
    school = services.find_school(uai)
    if school is None:
        raise Http404(uai)
    return school


def _ensure_declarer(request, school) -> None:
    if not services.can_declare(request.user, school):
        identite.ensure(request, "school.equipment.declare", school)  # logs the refusal, raises


@login_required
def index(request):
    schools = list(services.declarable_schools(request.user)[:500])
    if not schools:
        raise PermissionDenied("pilotage.declare")
    vintage = services.current_vintage()
    current = services.current_declarations([s.uai for s in schools], vintage)
    rows = [
        {
            "school": school,
            "equipment": current.get((school.uai, DeclarationKind.EQUIPMENT)),
            "pix": current.get((school.uai, DeclarationKind.PIX)),
        }
        for school in schools
    ]
    return render(
        request,
        "pilotage_collecte/index.html",
        {"rows": rows, "vintage": vintage, "breadcrumb": _crumbs({"label": _("Declarations"), "url": ""})},
    )


@login_required
def school(request, uai: str):
    school = _school_or_404(uai)
    _ensure_declarer(request, school)
    declarations = list(services.history(school.uai))
    services.record_access(request, what="declarations", level="school", code=school.uai)
    return render(
        request,
        "pilotage_collecte/school.html",
        {
            "school": school,
            "declarations": declarations,
            "equipment_fields": [Declaration._meta.get_field(n) for n in EQUIPMENT_FIELDS],
            "pix_fields": [Declaration._meta.get_field(n) for n in PIX_FIELDS],
            "breadcrumb": _crumbs(
                {"label": _("Declarations"), "url": reverse("pilotage_collecte:index")},
                {"label": school.name, "url": ""},
            ),
        },
    )


@login_required
def declare(request, uai: str, kind: str):
    school = _school_or_404(uai)
    _ensure_declarer(request, school)
    form_class = FORMS[kind]
    form = form_class(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            services.declare(
                request.user,
                school,
                form.cleaned_data["vintage"],
                form.kind,
                form.values(),
                source=DeclarationSource.FORM,
            )
        except services.DeclarationRefused as refusal:  # raced with a change of rights
            raise PermissionDenied(str(refusal)) from refusal
        messages.success(request, _("Declaration recorded. The indicators will be recomputed shortly."))
        return redirect("pilotage_collecte:school", uai=school.uai)
    title = _("Declare the equipment") if kind == "equipement" else _("Declare the Pix attestations")
    return render(
        request,
        "pilotage_collecte/declare.html",
        {
            "school": school,
            "form": form,
            "title": title,
            "breadcrumb": _crumbs(
                {"label": _("Declarations"), "url": reverse("pilotage_collecte:index")},
                {"label": school.name, "url": reverse("pilotage_collecte:school", args=[school.uai])},
                {"label": title, "url": ""},
            ),
        },
    )


@login_required
def import_csv(request):
    if not services.declarable_schools(request.user).exists():
        raise PermissionDenied("pilotage.declare")
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = importers.import_declarations(request.user, upload.read(), upload.name)
        if report.ok:
            messages.success(
                request,
                _("%(count)s declaration(s) recorded from %(lines)s line(s).")
                % {"count": len(report.created), "lines": report.lines},
            )
            return redirect("pilotage_collecte:index")
    return render(
        request,
        "pilotage_collecte/import.html",
        {
            "form": form,
            "report": report,
            "columns": importers.COLUMNS,
            "breadcrumb": _crumbs(
                {"label": _("Declarations"), "url": reverse("pilotage_collecte:index")},
                {"label": _("CSV import"), "url": ""},
            ),
        },
    )


def template(request):
    response = HttpResponse(importers.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="declarations-modele.csv"'
    return response
