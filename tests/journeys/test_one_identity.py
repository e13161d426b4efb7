"""Journey 1 — one identity, everywhere: the same demo account (Karim, then Léa) signs in to an
OpenID Connect relying party (Authlib), a CAS service (python-cas) and a SAML service provider
(pysaml2) on the live server; each service sees its own pseudonymous subject, stable from one
sign-in to the next, and never the account's username."""

from __future__ import annotations

import pytest

from socle.identite.services import pairwise_subject
from tests.identite.test_cas import cas_client, obtain_ticket, register
from tests.identite.test_oidc import code_flow, make_client
from tests.identite.test_saml import SP

pytestmark = pytest.mark.django_db(transaction=True)


def _subjects(live_server, demo, login, tmp_path, username, rp, cas_url, sp):
    """(OIDC sub, CAS user, SAML NameID) of `username`, each service used twice."""
    user = demo.user(username)
    http = login(username)
    seen = {"oidc": set(), "cas": set(), "saml": set()}
    for _ in range(2):
        _rp, _meta, _token, claims, _http = code_flow(
            live_server, rp, user, scope="openid profile", http=http
        )
        seen["oidc"].add(claims["sub"])
        client = cas_client(live_server, cas_url)
        cas_user, _attributes, _pgt = client.verify_ticket(obtain_ticket(http, client))
        seen["cas"].add(cas_user)
        request_id, location = sp.start_redirect()
        response, _raw, _relay = sp.finish(http.get(location).text, request_id)
        seen["saml"].add(response.assertion.subject.name_id.text)
    for service, subjects in seen.items():
        assert len(subjects) == 1, f"{service}: the subject changed between two sign-ins: {subjects}"
    return seen["oidc"].pop(), seen["cas"].pop(), seen["saml"].pop()


def test_one_account_three_protocols_three_stable_pseudonyms(live_server, demo, login, tmp_path):
    rp = make_client(live_server, name="Appli des familles", scopes="openid profile", skip_authorization=True)
    cas_url = f"{live_server.url}/ent/accueil"
    register(f"{live_server.url}/ent/", attributes="IDO PRO UAI")
    sp = SP(live_server, tmp_path, "ressource-journee")
    sp.register(attributes="FrEduCtPersonAffiliation", encrypt_assertions=False)

    karim = _subjects(live_server, demo, login, tmp_path, "karim", rp, cas_url, sp)
    _oidc_sub, cas_user, saml_name_id = karim
    assert len(set(karim)) == 3, "the three services must not share a subject"
    assert "karim" not in " ".join(karim).lower()
    # The subjects are Identité's pairwise pseudonyms of that one account, one per audience.
    user = demo.user("karim")
    assert cas_user == pairwise_subject(user, f"cas:{live_server.url}/ent/")
    assert saml_name_id == pairwise_subject(user, sp.entity_id)

    lea = _subjects(live_server, demo, login, tmp_path, "lea", rp, cas_url, sp)
    assert len(set(lea)) == 3
    assert not set(lea) & set(karim), "two people never share a subject at any service"
