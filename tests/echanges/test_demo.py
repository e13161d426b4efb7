"""The exchanges' demo seed: the "ent" persona's agreement and OneRoster client, usable as the
docs say (journey 2, "data entered once"), and `socle agreement-credentials`."""

from __future__ import annotations

import io
import re

import pytest
import requests
from django.core.management import CommandError, call_command
from django.test import override_settings

from socle.echanges import demo
from socle.echanges.models import AccessLogEntry, Agreement
from socle.referentiel import services as referentiel
from socle.referentiel.demo.personas import COLLEGE_NAME, ECOLE_NAME, person_for

from .agreements_fixtures import make_agreement

BASE = "/ims/oneroster/rostering/v1p2"
CREDENTIALS = re.compile(r"OneRoster client id (\S+), secret (\S+) \(dev only\)")


def _demo_world() -> str:
    out = io.StringIO()
    call_command("demo_data", scale="tiny", seed=1, stdout=out)
    call_command("provision_demo_accounts", stdout=out)
    return out.getvalue()


def _token(base_url: str, client_id: str, secret: str) -> requests.Response:
    return requests.post(
        f"{base_url}/ims/oneroster/token",
        auth=(client_id, secret),
        data={"grant_type": "client_credentials"},
        timeout=60,
    )


def _class_4b():
    lea = person_for("lea")
    return next(
        e.class_group
        for e in referentiel.person_links(lea.uid).enrolments
        if e.class_group.kind == "division"
    )


@pytest.mark.django_db(transaction=True)
def test_ent_persona_reads_4b_with_the_printed_credentials(live_server):
    _demo_world()
    first, second = io.StringIO(), io.StringIO()
    demo.seed(first)
    demo.seed(second)  # idempotent: same agreement, same credentials, printed again
    assert "created" in first.getvalue() and "up to date" in second.getvalue()
    assert Agreement.objects.filter(reference=demo.REFERENCE).count() == 1
    printed = [CREDENTIALS.search(out.getvalue()) for out in (first, second)]
    assert printed[0] and printed[1] and printed[0].groups() == printed[1].groups()
    client_id, secret = printed[1].groups()

    agreement = Agreement.objects.get(reference=demo.REFERENCE)
    class_4b = _class_4b()
    college = class_4b.etablissement
    assert (agreement.name, agreement.consumer_kind) == ("ENT Exemple", "ent")
    assert college.name == COLLEGE_NAME
    assert college.uai in agreement.schools and len(agreement.schools) == 2
    assert "users.email" not in agreement.allowed_fields and agreement.client_secret_digest != secret

    answer = _token(live_server.url, client_id, secret)
    assert answer.status_code == 200, answer.text
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    # The two schools of the agreement, and no other of the tiny world.
    schools = requests.get(f"{live_server.url}{BASE}/schools", headers=headers, timeout=60)
    assert schools.status_code == 200, schools.text
    assert {o["name"] for o in schools.json()["orgs"]} == {COLLEGE_NAME, ECOLE_NAME}

    # 4e B's pupils, with the Référentiel's names, and nothing beyond the agreement.
    pupils = requests.get(
        f"{live_server.url}{BASE}/classes/{class_4b.uid}/students",
        params={"limit": 1000},
        headers=headers,
        timeout=60,
    )
    assert pupils.status_code == 200, pupils.text
    users = pupils.json()["users"]
    registry = {str(p.uid): (p.first_name, p.last_name) for p in referentiel.pupils_of_class(class_4b)}
    assert {u["sourcedId"]: (u["givenName"], u["familyName"]) for u in users} == registry
    assert str(person_for("lea").uid) in registry and len(registry) >= 10
    assert all("email" not in u and "identifier" not in u and "sms" not in u for u in users)

    # An out-of-agreement field is refused, in a selection as in a filter; demographics too.
    for params in ({"fields": "givenName,email"}, {"filter": "identifier='x'"}):
        refused = requests.get(
            f"{live_server.url}{BASE}/classes/{class_4b.uid}/students",
            params=params,
            headers=headers,
            timeout=60,
        )
        assert refused.status_code == 400, refused.text
        assert "outside the agreement" in refused.json()["imsx_description"]
    demographics = requests.get(f"{live_server.url}{BASE}/demographics", headers=headers, timeout=60)
    assert demographics.status_code in (401, 403), demographics.text
    assert AccessLogEntry.objects.filter(agreement=agreement, granted=False).count() >= 3
    assert AccessLogEntry.objects.filter(agreement=agreement, granted=True).count() >= 2

    # The operator reissues the credentials: the demo secret stops working, the new one works,
    # and re-seeding keeps the operator's secret (and does not print one).
    out = io.StringIO()
    call_command("agreement_credentials", "--agreement", client_id, "--revoke-tokens", stdout=out)
    new_secret = re.search(r"client_secret: (\S+)", out.getvalue()).group(1)
    assert f"client_id: {client_id}" in out.getvalue() and "Revoked tokens: 1" in out.getvalue()
    assert _token(live_server.url, client_id, secret).status_code == 401
    revoked = requests.get(f"{live_server.url}{BASE}/schools", headers=headers, timeout=60)
    assert revoked.status_code == 401, revoked.text
    again = io.StringIO()
    demo.seed(again)
    assert not CREDENTIALS.search(again.getvalue()) and "reissued" in again.getvalue()
    assert _token(live_server.url, client_id, new_secret).status_code == 200


@pytest.mark.django_db
@override_settings(SOCLE_SHOW_DEMO_LOGINS=False)
def test_without_demo_logins_no_known_secret_is_set():
    _demo_world()
    out = io.StringIO()
    demo.seed(out)
    agreement = Agreement.objects.get(reference=demo.REFERENCE)
    assert agreement.client_id is None and agreement.client_secret_digest == ""
    assert demo.CLIENT_SECRET not in out.getvalue()
    assert "socle agreement-credentials" in out.getvalue()


@pytest.mark.django_db
def test_seed_without_the_demo_world_does_nothing():
    out = io.StringIO()
    demo.seed(out)
    assert Agreement.objects.count() == 0
    assert "nothing seeded" in out.getvalue()


@pytest.mark.django_db
def test_agreement_credentials_by_name_new_client_id_and_errors():
    agreement = make_agreement(name="ENT Bretagne")
    out = io.StringIO()
    call_command("agreement_credentials", "--agreement", "ENT Bretagne", stdout=out)
    agreement.refresh_from_db()
    first_id = agreement.client_id
    secret = re.search(r"client_secret: (\S+)", out.getvalue()).group(1)
    assert first_id and f"client_id: {first_id}" in out.getvalue() and agreement.check_secret(secret)
    assert agreement.client_secret_digest != secret  # stored hashed
    assert AccessLogEntry.objects.filter(agreement=agreement, channel="token").count() == 1

    call_command("agreement_credentials", "--agreement", first_id, "--new-client-id", stdout=io.StringIO())
    agreement.refresh_from_db()
    assert agreement.client_id != first_id and not agreement.check_secret(secret)

    with pytest.raises(CommandError, match="no agreement with this name or client id"):
        call_command("agreement_credentials", "--agreement", "ENT Inconnu")
    make_agreement(name="ENT Bretagne")
    with pytest.raises(CommandError, match="2 agreements have this name"):
        call_command("agreement_credentials", "--agreement", "ENT Bretagne")
