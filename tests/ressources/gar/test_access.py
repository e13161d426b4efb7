"""Access with minimal data, end to end against the live server: a real CAS client (python-cas)
and a real SAML service provider (pysaml2) act as two different providers' resources. Checked:
refusal without assignment (at the IdP too: no bypass of the médiacentre), exactly the approved
attributes, IDO stable per provider and different across providers, the pseudonymous access
log, the launch redirection."""

from __future__ import annotations

import re

import pytest
import requests

from socle.identite.cas.models import CasService
from socle.identite.services import pairwise_subject
from socle.ressources.gar import services
from socle.ressources.gar.models import ResourceAccess
from tests.identite.test_cas import cas_client, obtain_ticket, session_for
from tests.identite.test_saml import SP

from .conftest import CAS_ARK, SAML_ARK, subscribe


@pytest.fixture
def providers(live_server, world, catalogue, distributors, tmp_path):
    """The CAS resource served under the live server's /editeur-cas/, the SAML resource as a
    pysaml2 SP; both registered in Identité with broad release lists, which the access policy
    must override."""
    cas_service = f"{live_server.url}/editeur-cas/"
    catalogue["cas"].sso_service = cas_service
    catalogue["cas"].launch_url = f"{cas_service}accueil"
    catalogue["cas"].save()
    CasService.objects.create(
        name="Éditions Maths",
        service_url=cas_service,
        released_attributes="IDO PRO UAI DIV PRE NOM given_name family_name email",
    )
    sp = SP(live_server, tmp_path, "lire-plus")
    sp.register(attributes="IDO PRO UAI DIV PRE NOM givenName sn mail", encrypt_assertions=False)
    catalogue["saml"].sso_service = sp.entity_id
    catalogue["saml"].save()
    uai = world.schools["college"].uai
    subs = {
        "cas": subscribe(distributors["EDMATHS"][0], CAS_ARK, uai),
        "saml": subscribe(distributors["EDLIRE"][0], SAML_ARK, uai),
    }
    return {"cas_service": cas_service, "sp": sp, "subs": subs, "uai": uai}


def assign_4b(world, subscription):
    return services.assign(
        subscription,
        world.schools["college"].uai,
        "classes",
        [str(world.classes["4B"].uid)],
        actor=world.user("martin"),
    )


def saml_login(sp, http):
    request_id, location = sp.start_redirect()
    return request_id, http.get(location, timeout=30)


def test_refused_without_assignment_at_the_idp_and_at_launch(live_server, world, providers):
    http = session_for(world.user("lea"))
    client = cas_client(live_server, f"{providers['cas_service']}accueil")
    refused = http.get(client.get_login_url(), allow_redirects=False, timeout=30)
    assert refused.status_code == 403
    assert "Cette ressource ne vous a pas été affectée" in refused.text
    _request_id, page = saml_login(providers["sp"], http)
    assert page.status_code == 403
    assert "Cette ressource ne vous a pas été affectée" in page.text
    launch = http.get(
        f"{live_server.url}/ressources/acces/lancer/{CAS_ARK}", allow_redirects=False, timeout=30
    )
    assert launch.status_code == 403
    assert "<h1>Accès refusé</h1>" in launch.text
    assert not ResourceAccess.objects.exists()


