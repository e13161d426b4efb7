"""Identité's pages: login (password, then TOTP), TOTP enrolment, activation, password reset,
the account page (sessions, connected services, second factor) and the class letters.

No page reveals whether an identifier exists: the same answer, and the same work, whatever was
typed. Every credential endpoint is throttled (django-axes for the password; `throttle` for the
codes and TOTP)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import (
    authenticate,
    get_user_model,
    login,
    update_session_auth_hash,
)
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import PasswordChangeView
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from socle.referentiel import services as referentiel

from . import accounts, conf, connected, sessions, tasks, throttle
from .forms import (
    CodeForm,
    ContactForm,
    LoginForm,
    PasswordChangeForm,
    ResetRequestForm,
    TotpEnrolForm,
    TotpForm,
)
from .models import AccountKind, AccountState, CodeChannel, CodePurpose
from .security import log_event
from .services import account_of, can, ensure, identity_of, requires_second_factor, roles_of

ROLE_LABELS = {
    "pupil": gettext_lazy("pupil"),
    "guardian": gettext_lazy("guardian of %(pupil)s"),
    "teacher": gettext_lazy("teacher"),
    "head": gettext_lazy("head of school"),
    "deputy": gettext_lazy("deputy head"),
    "documentaliste": gettext_lazy("documentaliste"),
    "vie_scolaire": gettext_lazy("vie scolaire"),
    "responsable_affectation": gettext_lazy("responsable d'affectation"),
    "administrative": gettext_lazy("administrative staff"),
    "staff": gettext_lazy("staff"),
    "commune": gettext_lazy("commune officer (%(code)s)"),
    "departement": gettext_lazy("département officer (%(code)s)"),
    "region": gettext_lazy("région officer (%(code)s)"),
    "academie": gettext_lazy("académie officer (%(code)s)"),
    "ministry": gettext_lazy("ministry"),
    "operator": gettext_lazy("platform operator"),
    "partner": gettext_lazy("partner"),
}


def role_lines(user) -> list[str]:
    """The user's roles in words, one line per school role (classes and subjects left out)."""
    pupils = {}
    lines = []
    for role in roles_of(user):
        if role.class_uid and role.name == "teacher":
            continue
        if role.name == "guardian":
            if role.pupil_uid not in pupils:
                person = referentiel.person_by_uid(role.pupil_uid)
                pupils[role.pupil_uid] = f"{person.first_name} {person.last_name}" if person else ""
            text = str(ROLE_LABELS["guardian"]) % {"pupil": pupils[role.pupil_uid]}
        else:
            text = str(ROLE_LABELS.get(role.name, role.name)) % {"code": role.territory_code}
        if role.uai:
            text = f"{text} — {role.uai}"
        if text not in lines:
            lines.append(text)
    return lines


PENDING_KEY = "identite_pending"
PENDING_LIFETIME = dt.timedelta(minutes=5)


def _safe_next(request, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure()):
        return value
    return reverse(settings.LOGIN_REDIRECT_URL) if ":" in settings.LOGIN_REDIRECT_URL else "/"


def _locked_response(request, until):
    log_event("throttled", request=request, details={"path": request.path})
    response = render(request, "identite/throttled.html", {"until": until}, status=429)
    return response


# --- login -------------------------------------------------------------------------------------
AUTHENTICATED_AT = sessions.AUTHENTICATED_AT


def _signed_in(request, user, response, *, backend=None):
    """Complete a sign-in: Django's login, the time it happened, and this browser remembered as
    known for the account (its failures are then counted apart: throttle.py)."""
    login(request, user, backend=backend)
    request.session[AUTHENTICATED_AT] = timezone.now().timestamp()
    return throttle.remember_device(response, request, user.get_username())


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    # `reauth`: show the form to a signed-in user too (CAS renew=true asks for the credentials
    # again without ending the session first).
    if request.user.is_authenticated and request.method == "GET" and not request.GET.get("reauth"):
        return HttpResponseRedirect(_safe_next(request, next_url))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        until = throttle.locked_until("password", request, username)
        if until:
            return _locked_response(request, until)
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return _locked_response(request, None)
        account = account_of(user) if user is not None else None
        if user is not None and account is not None and account.state != AccountState.ACTIVE:
            # Right password on a suspended account: the same answer as a wrong one.
            user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
            user = None
        if user is not None:
            throttle.register_success("password", request, username)
            if TOTPDevice.objects.filter(user=user, confirmed=True).exists() or requires_second_factor(user):
                request.session.cycle_key()
                request.session[PENDING_KEY] = {
                    "user": user.pk,
                    "backend": user.backend,
                    "since": timezone.now().isoformat(),
                    "next": _safe_next(request, next_url),
                }
                if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                    return redirect("identite:login_totp")
                return redirect("identite:totp_enrol")
            return _signed_in(request, user, HttpResponseRedirect(_safe_next(request, next_url)))
        locked = throttle.register_failure("password", request, username)
        if locked:
            return _locked_response(request, locked)
        form.add_error(None, _("Incorrect login or password, or account not activated."))
    return render(request, "identite/login.html", {"form": form, "next": next_url})


