"""Cursor pagination: whatever the page size, following `next` yields every row exactly once, in
the order of the underlying queryset (property-based, with hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socle.core.models import ApiToken
from socle.referentiel import services
from socle.referentiel.codes import make_uai
from socle.referentiel.models import ClassGroup, Enrolment, Etablissement, Person, SchoolType, SchoolYear
from socle.referentiel.territories import load_territories

pytestmark = pytest.mark.django_db

BASE = "/api/referentiel"
SCHOOLS = 37
PUPILS = 31
HYPOTHESIS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def auth() -> dict[str, str]:
    _, secret = ApiToken.issue("pager", ["referentiel:read"])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def schools_world():
    load_territories()
    Etablissement.objects.bulk_create(
        Etablissement(
            uai=make_uai(f"0{35 if i % 2 else 29}{i:04d}"),
            name=f"École {i}",
            type=SchoolType.ECOLE_PRIMAIRE,
            departement_id="35" if i % 2 else "29",
            academie_id="14",
            region_id="53",
        )
        for i in range(SCHOOLS)
    )


@pytest.fixture
def big_class():
    load_territories()
    today = dt.date.today()
    year = SchoolYear.objects.create(
        code="2000-2001", start_date=today - dt.timedelta(days=30), end_date=today + dt.timedelta(days=300),
        is_current=True,
    )  # fmt: skip
    school = Etablissement.objects.create(
        uai=make_uai("0350001"), name="Collège", type=SchoolType.COLLEGE,
        departement_id="35", academie_id="14", region_id="53",
    )  # fmt: skip
    cg = ClassGroup.objects.create(etablissement=school, school_year=year, code="6A", name="6e A", level="6E")
    # Duplicate names on purpose: the uid tie-breaker must keep the walk exact.
    first_names = ["Léa", "Zoé", "Élise"]
    last_names = ["Martin", "Le Gall", "Ødegaard", "martin"]
    people = Person.objects.bulk_create(
        Person(first_name=first_names[i % 3], last_name=last_names[i % 4]) for i in range(PUPILS)
    )
    Enrolment.objects.bulk_create(
        Enrolment(person=p, class_group=cg, begin_date=year.start_date) for p in people
    )
    return cg


def walk(url: str, auth: dict[str, str], key: str, limit: int, **params) -> tuple[list, int]:
    client, seen, pages = Client(), [], 0
    response = client.get(url, {"limit": limit, **params}, **auth)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        pages += 1
        assert len(body[key]) <= limit
        seen.extend(body[key])
        if body["next"] is None:
            return seen, pages
        assert len(body[key]) == limit, "only the last page may be short"
        response = client.get(body["next"], **auth)


@HYPOTHESIS
@given(limit=st.integers(min_value=1, max_value=SCHOOLS + 3), departement=st.sampled_from([None, "35", "29"]))
def test_any_page_size_walks_every_school_once_in_uai_order(schools_world, auth, limit, departement):
    params = {"departement": departement} if departement else {}
    seen, pages = walk(f"{BASE}/schools", auth, "items", limit, **params)
    expected = list(services.schools(departement=departement).values_list("uai", flat=True))
    assert [item["uai"] for item in seen] == expected
    assert expected == sorted(expected)
    assert pages == max(1, -(-len(expected) // limit))


@HYPOTHESIS
@given(limit=st.integers(min_value=1, max_value=PUPILS + 3))
def test_any_page_size_walks_every_pupil_once_in_name_order(big_class, auth, limit):
    seen, _ = walk(f"{BASE}/classes/{big_class.uid}/members", auth, "pupils", limit)
    expected = [str(uid) for uid in services.pupils_of_class(big_class).values_list("uid", flat=True)]
    assert len(expected) == PUPILS
    assert [p["uid"] for p in seen] == expected
    assert len(set(expected)) == PUPILS


def test_rows_added_during_a_walk_do_not_shift_it(schools_world, auth):
    client = Client()
    first = client.get(f"{BASE}/schools", {"limit": 10}, **auth).json()
    # A school sorting before the cursor appears between two requests: offset pagination would
    # repeat a row; keyset pagination does not.
    Etablissement.objects.create(
        uai=make_uai("0010000"), name="Nouvelle", type=SchoolType.COLLEGE,
        departement_id="35", academie_id="14", region_id="53",
    )  # fmt: skip
    second = client.get(first["next"], **auth).json()
    first_uais = [i["uai"] for i in first["items"]]
    assert not set(first_uais) & {i["uai"] for i in second["items"]}
    assert second["items"][0]["uai"] > first_uais[-1]
