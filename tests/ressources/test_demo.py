"""The catalogue's demo seed: idempotent, with the personas and without them."""

import io

import pytest

from socle.ressources import demo, services
from socle.ressources.models import Decision, Resource

pytestmark = pytest.mark.django_db


def test_seed_with_personas_is_idempotent(world):
    out = io.StringIO()
    demo.seed(out)
    demo.seed(out)
    assert Resource.objects.count() == 9
    assert "{'draft': 0, 'submitted': 1, 'qualified': 7, 'refused': 1}" in out.getvalue()
    cas = services.resource_by_sso_service("cas", demo.CAS_SERVICE)
    saml = services.resource_by_sso_service("saml", demo.SAML_ENTITY_ID)
    assert (cas.ark, cas.approved_attributes) == ("ark:/86527/demo-geometrie", frozenset({"PRE"}))
    assert (saml.ark, saml.approved_attributes) == ("ark:/86527/demo-laboratoire", frozenset())
    assert services.resource_by_sso_service("cas", "https://lou.demo.socle.test/") is None  # awaiting review
    assert services.providers_of(world.user("editeur"))[0].distributor_code == demo.DISTRIBUTOR_CODE
    refused = Decision.objects.get(kind="refused")
    assert refused.by_name == "ministere" and refused.reasons.startswith("Aucune déclaration")
    from socle.ressources.search import search

    assert [r.ark for r in search("géométrie").resources] == ["ark:/86527/demo-geometrie"]


def test_seed_without_personas(db):
    demo.seed(io.StringIO())
    assert Resource.objects.filter(status="qualified").count() == 7
    assert set(Decision.objects.values_list("by_name", flat=True)) == {"Socle (démo)"}


def test_seed_declares_crcn_competences(world):
    demo.seed(io.StringIO())
    arks = [r.ark for r in services.resources_for_crcn("2.1", cycle="4")]
    assert arks == [
        "ark:/86527/demo-crcn-debat",
        "ark:/86527/demo-crcn-journal",
        "ark:/86527/demo-crcn-messagerie",
        "ark:/86527/demo-crcn-netiquette",
    ]
    assert [r.ark for r in services.resources_for_crcn("2.1", cycle="lycee")] == [
        "ark:/86527/demo-crcn-debat"
    ]
    assert services.resources_for_crcn("3.4", cycle="4") == []