def _pending_user(request):
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None, None
    since = dt.datetime.fromisoformat(pending["since"])
    if timezone.now() - since > PENDING_LIFETIME:
        request.session.pop(PENDING_KEY, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return None, None
    user.backend = pending["backend"]
    return user, pending


def _complete_login(request, user, device, pending):
    request.session.pop(PENDING_KEY, None)
    user.otp_device = device  # django-otp marks the session verified on user_logged_in
    return _signed_in(
        request, user, HttpResponseRedirect(pending.get("next") or "/"), backend=pending["backend"]
    )


@sensitive_post_parameters("token")
@never_cache
def login_totp_view(request):
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, _("Your login has expired: please log in again."))
        return redirect("identite:login")
    username = user.get_username()
    until = throttle.locked_until("totp", request, username)
    if until:
        return _locked_response(request, until)
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            allowed, _info = device.verify_is_allowed()
            if allowed and device.verify_token(form.cleaned_data["token"]):
                throttle.register_success("totp", request, username)
                log_event("totp_success", request=request, user=user)
                return _complete_login(request, user, device, pending)
        log_event("totp_failure", request=request, user=user)
        locked = throttle.register_failure("totp", request, username)
        if locked:
            return _locked_response(request, locked)
        form.add_error(None, _("Incorrect or expired code."))
    return render(request, "identite/login_totp.html", {"form": form})


# --- TOTP enrolment ----------------------------------------------------------------------------
def _otpauth_uri(device: TOTPDevice, label: str) -> str:
    from base64 import b32encode
    from urllib.parse import quote, urlencode

    issuer = settings.SOCLE_SERVICE_NAME
    secret = b32encode(device.bin_key).decode().rstrip("=")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "digits": device.digits,
            "period": device.step,
            "algorithm": "SHA1",
        }
    )
    return f"otpauth://totp/{quote(issuer)}:{quote(label)}?{query}"


def _qr_svg(data: str) -> str:
    """The QR code as inline SVG markup, rendered server-side, with no style attribute."""
    return segno.make(data, error="m").svg_inline(scale=5, dark="#000", light="#fff", omitsize=False)


def _enrolling_user(request):
    """Who may enrol here, or a response sending them where they belong.

    A fully logged-in user may enrol (replacing a confirmed device needs its code: see the form).
    A half-logged-in session (password given, second factor not yet) may enrol only when its user
    has no confirmed device — the first enrolment of a login that requires one. A user who has a
    device goes through the code step: the password alone never reaches a new device."""
    if request.user.is_authenticated:
        return request.user, None, None
    pending_user, pending = _pending_user(request)
    if pending_user is None:
        return None, None, redirect_to_login(request)
    if TOTPDevice.objects.filter(user=pending_user, confirmed=True).exists():
        log_event("totp_failure", request=request, user=pending_user, details={"enrolment": "refused"})
        return None, None, redirect("identite:login_totp")
    return pending_user, pending, None


def _verify_current_factor(user, token: str):
    """The confirmed device of `user` that accepts `token`, or None."""
    for current in TOTPDevice.objects.filter(user=user, confirmed=True):
        allowed, _info = current.verify_is_allowed()
        if allowed and current.verify_token(token):
            return current
    return None


@sensitive_post_parameters("token", "current_token")
@never_cache
def totp_enrol_view(request):
    user, pending, refusal = _enrolling_user(request)
    if refusal is not None:
        return refusal
    replacing = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None or (request.method == "GET" and request.GET.get("renew")):
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator application"), confirmed=False)
    username = user.get_username()
    until = throttle.locked_until("totp", request, username)
    if until:
        return _locked_response(request, until)
    form = TotpEnrolForm(request.POST or None, replacing=replacing)
    if request.method == "POST" and form.is_valid():
        current_ok = not replacing or _verify_current_factor(user, form.cleaned_data["current_token"])
        if current_ok and device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                # The previous devices go only once the current factor has been shown (a
                # replacement, logged below); a first enrolment has only unconfirmed leftovers.
                others = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk)
                replaced = others.filter(confirmed=True).count()
                others.delete()
            throttle.register_success("totp", request, username)
            log_event("totp_enrolled", request=request, user=user, details={"replaced": replaced})
            if pending is not None:
                return _complete_login(request, user, device, pending)
            # Already logged in: mark this session verified too.
            from django_otp import login as otp_login

            otp_login(request, device)
            messages.success(request, _("Two-step verification is now on."))
            return redirect("identite:account")
        log_event("totp_failure", request=request, user=user, details={"enrolment": True})
        locked = throttle.register_failure("totp", request, username)
        if locked:
            return _locked_response(request, locked)
        if not current_ok:
            form.add_error("current_token", _("Incorrect or expired code of your current application."))
        else:
            form.add_error("token", _("Incorrect or expired code. Check your phone's time and try again."))
    uri = _otpauth_uri(device, username)
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    context = {
        "form": form,
        "qr_svg": _qr_svg(uri),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "mandatory": pending is not None,
        "replacing": replacing,
    }
    return render(request, "identite/totp_enrol.html", context)


