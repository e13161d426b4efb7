"""Pages: the médiacentre (resources assigned to the user, with launch links), the launch
(assignment check, access log, redirection to the provider) and the console d'affectation of the
schools' responsables d'affectation (action school.resources.assign). Each has its JSON twin in
api.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from socle.core.forms import AccessibleErrorsMixin
from socle.identite import services as identite
from socle.referentiel import services as referentiel

from . import services
from .models import AUDIENCES, Assignment, AssignmentType, ResourceAccess, TargetKind

AUDIENCE_CHOICES = [
    ("ELEVE", gettext_lazy("Pupils")),
    ("ENSEIGNANT", gettext_lazy("Teachers")),
    ("DOCUMENTALISTE", gettext_lazy("Documentalistes")),
    ("AUTRE_PERSONNEL", gettext_lazy("Other staff")),
]


@login_required
def mediacentre(request):
    entries = services.mediacentre(request.user)
    return render(request, "ressources_gar/mediacentre.html", {"entries": entries})


@login_required
def launch(request, ark: str):
    result = services.check_access(request.user, ark)
    if not result.allowed:
        return render(
            request,
            "ressources_gar/refused.html",
            {"message": result.message, "resource": result.resource},
            status=403,
        )
    services.record_access(request.user, result, ResourceAccess.Channel.LAUNCH)
    return HttpResponseRedirect(result.resource.launch_url)


# --- Console d'affectation ---------------------------------------------------------------------
def assignable_schools(user):
    """The schools where `user` may assign licences."""
    return [s for s in identite.visible(user, "school") if identite.can(user, "school.resources.assign", s)]


@login_required
def console_index(request):
    schools = assignable_schools(request.user)
    if len(schools) == 1:
        return redirect("ressources_gar:console", uai=schools[0].uai)
    return render(request, "ressources_gar/console_index.html", {"schools": schools})


class AssignForm(AccessibleErrorsMixin, forms.Form):
    subscription = forms.ChoiceField(label=gettext_lazy("Subscription"))
    target_kind = forms.ChoiceField(label=gettext_lazy("Assign to"), choices=TargetKind.choices)
    classes = forms.MultipleChoiceField(
        label=gettext_lazy("Classes"), required=False, widget=forms.CheckboxSelectMultiple
    )
    group = forms.ChoiceField(label=gettext_lazy("Group"), required=False)
    level = forms.ChoiceField(label=gettext_lazy("Level"), required=False)
    subject = forms.ChoiceField(label=gettext_lazy("Subject"), required=False)
    audiences = forms.MultipleChoiceField(
        label=gettext_lazy("Audiences (for classes, a group or a level)"),
        choices=AUDIENCE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, school, subscriptions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subscription"].choices = [
            (s.subscription_id, f"{s.resource_label} ({s.subscription_id})")
            for s in subscriptions
            if s.assignment_type == AssignmentType.INDIVIDUAL
        ]
        classes = list(referentiel.classes_of_school(school))
        self.fields["classes"].choices = [(str(c.uid), c.name) for c in classes if c.kind == "division"]
        empty = [("", _("— choose —"))]
        self.fields["group"].choices = empty + [(str(c.uid), c.name) for c in classes if c.kind == "groupe"]
        levels = sorted({c.level for c in classes if c.kind == "division" and c.level})
        self.fields["level"].choices = empty + [(level, level) for level in levels]
        self.fields["subject"].choices = empty + [(m.code, m.label) for m in referentiel.subjects()]
        for name in ("subscription", "target_kind", "group", "level", "subject"):
            self.fields[name].widget.attrs["class"] = "fr-select"

    def target_codes(self) -> list[str]:
        kind = self.cleaned_data["target_kind"]
        if kind == TargetKind.CLASSES:
            return list(self.cleaned_data["classes"])
        value = {
            TargetKind.GROUP: self.cleaned_data["group"],
            TargetKind.LEVEL: self.cleaned_data["level"],
            TargetKind.SUBJECT: self.cleaned_data["subject"],
        }.get(kind, "")
        return [value] if value else []


def _school_or_404(request, uai: str):
    school = referentiel.school_by_uai(uai)
    if school is None:
        raise Http404(uai)
    identite.ensure(request, "school.resources.assign", school)
    return school


def console_context(school):
    subscriptions = list(services.subscriptions_of_school(school.uai))
    rows = []
    for subscription in subscriptions:
        rows.append(
            {
                "subscription": subscription,
                "usage": services.licence_usage(subscription),
                "assignments": list(subscription.assignments.filter(uai=school.uai)),
            }
        )
    return subscriptions, rows


@login_required
def console(request, uai: str):
    school = _school_or_404(request, uai)
    subscriptions, rows = console_context(school)
    form = AssignForm(request.POST or None, school=school, subscriptions=subscriptions)
    if request.method == "POST" and form.is_valid():
        subscription = next(
            s for s in subscriptions if s.subscription_id == form.cleaned_data["subscription"]
        )
        try:
            assignment = services.assign(
                subscription,
                school.uai,
                form.cleaned_data["target_kind"],
                form.target_codes(),
                list(form.cleaned_data["audiences"]) or None,
                actor=request.user,
            )
        except services.AssignmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(resource)s assigned to %(target)s.")
                % {"resource": subscription.resource_label, "target": assignment.target_label},
            )
            return redirect("ressources_gar:console", uai=school.uai)
    return render(
        request,
        "ressources_gar/console.html",
        {
            "school": school,
            "rows": rows,
            "form": form,
            "history": services.history(school.uai),
            "audience_labels": dict(AUDIENCE_CHOICES),
            "audiences": AUDIENCES,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def withdraw(request, uai: str, pk: int):
    school = _school_or_404(request, uai)
    assignment = get_object_or_404(Assignment, pk=pk, uai=school.uai)
    event = services.withdraw(assignment, actor=request.user)
    messages.success(
        request,
        _("Assignment to %(target)s withdrawn; %(count)d licence(s) released.")
        % {"target": event.target_label, "count": event.licences_released},
    )
    return redirect("ressources_gar:console", uai=school.uai)
