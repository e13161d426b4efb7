"""Pages (French, head/deputy/operator only) and the JSON API (scopes, error shape, audit)."""

import datetime as dt

import pytest
from auditlog.models import LogEntry

from socle.core.models import ApiToken
from socle.referentiel.codes import make_uai
from socle.viescolaire.diffusion import services
from socle.viescolaire.diffusion.models import SchoolSettings

from .conftest import paris


def url(world, suffix=""):
    return f"/vie-scolaire/diffusion/{world.uai}/{suffix}"


def test_head_changes_the_window_in_french(client, world):
    client.force_login(world.users["roux"])
    page = client.get(url(world))
    assert page.status_code == 200
    assert "Heures calmes du Collège Simone Veil" in page.content.decode()
    response = client.post(
        url(world),
        {
            "evening_start": "19:00",
            "morning_end": "07:30",
            "holiday_zone": "B",
            "quiet_during_holidays": "on",
            "guardian_marks_delay_hours": "48",
        },
    )
    assert response.status_code == 302
    conf = SchoolSettings.objects.get(uai=world.uai)
    assert (conf.evening_start, conf.morning_end, conf.holiday_zone, conf.guardian_marks_delay_hours) == (
        dt.time(19, 0),
        dt.time(7, 30),
        "B",
        48,
    )
    assert conf.updated_by == world.users["roux"]


def test_out_of_bounds_is_refused_with_a_clear_message(client, world):
    client.force_login(world.users["adjointe"])
    response = client.post(
        url(world), {"evening_start": "22:00", "morning_end": "07:00", "guardian_marks_delay_hours": "24"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "entre 18:00 et 20:00" in content
    assert 'aria-invalid="true"' in content
    assert not SchoolSettings.objects.filter(uai=world.uai).exists()


@pytest.mark.parametrize("who", ["martin", "cpe", "karim", "other_head"])
def test_others_cannot_see_the_settings(client, world, who):
    client.force_login(world.users[who])
    assert client.get(url(world)).status_code == 403
    assert client.get(url(world, "urgences/")).status_code == 403


def test_urgent_review_page(client, world, frozen):
    frozen(paris(2026, 3, 3, 22, 0))
    publication = services.publish(
        "test-urgent",
        "1",
        school_uai=world.uai,
        author=world.users["roux"],
        recipients=[world.uid("karim")],
        urgent=True,
        urgency_reason="Fermeture exceptionnelle",
    )
    client.force_login(world.users["operateur"])
    page = client.get(url(world, "urgences/"))
    assert "Fermeture exceptionnelle" in page.content.decode()
    response = client.post(url(world, f"urgences/{publication.pk}/revue/"), {"note": "Vu"})
    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.reviewed_by == world.users["operateur"] and publication.review_note == "Vu"


# --- API ---------------------------------------------------------------------------------------
API = "/vie-scolaire/diffusion/api"


def bearer(*scopes):
    _token, secret = ApiToken.issue(f"t-{'-'.join(scopes)}", list(scopes))
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_api_settings_round_trip_and_bounds(client, world):
    read, manage = bearer("diffusion:read"), bearer("diffusion:manage")
    body = client.get(f"{API}/schools/{world.uai}/settings", **read).json()
    assert body["evening_start"] == "20:00:00" and body["guardian_marks_delay_hours"] == 24
    response = client.put(
        f"{API}/schools/{world.uai}/settings",
        {"evening_start": "19:30", "morning_end": "07:00", "holiday_zone": "C"},
        content_type="application/json",
        **manage,
    )
    assert response.status_code == 200 and response.json()["evening_start"] == "19:30:00"
    refused = client.put(
        f"{API}/schools/{world.uai}/settings",
        {"evening_start": "23:00"},
        content_type="application/json",
        **manage,
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "evening_start"
    assert "18:00" in refused.json()["error"]["message"] and "20:00" in refused.json()["error"]["message"]
    assert (
        client.put(
            f"{API}/schools/{world.uai}/settings", {}, content_type="application/json", **read
        ).status_code
        == 403
    )
    assert client.get(f"{API}/schools/{world.uai}/settings").status_code == 401
    assert client.get(f"{API}/schools/0000000X/settings", **read).json()["error"]["field"] == "uai"
    assert client.get(f"{API}/schools/{make_uai('0359999')}/settings", **read).status_code == 404


def test_api_delivery_time_and_holidays(client, world):
    read = bearer("diffusion:read")
    answer = client.get(
        f"{API}/schools/{world.uai}/delivery-time", {"at": "2026-03-06T21:00:00+01:00"}, **read
    ).json()
    assert answer["quiet"] is True and answer["deliver_at"].startswith("2026-03-09T07:00:00+01:00")
    naive = client.get(f"{API}/schools/{world.uai}/delivery-time", {"at": "2026-03-06T21:00:00"}, **read)
    assert naive.status_code == 400 and naive.json()["error"]["field"] == "at"
    manage = bearer("diffusion:manage")
    added = client.put(
        f"{API}/holidays",
        [
            {
                "zone": "Corse",
                "school_year": "2025-2026",
                "label": "Vacances d'hiver",
                "first_day": "2026-02-14",
                "last_day": "2026-03-01",
            }
        ],
        content_type="application/json",
        **manage,
    )
    assert added.status_code == 200
    listed = client.get(f"{API}/holidays", {"zone": "Corse"}, **read).json()
    assert [row["label"] for row in listed] == ["Vacances d'hiver"]
    bad = client.put(
        f"{API}/holidays",
        [
            {
                "zone": "Z",
                "school_year": "x",
                "label": "x",
                "first_day": "2026-02-14",
                "last_day": "2026-03-01",
            }
        ],
        content_type="application/json",
        **manage,
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "0.zone"


def test_api_urgent_log_is_audited_and_reviewed(client, world, frozen):
    frozen(paris(2026, 3, 3, 22, 0))
    publication = services.publish(
        "test-urgent",
        "2",
        school_uai=world.uai,
        author=world.users["adjointe"],
        recipients=[world.uid("karim")],
        urgent=True,
        urgency_reason="Alerte météo",
    )
    rows = client.get(f"{API}/schools/{world.uai}/urgent", **bearer("diffusion:read")).json()
    assert [row["reason"] for row in rows] == ["Alerte météo"]
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__uai=world.uai).count() == 1
    reviewed = client.post(
        f"{API}/urgent/{publication.pk}/review",
        {"note": "ok"},
        content_type="application/json",
        **bearer("diffusion:manage"),
    ).json()
    assert reviewed["reviewed_at"] and reviewed["review_note"] == "ok"


def test_openapi_documents_the_routes(client):
    schema = client.get(f"{API}/openapi.json").json()
    assert "/vie-scolaire/diffusion/api/schools/{uai}/settings" in schema["paths"]
    put = schema["paths"]["/vie-scolaire/diffusion/api/schools/{uai}/settings"]["put"]
    assert put["security"] == [{"TokenAuth": ["diffusion:manage"]}]
