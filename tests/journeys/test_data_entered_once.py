"""Journey 2 — data entered once: the ENT vendor reads 4e B's pupils through OneRoster 1.2 REST
(OAuth 2 client credentials with Authlib, under its data-sharing agreement) and gets exactly the
Référentiel's names; fields outside the agreement are refused; the GAR-ENT export, produced from
the same registry, carries the same class and the same pupils."""

from __future__ import annotations

import io
import tarfile

import pytest
from authlib.integrations.requests_client import OAuth2Session
from defusedxml import ElementTree as ET
from django.core.management import call_command

from socle.echanges.models import AccessLogEntry
from socle.referentiel import services as referentiel
from tests.echanges.agreements_fixtures import CORE, ROSTER, make_agreement

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "/ims/oneroster/rostering/v1p2"
SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
GAR = "{http://data.education.fr/ns/gar}"


def ent_vendor_session(live_server, agreement, secret) -> OAuth2Session:
    """The ENT vendor's OAuth 2 client, as its own software would be configured."""
    session = OAuth2Session(
        agreement.client_id,
        secret,
        scope=f"{SCOPE}{CORE} {SCOPE}{ROSTER}",
        token_endpoint_auth_method="client_secret_basic",
    )
    token = session.fetch_token(f"{live_server.url}/ims/oneroster/token", grant_type="client_credentials")
    assert token["token_type"].lower() == "bearer"
    return session


def test_ent_reads_4b_through_oneroster_and_the_gar_export_has_the_same_class(live_server, demo, tmp_path):
    # The operator records the ENT vendor's agreement (Django admin); its field list is the contract.
    agreement = make_agreement(name="ENT Exemple", departements=[demo.college.departement_id])
    _, secret = agreement.issue_client_credentials()
    ent = ent_vendor_session(live_server, agreement, secret)

    registry = {str(p.uid): (p.first_name, p.last_name) for p in referentiel.pupils_of_class(demo.class_4b)}
    assert str(demo.persons["lea"].uid) in registry and len(registry) >= 10

    answer = ent.get(f"{live_server.url}{BASE}/classes/{demo.class_4b.uid}", timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json()["class"]["title"] == demo.class_4b.name

    answer = ent.get(
        f"{live_server.url}{BASE}/classes/{demo.class_4b.uid}/students", params={"limit": 1000}, timeout=60
    )
    assert answer.status_code == 200, answer.text
    users = answer.json()["users"]
    roster = {u["sourcedId"]: (u["givenName"], u["familyName"]) for u in users}
    assert roster == registry  # the same pupils, with the Référentiel's names, nobody re-typed them
    assert all("email" not in u and "birthDate" not in u for u in users)  # outside the agreement

    refused = ent.get(
        f"{live_server.url}{BASE}/classes/{demo.class_4b.uid}/students",
        params={"fields": "email"},
        timeout=60,
    )
    assert refused.status_code in (400, 403), refused.text
    assert "outside the agreement" in refused.json()["imsx_description"]
    assert AccessLogEntry.objects.filter(agreement=agreement).count() >= 3  # every call is logged

    # The GAR-ENT export is produced from the same registry, under the GAR's own agreement.
    gar = make_agreement(
        name="GAR",
        consumer_kind="gar",
        allowed_fields=[
            "users.familyName",
            "users.givenName",
            "users.email",
            "demographics.birthDate",
            "demographics.sex",
        ],
        departements=[demo.college.departement_id],
    )
    out = io.StringIO()
    call_command("gar_export", str(tmp_path), "--agreement", gar.name, stdout=out)
    archive = next(tmp_path.glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    groups = ET.fromstring(next(body for name, body in files.items() if name.endswith("_Groupe_0000.xml")))
    classes = {
        (g.findtext(f"{GAR}GARStructureUAI"), g.findtext(f"{GAR}GARGroupeCode")): g.findtext(
            f"{GAR}GARGroupeLibelle"
        )
        for g in groups.iter(f"{GAR}GARGroupe")
    }
    assert classes[(demo.college.uai, demo.class_4b.code)] == demo.class_4b.name
    members = {
        p.findtext(f"{GAR}GARPersonIdentifiant")
        for p in groups.iter(f"{GAR}GARPersonGroupe")
        if p.findtext(f"{GAR}GARGroupeCode") == demo.class_4b.code
        and p.findtext(f"{GAR}GARStructureUAI") == demo.college.uai
    }
    pupils = ET.fromstring(next(body for name, body in files.items() if name.endswith("_Eleve_0000.xml")))
    names = {
        e.findtext(f"{GAR}GARPersonIdentifiant"): (
            e.findtext(f"{GAR}GARPersonPrenom"),
            e.findtext(f"{GAR}GARPersonNom"),
        )
        for e in pupils.iter(f"{GAR}GAREleve")
    }
    exported = {identifier: names[identifier] for identifier in members if identifier in names}
    assert sorted(exported.values()) == sorted(registry.values())
