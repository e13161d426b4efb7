"""The subscription web service refuses what it cannot store with its XML errors (never a 500):
dates outside years 0001–9999 once in UTC, licence counts beyond the 32-bit column, digits that are
not ASCII, documents in the wrong namespace or none, bodies over the limit (413, before reading),
unknown paths and methods — and a refused request writes nothing."""

from __future__ import annotations

import pytest
from defusedxml.ElementTree import fromstring
from django.test import override_settings

from socle.ressources.gar.models import Subscription, SubscriptionSchool
from socle.ressources.gar.wsxml import NS

from .test_ws import body, errors_of, put, ws

pytestmark = pytest.mark.django_db


def _codes(response, status=400) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/xml")
    return {(code, field): message for code, field, message in errors_of(response)}


@pytest.mark.parametrize(
    "field, value",
    [
        ("debutValidite", "9999-12-31T23:59:59-14:00"),
        ("debutValidite", "0001-01-01T00:00:00+14:00"),
        ("finValidite", "9999-12-31"),
        ("finValidite", "0001-01-01"),
        ("anneeFinValidite", "0000"),
    ],
)
def test_dates_out_of_range_are_refused(world, catalogue, distributors, field, value):
    uai = world.schools["college"].uai
    overrides = {field: value}
    if field == "anneeFinValidite":
        overrides["finValidite"] = None
    found = _codes(put(ws(distributors), "ABO-1", body(uai, idAbonnement="ABO-1", **overrides)))
    assert ("CHAMP_INVALIDE", field) in found, found
    assert Subscription.objects.count() == 0


@pytest.mark.parametrize("value", ["1" * 26, "2147483648", "²", "٣"])
def test_licence_counts_the_column_cannot_hold_are_refused(world, catalogue, distributors, value):
    uai = world.schools["college"].uai
    found = _codes(put(ws(distributors), "ABO-1", body(uai, idAbonnement="ABO-1", nbLicenceEleve=value)))
    assert ("CHAMP_INVALIDE", "nbLicenceEleve") in found, found
    assert Subscription.objects.count() == SubscriptionSchool.objects.count() == 0


@pytest.mark.parametrize(
    "root",
    [
        "<abonnement>",
        '<abonnement xmlns="http://example.org/autre">',
        f'<a:abonnement xmlns:a="http://example.org/autre" xmlns="{NS}">',
    ],
)
def test_a_document_outside_the_service_namespace_is_refused(world, catalogue, distributors, root):
    uai = world.schools["college"].uai
    document = body(uai, idAbonnement="ABO-1").decode()
    document = document.replace(f'<abonnement xmlns="{NS}">', root)
    if root.startswith("<a:"):
        document = document.replace("</abonnement>", "</a:abonnement>")
    [(code, _field, message)] = errors_of(put(ws(distributors), "ABO-1", document.encode()))
    assert code == "XML_INVALIDE" and NS in message
    assert Subscription.objects.count() == 0


def test_an_element_in_another_namespace_is_unknown(world, catalogue, distributors):
    uai = world.schools["college"].uai
    document = body(uai, idAbonnement="ABO-1").decode()
    document = document.replace(
        "  <publicCible>ENSEIGNANT</publicCible>",
        '  <x:publicCible xmlns:x="http://example.org/x">ENSEIGNANT</x:publicCible>',
    )
    found = _codes(put(ws(distributors), "ABO-1", document.encode()))
    assert ("CHAMP_INCONNU", "publicCible") in found, found


def test_a_body_over_the_limit_is_413_in_xml(world, catalogue, distributors):
    client = ws(distributors)
    uai = world.schools["college"].uai
    with override_settings(SOCLE_GAR_WS_MAX_BODY_BYTES=2000):
        found = _codes(put(client, "ABO-1", body(uai, commentaireAbonnement="x" * 3000)), status=413)
        assert ("REQUETE_TROP_GRANDE", None) in found
        listed = client.generic(
            "GET", "/abonnements-ws/abonnements", b"<filtres>" + b" " * 3000 + b"</filtres>"
        )
        assert _codes(listed, status=413)
    assert Subscription.objects.count() == 0


def test_the_id_in_the_url_is_matched_whole(world, catalogue, distributors):
    uai = world.schools["college"].uai
    found = _codes(put(ws(distributors), "ABO-1%0A", body(uai, idAbonnement="ABO-1")))
    assert ("CHAMP_INVALIDE", "idAbonnement") in found
    assert Subscription.objects.count() == 0


def test_unknown_paths_and_methods_answer_in_xml(world, catalogue, distributors):
    client = ws(distributors)
    unknown = client.get("/abonnements-ws/abonnements/ABO-1/plus")
    assert unknown.status_code == 404 and fromstring(unknown.content).tag == f"{{{NS}}}erreurs"
    for path in (
        "/abonnements-ws/etablissements/etablissements.xml",
        "/abonnements-ws/affectations/affectations.csv",
    ):
        refused = client.post(path, b"<x/>", content_type="application/xml")
        assert refused.status_code == 405, refused.status_code
        assert fromstring(refused.content).tag == f"{{{NS}}}erreurs"
    assert client.get("/abonnements-ws/abonnements?debut=²").status_code == 400
