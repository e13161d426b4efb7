"""Qualification workflow, role boundaries and the public interface used by the access part."""

import pytest
from django.core.exceptions import PermissionDenied

from socle.ressources import services, workflow
from socle.ressources.models import Decision, Resource, Status

from .conftest import qualify_all

pytestmark = pytest.mark.django_db
ALL_MET = dict.fromkeys(workflow.CHECKLIST, True)
GEOMETRY = "ark:/86527/geometrie-cycle3"
PHYSICS = "ark:/86527/physique-college"
LECTURE = "ark:/86527/lecture-cycle2"


def test_only_qualified_resources_are_offered(world, imported):
    assert services.qualified_resource(GEOMETRY) is None  # draft
    resource = Resource.objects.get(ark=GEOMETRY)
    workflow.submit(resource, world.user("editeur"))
    assert services.qualified_resource(GEOMETRY) is None  # submitted
    workflow.review(
        resource, world.user("ministere"), qualify=True, checklist=ALL_MET, approved_attributes={"PRE"}
    )
    summary = services.qualified_resource(GEOMETRY)
    assert summary == services.ResourceSummary(
        ark=GEOMETRY,
        title="Atelier de constructions géométriques",
        description=resource.description,
        publisher="Éditions Exemple",
        distributor_code="EDITEUR-EXEMPLE",
        launch_url="https://editeur-cas.demo.socle.test/geometrie/",
        sso_protocol="cas",
        sso_service="https://editeur-cas.demo.socle.test/",
        approved_attributes=frozenset({"PRE"}),
        thumbnail_url="",
        audiences=frozenset({"ELEVE", "ENSEIGNANT"}),
    )
    assert [r.ark for r in services.qualified_resources()] == [GEOMETRY]
    assert services.qualified_resources("OTHER") == []


def test_sso_lookup_longest_cas_prefix_and_exact_saml(world, imported):
    qualify_all(world, [GEOMETRY, PHYSICS, LECTURE])
    lookup = services.resource_by_sso_service
    assert lookup("cas", "https://editeur-cas.demo.socle.test/geometrie/?x=1").ark == GEOMETRY
    assert lookup("cas", "https://editeur-cas.demo.socle.test/lecture/page").ark == LECTURE  # longer prefix
    assert lookup("cas", "https://evil.example/https://editeur-cas.demo.socle.test/") is None
    assert lookup("saml", "https://editeur-saml.demo.socle.test/sp").ark == PHYSICS
    assert lookup("saml", "https://editeur-saml.demo.socle.test/sp/other") is None
    assert lookup("cas", "https://editeur-saml.demo.socle.test/sp") is None
    assert lookup("oidc", "x") is None and lookup("cas", "") is None


def test_provider_lookup(world, provider):
    assert services.provider_by_distributor_code("EDITEUR-EXEMPLE") == services.ProviderSummary(
        name="Éditions Exemple", siren="123456782", distributor_code="EDITEUR-EXEMPLE", nature="edtech"
    )
    assert services.provider_by_distributor_code("NOPE") is None
    assert services.providers_of(world.user("editeur"))[0].distributor_code == "EDITEUR-EXEMPLE"
    assert services.providers_of(world.user("martin")) == []


