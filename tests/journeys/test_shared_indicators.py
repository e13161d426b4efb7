"""Journey 5 — steering with shared indicators, on the `make run` demo, through the Pilotage JSON
API of the live server: the département officer declares the collège's equipment; the queued
recomputation runs (`socle db_worker --batch`, the real django-tasks database queue); M. Roux sees
his collège next to the département and the académie; the département officer sees its collège,
not the école; the ministry analyst sees the nation; the open-data export suppresses small
cells."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from socle.pilotage.collecte.models import IndicatorAccess
from socle.referentiel import services as referentiel

pytestmark = pytest.mark.django_db(transaction=True)

EQUIPMENT = {
    "computers_pupils": 104,
    "projection_systems": 12,
    "mobile_device_sets": 2,
    "mobile_terminals": 60,
    "teaching_rooms": 14,
    "teaching_rooms_wifi": 14,
    "wifi_switchable": True,
    "ent_available": True,
    "bandwidth_class": "100_1000",
}
COMPUTERS = "computers_per_100_pupils"


def vintage() -> str:
    """The demo world's school year (the Référentiel's current one)."""
    return referentiel.current_school_year().code


def school_cell(session, uai):
    answer = session.get(f"/pilotage/api/schools/{uai}/comparison", params={"vintage": vintage()})
    assert answer.status_code == 200, answer.text
    return answer.json()["indicators"][COMPUTERS]


def test_declare_recompute_and_see_by_role_then_publish(demo, login, tmp_path):
    college, ecole = demo.college.uai, demo.ecole.uai
    departement, roux, ministere = login("departement"), login("roux"), login("ministere")
    before = school_cell(roux, college)["school"]
    assert before["numerator"] != EQUIPMENT["computers_pupils"]

    # The département declares the collège's equipment; it may not declare for the école.
    declared = departement.post(
        "/pilotage/api/declarations",
        json={"uai": college, "vintage": vintage(), "kind": "equipment", "values": EQUIPMENT},
    )
    assert declared.status_code == 201, declared.text
    assert declared.json()["source"] == "api" and declared.json()["current"] is True
    refused = departement.post(
        "/pilotage/api/declarations",
        json={"uai": ecole, "vintage": vintage(), "kind": "equipment", "values": EQUIPMENT},
    )
    assert refused.status_code == 403, refused.text

    # The recomputation queued by the declaration runs on the task queue.
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", stdout=io.StringIO())

    # M. Roux: his collège next to its département and académie, with the new figures.
    cell = school_cell(roux, college)
    school = cell["school"]
    assert school["numerator"] == EQUIPMENT["computers_pupils"]
    assert school["value"] == pytest.approx(100 * EQUIPMENT["computers_pupils"] / school["denominator"])
    for level in ("departement", "academie", "nation"):
        assert cell[level]["territory_code"], level
        assert cell[level]["numerator"] >= school["numerator"], level
    assert cell["departement"]["territory_code"] == demo.college.departement_id
    assert roux.get(f"/pilotage/api/schools/{ecole}/comparison").status_code == 403
    # Every view of a school's closed figures is logged: who, what, which school.
    assert IndicatorAccess.objects.filter(
        username="roux", what="school_comparison", level="school", code=college
    ).exists()

    # The département officer: its collèges, not the écoles (nor the région's lycées).
    schools = departement.get("/pilotage/api/values", params={"level": "school", "indicator": COMPUTERS})
    assert schools.status_code == 200, schools.text
    assert {v["territory_code"] for v in schools.json()["items"]} == {college}
    assert departement.get(f"/pilotage/api/schools/{ecole}/comparison").status_code == 403
    own = departement.get(
        "/pilotage/api/values", params={"level": "departement", "code": demo.college.departement_id}
    )
    assert own.status_code == 200 and own.json()["count"] >= 1

    # The ministry analyst: the nation, and every school.
    nation = ministere.get("/pilotage/api/values", params={"level": "nation", "indicator": COMPUTERS})
    assert nation.status_code == 200, nation.text
    assert [v["territory_code"] for v in nation.json()["items"]] == ["FR"]
    assert nation.json()["items"][0]["numerator"] >= EQUIPMENT["computers_pupils"]
    every = ministere.get("/pilotage/api/values", params={"level": "school", "indicator": COMPUTERS})
    assert {college, ecole} <= {v["territory_code"] for v in every.json()["items"]}
    # A pupil or a parent sees no steering data.
    assert login("karim").get("/pilotage/api/values", params={"level": "nation"}).status_code == 403

    # Open data: territorial aggregates only, the new declaration included.
    published = export_rows(tmp_path / "default")
    assert {r["niveau_territorial"] for r in published} == {
        "nation",
        "region_academique",
        "academie",
        "departement",
    }
    computers = [r for r in published if r["code_indicateur"] == COMPUTERS]
    assert computers and all(r["statut"] == "diffusé" for r in computers)
    assert all(int(r["numerateur"]) >= EQUIPMENT["computers_pupils"] for r in computers)
    # Small cells: the tiny world's département has 481 pupils. With a threshold above that, its
    # cells are under statistical secrecy — the rows stay, every figure empty (never 0) — and so
    # are the académie, région and nation, which would give the département away by subtraction
    # (it is their only one).
    secret = export_rows(tmp_path / "strict", "--threshold", "500")
    assert len(secret) == len(published)
    assert {r["statut"] for r in secret} == {"secret statistique"}
    for row in secret:
        assert row["numerateur"] == row["denominateur"] == row["valeur"] == "", row


def export_rows(directory, *options) -> list[dict]:
    call_command("opendata", "export", str(directory), *options, stdout=io.StringIO())
    with open(directory / "indicateurs-territoriaux.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))
