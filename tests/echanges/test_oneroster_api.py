"""OneRoster REST rostering service: OAuth client credentials, scopes, filter grammar, paging,
fields, error payloads, agreements and the access log."""

import base64

import pytest

from socle.echanges.models import AccessLogEntry

from .agreements_fixtures import CORE, DEMOGRAPHICS, ROSTER, make_agreement

BASE = "/ims/oneroster/rostering/v1p2"
SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/"


def _token(client, agreement, secret, scope=""):
    basic = base64.b64encode(f"{agreement.client_id}:{secret}".encode()).decode()
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    return client.post("/ims/oneroster/token", data, HTTP_AUTHORIZATION=f"Basic {basic}")


@pytest.fixture
def api(world, client):
    agreement = make_agreement()
    _, secret = agreement.issue_client_credentials()
    answer = _token(client, agreement, secret).json()

    def get(path, **params):
        return client.get(f"{BASE}/{path}", params, HTTP_AUTHORIZATION=f"Bearer {answer['access_token']}")

    get.agreement, get.secret, get.token = agreement, secret, answer
    return get


def test_token_endpoint(api, client):
    assert api.token["token_type"] == "bearer"
    assert api.token["expires_in"] == 3600
    assert api.token["scope"] == f"{SCOPE}{CORE} {SCOPE}{ROSTER}"
    wrong = _token(client, api.agreement, "not-the-secret")
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    greedy = _token(client, api.agreement, api.secret, scope=f"{SCOPE}{DEMOGRAPHICS}")
    assert greedy.status_code == 400
    assert greedy.json() == {
        "error": "invalid_scope",
        "error_description": f"scope not granted to this client: {DEMOGRAPHICS}",
    }
    grant = client.post("/ims/oneroster/token", {"grant_type": "password"})
    assert grant.json()["error"] == "unsupported_grant_type"


def test_missing_token_gives_the_spec_error_payload(world, client):
    response = client.get(f"{BASE}/users")
    assert response.status_code == 401
    assert response.json() == {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": "a bearer token is required",
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": "unauthorisedrequest",
                }
            ]
        },
    }
    assert AccessLogEntry.objects.get().granted is False


def test_collections_paging_and_headers(api):
    response = api("users", limit=2, offset=1, sort="givenName")
    assert response.status_code == 200
    assert response["X-Total-Count"] == "5"
    body = response.json()
    assert [u["givenName"] for u in body["users"]] == ["Bruno", "Claire"]
    link = response["Link"]
    assert 'offset=3>; rel="next"' in link
    assert 'offset=0>; rel="prev"' in link
    assert 'offset=4>; rel="last"' in link
    alice = api("users", filter="givenName='Alice'").json()["users"][0]
    assert alice["roles"][0]["role"] == "student"
    assert alice["primaryOrg"]["sourcedId"] == "00000000-0000-0000-0000-000000000001"
    assert "email" not in alice and "identifier" not in alice and "userIds" not in alice
    assert alice["metadata"] == {}


def test_filter_grammar(api):
    names = lambda r: sorted(u["givenName"] for u in r.json()["users"])  # noqa: E731
    assert names(api("users", filter="familyName='Martin' AND givenName!='Alice'")) == ["Claire"]
    assert names(api("users", filter="givenName='Alice' OR givenName='Bruno'")) == ["Alice", "Bruno"]
    assert names(api("users", filter="givenName>='D'")) == ["Denis", "Emma"]
    assert names(api("users", filter="familyName~'gall'")) == ["Bruno"]
    assert names(api("users", filter="givenName='Alice' OR familyName='Roux' AND givenName='Emma'")) == [
        "Alice",
        "Emma",
    ]
    bad = api("users", filter="givenName=Alice")
    assert bad.status_code == 400
    minor = bad.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]
    assert minor["imsx_codeMinorFieldValue"] == "invalid_filter_field"
    assert bad.json()["imsx_description"] == (
        "filter: cannot read a comparison field<op>'value' at position 1: 'givenName=Alice'"
    )