def test_refusal_needs_reasons_and_history_is_kept(world, imported):
    resource = Resource.objects.get(ark=PHYSICS)
    workflow.submit(resource, world.user("editeur"))
    with pytest.raises(workflow.WorkflowError, match="a refusal needs reasons"):
        workflow.review(resource, world.user("ministere"), qualify=False, checklist={}, reasons="  ")
    workflow.review(
        resource,
        world.user("ministere"),
        qualify=False,
        checklist={"rgaa": False, "personal_data": True, "sso": True, "ecodesign": False},
        reasons="Pas de déclaration d'accessibilité RGAA publiée.",
    )
    resource.refresh_from_db()
    assert resource.status == Status.REFUSED
    assert services.qualified_resource(PHYSICS) is None
    # The provider corrects and resubmits; the ministry qualifies with NOM only.
    workflow.submit(resource, world.user("editeur"))
    workflow.review(
        resource, world.user("ministere"), qualify=True, checklist=ALL_MET, approved_attributes={"NOM"}
    )
    history = list(resource.decisions.values_list("kind", "by_name", "reasons"))
    assert history == [
        ("submitted", "editeur", ""),
        ("refused", "ministere", "Pas de déclaration d'accessibilité RGAA publiée."),
        ("submitted", "editeur", ""),
        ("qualified", "ministere", ""),
    ]
    refused = resource.decisions.get(kind=Decision.Kind.REFUSED)
    assert refused.checklist == {"rgaa": False, "personal_data": True, "sso": True, "ecodesign": False}
    assert refused.by == world.users["ministere"]
    assert services.qualified_resource(PHYSICS).approved_attributes == frozenset({"NOM"})


def test_qualification_needs_the_whole_checklist_and_requested_attributes(world, imported):
    resource = Resource.objects.get(ark=GEOMETRY)  # requested PRE only
    workflow.submit(resource, world.user("editeur"))
    ministry = world.user("ministere")
    with pytest.raises(workflow.WorkflowError, match="checklist items not met: sso, ecodesign"):
        workflow.review(resource, ministry, qualify=True, checklist={"rgaa": True, "personal_data": True})
    with pytest.raises(workflow.WorkflowError, match="attributes NOM were not requested"):
        workflow.review(resource, ministry, qualify=True, checklist=ALL_MET, approved_attributes={"NOM"})
    with pytest.raises(workflow.WorkflowError, match="attributes MEL cannot be released"):
        workflow.review(resource, ministry, qualify=True, checklist=ALL_MET, approved_attributes={"MEL"})
    with pytest.raises(workflow.WorkflowError, match="unknown checklist items: gdpr"):
        workflow.review(resource, ministry, qualify=True, checklist={**ALL_MET, "gdpr": True})
    resource.refresh_from_db()
    assert resource.status == Status.SUBMITTED
    workflow.review(resource, ministry, qualify=True, checklist=ALL_MET)
    with pytest.raises(workflow.WorkflowError, match="only a submitted notice can be reviewed"):
        workflow.review(resource, ministry, qualify=False, checklist={}, reasons="again")


def test_role_boundaries(world, imported, other_provider):
    resource = Resource.objects.get(ark=GEOMETRY)
    # Nobody but the provider's members submits.
    for name in ("martin", "ministere", "concurrent"):
        with pytest.raises(PermissionDenied):
            workflow.submit(resource, world.user(name))
    workflow.submit(resource, world.user("editeur"))
    # A teacher, a provider, a pupil cannot qualify; the ministry and an operator can.
    for name in ("martin", "editeur", "lea", "academie"):
        with pytest.raises(PermissionDenied):
            workflow.review(resource, world.user(name), qualify=True, checklist=ALL_MET)
    assert workflow.is_reviewer(world.user("ministere")) and workflow.is_reviewer(world.user("operateur"))
    # A provider sees only its own notices.
    assert set(workflow.own_resources(world.user("editeur")).values_list("ark", flat=True)) == set(
        imported.created
    )
    assert not workflow.own_resources(world.user("concurrent")).exists()
    assert not workflow.can_view(world.user("concurrent"), resource)
    assert not workflow.can_view(world.user("martin"), resource)  # not qualified yet
    assert workflow.can_view(world.user("ministere"), resource)
    workflow.review(resource, world.user("operateur"), qualify=True, checklist=ALL_MET)
    assert workflow.can_view(world.user("martin"), resource)
    assert workflow.can_view(world.user("concurrent"), resource) is False  # partners are not readers
    assert not workflow.can_view(world.user("lea"), resource)  # pupils use the médiacentre, not the catalogue
    assert not workflow.can_view(world.user("ministere"), Resource.objects.get(ark=LECTURE))  # a draft
