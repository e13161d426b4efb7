"""The demo seed: SSO registrations, the collège's subscriptions, Mme Martin's assignment to
4e B, Léa's médiacentre; idempotent."""

import io

import pytest

from socle.identite.cas.models import CasService
from socle.identite.saml.idp import metadata_problem
from socle.identite.saml.models import ServiceProvider
from socle.ressources.gar import demo, services
from socle.ressources.gar.models import Assignment, Subscription

from .conftest import make_resource

pytestmark = pytest.mark.django_db


def test_seed_without_catalogue_resources_only_registers_the_services(world):
    out = io.StringIO()
    demo.seed(out)
    assert CasService.objects.filter(service_url=demo.DEMO_CAS_SERVICE).exists()
    assert "run the catalogue's demo first" in out.getvalue()
    assert not Subscription.objects.exists()


def test_seed_subscribes_the_college_and_assigns_4b(world, catalogue):
    providers = catalogue["providers"]
    make_resource("ark:/99999/demo-cas", providers["EDMATHS"], protocol="cas", service=demo.DEMO_CAS_SERVICE)
    make_resource(
        "ark:/99999/demo-saml", providers["EDLIRE"], protocol="saml", service=demo.DEMO_SAML_ENTITY_ID
    )
    for _ in range(2):
        demo.seed(io.StringIO())
    sp = ServiceProvider.objects.get(entity_id=demo.DEMO_SAML_ENTITY_ID)
    assert metadata_problem(sp.metadata_xml, sp.entity_id) in (None, "")
    assert Subscription.objects.count() == 2
    assert Assignment.objects.count() == 2
    assert {a.target_label for a in Assignment.objects.all()} == {"4e B"}
    assert {a.created_by for a in Assignment.objects.all()} == {"martin"}
    arks = [entry.resource.ark for entry in services.mediacentre(world.user("lea"))]
    assert sorted(arks) == ["ark:/99999/demo-cas", "ark:/99999/demo-saml"]
    assert services.mediacentre(world.user("tom")) == []


def test_seed_subscribes_each_resource_of_one_distributor(world, catalogue):
    # The catalogue's demo has one provider selling both resources: one subscription each.
    provider = catalogue["providers"]["EDMATHS"]
    make_resource("ark:/99999/demo-cas", provider, protocol="cas", service=demo.DEMO_CAS_SERVICE)
    make_resource("ark:/99999/demo-saml", provider, protocol="saml", service=demo.DEMO_SAML_ENTITY_ID)
    demo.seed(io.StringIO())
    assert sorted(Subscription.objects.values_list("resource_ark", flat=True)) == [
        "ark:/99999/demo-cas",
        "ark:/99999/demo-saml",
    ]
    arks = [entry.resource.ark for entry in services.mediacentre(world.user("lea"))]
    assert sorted(arks) == ["ark:/99999/demo-cas", "ark:/99999/demo-saml"]
