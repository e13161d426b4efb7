"""The quiet-hours API refuses a time with a UTC offset (a window bound is the school's wall-clock
time): a 422 naming the field, where "20:00:00Z" used to reach a naive/aware comparison (500)."""

import pytest
from django.test import Client

from socle.core.models import ApiToken

pytestmark = pytest.mark.django_db
API = "/vie-scolaire/diffusion/api"


def manage() -> dict:
    _token, secret = ApiToken.issue("manage", ["diffusion:manage", "diffusion:read"])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


BOUNDS = {
    "earliest_evening_start": "18:00:00",
    "latest_evening_start": "20:00:00",
    "earliest_morning_end": "07:00:00",
    "latest_morning_end": "08:30:00",
    "min_guardian_delay_hours": 0,
    "max_guardian_delay_hours": 72,
}


@pytest.mark.parametrize("value", ["20:00:00Z", "20:00:00+02:00", "20:00Z", "8pm", "24:00"])
def test_bounds_with_an_offset_or_no_time_are_422(world, value):
    auth = manage()
    response = Client().put(
        f"{API}/bounds", {**BOUNDS, "latest_evening_start": value}, content_type="application/json", **auth
    )
    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == "latest_evening_start"
    assert Client().get(f"{API}/bounds", **auth).json()["latest_evening_start"] == "20:00:00"


@pytest.mark.parametrize("field", ["evening_start", "morning_end"])
def test_school_settings_with_an_offset_are_422(world, field):
    auth = manage()
    response = Client().put(
        f"{API}/schools/{world.uai}/settings", {field: "20:00:00Z"}, content_type="application/json", **auth
    )
    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == field


def test_the_times_are_documented_as_local_times(world):
    schema = Client().get(f"{API}/openapi.json").json()["components"]["schemas"]["BoundsSchema"]
    latest = schema["properties"]["latest_evening_start"]
    assert latest["type"] == "string" and "format" not in latest and latest["pattern"].startswith("^")
