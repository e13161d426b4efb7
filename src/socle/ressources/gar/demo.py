"""Demo data of the access part (`socle demo-bricks`, after the catalogue's demo): the two demo
providers' SSO registrations in Identité (a CAS service and a SAML SP), a subscription of the
collège for each demo resource, and Mme Martin (responsable d'affectation) assigning them to
Léa's class, 4e B — so that Léa sees them in her médiacentre.

Idempotent; works on SQLite and PostgreSQL. The catalogue's demo provides the resources whose
SSO service is DEMO_CAS_SERVICE or DEMO_SAML_ENTITY_ID; without them this seed only registers
the services and says what is missing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from socle.identite import services as identite
from socle.referentiel import services as referentiel
from socle.ressources import services as catalogue

from . import services
from .models import UNLIMITED, AssignmentType, Distributor, Subscription, SubscriptionSchool

DEMO_CAS_SERVICE = "https://editeur-cas.demo.socle.test/"
DEMO_SAML_ENTITY_ID = "https://editeur-saml.demo.socle.test/sp"
DEMO_SAML_ACS = "https://editeur-saml.demo.socle.test/sp/acs"


def _sp_metadata() -> str:
    """SAML metadata of the demo SP: a fresh self-signed certificate (the demo SP does not
    exist; its private key is not kept)."""
    from socle.identite.oidc.keys import new_rsa_pem, self_signed_certificate

    pem = self_signed_certificate(new_rsa_pem(), "editeur-saml.demo.socle.test").decode()
    body = "".join(line for line in pem.splitlines() if "CERTIFICATE" not in line)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
        f'entityID="{DEMO_SAML_ENTITY_ID}">'
        '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" '
        'AuthnRequestsSigned="false" WantAssertionsSigned="true">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>'
        f"<ds:X509Certificate>{body}</ds:X509Certificate>"
        "</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        "<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>"
        '<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        f'Location="{DEMO_SAML_ACS}" index="0" isDefault="true"/>'
        "</md:SPSSODescriptor></md:EntityDescriptor>"
    )


def _register_sso(stdout) -> None:
    from socle.identite.cas.models import CasService
    from socle.identite.saml.models import ServiceProvider

    # The release lists stay empty: for a catalogue resource, the access policy decides the
    # attributes (IDO, PRO, UAI, DIV, PRE/NOM if approved).
    _, created = CasService.objects.get_or_create(
        service_url=DEMO_CAS_SERVICE,
        defaults={"name": "Éditeur CAS (démo)", "organisation": "Démo", "single_logout": False},
    )
    stdout.write(f"CAS service {DEMO_CAS_SERVICE}: {'registered' if created else 'already registered'}")
    if not ServiceProvider.objects.filter(entity_id=DEMO_SAML_ENTITY_ID).exists():
        ServiceProvider.objects.create(
            name="Éditeur SAML (démo)",
            entity_id=DEMO_SAML_ENTITY_ID,
            metadata_xml=_sp_metadata(),
            encrypt_assertions=False,
            organisation="Démo",
        )
        stdout.write(f"SAML SP {DEMO_SAML_ENTITY_ID}: registered")


def _martin_school_and_lea_class(stdout):
    users = get_user_model().objects.select_related("account")
    martin, lea = users.filter(username="martin").first(), users.filter(username="lea").first()
    if martin is None or lea is None:
        stdout.write("Personas martin/lea missing: run `socle provision-demo-accounts` first.")
        return None
    lea_account = identite.account_of(lea)
    links = (
        referentiel.person_links(lea_account.person_uid) if lea_account and lea_account.person_uid else None
    )
    division = next(
        (e.class_group for e in (links.enrolments if links else []) if e.class_group.kind == "division"), None
    )
    if division is None:
        stdout.write("Léa has no class in the registry: nothing assigned.")
        return None
    school = division.etablissement
    if not identite.can(martin, "school.resources.assign", school):
        stdout.write(f"martin is not a responsable d'affectation of {school.uai}: nothing assigned.")
        return None
    return martin, school, division


def _subscription(resource, uai: str) -> Subscription:
    distributor, _ = Distributor.objects.get_or_create(
        code=resource.distributor_code, defaults={"name": resource.publisher}
    )
    year = referentiel.current_school_year()
    today = timezone.localdate()
    # The school year when it includes today; the demo must work whatever day it is run.
    start = min(year.start_date if year else today, today - dt.timedelta(days=1))
    end = max(year.end_date if year else today, today + dt.timedelta(days=365))
    tz = timezone.get_current_timezone()
    subscription, created = Subscription.objects.get_or_create(
        # One subscription per resource: a distributor usually sells several resources.
        subscription_id=f"DEMO-{uai}-{resource.ark.rsplit('/', 1)[-1]}"[:45],
        defaults={
            "distributor": distributor,
            "commercial_distributor": resource.distributor_code,
            "resource_ark": resource.ark,
            "resource_label": resource.title,
            "valid_from": dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            "valid_until": dt.datetime.combine(end, dt.time.max, tzinfo=tz),
            "transferable": True,
            "assignment_type": AssignmentType.INDIVIDUAL,
            "licences_pupil": 60,
            "licences_teacher": UNLIMITED,
            "audiences": ["ELEVE", "ENSEIGNANT"],
            "body_digest": "demo",
        },
    )
    if created:
        SubscriptionSchool.objects.create(subscription=subscription, uai=uai)
    return subscription


def seed(stdout) -> None:
    with transaction.atomic():
        _register_sso(stdout)
    resources = [
        catalogue.resource_by_sso_service("cas", DEMO_CAS_SERVICE),
        catalogue.resource_by_sso_service("saml", DEMO_SAML_ENTITY_ID),
    ]
    if not any(resources):
        stdout.write(
            "No qualified catalogue resource uses the demo SSO services: run the catalogue's demo "
            "first (socle.ressources.demo)."
        )
        return
    found = _martin_school_and_lea_class(stdout)
    if found is None:
        return
    martin, school, division = found
    for resource in filter(None, resources):
        with transaction.atomic():
            subscription = _subscription(resource, school.uai)
            assigned = subscription.assignments.filter(uai=school.uai)
            if not any(a.target_codes == [str(division.uid)] for a in assigned):
                services.assign(subscription, school.uai, "classes", [str(division.uid)], actor=martin)
        stdout.write(
            f"{resource.title}: subscription {subscription.subscription_id}, assigned to {division.name}"
        )
