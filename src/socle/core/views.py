"""Pages of the user-interface shell: home, login/logout, the legal pages and the error pages."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render, resolve_url
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token

from .context_processors import platform
from .forms import LoginForm


@dataclass(frozen=True)
class Brick:
    name: str
    description: str
    url_name: str | None = None  # None until the brick has pages


BRICKS = [
    Brick(
        _("Registry"),
        _("One national registry of territories, schools, people, classes and their links, entered once."),
        "referentiel:school_list",
    ),
    Brick(
        _("Identity"),
        _("One account per person, signing in to every service with OpenID Connect, CAS or SAML."),
    ),
    Brick(
        _("Resources"),
        _("Access to digital educational resources, with pseudonymous identifiers and minimal data."),
        "ressources:search",
    ),
    Brick(
        _("Traces"),
        _("A learning record store that receives xAPI statements with pseudonymised actors."),
    ),
    Brick(
        _("Steering"),
        _("Shared indicators for schools, territories and the ministry, with small cells suppressed."),
        "pilotage:dashboard",
    ),
    Brick(
        _("School life"),
        _("School–family communication that holds messages during evening and weekend quiet hours."),
        "viescolaire:inbox",
    ),
    Brick(
        _("Digital skills"),
        _("CRCN and Pix results for pupils and families, and a class view for differentiated follow-up."),
        "competences:home",
    ),
]


def demo_personas() -> tuple[list, str]:
    """The demo logins (dev only). Imported lazily: the module belongs to the demo data."""
    try:
        from socle.referentiel.demo.personas import DEMO_PASSWORD, PERSONAS
    except ImportError:
        return [], ""
    return list(PERSONAS), DEMO_PASSWORD


def home(request):
    bricks = [
        {
            "name": brick.name,
            "description": brick.description,
            "url": reverse(brick.url_name) if brick.url_name else "",
        }
        for brick in BRICKS
    ]
    context = {"bricks": bricks, "show_demo_logins": settings.SOCLE_SHOW_DEMO_LOGINS}
    if settings.SOCLE_SHOW_DEMO_LOGINS:
        context["personas"], context["demo_password"] = demo_personas()
    return render(request, "core/home.html", context)


class LoginView(auth_views.LoginView):
    """The platform's plain password login, used only when no identity brick provides one.

    When settings.LOGIN_URL names another login (Identité's: password, then TOTP where enrolled
    or mandatory), this page redirects there: a second, password-only door would let staff with
    administrative rights skip their second factor."""

    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        login_url = resolve_url(settings.LOGIN_URL)
        if login_url != request.path:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponseRedirect(f"{login_url}?{query}" if query else login_url)
        return super().dispatch(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): the header's logout button is a form with a CSRF token."""


def accessibility(request):
    return render(request, "core/accessibility.html")


def legal_notice(request):
    return render(request, "core/legal_notice.html")


def personal_data(request):
    return render(request, "core/personal_data.html")


@requires_csrf_token
def server_error(request):
    """The 500 page through the common base template, without touching the database (it may be
    what failed): only the platform values are given, no context processor runs."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({**platform(request), "request": request}))


def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
