"""The CAS 3.0 server, driven by python-cas (a CAS client library from PyPI) against the live test
server on PostgreSQL: login → ticket → p3/serviceValidate with per-service attributes, CAS 2
serviceValidate, single-use and expiring tickets bound to their service, the registry, gateway,
renew, and SAML back-channel single logout received by a real HTTP endpoint."""

from __future__ import annotations

import datetime as dt
import re
import threading
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cas import CASClient, CASClientV3
from django.conf import settings
from django.test import Client
from django.utils import timezone

from socle.identite.cas.models import CasService, ServiceTicket
from socle.identite.services import pairwise_subject


def session_for(user) -> requests.Session:
    client = Client()
    client.force_login(user)
    http = requests.Session()
    http.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    return http


def register(service_url, attributes="IDO PRO UAI DIV FrEduCtPersonAffiliation FrEduCtEleveNiveau", **extra):
    return CasService.objects.create(
        name="ENT de test", service_url=service_url, released_attributes=attributes, **extra
    )


def cas_client(live_server, service_url, version=3, **extra):
    return CASClient(version=version, service_url=service_url, server_url=f"{live_server.url}/cas/", **extra)


def obtain_ticket(http, client) -> str:
    response = http.get(client.get_login_url(), allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:500]
    location = response.headers["Location"]
    assert location.startswith(client.service_url)
    return parse_qs(urlsplit(location).query)["ticket"][0]


def test_cas3_login_and_validation_release_the_services_attributes(live_server, world):
    service_url = f"{live_server.url}/ent/accueil?lang=fr"
    service = register(f"{live_server.url}/ent/")
    lea = world.user("lea")
    client = cas_client(live_server, service_url)
    ticket = obtain_ticket(session_for(lea), client)
    assert ticket.startswith("ST-")
    user, attributes, pgtiou = client.verify_ticket(ticket)
    expected = pairwise_subject(lea, f"cas:{service.service_url}")
    assert user == expected
    assert pgtiou is None
    assert attributes["IDO"] == expected
    assert attributes["PRO"] == "National_elv"
    assert attributes["UAI"] == world.schools["college"].uai
    assert sorted(attributes["DIV"]) == ["4B##4e B", "4LAT##Latin 4e"]
    assert attributes["FrEduCtPersonAffiliation"] == "eleve2d"
    assert attributes["FrEduCtEleveNiveau"] == "4E"
    assert attributes["isFromNewLogin"] == "false"
    # attributes outside the service's release list are not sent
    assert (
        "FrEduCtEleveINEHash" not in attributes and "NOM" not in attributes and "given_name" not in attributes
    )


def test_each_service_sees_its_own_subject(live_server, world):
    register(f"{live_server.url}/ent/")
    register(f"{live_server.url}/vie-scolaire/", attributes="")
    http = session_for(world.user("lea"))
    users = []
    for url in (f"{live_server.url}/ent/", f"{live_server.url}/vie-scolaire/", f"{live_server.url}/ent/"):
        client = cas_client(live_server, url)
        users.append(client.verify_ticket(obtain_ticket(http, client))[0])
    assert users[0] != users[1] and users[0] == users[2]


def test_cas2_service_validate_returns_the_user_only(live_server, world):
    register(f"{live_server.url}/ent/")
    client = cas_client(live_server, f"{live_server.url}/ent/", version=2)
    user, attributes, _pgt = client.verify_ticket(obtain_ticket(session_for(world.user("martin")), client))
    assert user and len(user) == 64
    assert attributes is None


def test_tickets_are_single_use(live_server, world):
    register(f"{live_server.url}/ent/")
    client = cas_client(live_server, f"{live_server.url}/ent/")
    ticket = obtain_ticket(session_for(world.user("lea")), client)
    assert client.verify_ticket(ticket)[0]
    assert client.verify_ticket(ticket)[0] is None
    body = requests.get(
        f"{live_server.url}/cas/p3/serviceValidate",
        params={"ticket": ticket, "service": client.service_url},
        timeout=30,
    ).text
    assert 'code="INVALID_TICKET"' in body


