"""Pages of Compétences numériques (mounted at /competences/): the landing page of each reader
(pupil, guardian, teacher, head), a pupil's profile, a class's matrix with its suggestions. Each
page only calls services.py; the JSON API (api.py) offers the same reads."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from . import access, charts, crcn, services


def _page(view):
    """Login required; NotFound (unknown or not visible) becomes a 404."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except services.NotFound as error:
            raise Http404(str(error)) from error

    return wrapper


def _crumbs(*items):
    return [{"label": _("Digital skills"), "url": reverse("competences:home")}, *items]


@_page
def home(request):
    family = services.family_pupils(request.user)
    classes = services.matrix_classes(request.user)
    pix_edu = services.pix_plus_edu_of(request.user)
    me = next((uid for uid, _name in family if uid == access.person_uid_of(request.user)), None)
    if me and len(family) == 1 and not classes and pix_edu is None:
        # A pupil: their own profile is their whole space here.
        return redirect("competences:profile", pupil_uid=me)
    return render(
        request,
        "competences/home.html",
        {
            "family": [(uid, name, uid == me) for uid, name in family],
            "classes": classes,
            "pix_edu": pix_edu,
            "breadcrumb": [{"label": _("Digital skills")}],
        },
    )


@_page
def profile(request, pupil_uid):
    data = services.read_profile(request, pupil_uid)
    lines = data.lines
    return render(
        request,
        "competences/profile.html",
        {
            "profile": data,
            "is_self": data.relation == "self",
            "chart": charts.levels_chart(
                [(line.code, line.level) for line in lines],
                maximum=crcn.MAX_LEVEL,
                target=crcn.SCHOOL_TARGET_LEVEL,
            ),
            "parcours": [(n, crcn.PARCOURS_6E[n], n in data.parcours_done) for n in crcn.PARCOURS_6E],
            "max_pix": crcn.MAX_PIX,
            "breadcrumb": _crumbs({"label": f"{data.first_name} {data.last_name}"}),
        },
    )


@_page
def matrix(request, class_uid):
    sex = request.GET.get("sexe", "")
    try:
        threshold = int(request.GET.get("sous", services.DEFAULT_THRESHOLD))
    except ValueError:
        threshold = services.DEFAULT_THRESHOLD
    error = ""
    try:
        data = services.class_matrix(request, class_uid, sex=sex, threshold=threshold)
    except services.InvalidInput as invalid:
        error = invalid.message
        sex, threshold = "", services.DEFAULT_THRESHOLD
        data = services.class_matrix(request, class_uid, sex=sex, threshold=threshold)
    return render(
        request,
        "competences/matrix.html",
        {
            "matrix": data,
            "error": error,
            "thresholds": range(1, crcn.SCHOOL_TARGET_LEVEL + 1),
            "buckets": services.BUCKETS,
            "chart": charts.distribution_chart(data.distribution, len(data.rows)),
            "legend": charts.LEGEND,
            "breadcrumb": _crumbs({"label": data.class_info.name}),
        },
    )
