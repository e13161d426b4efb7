"""The catalogue's JSON API: scopes, search with facets, notice, submissions, review, OpenAPI."""

import json

import pytest

from socle.core.models import ApiToken
from socle.ressources.models import Decision, Resource, Status

from .conftest import FIXTURES, qualify_all

pytestmark = pytest.mark.django_db
BASE = "/api/ressources"
GEOMETRY = "ark:/86527/geometrie-cycle3"


def bearer(scopes, name="t"):
    token, secret = ApiToken.issue(name, scopes)
    return token, {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_search_and_notice(client, world, imported):
    qualify_all(world, [GEOMETRY])
    assert client.get(f"{BASE}/search").status_code == 401
    _, wrong = bearer(["referentiel:read"], "wrong")
    response = client.get(f"{BASE}/search", **wrong)
    assert response.status_code == 403 and response.json()["error"]["code"] == "insufficient_scope"
    _, auth = bearer(["ressources:read"])
    body = client.get(f"{BASE}/search", {"q": "geometrie", "cycle": ["3", "4"]}, **auth).json()
    assert body["total"] == 1 and body["items"][0]["ark"] == GEOMETRY
    cycles = next(f for f in body["facets"] if f["name"] == "cycle")["values"]
    assert {v["value"]: (v["count"], v["selected"]) for v in cycles} == {"3": (1, True), "4": (1, True)}
    notice = client.get(f"{BASE}/resources/{GEOMETRY}", **auth).json()
    assert notice["publisher_siren"] == "123456782"
    assert {t["code"] for t in notice["terms"]} >= {"scolomfr-voc-022-num-016"}
    missing = client.get(f"{BASE}/resources/ark:/86527/lecture-cycle2", **auth)  # a draft
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "ark"
    bad = client.get(f"{BASE}/search", {"per_page": 1000}, **auth)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "per_page"


def test_provider_submission_xml_and_json(client, world, provider):
    token, auth = bearer(["ressources:submit"])
    xml = (FIXTURES / "notices_valid.xml").read_bytes()
    unlinked = client.post(f"{BASE}/notices/scolomfr", xml, content_type="application/xml", **auth)
    assert (
        unlinked.status_code == 403
        and unlinked.json()["error"]["message"] == "This token is not linked to a provider."
    )
    provider.api_tokens.add(token)
    response = client.post(f"{BASE}/notices/scolomfr", xml, content_type="application/xml", **auth)
    assert response.status_code == 200 and len(response.json()["created"]) == 3
    assert Resource.objects.filter(status=Status.SUBMITTED).count() == 3
    assert Decision.objects.filter(by_name="API token t").count() == 3
    bad = client.post(
        f"{BASE}/notices/scolomfr",
        (FIXTURES / "notices_invalid.xml").read_bytes(),
        content_type="application/xml",
        **auth,
    )
    assert bad.status_code == 422
    assert bad.json()["rejected"][0] == {
        "file": "request",
        "line": 7,
        "field": "identifier",
        "reason": "expected an ark (ark:/NNNNN/name), got 'ressource-sans-ark'",
        "ark": "ressource-sans-ark",
    }
    notice = {
        "ark": "ark:/86527/json-2",
        "title": "Frises chronologiques",
        "description": "Construire des frises en histoire.",
        "publisher": "Éditions Exemple",
        "publisher_siren": "123456782",
        "levels": [{"uri": "scolomfr-voc-022-num-016"}],
        "launch_url": "https://editeur.demo.socle.test/frises/",
        "sso_protocol": "cas",
        "sso_service": "https://editeur.demo.socle.test/frises/",
        "audiences": ["ENSEIGNANT"],
    }
    response = client.post(
        f"{BASE}/notices?submit=false", json.dumps(notice), content_type="application/json", **auth
    )
    assert response.status_code == 200 and response.json()["created"] == ["ark:/86527/json-2"]
    assert Resource.objects.get(ark="ark:/86527/json-2").status == Status.DRAFT


def test_review_decision(client, world, imported):
    from socle.ressources import workflow

    workflow.submit(Resource.objects.get(ark=GEOMETRY), world.user("editeur"))
    _, submit_only = bearer(["ressources:submit"], "provider")
    assert client.get(f"{BASE}/reviews", **submit_only).status_code == 403
    _, auth = bearer(["ressources:review"], "ministere-api")
    queue = client.get(f"{BASE}/reviews", **auth).json()
    assert [item["ark"] for item in queue] == [GEOMETRY]
    url = f"{BASE}/reviews/{GEOMETRY}"
    refused = client.post(url, {"decision": "refuse"}, content_type="application/json", **auth)
    assert refused.status_code == 422 and refused.json()["error"] == {
        "code": "invalid_body",
        "message": "a refusal needs reasons",
        "field": "reasons",
    }
    body = {
        "decision": "qualify",
        "checklist": dict.fromkeys(workflow.CHECKLIST, True),
        "approved_attributes": ["PRE"],
    }
    decided = client.post(url, body, content_type="application/json", **auth)
    assert decided.status_code == 200
    assert decided.json()["status"] == "qualified" and decided.json()["by"] == "API token ministere-api"
    again = client.post(url, body, content_type="application/json", **auth)
    assert again.status_code == 409 and again.json()["error"]["field"] == "status"


def test_openapi_documents_scopes(client):
    schema = client.get(f"{BASE}/openapi.json").json()
    assert schema["paths"]["/api/ressources/search"]["get"]["security"] == [
        {"TokenAuth": ["ressources:read"]}
    ]
    assert (
        "application/xml"
        in schema["paths"]["/api/ressources/notices/scolomfr"]["post"]["requestBody"]["content"]
    )
    assert schema["paths"]["/api/ressources/reviews/{ark}"]["post"]["security"] == [
        {"TokenAuth": ["ressources:review"]}
    ]