def test_tickets_expire_within_seconds(live_server, world):
    assert settings.SOCLE_CAS_TICKET_SECONDS <= 30
    register(f"{live_server.url}/ent/")
    client = cas_client(live_server, f"{live_server.url}/ent/")
    ticket = obtain_ticket(session_for(world.user("lea")), client)
    issued = ServiceTicket.objects.get(ticket=ticket)
    assert (issued.expires_at - issued.created_at).total_seconds() == settings.SOCLE_CAS_TICKET_SECONDS
    ServiceTicket.objects.filter(pk=issued.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.verify_ticket(ticket)[0] is None


def test_a_ticket_is_bound_to_its_service(live_server, world):
    register(f"{live_server.url}/ent/")
    client = cas_client(live_server, f"{live_server.url}/ent/a")
    ticket = obtain_ticket(session_for(world.user("lea")), client)
    body = requests.get(
        f"{live_server.url}/cas/p3/serviceValidate",
        params={"ticket": ticket, "service": f"{live_server.url}/ent/b"},
        timeout=30,
    ).text
    assert 'code="INVALID_SERVICE"' in body
    assert client.verify_ticket(ticket)[0] is None  # and it is burnt


def test_unregistered_services_get_no_ticket(live_server, world):
    register("https://ent.example.org/")
    http = session_for(world.user("lea"))
    for url in (
        "https://ent.example.org.evil.example/",
        "http://ent.example.org/",
        "https://autre.example.org/",
    ):
        response = http.get(
            f"{live_server.url}/cas/login", params={"service": url}, allow_redirects=False, timeout=30
        )
        assert response.status_code == 400
        assert "ticket=" not in response.headers.get("Location", "")
    assert not ServiceTicket.objects.exists()


def test_anonymous_login_goes_to_the_login_page_or_back_with_gateway(live_server, world):
    register(f"{live_server.url}/ent/")
    client = cas_client(live_server, f"{live_server.url}/ent/")
    response = requests.get(client.get_login_url(), allow_redirects=False, timeout=30)
    assert response.status_code == 302
    from django.shortcuts import resolve_url

    assert urlsplit(response.headers["Location"]).path == resolve_url(settings.LOGIN_URL)
    gateway = cas_client(live_server, f"{live_server.url}/ent/", extra_login_params={"gateway": "true"})
    response = requests.get(gateway.get_login_url(), allow_redirects=False, timeout=30)
    assert response.status_code == 302 and response.headers["Location"] == f"{live_server.url}/ent/"


def test_renew_rejects_a_ticket_from_the_sso_session(live_server, world):
    register(f"{live_server.url}/ent/")
    client = cas_client(live_server, f"{live_server.url}/ent/")
    ticket = obtain_ticket(session_for(world.user("lea")), client)
    body = requests.get(
        f"{live_server.url}/cas/p3/serviceValidate",
        params={"ticket": ticket, "service": client.service_url, "renew": "true"},
        timeout=30,
    ).text
    assert 'code="INVALID_TICKET"' in body


@pytest.fixture
def logout_receiver():
    """A CAS client application's endpoint receiving back-channel logout requests."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            form = parse_qs(self.rfile.read(length).decode())
            received.append(form.get("logoutRequest", [""])[0])
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/app/", received
    server.shutdown()
    server.server_close()


def test_logout_sends_saml_single_logout_to_the_services(live_server, world, logout_receiver):
    service_url, received = logout_receiver
    register(service_url)
    register(f"{live_server.url}/sans-slo/", single_logout=False)
    http = session_for(world.user("lea"))
    client = cas_client(live_server, service_url)
    ticket = obtain_ticket(http, client)
    assert client.verify_ticket(ticket)[0]
    quiet = cas_client(live_server, f"{live_server.url}/sans-slo/")
    assert quiet.verify_ticket(obtain_ticket(http, quiet))[0]
    # The logout URL shows a confirmation (a cross-site GET must not end the session); the
    # user's confirmation is a POST with the page's CSRF token.
    page = http.get(client.get_logout_url(service_url), allow_redirects=False, timeout=30)
    assert page.status_code == 200 and not received
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
    response = http.post(
        f"{live_server.url}{action}", data={"csrfmiddlewaretoken": token}, allow_redirects=False, timeout=30
    )
    assert response.status_code == 302 and response.headers["Location"] == service_url
    assert len(received) == 1
    assert CASClientV3.verify_logout_request(received[0], ticket)
    # the SSO session is over
    response = http.get(client.get_login_url(), allow_redirects=False, timeout=30)
    assert "ticket=" not in response.headers["Location"]


@pytest.mark.browser
def test_journey_one_pupil_logs_in_through_the_login_page_and_reaches_the_ent(
    page, live_server, world, axe_check
):
    """Journey 1 in a browser: Léa opens her ENT (a CAS service), types her password on Socle's
    login page, comes back to the ENT with a ticket, which the ENT validates with python-cas."""
    from .conftest import PASSWORD

    service_url = f"{live_server.url}/ent/accueil"
    register(f"{live_server.url}/ent/")
    client = cas_client(live_server, service_url)
    page.goto(client.get_login_url())
    assert urlsplit(page.url).path != "/cas/login"  # the login page
    page.locator("input[name=username]").fill("lea")
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_request(lambda request: request.url.startswith(service_url + "?ticket=")) as arrival:
        page.locator("main button[type=submit]").first.click()
    ticket = parse_qs(urlsplit(arrival.value.url).query)["ticket"][0]
    user, attributes, _pgt = client.verify_ticket(ticket)
    assert user == pairwise_subject(world.user("lea"), f"cas:{live_server.url}/ent/")
    assert attributes["isFromNewLogin"] == "true"
    # an unregistered service gets an accessible error page, in French
    page.goto(f"{live_server.url}/cas/login?service=https://inconnu.example/")
    assert page.locator("h1").inner_text() == "Connexion refusée"
    axe_check(page)
