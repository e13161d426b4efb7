"""CAS 3.0 endpoints: /cas/login, /cas/logout, /cas/serviceValidate (CAS 2: the user only),
/cas/p3/serviceValidate (CAS 3: with cas:attributes). Proxy tickets are not issued."""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from socle.identite import access_policies
from socle.identite.oidc.identity import released_attributes, subject_for
from socle.identite.oidc.validators import user_may_sign_in
from socle.identite.sessions import AUTHENTICATED_AT

from . import responses as xml
from .models import CasService, ServiceTicket

PENDING_LOGIN = "identite_cas_login_pending"
# renew=true on a signed-in session: when the credentials were asked again (epoch seconds).
RENEW_ASKED_AT = "identite_cas_renew_asked_at"


def ticket_seconds() -> int:
    return getattr(settings, "SOCLE_CAS_TICKET_SECONDS", 10)


def _with_ticket(service: str, ticket: str) -> str:
    """The service URL as given (clients compare it byte for byte), plus the ticket."""
    base, hash_mark, fragment = service.partition("#")
    separator = "&" if urlsplit(base).query else "?"
    return f"{base}{separator}{urlencode({'ticket': ticket})}{hash_mark}{fragment}"


def _error(request, message: str, status: int = 400):
    return render(request, "identite_cas/error.html", {"message": message}, status=status)


def _purge_old_tickets() -> None:
    if secrets.randbelow(100) == 0:
        horizon = timezone.now() - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        ServiceTicket.objects.filter(created_at__lt=horizon).delete()


@never_cache
@require_GET
def login(request):
    service_url = request.GET.get("service", "")
    renew = request.GET.get("renew", "").lower() == "true"
    gateway = request.GET.get("gateway", "").lower() == "true"
    if not service_url:
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return redirect_to_login(request.get_full_path())
    service = CasService.for_url(service_url)
    if service is None:
        return _error(request, _("This service is not registered with the identity provider."))
    renewed = False
    if request.user.is_authenticated and renew and not request.session.get(PENDING_LOGIN):
        # renew=true asks for the credentials again. The SSO session is not ended for that (any
        # site can make a browser open this URL): the login form is shown to the signed-in user,
        # and the ticket says isFromNewLogin only once they were typed after this request.
        asked = request.session.get(RENEW_ASKED_AT)
        typed = request.session.get(AUTHENTICATED_AT, 0)
        if asked is None or typed < asked:
            request.session[RENEW_ASKED_AT] = timezone.now().timestamp()
            return redirect_to_login(request.get_full_path(), f"{reverse(settings.LOGIN_URL)}?reauth=1")
        request.session.pop(RENEW_ASKED_AT, None)
        renewed = True
    if not request.user.is_authenticated:
        if gateway:
            return HttpResponseRedirect(service_url)
        request.session[PENDING_LOGIN] = True
        return redirect_to_login(request.get_full_path())
    if not user_may_sign_in(request.user):
        return _error(request, _("This account cannot sign in to services."), status=403)
    # --- access policies (socle.identite.access_policies): e.g. a resource needs an assignment
    decision = access_policies.decide(request.user, "cas", service_url)
    if decision is not None and not decision.allowed:
        return _error(request, decision.message, status=403)
    # --- end access policies
    fresh = bool(request.session.pop(PENDING_LOGIN, False)) or renewed
    if request.session.session_key is None:
        request.session.save()
    now = timezone.now()
    ticket = ServiceTicket.objects.create(
        service=service,
        service_url=service_url,
        user=request.user,
        session_key=request.session.session_key,
        from_new_login=fresh,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=ticket_seconds()),
    )
    _purge_old_tickets()
    return HttpResponseRedirect(_with_ticket(service_url, ticket.ticket))


@never_cache
@require_http_methods(["GET", "POST"])
def logout(request):
    """Ends the Socle session (services get their back-channel LogoutRequest through the
    user_logged_out signal), then goes back to `service` if it is registered.

    Any page can make a browser GET this URL (a link, an image): a signed-in user is asked to
    confirm, with a form posted back here under the CSRF protection; only that POST logs out."""
    service_url = request.GET.get("service") or request.GET.get("url") or ""
    if request.user.is_authenticated:
        if request.method != "POST":
            return render(request, "identite/logout_confirm.html", {"action": request.get_full_path()})
        auth_logout(request)
    if service_url and CasService.for_url(service_url) is not None:
        return HttpResponseRedirect(service_url)
    return render(request, "identite_cas/logged_out.html")


def _xml(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


def _validate(request, *, with_attributes: bool) -> HttpResponse:
    ticket_value = request.GET.get("ticket", "")
    service_url = request.GET.get("service", "")
    renew = request.GET.get("renew", "").lower() == "true"
    if not ticket_value or not service_url:
        return _xml(xml.failure("INVALID_REQUEST", "ticket and service are required"))
    if not ticket_value.startswith("ST-"):
        return _xml(xml.failure("INVALID_TICKET_SPEC", f"Ticket {ticket_value} is not a service ticket"))
    now = timezone.now()
    with transaction.atomic():
        ticket = (
            ServiceTicket.objects.select_for_update()
            .select_related("service", "user")
            .filter(ticket=ticket_value)
            .first()
        )
        if ticket is None or ticket.validated_at is not None or ticket.expires_at <= now:
            # Unknown, already used or expired: a ticket is valid once, for a few seconds.
            if ticket is not None and ticket.validated_at is None:
                ticket.validated_at = now  # an expired ticket is burnt too
                ticket.save(update_fields=["validated_at"])
            return _xml(xml.failure("INVALID_TICKET", f"Ticket {ticket_value} not recognized"))
        ticket.validated_at = now
        ticket.save(update_fields=["validated_at"])
    if ticket.service_url != service_url:
        return _xml(xml.failure("INVALID_SERVICE", f"Ticket {ticket_value} was not issued for this service"))
    if renew and not ticket.from_new_login:
        return _xml(xml.failure("INVALID_TICKET", "Ticket was not issued from a new login (renew=true)"))
    if not ticket.service.enabled or not user_may_sign_in(ticket.user):
        return _xml(xml.failure("INVALID_TICKET", f"Ticket {ticket_value} not recognized"))
    service = ticket.service
    # --- access policies: checked again at release (an assignment may have ended meanwhile)
    decision = access_policies.decide(ticket.user, "cas", ticket.service_url)
    if decision is not None and not decision.allowed:
        return _xml(xml.failure("UNAUTHORIZED_SERVICE", decision.message))
    # --- end access policies
    user_id = subject_for(ticket.user, service.subject_audience)
    if decision is not None and decision.subject:
        user_id = decision.subject
    attributes = None
    if with_attributes:
        attributes = {
            "authenticationDate": [xml.utc_instant(ticket.created_at)],
            "longTermAuthenticationRequestTokenUsed": ["false"],
            "isFromNewLogin": ["true" if ticket.from_new_login else "false"],
        }
        if decision is not None and decision.attributes is not None:
            attributes.update(decision.attributes)
        else:
            attributes.update(
                released_attributes(ticket.user, service.subject_audience, service.attribute_names)
            )
    if decision is not None:
        decision.released()
    return _xml(xml.success(user_id, attributes))


@never_cache
@require_GET
def service_validate(request):
    return _validate(request, with_attributes=False)


@never_cache
@require_GET
def p3_service_validate(request):
    return _validate(request, with_attributes=True)
