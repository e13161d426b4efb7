"""Journey 5 — steering with shared indicators, on the `make run` demo, through the Pilotage JSON
API of the live server: the département officer declares the collège's equipment; the queued
recomputation runs (`socle db_worker --batch`, the real django-tasks database queue); M. Roux sees
his collège next to the département and the académie; the département officer sees its collège,
not the école; the ministry analyst sees the nation; the open-data export publishes the equipment per school
and keeps the figures about persons secret where they are too few."""

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

    # Open data: equipment is about schools — published per territory and per school (UAI), the
    # new declaration included; figures about persons (Pix, NSI) stay territorial, and the tiny
    # world's three schools are too few for any of them (fewer than 3 schools in every cell).
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
    per_school = export_rows(tmp_path / "default", "etablissements")
    mine = [r for r in per_school if r["uai"] == college and r["code_indicateur"] == COMPUTERS]
    assert [int(r["numerateur"]) for r in mine] == [EQUIPMENT["computers_pupils"]]
    about_persons = [r for r in published if r["code_indicateur"] == "teachers_pix_edu"]
    assert about_persons and {r["statut"] for r in about_persons} <= {"secret statistique", "non renseigné"}
    for row in about_persons:
        assert row["numerateur"] == row["denominateur"] == row["valeur"] == "", row  # never 0


def export_rows(directory, table="territoriaux") -> list[dict]:
    if not (directory / f"indicateurs-{table}.csv").exists():
        call_command("opendata", "export", str(directory), stdout=io.StringIO())
    with open(directory / f"indicateurs-{table}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))