@login_required
@require_POST
def totp_remove_view(request):
    if requires_second_factor(request.user):
        messages.error(request, _("Two-step verification is mandatory for your account."))
        return redirect("identite:account")
    deleted, _details = TOTPDevice.objects.filter(user=request.user).delete()
    if deleted:
        log_event("totp_removed", request=request, user=request.user)
        messages.success(request, _("Two-step verification is now off."))
    return redirect("identite:account")


def redirect_to_login(request):
    from django.contrib.auth.views import redirect_to_login as django_redirect

    return django_redirect(request.get_full_path(), reverse("identite:login"))


# --- activation and reset ----------------------------------------------------------------------
@sensitive_post_parameters("code", "new_password1", "new_password2")
@never_cache
def code_view(request, purpose: str):
    """Login + code + new password, for activation (letter, e-mail, SMS codes) and reset. Both
    pages accept both kinds of code, so they share one counter ("code")."""
    purposes = (CodePurpose.ACTIVATION, CodePurpose.RESET)
    form = CodeForm(request.POST or None, initial={"username": request.GET.get("identifiant", "")})
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        until = throttle.locked_until("code", request, username)
        if until:
            return _locked_response(request, until)
        if form.is_valid():
            found = accounts.check_code(username, form.cleaned_data["code"], purposes)
            if found is None:
                log_event("code_failure", request=request, identifier=username, details={"scope": purpose})
                locked = throttle.register_failure("code", request, username)
                if locked:
                    return _locked_response(request, locked)
                form.add_error(
                    None,
                    _("This login and code do not match a valid code. Check them, or ask for a new code."),
                )
            else:
                form.check_password(found.account.user)
                if form.is_valid():
                    accounts.use_code(found, form.cleaned_data["new_password1"], request=request)
                    throttle.register_success("code", request, username)
                    messages.success(request, _("Your password is set. You can now log in."))
                    return throttle.remember_device(redirect("identite:login"), request, username)
    template = "identite/activation.html" if purpose == CodePurpose.ACTIVATION else "identite/reset.html"
    return render(request, template, {"form": form})


def _code_requested(request, scope: str, request_kind: str, identifier: str):
    """The same work whatever `identifier` is: count the request against this client (the form
    sends messages: it must not become a relay), hand the rest to the background worker
    (tasks.deliver_requested_code), answer the same page."""
    until = throttle.locked_until(scope, request, identifier, account_cap=False)
    if until:
        return _locked_response(request, until)
    throttle.register_failure(scope, request, identifier, account_cap=False)
    tasks.deliver_requested_code.enqueue(request_kind, identifier)
    return render(request, "identite/code_sent.html", {"activation": request_kind == tasks.ACTIVATION})


@never_cache
def activation_request_view(request):
    """Guardian self-activation: a code to the e-mail or mobile the school knows. Same answer,
    same work, whether it matched or not."""
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = form.cleaned_data["contact"].strip()
        return _code_requested(request, "activation_request", tasks.ACTIVATION, contact)
    return render(request, "identite/activation_request.html", {"form": form})


@never_cache
def reset_request_view(request):
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        return _code_requested(request, "reset_request", tasks.RESET, username)
    return render(request, "identite/reset_request.html", {"form": form})


# --- account page ------------------------------------------------------------------------------
@login_required
@never_cache
def account_view(request):
    current = sessions.current_session(request)
    account = account_of(request.user)
    context = {
        "identity": identity_of(request.user),
        "account": account,
        "sessions": sessions.active_sessions(request.user),
        "current_session_id": current.pk if current else None,
        "services": connected.connected_services(request.user),
        "totp_device": TOTPDevice.objects.filter(user=request.user, confirmed=True).first(),
        "totp_mandatory": requires_second_factor(request.user),
        "external_identities": account.external_identities.all() if account else [],
        "letter_schools": _letter_schools(request.user),
        "role_lines": role_lines(request.user),
    }
    return render(request, "identite/account.html", context)


