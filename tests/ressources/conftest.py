"""Fixtures of the catalogue's tests: Identité's small world (teacher martin, ministry officer
ministere, operator, partner editeur, pupil lea) plus the editeur's provider organisation and
the ScoLOMFR fixture files."""

from pathlib import Path

import pytest

from socle.ressources.models import OfferNature, Provider
from tests.identite.conftest import PASSWORD, make_user, world  # noqa: F401 - fixtures reused

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def provider(world):  # noqa: F811
    provider = Provider.objects.create(
        name="Éditions Exemple",
        siren="123456782",
        distributor_code="EDITEUR-EXEMPLE",
        nature=OfferNature.EDTECH,
    )
    provider.members.add(world.users["editeur"])
    return provider


@pytest.fixture
def other_provider(world):  # noqa: F811
    from socle.identite.models import AccountKind

    other = Provider.objects.create(
        name="Concurrent", siren="732829320", distributor_code="CONCURRENT", nature=OfferNature.EDTECH
    )
    world.users["concurrent"] = make_user("concurrent", kind=AccountKind.PARTNER)
    other.members.add(world.users["concurrent"])
    return other


@pytest.fixture
def imported(provider):
    """The three valid fixture notices, imported as drafts."""
    from socle.ressources.importers import import_scolomfr

    report = import_scolomfr([FIXTURES / "notices_valid.xml"], provider)
    assert report.ok, [str(r) for r in report.rejected]
    return report


def qualify_all(world, arks, attributes=None):  # noqa: F811
    """Submit (as editeur) and qualify (as ministere) the notices `arks`."""
    from socle.ressources import workflow
    from socle.ressources.models import Resource

    for ark in arks:
        resource = Resource.objects.get(ark=ark)
        if resource.status != "submitted":
            workflow.submit(resource, world.user("editeur"))
        workflow.review(
            resource,
            world.user("ministere"),
            qualify=True,
            checklist=dict.fromkeys(workflow.CHECKLIST, True),
            approved_attributes=set((attributes or {}).get(ark, ())),
        )


__all__ = ["FIXTURES", "PASSWORD", "qualify_all"]