def test_fields_outside_the_agreement_are_never_emitted_nor_filterable(api):
    response = api("users", fields="givenName,email")
    assert response.status_code == 400
    assert response.json()["imsx_description"] == "field 'email' is outside the agreement 'ENT Bretagne'"
    probe = api("users", filter="identifier='1234567890A'")
    assert probe.status_code == 400
    only = api("users", fields="sourcedId,givenName").json()["users"][0]
    assert set(only) == {"sourcedId", "givenName"}
    assert api("demographics").status_code == 403


def test_nested_endpoints_and_single_objects(api):
    school = "00000000-0000-0000-0000-000000000001"
    sixieme = "00000000-0000-0000-0000-00000000000b"
    students = api(f"classes/{sixieme}/students").json()["users"]
    assert sorted(u["givenName"] for u in students) == ["Alice", "Bruno"]
    teachers = api(f"schools/{school}/classes/{sixieme}/teachers").json()["users"]
    assert [u["givenName"] for u in teachers] == ["Denis"]
    assert [c["classCode"] for c in api(f"schools/{school}/classes").json()["classes"]] == ["6A", "LAT5"]
    one = api(f"classes/{sixieme}").json()["class"]
    assert (one["classCode"], one["grades"], one["school"]["type"]) == ("6A", ["06"], "org")
    assert one["terms"][0]["sourcedId"] == "fr-annee-2025-2026"
    assert api("schools").json()["orgs"][0]["identifier"] == "0350001L"
    missing = api("classes/nope")
    assert missing.status_code == 404
    assert missing.json()["imsx_description"] == "no class with sourcedId 'nope'"
    outside = "00000000-0000-0000-0000-00000000000d"  # CM1 B, in 94: outside the agreement
    assert api(f"classes/{outside}").status_code == 404
    org = api("orgs/fr-aca-14").json()["org"]
    assert org["children"] == [
        {
            "href": "http://testserver/ims/oneroster/rostering/v1p2/orgs/fr-dep-35",
            "sourcedId": "fr-dep-35",
            "type": "org",
        }
    ]


def test_scopes(world, client):
    agreement = make_agreement(oauth_scopes=[CORE])
    _, secret = agreement.issue_client_credentials()
    token = _token(client, agreement, secret).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(f"{BASE}/classes", **auth).status_code == 200
    nested = client.get(f"{BASE}/classes/00000000-0000-0000-0000-00000000000b/students", **auth)
    assert nested.status_code == 403
    assert nested.json()["imsx_description"] == f"this endpoint needs the scope {SCOPE}{ROSTER}"


def test_demographics_need_their_scope_and_fields(world, client):
    agreement = make_agreement(
        allowed_fields=["demographics.birthDate", "demographics.sex", "users.givenName"],
        oauth_scopes=[CORE, DEMOGRAPHICS],
    )
    _, secret = agreement.issue_client_credentials()
    token = _token(client, agreement, secret, scope=f"{SCOPE}{DEMOGRAPHICS}").json()["access_token"]
    response = client.get(f"{BASE}/demographics", HTTP_AUTHORIZATION=f"Bearer {token}")
    rows = response.json()["demographics"]
    assert [(d["birthDate"], d["sex"]) for d in rows] == [("2014-03-02", "female"), ("2014-07-21", "male")]
    assert client.get(f"{BASE}/users", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403


def test_every_call_is_logged(api):
    api("users", limit=2)
    api("classes/nope")
    entries = list(AccessLogEntry.objects.filter(channel="oneroster_api").order_by("id"))
    assert [(e.operation, e.record_count, e.granted) for e in entries] == [
        (f"GET {BASE}/users?limit=2", 2, True),
        (f"GET {BASE}/classes/nope", 0, False),
    ]
    assert all(e.agreement == api.agreement for e in entries)


def test_relations_need_their_entity_in_the_agreement(world, client):
    agreement = make_agreement(allowed_fields=["classes.*", "users.givenName"])
    _, secret = agreement.issue_client_credentials()
    token = _token(client, agreement, secret).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    members = client.get(f"{BASE}/classes/00000000-0000-0000-0000-00000000000b/students", **auth)
    assert members.status_code == 403
    assert members.json()["imsx_description"] == "enrollments are outside the agreement 'ENT Bretagne'"
    assert client.get(f"{BASE}/students", **auth).status_code == 403
    assert client.get(f"{BASE}/users", **auth).status_code == 200