@login_required
@require_POST
def session_revoke_view(request, session_id: int):
    if sessions.revoke(request.user, session_id):
        log_event("session_revoked", request=request, user=request.user, details={"session": session_id})
        messages.success(request, _("The session is closed."))
    current = sessions.current_session(request)
    if current is not None and current.pk == session_id:
        from django.contrib.auth import logout

        logout(request)
        return redirect("identite:login")
    return redirect("identite:account")


@login_required
@require_POST
def service_revoke_view(request, key: str):
    if connected.revoke_service(request.user, key):
        messages.success(request, _("Access revoked: the service will have to ask for your consent again."))
    return redirect("identite:account")


class PasswordChange(PasswordChangeView):
    template_name = "identite/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("identite:account")

    def post(self, request, *args, **kwargs):
        until = throttle.locked_until("password_change", request, request.user.get_username())
        if until:
            return _locked_response(request, until)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if "old_password" in form.errors:
            log_event(
                "login_failure",
                request=self.request,
                user=self.request.user,
                details={"form": "password_change"},
            )
            locked = throttle.register_failure(
                "password_change", self.request, self.request.user.get_username()
            )
            if locked:
                return _locked_response(self.request, locked)
        return super().form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        update_session_auth_hash(self.request, form.user)
        account = account_of(form.user)
        if account is not None:
            account.password_changed_at = timezone.now()
            account.save(update_fields=["password_changed_at", "updated_at"])
        log_event("password_reset", request=self.request, user=form.user, details={"changed_by": "self"})
        messages.success(self.request, _("Your password has been changed."))
        return response


# --- class letters -----------------------------------------------------------------------------
def _letter_schools(user):
    from .services import visible

    uais = {r.uai for r in roles_of(user) if r.name in ("head", "deputy", "administrative") and r.uai}
    if any(r.name == "operator" for r in roles_of(user)):
        return []
    return list(visible(user, "school").filter(uai__in=uais))


def _school_or_404(uai: str):
    try:
        school = referentiel.school_by_uai(uai)
    except ValueError:
        school = None
    if school is None:
        raise Http404
    return school


@login_required
def school_letters_view(request, uai: str):
    school = _school_or_404(uai)
    ensure(request, "school.view", school)
    classes = [
        c
        for c in referentiel.classes_of_school(school, kind="division")
        if can(request.user, "class.activation_letters", c)
    ]
    if not classes:
        ensure(request, "school.manage", school)
    return render(request, "identite/letters_school.html", {"school": school, "classes": classes})


@dataclass(frozen=True)
class Letter:
    recipient: str
    kind: str  # "pupil" or "guardian"
    login: str
    code: str  # formatted; "" when the account is already active
    pupil: str


@login_required
@never_cache
def class_letters_view(request, uai: str, class_uid):
    school = _school_or_404(uai)
    group = referentiel.class_by_uid(class_uid)
    if group is None or group.etablissement_id != school.pk:
        raise Http404
    ensure(request, "class.activation_letters", group)
    pupils = list(referentiel.pupils_of_class(group))
    pupils_get_accounts = not school.is_first_degree
    if request.method != "POST":
        return render(
            request,
            "identite/letters_class.html",
            {
                "school": school,
                "group": group,
                "pupil_count": len(pupils),
                "pupils_get_accounts": pupils_get_accounts,
            },
        )
    letters: list[Letter] = []
    seen_guardians: set = set()
    for pupil in pupils:
        pupil_name = f"{pupil.first_name} {pupil.last_name}"
        if pupils_get_accounts:
            account = accounts.ensure_account(pupil, AccountKind.PUPIL)
            letters.append(_letter(request, account, pupil_name, "pupil", pupil_name))
        for guardianship in referentiel.guardians_of(pupil):
            guardian = guardianship.guardian
            if not guardianship.legal_responsible or guardian.pk in seen_guardians:
                continue
            seen_guardians.add(guardian.pk)
            account = accounts.ensure_account(guardian, AccountKind.GUARDIAN)
            letters.append(
                _letter(
                    request, account, f"{guardian.first_name} {guardian.last_name}", "guardian", pupil_name
                )
            )
    context = {
        "school": school,
        "group": group,
        "letters": letters,
        "activation_url": request.build_absolute_uri(reverse("identite:activation")),
        "valid_until": timezone.localdate() + dt.timedelta(days=conf.activation_code_days()),
    }
    return render(request, "identite/letters_print.html", context)


def _letter(request, account, recipient: str, kind: str, pupil: str) -> Letter:
    code = ""
    if account.state == AccountState.PENDING:
        code = accounts.format_code(
            accounts.issue_code(
                account, CodePurpose.ACTIVATION, CodeChannel.LETTER, issued_by=request.user, request=request
            )
        )
    return Letter(recipient, kind, account.user.get_username(), code, pupil)
