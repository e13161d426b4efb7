"""Demo data of the exchanges (`socle demo-bricks`): journey 2, "data entered once".

The "ent" persona (ENT Exemple) gets a data-sharing agreement covering the demo commune's collège
and école, limited to what an ENT needs to open accounts and fill its classes (no e-mail, phone,
INE, birth date or sex), with OAuth 2 client credentials for the OneRoster REST service.

Like the personas' shared password (`DEMO_PASSWORD`), the client id and secret are fixed,
published dev values, so the docs can show a working `curl`; they are set and printed only when
`settings.SOCLE_SHOW_DEMO_LOGINS` is on (dev and tests, never production). With it off the
agreement is recorded without credentials and the operator issues random ones with
`socle agreement-credentials --agreement "ENT Exemple"`. Idempotent; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from socle.referentiel import services as referentiel
from socle.referentiel.demo.personas import PERSONAS_BY_USERNAME, person_for

from .models import Agreement
from .oneroster.auth import CORE, ROSTER

REFERENCE = "DEMO-ENT-2026-001"  # the key that makes the seed idempotent
CLIENT_ID = "demo-ent-exemple"
# Dev/demo only, like DEMO_PASSWORD: never set when SOCLE_SHOW_DEMO_LOGINS is off.
CLIENT_SECRET = "socle-demo-ent-2026"  # noqa: S105
# A signed agreement runs for a fixed term; three school years, then it must be renewed.
TERM = dt.timedelta(days=3 * 365)

# What an ENT needs to create accounts and fill its classes: the structures, the calendar, the
# classes and who is in them, names, roles and the parent–child links (parents' accounts see
# their children). Contact details, INE, birth date and sex stay in the registry.
ALLOWED_FIELDS = [
    "orgs.*",
    "academicSessions.*",
    "courses.*",
    "classes.*",
    "enrollments.*",
    "roles.*",
    "users.enabledUser",
    "users.username",
    "users.givenName",
    "users.familyName",
    "users.primaryOrgSourcedId",
    "users.agentSourcedIds",
    "users.grades",
    "users.roles",
]


def demo_schools() -> tuple[object, object] | None:
    """The demo commune's collège (Léa's 4e B) and école (Mme Diallo's), or None without the
    demo world."""
    lea, diallo = person_for("lea"), person_for("diallo")
    if lea is None or diallo is None:
        return None
    lea_links = referentiel.person_links(lea.uid)
    diallo_links = referentiel.person_links(diallo.uid)
    college = next(
        (e.class_group.etablissement for e in lea_links.enrolments if e.class_group.kind == "division"), None
    )
    ecole = next((f.etablissement for f in diallo_links.functions if f.role == "direction"), None)
    if college is None or ecole is None:
        return None
    return college, ecole


def seed(stdout) -> None:
    schools = demo_schools()
    if schools is None:
        stdout.write("Échanges demo: the demo schools are missing (run demo-data first), nothing seeded.")
        return
    college, ecole = schools
    persona = PERSONAS_BY_USERNAME["ent"]
    terms = {
        "name": persona.display_name,
        "consumer_kind": Agreement.ConsumerKind.ENT,
        "purpose": (
            f"Comptes et classes de l'ENT du {college.name} et de l'{ecole.name} "
            "(ouverture des comptes élèves, parents et personnels, composition des classes)."
        ),
        "legal_basis": Agreement.LegalBasis.PUBLIC_TASK,
        "allowed_fields": ALLOWED_FIELDS,
        "national": False,
        "regions": [],
        "academies": [],
        "departements": [],
        "schools": sorted({college.uai, ecole.uai}),
        "contact_name": persona.display_name,
        "contact_email": "dpo@ent.demo.socle.test",
        "is_active": True,
        "oauth_scopes": [CORE, ROSTER],
    }
    today = timezone.localdate()
    # The term is set once, when the agreement is signed; re-seeding does not extend it.
    agreement, created = Agreement.objects.update_or_create(
        reference=REFERENCE,
        defaults=terms,
        create_defaults={**terms, "starts_on": today, "expires_on": today + TERM},
    )
    stdout.write(
        f"Échanges demo: agreement {agreement.name!r} ({REFERENCE}) "
        f"{'created' if created else 'up to date'}, schools {', '.join(agreement.schools)}."
    )
    if not settings.SOCLE_SHOW_DEMO_LOGINS:
        stdout.write(
            "Échanges demo: no client credentials (SOCLE_SHOW_DEMO_LOGINS is off); issue them with "
            f'`socle agreement-credentials --agreement "{agreement.name}"`.'
        )
        return
    if agreement.client_id in (None, CLIENT_ID) and (created or not agreement.client_secret_digest):
        _set_demo_credentials(agreement)
    if agreement.client_id == CLIENT_ID and agreement.check_secret(CLIENT_SECRET):
        stdout.write(
            f"Échanges demo: OneRoster client id {CLIENT_ID}, secret {CLIENT_SECRET} (dev only); "
            f"token: curl -u {CLIENT_ID}:{CLIENT_SECRET} -d grant_type=client_credentials "
            f"http://127.0.0.1:8000/ims/oneroster/token"
        )
    else:
        stdout.write(
            "Échanges demo: the agreement's credentials were reissued by an operator; they are kept "
            "and not shown."
        )


def _set_demo_credentials(agreement: Agreement) -> None:
    agreement.client_id = CLIENT_ID
    agreement.client_secret_digest = Agreement.hash_secret(CLIENT_SECRET)
    agreement.save(update_fields=["client_id", "client_secret_digest"])
