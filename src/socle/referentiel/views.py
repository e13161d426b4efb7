"""Read-only pages of the Référentiel: school search, school identity card, class composition.

Access: the school directory (open data in the Annuaire) and a school's identity card with its
class counts need a login; a class's composition (pupils' names) is authorised by Identité's
`class.view` rule. The pages stay minimal in what they show (no INE, no birth date, no contact
details of pupils or guardians)."""

from collections import defaultdict

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from socle.core.forms import AccessibleErrorsMixin
from socle.core.models import RecordStatus
from socle.identite import services as identite

from . import services
from .models import (
    Academie,
    ClassGroup,
    CollectiviteType,
    Commune,
    Departement,
    Enrolment,
    Level,
    RegionAcademique,
    SchoolState,
    SchoolType,
    Sector,
    TeachingAssignment,
)

SCHOOLS_PER_PAGE = 25


class SchoolFilterForm(AccessibleErrorsMixin, forms.Form):
    q = forms.CharField(
        label=_("Name, UAI or commune"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "fr-input", "type": "search"}),
    )
    academie = forms.ModelChoiceField(
        label=_("Académie"),
        queryset=Academie.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("All"),
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    departement = forms.ModelChoiceField(
        label=_("Département"),
        queryset=Departement.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All"),
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    type = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("All")), *SchoolType.choices],
        required=False,
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    sector = forms.ChoiceField(
        label=_("Sector"),
        choices=[("", _("All")), *Sector.choices],
        required=False,
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    state = forms.ChoiceField(
        label=_("State"),
        choices=[("", _("All")), *SchoolState.choices],
        required=False,
        widget=forms.Select(attrs={"class": "fr-select"}),
    )

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if text := data["q"].strip():
            queryset = queryset.filter(
                Q(name__icontains=text) | Q(uai__iexact=text) | Q(commune__name__icontains=text)
            )
        if data["academie"]:
            queryset = queryset.filter(academie=data["academie"])
        if data["departement"]:
            queryset = queryset.filter(departement=data["departement"])
        for field in ("type", "sector", "state"):
            if data[field]:
                queryset = queryset.filter(**{field: data[field]})
        return queryset

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)


def home_crumb() -> dict:
    return {"label": _("Home"), "url": reverse("core:home")}


def schools_crumb() -> dict:
    return {"label": _("Schools"), "url": reverse("referentiel:school_list")}


def all_schools():
    return services.schools().select_related("commune", "departement", "academie", "region")


def active_on(prefix: str, today) -> Q:
    """Records (enrolments, assignments) active today: status active and not ended."""
    return (
        Q(**{f"{prefix}status": RecordStatus.ACTIVE})
        & (Q(**{f"{prefix}begin_date__isnull": True}) | Q(**{f"{prefix}begin_date__lte": today}))
        & (Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": today}))
    )


def collectivite_label(school) -> str:
    """The owning local authority, named: "Département d'Ille-et-Vilaine (35)" style."""
    kind, code = school.collectivite_type, school.collectivite_code
    if not kind:
        return ""
    model = {
        CollectiviteType.COMMUNE: Commune,
        CollectiviteType.DEPARTEMENT: Departement,
        CollectiviteType.REGION: RegionAcademique,
    }.get(kind)
    obj = model.objects.filter(code=code).first() if model and code else None
    name = obj.name if obj else code
    return f"{school.get_collectivite_type_display().capitalize()} — {name}" if name else ""


@login_required
def school_list(request):
    form = SchoolFilterForm(request.GET or None)
    schools = all_schools().order_by("name", "uai")
    if form.is_bound:
        schools = form.filter(schools)
    paginator = Paginator(schools, SCHOOLS_PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "referentiel/school_list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "page_range": paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1),
            "breadcrumb": [home_crumb(), {"label": _("Schools"), "url": ""}],
        },
    )


@login_required
def school_detail(request, uai: str):
    school = get_object_or_404(all_schools(), uai=uai.upper())
    year = services.current_school_year()
    classes = []
    # The card is the Annuaire de l'éducation's open data; the classes and their head counts are
    # shown only to whom Identité's authorization service lets see the school (its staff, pupils
    # and families, its territorial officers, operators).
    may_see_classes = identite.can(request.user, "school.view", school)
    if year is not None and may_see_classes:
        today = timezone.localdate()
        classes = (
            ClassGroup.objects.filter(etablissement=school, school_year=year, status=RecordStatus.ACTIVE)
            .annotate(
                pupil_count=Count(
                    "enrolments__person", filter=active_on("enrolments__", today), distinct=True
                ),
                teacher_count=Count(
                    "teaching_assignments__person",
                    filter=active_on("teaching_assignments__", today),
                    distinct=True,
                ),
            )
            .order_by("kind", "code")
        )
    return render(
        request,
        "referentiel/school_detail.html",
        {
            "school": school,
            "school_year": year,
            "classes": classes,
            "may_see_classes": may_see_classes,
            "collectivite": collectivite_label(school),
            "breadcrumb": [home_crumb(), schools_crumb(), {"label": school.name, "url": ""}],
        },
    )


@login_required
def class_detail(request, uai: str, uid):
    class_group = get_object_or_404(
        ClassGroup.objects.select_related("etablissement", "school_year"),
        etablissement__uai=uai.upper(),
        uid=uid,
    )
    # Pupils' names are personal data: only those Identité's authorization service allows
    # (the class's teachers, the school's staff, its pupils and their guardians, operators) see
    # them, and every refusal is in the security log.
    identite.ensure(request, "class.view", class_group)
    school = class_group.etablissement
    today = timezone.localdate()
    # Pupils: names and level only (no INE, no birth date on a page).
    pupils = list(
        Enrolment.objects.filter(active_on("", today), class_group=class_group)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "person_id")
        .distinct()
    )
    person_ids = [enrolment.person_id for enrolment in pupils]
    # A pupil's level is that of their division (for a group, the division they belong to).
    division_levels = dict(
        Enrolment.objects.filter(
            active_on("", today),
            person_id__in=person_ids,
            class_group__etablissement=school,
            class_group__school_year=class_group.school_year,
            class_group__kind=ClassGroup.Kind.DIVISION,
        ).values_list("person_id", "class_group__level")
    )
    levels = dict(Level.choices)
    pupil_rows = []
    seen = set()
    for enrolment in pupils:
        if enrolment.person_id in seen:
            continue
        seen.add(enrolment.person_id)
        level = division_levels.get(enrolment.person_id) or class_group.level
        pupil_rows.append({"person": enrolment.person, "level": levels.get(level, level)})

    subjects = defaultdict(list)
    teachers = {}
    for assignment in (
        TeachingAssignment.objects.filter(active_on("", today), class_group=class_group)
        .select_related("person", "matiere")
        .order_by("person__last_name", "person__first_name", "matiere__label")
    ):
        teachers[assignment.person_id] = assignment.person
        if assignment.matiere.label not in subjects[assignment.person_id]:
            subjects[assignment.person_id].append(assignment.matiere.label)
    teacher_rows = [{"person": person, "subjects": subjects[pk]} for pk, person in teachers.items()]

    return render(
        request,
        "referentiel/class_detail.html",
        {
            "class_group": class_group,
            "school": school,
            "pupils": pupil_rows,
            "teachers": teacher_rows,
            "breadcrumb": [
                home_crumb(),
                schools_crumb(),
                {"label": school.name, "url": reverse("referentiel:school_detail", args=[school.uai])},
                {"label": class_group.name, "url": ""},
            ],
        },
    )
