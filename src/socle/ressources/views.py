"""Pages of the catalogue: search and notice (school staff, territorial officers, ministry),
the provider's notices and submission form, the ministry's review queue and review page.

Authorization goes through `workflow` (roles from Identité, provider membership); a notice the
user may not see answers 404 so that its existence does not leak.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from socle.core.forms import AccessibleErrorsMixin

from . import workflow
from .importers import import_scolomfr
from .models import Provider, Resource, Status
from .search import CYCLES, FACET_NAMES, USAGES, search

PER_PAGE = 10


def _crumbs(*items):
    return [{"label": _("Home"), "url": "/"}, *({"label": label, "url": url} for label, url in items)]


def _resource_or_404(user, ark: str) -> Resource:
    resource = Resource.objects.select_related("provider").prefetch_related("terms").filter(ark=ark).first()
    if resource is None or not workflow.can_view(user, resource):
        raise Http404("no such notice")
    return resource


# --- search and notice -------------------------------------------------------------------------
@login_required
def search_page(request):
    if not workflow.is_reader(request.user):
        if workflow.providers_for(request.user).exists():
            return redirect("ressources:provider")  # a provider's entry point is its own notices
        raise PermissionDenied("ressources.search")
    query = request.GET.get("q", "")[:200]
    filters = {name: request.GET.getlist(name) for name in FACET_NAMES}
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    result = search(query, filters, page=page, per_page=PER_PAGE)
    paginator = Paginator(range(result.total), PER_PAGE)
    page_obj = paginator.page(result.page)
    return render(
        request,
        "ressources/search.html",
        {
            "result": result,
            "query": query,
            "page_obj": page_obj,
            "page_range": paginator.get_elided_page_range(result.page),
            "filtered": bool(query or any(filters.values())),
            "is_reviewer": workflow.is_reviewer(request.user),
            "breadcrumb": _crumbs((_("Resources"), "")),
        },
    )


def _labels(values, choices):
    return [str(choices.get(v, v)) for v in values]


@login_required
def detail_page(request, ark: str):
    resource = _resource_or_404(request.user, ark)
    own = workflow.own_resources(request.user).filter(pk=resource.pk).exists()
    reviewer = workflow.is_reviewer(request.user)
    terms: dict[str, list] = {}
    for term in resource.terms.all():
        terms.setdefault(term.vocabulary, []).append(term)
    return render(
        request,
        "ressources/detail.html",
        {
            "resource": resource,
            "cycles": _labels(resource.cycles, CYCLES),
            "usages": _labels(resource.usages, USAGES),
            "levels": terms.get("scolomfr-voc-022", []),
            "domains": terms.get("scolomfr-voc-015", []),
            "types": terms.get("scolomfr-voc-010", []),
            "documents": terms.get("scolomfr-voc-005", []),
            "decisions": resource.decisions.all() if (own or reviewer) else [],
            "show_workflow": own or reviewer,
            "breadcrumb": _crumbs((_("Resources"), reverse("ressources:search")), (resource.title, "")),
        },
    )


# --- provider ----------------------------------------------------------------------------------
class UploadForm(AccessibleErrorsMixin, forms.Form):
    provider = forms.ModelChoiceField(
        label=_("Provider"),
        queryset=Provider.objects.none(),
        to_field_name="distributor_code",
        empty_label=None,
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    file = forms.FileField(
        label=_("ScoLOMFR notices (XML file)"),
        help_text=_("One or several <lom:lom> notices; at most 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={"class": "fr-upload", "accept": ".xml,application/xml,text/xml"}
        ),
    )
    submit = forms.BooleanField(label=_("Submit the notices for review now"), required=False, initial=True)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = workflow.providers_for(user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


@login_required
def provider_page(request):
    providers = workflow.providers_for(request.user)
    if not providers.exists():
        raise PermissionDenied("ressources.provider")
    report = None
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            report = import_scolomfr(
                [(upload.name, upload)],
                form.cleaned_data["provider"],
                submit_as=request.user if form.cleaned_data["submit"] else None,
            )
            if report.ok:
                messages.success(
                    request,
                    _("%(count)d notice(s) imported.") % {"count": len(report.created) + len(report.updated)},
                )
                return redirect("ressources:provider")
    else:
        form = UploadForm(user=request.user)
    return render(
        request,
        "ressources/provider.html",
        {
            "form": form,
            "report": report,
            "imported_count": len(report.created) + len(report.updated) if report else 0,
            "resources": workflow.own_resources(request.user).order_by("status", "title"),
            "breadcrumb": _crumbs((_("My resources"), "")),
        },
    )


@login_required
@require_POST
def provider_submit(request, ark: str):
    resource = Resource.objects.filter(ark=ark).select_related("provider").first()
    if resource is None:
        raise Http404("no such notice")
    try:
        workflow.submit(resource, request.user)
    except workflow.WorkflowError as error:
        messages.error(request, error.localized())
    else:
        messages.success(request, _("“%(title)s” was submitted for review.") % {"title": resource.title})
    return redirect("ressources:provider")


# --- review ------------------------------------------------------------------------------------
def _ensure_reviewer(request):
    if not workflow.is_reviewer(request.user):
        raise PermissionDenied("ressources.review")


@login_required
def review_queue_page(request):
    _ensure_reviewer(request)
    return render(
        request,
        "ressources/review_queue.html",
        {"queue": workflow.review_queue(), "breadcrumb": _crumbs((_("Resources to review"), ""))},
    )


class ReviewForm(AccessibleErrorsMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("qualify", _("Qualify")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    checklist = forms.MultipleChoiceField(
        label=_("Doctrine checklist"),
        choices=list(workflow.CHECKLIST.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    approved_attributes = forms.MultipleChoiceField(
        label=_("Extra attributes released"), required=False, widget=forms.CheckboxSelectMultiple
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        help_text=_("Required to refuse; sent to the provider."),
        required=False,
        widget=forms.Textarea(attrs={"class": "fr-input", "rows": 4}),
    )

    def __init__(self, *args, resource: Resource, **kwargs):
        super().__init__(*args, **kwargs)
        names = {"PRE": _("first name (PRE)"), "NOM": _("last name (NOM)")}
        self.fields["approved_attributes"].choices = [(a, names[a]) for a in resource.requested_attributes]


@login_required
def review_page(request, ark: str):
    _ensure_reviewer(request)
    resource = _resource_or_404(request.user, ark)
    if resource.status != Status.SUBMITTED:
        messages.info(request, _("This notice is not awaiting review."))
        return redirect("ressources:detail", ark=resource.ark)
    form = ReviewForm(request.POST or None, resource=resource)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.review(
                resource,
                request.user,
                qualify=form.cleaned_data["decision"] == "qualify",
                checklist=dict.fromkeys(form.cleaned_data["checklist"], True),
                reasons=form.cleaned_data["reasons"],
                approved_attributes=set(form.cleaned_data["approved_attributes"]),
            )
        except workflow.WorkflowError as error:
            form.add_error(error.field if error.field in form.fields else None, error.localized())
            for name in form.errors:
                if name in form.fields:
                    form.fields[name].widget.attrs.update(
                        {"aria-invalid": "true", "aria-describedby": f"{form[name].auto_id}-error"}
                    )
        else:
            messages.success(request, _("Decision recorded for “%(title)s”.") % {"title": resource.title})
            return redirect("ressources:review_queue")
    return render(
        request,
        "ressources/review.html",
        {
            "resource": resource,
            "form": form,
            "breadcrumb": _crumbs(
                (_("Resources to review"), reverse("ressources:review_queue")), (resource.title, "")
            ),
        },
    )
