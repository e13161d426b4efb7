"""The OneRoster rostering service answers bad requests with the spec's imsx_StatusInfo payload
and the right status: a filter on a date with a value that is no date, an empty field
selection, a nested endpoint under an unknown (or out-of-agreement) parent, a limit over the
maximum (said, not silently clamped), unknown paths and methods."""

import pytest

from .test_oneroster_api import BASE, api  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
SCHOOL = "00000000-0000-0000-0000-000000000001"
SIXIEME = "00000000-0000-0000-0000-00000000000b"
OUTSIDE = "00000000-0000-0000-0000-00000000000d"  # CM1 B, in 94: outside the agreement


def _minor(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert body["imsx_codeMajor"] == "failure", body
    return body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


@pytest.mark.parametrize(
    "entity, expression",
    [
        ("users", "dateLastModified>'not-a-date'"),
        ("users", "dateLastModified>='2026-13-01'"),
        ("academicSessions", "startDate<'soon'"),
        ("enrollments", "beginDate='2026-02-30'"),
    ],
)
def test_a_date_filter_with_no_date_is_400(api, entity, expression):  # noqa: F811
    response = api(entity, filter=expression)
    assert _minor(response, 400) == "invalid_filter_field"
    assert "date" in response.json()["imsx_description"]


def test_a_date_filter_with_a_date_still_filters(api):  # noqa: F811
    assert api("users", filter="dateLastModified>'2000-01-01'").json()["users"]
    assert api("users", filter="dateLastModified>'2000-01-01T00:00:00Z'").json()["users"]
    assert api("users", filter="dateLastModified>'2999-01-01T00:00:00.000Z'").json()["users"] == []


@pytest.mark.parametrize("fields", [",,,", " , ", ","])
def test_an_empty_field_selection_is_400(api, fields):  # noqa: F811
    assert _minor(api("users", fields=fields), 400) == "invalid_selection_field"


@pytest.mark.parametrize(
    "path",
    [
        "schools/zzz/students",
        "schools/zzz/classes",
        "schools/zzz/terms",
        f"schools/{SCHOOL}/classes/zzz/students",
        "classes/zzz/students",
        f"classes/{OUTSIDE}/students",
        "students/zzz/classes",
        "teachers/zzz/classes",
        "users/zzz/classes",
        "courses/zzz/classes",
        "terms/zzz/classes",
    ],
)
def test_a_nested_endpoint_under_an_unknown_parent_is_404(api, path):  # noqa: F811
    assert _minor(api(path), 404) == "unknownobject"


def test_known_parents_still_answer(api):  # noqa: F811
    assert api(f"classes/{SIXIEME}/students").status_code == 200
    assert api(f"schools/{SCHOOL}/classes").status_code == 200


def test_a_limit_over_the_maximum_is_said(api):  # noqa: F811
    response = api("users", limit=5000)
    assert _minor(response, 400) == "invaliddata"
    assert "1000" in response.json()["imsx_description"]
    assert _minor(api("users", limit="²"), 400) == "invaliddata"
    assert _minor(api("users", limit="9" * 5000), 400) == "invaliddata"
    assert api("users", limit=1000).status_code == 200


def test_unknown_paths_and_methods_get_the_imsx_payload(api, client):  # noqa: F811
    assert _minor(api("users%0A"), 404) == "unknownobject"
    assert _minor(client.get("/ims/oneroster/nothing"), 404) == "unknownobject"
    response = client.post(f"{BASE}/users", {}, HTTP_AUTHORIZATION=f"Bearer {api.token['access_token']}")
    assert _minor(response, 405) == "invaliddata"
    assert "GET" in response["Allow"]


def test_the_token_endpoint_answers_bad_requests_in_its_shape(world, client):
    """RFC 6749's error object, never a 500: malformed Basic credentials, a body over the limit."""
    bad_basic = client.post(
        "/ims/oneroster/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION="Basic %%%"
    )
    assert bad_basic.status_code == 401 and bad_basic.json()["error"] == "invalid_client"
    big = client.post(
        "/ims/oneroster/token", "grant_type=" + "x" * 20_000, content_type="application/x-www-form-urlencoded"
    )
    assert big.status_code == 413 and big.json()["error"] == "invalid_request"
