import datetime as dt

from socle.echanges.models import Agreement

CORE = "roster-core.readonly"
ROSTER = "roster.readonly"
DEMOGRAPHICS = "roster-demographics.readonly"


def make_agreement(**extra) -> Agreement:
    values = {
        "name": "ENT Bretagne",
        "consumer_kind": "ent",
        "purpose": "Comptes et classes de l'ENT des collèges d'Ille-et-Vilaine",
        "legal_basis": "mission_publique",
        "allowed_fields": [
            "orgs.*",
            "academicSessions.*",
            "courses.*",
            "classes.*",
            "enrollments.*",
            "roles.*",
            "users.givenName",
            "users.familyName",
            "users.enabledUser",
            "users.username",
            "users.primaryOrgSourcedId",
            "users.roles",
        ],
        "departements": ["35"],
        "starts_on": dt.date(2025, 1, 1),
        "expires_on": dt.date(2099, 12, 31),
        "contact_name": "DANE Rennes",
        "contact_email": "dane@ac-rennes.fr",
        "oauth_scopes": [CORE, ROSTER],
    }
    values.update(extra)
    return Agreement.objects.create(**values)
