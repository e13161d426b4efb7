"""The API: a connected Pix-like provider writes results with a scoped token under a data-sharing
agreement (every call checked and logged, pupils outside the agreement refused), and readers get
the same reads as the pages, authorised and audited the same way."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from socle.competences.audit import profile_reads
from socle.competences.models import Certification, ParcoursCompletion, PixPlusEdu, PixProfile
from socle.core.models import ApiToken
from socle.echanges.models import AccessLogEntry, Agreement
from socle.ressources import demo as ressources_demo

from .conftest import class_profiles

pytestmark = pytest.mark.django_db
BASE = "/competences/api"


def agreement(w, **extra):
    values = {
        "name": "Pix (GIP)",
        "consumer_kind": "edtech",
        "purpose": "Résultats Pix des élèves des collèges d'Ille-et-Vilaine",
        "legal_basis": "mission_publique",
        "allowed_fields": ["competences.results"],
        "schools": [w.schools["college"].uai],
        "starts_on": dt.date(2025, 1, 1),
        "expires_on": dt.date(2099, 12, 31),
        "contact_name": "GIP Pix",
        "contact_email": "contact@pix.example",
        "client_id": "pix-gip",
    }
    values.update(extra)
    return Agreement.objects.create(**values)


def provider_token(w, **extra) -> str:
    agreement(w, **extra)
    out = io.StringIO()
    call_command("competences_provider", name="Pix", agreement="pix-gip", stdout=out)
    return out.getvalue().split("Token (shown once): ")[1].strip()


def post(token, path, items):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().post(f"{BASE}{path}", json.dumps(items), content_type="application/json", **headers)


def profile_item(ine=None, uid=None, level=3):
    return {
        "pupil": {"ine": ine} if ine else {"uid": uid},
        "shared_at": "2026-02-01T10:00:00+01:00",
        "competences": [
            {"code": "2.1", "level": level, "pix": level * 8 + 2},
            {"code": "3.4", "level": 1, "pix": 9},
        ],
    }


def test_a_provider_sends_profiles_for_its_agreements_pupils_only(cw):
    token = provider_token(cw)
    items = [
        profile_item(ine=cw.persons["lea"].ine),
        profile_item(uid=str(cw.persons["zoe"].uid)),
        profile_item(ine="123456789AE"),  # Noé, collège de Brest: outside the agreement
        profile_item(ine="999999999ZZ"),  # nobody
        {**profile_item(ine=cw.persons["jade"].ine), "competences": [{"code": "9.9", "level": 1, "pix": 8}]},
        profile_item(ine=cw.persons["hugo"].ine, level=0)
        | {"pupil": {"ine": "x", "uid": str(cw.persons["hugo"].uid)}},
    ]
    response = post(token, "/provider/profiles", items)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 4)
    assert [(r["outcome"], r["reason"]) for r in body["results"]] == [
        ("created", ""),
        ("created", ""),
        ("rejected", "pupil: this pupil's school is outside the provider's agreement"),
        ("rejected", "pupil: no pupil with this identifier in the Référentiel"),
        ("rejected", "competences: '9.9' is not a competence of the CRCN (1.1 … 5.2)"),
        ("rejected", "pupil: give exactly one of 'ine' or 'uid'"),
    ]
    lea = PixProfile.objects.get(person_uid=cw.persons["lea"].uid)
    assert (lea.level_of("2.1"), lea.total_pix, lea.source, lea.source_label) == (
        3,
        35,
        "provider_api",
        "Pix",
    )
    assert not PixProfile.objects.filter(person_uid=cw.persons["noe"].uid).exists()
    entry = AccessLogEntry.objects.get()
    assert (entry.channel, entry.granted, entry.record_count) == ("competences_api", True, 2)
    assert entry.detail == {"provider": "Pix", "accepted": 2, "rejected": 4}
    # An invalid level is the schema's 422, for the whole call.
    bad = post(token, "/provider/profiles", [profile_item(ine=cw.persons["lea"].ine, level=9)])
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_body"


def test_parcours_certifications_and_pix_plus_edu(cw):
    token = provider_token(cw)
    lea = cw.persons["lea"].ine
    done = post(
        token,
        "/provider/parcours",
        [{"pupil": {"ine": lea}, "parcours": 1, "completed_at": "2025-10-02T09:00:00+02:00"}],
    )
    assert done.json()["accepted"] == 1 and ParcoursCompletion.objects.get().parcours == 1
    certs = post(
        token,
        "/provider/certifications",
        [
            {
                "pupil": {"ine": lea},
                "certified_at": "2026-03-10",
                "pix_score": 312,
                "palier": "Indépendant 1",
            },
            {
                "pupil": {"ine": cw.persons["zoe"].ine},
                "certified_at": "2026-03-10",
                "pix_score": 100,
                "palier": "Maître",
            },
        ],
    ).json()
    assert [r["reason"] for r in certs["results"]] == [
        "",
        "palier: expected one of Novice 1, Novice 2, Indépendant 1, Indépendant 2, Avancé 1, Avancé 2, "
        "Expert 1, Expert 2",
    ]
    assert Certification.objects.get().palier == "Indépendant 1"
    edu = post(
        token,
        "/provider/pix-plus-edu",
        [
            {
                "teacher": {"uid": str(cw.persons["martin"].uid)},
                "level": "confirme",
                "degree": "2d",
                "obtained_at": "2025-06-30",
            },
            {
                "teacher": {"uid": str(cw.persons["diallo"].uid)},
                "level": "initie",
                "degree": "1d",
                "obtained_at": "2025-06-30",
            },
        ],
    ).json()
    assert [r["outcome"] for r in edu["results"]] == ["created", "rejected"]  # Diallo's école: out of scope
    assert PixPlusEdu.objects.get().school_uai == cw.schools["college"].uai
    client = Client()
    client.force_login(cw.user("martin"))
    assert client.get(f"{BASE}/me").json()["pix_plus_edu"] == "confirme"


def test_a_provider_call_is_refused_outside_a_valid_agreement(cw):
    token = provider_token(cw)
    assert post(None, "/provider/profiles", []).status_code == 401
    assert post("soc_unknown", "/provider/profiles", []).status_code == 401
    Agreement.objects.update(is_active=False)
    refused = post(token, "/provider/profiles", [profile_item(ine=cw.persons["lea"].ine)])
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "agreement_refused",
        "message": "agreement 'Pix (GIP)' is suspended",
    }
    Agreement.objects.update(is_active=True, expires_on=dt.date(2025, 6, 30))
    assert (
        post(token, "/provider/profiles", []).json()["error"]["message"]
        == "agreement 'Pix (GIP)' expired on 2025-06-30"
    )
    Agreement.objects.update(expires_on=dt.date(2099, 12, 31), allowed_fields=["users.givenName"])
    assert post(token, "/provider/profiles", []).json()["error"]["message"] == (
        "agreement 'Pix (GIP)' does not share 'competences' results"
    )
    refusals = AccessLogEntry.objects.filter(granted=False).order_by("at", "id")
    assert [entry.reason for entry in refusals] == [
        "agreement 'Pix (GIP)' is suspended",
        "agreement 'Pix (GIP)' expired on 2025-06-30",
        "agreement 'Pix (GIP)' does not share 'competences' results",
    ]
    assert not PixProfile.objects.exists()
    # A token of the right scope but not bound to an agreement; a token of another scope.
    _, loose = ApiToken.issue("loose", ["competences:write"])
    assert post(loose, "/provider/profiles", []).json()["error"]["code"] == "no_agreement"
    _, other = ApiToken.issue("other", ["referentiel:read"])
    assert post(other, "/provider/profiles", []).json()["error"]["code"] == "insufficient_scope"


def test_readers_get_the_pages_reads_authorised_and_audited(cw):
    ressources_demo.seed(io.StringIO())
    class_profiles(cw)
    lea = cw.persons["lea"].uid
    karim = Client()
    karim.force_login(cw.user("karim"))
    body = karim.get(f"{BASE}/pupils/{lea}/profile").json()
    assert (body["relation"], body["total_pix"], body["max_pix"]) == ("guardian", 315, 1024)
    assert {c["code"]: c["level"] for c in body["competences"]}["2.1"] == 1
    assert [family["first_name"] for family in karim.get(f"{BASE}/me").json()["family"]] == ["Inès", "Léa"]
    durand = Client()
    durand.force_login(cw.user("durand"))
    assert durand.get(f"{BASE}/pupils/{lea}/profile").json() == {
        "error": {"code": "not_found", "message": "Not found."}
    }
    assert Client().get(f"{BASE}/pupils/{lea}/profile").status_code == 401
    martin = Client()
    martin.force_login(cw.user("martin"))
    matrix = martin.get(f"{BASE}/classes/{cw.classes['4B'].uid}/matrix").json()
    [suggestion] = [s for s in matrix["suggestions"] if s["code"] == "2.1"]
    assert (
        suggestion["explanation"]
        == "3 élèves sous le niveau 2 en 2.1 Interagir → ces 4 ressources visent 2.1 au cycle 4"
    )
    assert len(suggestion["resources"]) == 4
    assert matrix["distribution"][3] == {
        "code": "2.1",
        "by_level": {"0": 1, "1": 2, "2": 0, "3": 2, "4": 0, "5+": 0},
        "no_result": 0,
    }
    assert (
        martin.get(f"{BASE}/classes/{cw.classes['4B'].uid}/matrix?sexe=Z").json()["error"]["field"] == "sexe"
    )
    assert profile_reads(lea).filter(additional_data__channel="api").count() == 1


def test_the_framework_and_the_openapi_document_are_public(cw):
    framework = Client().get(f"{BASE}/framework").json()
    assert (
        framework["code"],
        framework["max_pix"],
        len(framework["competences"]),
        len(framework["levels"]),
    ) == (
        "CRCN-2019",
        1024,
        16,
        8,
    )
    assert framework["levels"][7]["certification_label"] == "Expert 2"
    schema = Client().get(f"{BASE}/openapi.json").json()
    operation = schema["paths"][f"{BASE}/provider/profiles"]["post"]
    assert operation["security"] == [{"TokenAuth": ["competences:write"]}]
    assert f"{BASE}/classes/{{class_uid}}/matrix" in schema["paths"]
