"""Back-channel single logout: when a Socle session ends (whatever ended it: the CAS logout, the
OIDC RP-initiated logout, the site's logout button), each CAS service that validated a ticket of
that session receives a SAML LogoutRequest whose SessionIndex is the ticket."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import requests
from django.utils import timezone

from .models import ServiceTicket
from .responses import logout_request

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 3


def _post(url: str, ticket: str) -> bool:
    try:
        response = requests.post(url, data={"logoutRequest": logout_request(ticket)}, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        log.warning("CAS single logout to %s failed: %s", url, error)
        return False
    return response.status_code < 400


def single_logout(session_key: str) -> int:
    """Notify the services of the session; returns how many accepted the request."""
    if not session_key:
        return 0
    tickets = list(
        ServiceTicket.objects.filter(
            session_key=session_key,
            validated_at__isnull=False,
            logged_out_at__isnull=True,
            service__single_logout=True,
        ).select_related("service")
    )
    if not tickets:
        return 0
    ServiceTicket.objects.filter(pk__in=[t.pk for t in tickets]).update(logged_out_at=timezone.now())
    with ThreadPoolExecutor(max_workers=min(8, len(tickets))) as pool:
        results = pool.map(lambda t: _post(t.service.logout_url or t.service_url, t.ticket), tickets)
        return sum(results)


def single_logout_on_logout(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        single_logout(request.session.session_key or "")