def test_cas_resource_gets_exactly_ido_pro_uai_div(live_server, world, providers):
    assign_4b(world, providers["subs"]["cas"])
    lea = world.user("lea")
    http = session_for(lea)
    launch = http.get(
        f"{live_server.url}/ressources/acces/lancer/{CAS_ARK}", allow_redirects=False, timeout=30
    )
    assert launch.status_code == 302
    assert launch.headers["Location"] == f"{providers['cas_service']}accueil"
    client = cas_client(live_server, launch.headers["Location"])
    user, attributes, _pgt = client.verify_ticket(obtain_ticket(http, client))
    ido = services.provider_subject(lea, "EDMATHS")
    assert user == ido
    ignored = ("authenticationDate", "isFromNewLogin", "longTermAuthenticationRequestTokenUsed")
    released = {k: v for k, v in attributes.items() if k not in ignored}
    assert set(released) == {"IDO", "PRO", "UAI", "DIV"}  # not PRE/NOM, not the service's own list
    assert released["IDO"] == ido
    assert released["PRO"] == "National_elv"
    assert released["UAI"] == providers["uai"]
    assert sorted(released["DIV"]) == ["4B##4e B", "4LAT##Latin 4e"]
    # the access log holds the pseudonym, never the user
    channels = sorted(ResourceAccess.objects.values_list("channel", flat=True))
    assert channels == ["cas", "launch"]
    logged = ResourceAccess.objects.get(channel="cas")
    assert (logged.ark, logged.provider, logged.ido, logged.uai, logged.profile) == (
        CAS_ARK,
        "EDMATHS",
        ido,
        providers["uai"],
        "National_elv",
    )
    assert {f.name for f in ResourceAccess._meta.fields} == {
        "id",
        "ark",
        "provider",
        "ido",
        "uai",
        "profile",
        "channel",
        "at",
    }


def test_saml_resource_gets_approved_pre_only_and_ids_differ_across_providers(live_server, world, providers):
    for subscription in providers["subs"].values():
        assign_4b(world, subscription)
    lea = world.user("lea")
    http = session_for(lea)
    sp = providers["sp"]
    request_id, page = saml_login(sp, http)
    assert page.status_code == 200, page.text[:1000]
    response, raw, _relay = sp.finish(page.text, request_id)
    ido_saml = services.provider_subject(lea, "EDLIRE")
    assert response.assertion.subject.name_id.text == ido_saml
    ava = response.ava
    assert set(ava) == {"IDO", "PRO", "UAI", "DIV", "PRE"}  # NOM not approved; no sn, mail, givenName
    assert ava["IDO"] == [ido_saml] and ava["PRO"] == ["National_elv"] and ava["PRE"] == ["Léa"]
    assert ava["UAI"] == [providers["uai"]]
    assert "Moreau" not in raw
    # the CAS provider sees another IDO; each IDO is stable across sign-ins
    client = cas_client(live_server, providers["cas_service"])
    ido_cas = client.verify_ticket(obtain_ticket(http, client))[0]
    again = client.verify_ticket(obtain_ticket(http, client))[0]
    assert ido_cas == again == services.provider_subject(lea, "EDMATHS")
    assert ido_cas != ido_saml
    request_id, page = saml_login(sp, http)
    assert sp.finish(page.text, request_id)[0].ava["IDO"] == [ido_saml]
    # not the IdP's generic pairwise subjects either
    assert ido_saml != pairwise_subject(lea, sp.entity_id)
    assert re.fullmatch(r"[0-9a-f]{64}", ido_saml)


def test_assignment_ended_at_validation_refuses_the_ticket(live_server, world, providers):
    assignment = assign_4b(world, providers["subs"]["cas"])
    http = session_for(world.user("lea"))
    client = cas_client(live_server, providers["cas_service"])
    ticket = obtain_ticket(http, client)
    services.withdraw(assignment, actor=world.user("martin"))
    body = requests.get(
        f"{live_server.url}/cas/p3/serviceValidate",
        params={"ticket": ticket, "service": client.service_url},
        timeout=30,
    ).text
    assert 'code="UNAUTHORIZED_SERVICE"' in body


def test_services_that_are_not_resources_keep_the_idp_rules(live_server, world, providers):
    CasService.objects.create(name="ENT", service_url=f"{live_server.url}/ent/", released_attributes="PRO")
    http = session_for(world.user("lea"))
    client = cas_client(live_server, f"{live_server.url}/ent/")
    user, attributes, _pgt = client.verify_ticket(obtain_ticket(http, client))
    assert attributes["PRO"] == "National_elv"
    assert user == pairwise_subject(world.user("lea"), f"cas:{live_server.url}/ent/")
