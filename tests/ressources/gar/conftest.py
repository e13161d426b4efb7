"""Fixtures of the access part: Identité's small registry (the journeys' personas: Léa in 4e B,
Mme Martin responsable d'affectation at the collège), two providers each with a qualified
resource (one reached by CAS, one by SAML), a distributor credential, subscriptions.

Catalogue resources are created through the catalogue's models in set-up only: the catalogue
(socle.ressources) offers no public creation function for an already qualified notice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from socle.ressources.gar.models import UNLIMITED, Distributor, Subscription, SubscriptionSchool
from socle.ressources.models import Provider, Resource, Status
from tests.identite.conftest import PASSWORD, make_user, world

CAS_ARK = "ark:/99999/maths-cas"
SAML_ARK = "ark:/99999/lecture-saml"


def make_resource(ark, provider, *, protocol, service, approved=(), title=None, audiences=None):
    return Resource.objects.create(
        ark=ark,
        provider=provider,
        title=title or f"Ressource {ark}",
        description="Exercices en ligne.",
        publisher=provider.name,
        offer_nature="edtech",
        launch_url=f"{service}launch" if protocol == "cas" else "https://editeur-saml.example/launch",
        sso_protocol=protocol,
        sso_service=service,
        approved_attributes=list(approved),
        audiences=audiences or ["ELEVE", "ENSEIGNANT"],
        status=Status.QUALIFIED,
    )


@pytest.fixture
def catalogue(db):
    """Two providers: "EDMATHS" (a CAS resource) and "EDLIRE" (a SAML resource, with PRE approved).
    The SSO services are placeholders: tests driving a live server re-point them."""
    maths = Provider.objects.create(name="Éditions Maths", distributor_code="EDMATHS", nature="edtech")
    lire = Provider.objects.create(name="Lire Plus", distributor_code="EDLIRE", nature="edtech")
    return {
        "cas": make_resource(CAS_ARK, maths, protocol="cas", service="https://editeur-cas.example/"),
        "saml": make_resource(
            SAML_ARK, lire, protocol="saml", service="https://editeur-saml.example/sp", approved=["PRE"]
        ),
        "providers": {"EDMATHS": maths, "EDLIRE": lire},
    }


@pytest.fixture
def distributors(db):
    """The two distributors' credentials: {code: (Distributor, bearer token)}."""
    out = {}
    for code in ("EDMATHS", "EDLIRE"):
        distributor = Distributor.objects.create(code=code, name=code)
        out[code] = (distributor, distributor.issue_token())
    return out


def subscribe(
    distributor, ark, uai, *, sub_id=None, pupils=30, teachers=UNLIMITED, transferable=True, kind="INDIV"
):
    now = timezone.now()
    subscription = Subscription.objects.create(
        distributor=distributor,
        subscription_id=sub_id or f"ABO-{distributor.code}-{uai}",
        commercial_distributor=distributor.code,
        resource_ark=ark,
        resource_label=f"Abonnement {ark}",
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=300),
        transferable=transferable,
        assignment_type=kind,
        licences_pupil=pupils,
        licences_teacher=teachers,
        audiences=["ELEVE", "ENSEIGNANT"],
        body_digest="-",
    )
    SubscriptionSchool.objects.create(subscription=subscription, uai=uai)
    return subscription


__all__ = ["PASSWORD", "make_user", "subscribe", "world"]
