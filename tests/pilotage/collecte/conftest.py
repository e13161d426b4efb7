"""Fixtures of the collecte and the steering pages: Identité's test world (départements 35 and
29 of académie 14, a collège, an école and a lycée in one commune, the personas) plus
declarations for two school years and the indicators computed from them by socle.pilotage."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import translation

from socle.pilotage import services as pilotage
from socle.pilotage.collecte import services
from socle.referentiel import models as rm
from tests.identite.conftest import world  # noqa: F401 (Identité's fixture, used by name)

EQUIPMENT = {
    "computers_pupils": 60,
    "projection_systems": 12,
    "mobile_device_sets": 2,
    "mobile_terminals": 30,
    "teaching_rooms": 20,
    "teaching_rooms_wifi": 15,
    "wifi_switchable": True,
    "bandwidth_class": "100_1000",
    "ent_available": True,
}
PIX = {"teachers_pix_edu": 1, "pupils_6e_pix_attestation": 40, "pupils_3e_pix_certified": None}


def previous(vintage: str) -> str:
    start = int(vintage[:4]) - 1
    return f"{start}-{start + 1}"


@pytest.fixture
def steering(world):  # noqa: F811 (the imported fixture)
    """Declarations (current and previous year) and computed indicators."""
    current = world.year.code
    before = previous(current)
    rm.SchoolYear.objects.create(
        code=before,
        start_date=world.year.start_date - dt.timedelta(days=365),
        end_date=world.year.start_date - dt.timedelta(days=60),
        is_current=False,
    )
    operator = world.user("operateur")
    for key, computers in (("college", 60), ("college_brest", 10), ("ecole", 8), ("lycee", 200)):
        school = world.schools[key]
        services.declare(
            operator, school, before, "equipment", {**EQUIPMENT, "computers_pupils": computers // 2}
        )
        services.declare(operator, school, current, "equipment", {**EQUIPMENT, "computers_pupils": computers})
    services.declare(world.user("departement"), world.schools["college"], current, "pix", PIX)
    for vintage in (before, current):
        pilotage.recompute(vintage, engine="duckdb")
    world.vintage = current
    world.previous_vintage = before
    return world


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def english():
    """Messages in English, the msgid language, for exact assertions on them."""
    with translation.override("en"):
        yield
