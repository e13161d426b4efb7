"""The console d'affectation's API answers a malformed UAI as the Référentiel API does — 400
`invalid_uai` with the reason — on its four operations (it was a 500: `school_by_uai`'s
ValueError), and an assignment id beyond 64 bits is a 400 (SQLite could not even compare it)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
BASE = "/ressources/acces/api/console"


def session(world) -> Client:
    client = Client()
    client.force_login(world.users["martin"])
    return client


@pytest.mark.parametrize("uai", ["0", "0350001X", "ABCDEFGH", "0350001LL"])
@pytest.mark.parametrize(
    "method, suffix, body",
    [
        ("get", "subscriptions", None),
        ("get", "history", None),
        ("post", "assignments", {"idAbonnement": "A", "target_kind": "classes", "target_codes": []}),
        ("delete", "assignments/1", None),
    ],
)
def test_a_malformed_uai_is_a_400_naming_it(world, uai, method, suffix, body):
    client = session(world)
    kwargs = {"content_type": "application/json", "data": body} if body is not None else {}
    response = getattr(client, method)(f"{BASE}/{uai}/{suffix}", **kwargs)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_uai", "uai")
    assert "UAI" in error["message"]


def test_an_assignment_id_beyond_64_bits_is_a_400(world):
    uai = world.schools["college"].uai
    response = session(world).delete(f"{BASE}/{uai}/assignments/{10**30}")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "assignment_id"
