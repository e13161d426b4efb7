"""`socle provision-demo-accounts`: accounts for the demo personas (idempotent).

Uses `socle.referentiel.demo.personas` (PERSONAS, DEMO_PASSWORD, person_for) when present: each
persona gets an active account linked to their Référentiel person, and the territorial officers
their grants, derived from the demo world (the collège's département, the école's commune, the
collège's académie). Run after `socle demo-data`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from socle.identite.models import Account, AccountKind, AccountState, TerritorialGrant
from socle.identite.services import grant_territory
from socle.referentiel import services as referentiel

KINDS = {
    "lea": AccountKind.PUPIL,
    "ines": AccountKind.PUPIL,
    "karim": AccountKind.GUARDIAN,
    "martin": AccountKind.STAFF,
    "roux": AccountKind.STAFF,
    "diallo": AccountKind.STAFF,
    "departement": AccountKind.TERRITORIAL,
    "commune": AccountKind.TERRITORIAL,
    "academie": AccountKind.TERRITORIAL,
    "ministere": AccountKind.TERRITORIAL,
    "operateur": AccountKind.OPERATOR,
    "editeur": AccountKind.PARTNER,
    "ent": AccountKind.PARTNER,
}


def _school_of(person_for, username: str, role: str):
    person = person_for(username)
    if person is None:
        return None
    links = referentiel.person_links(person.uid)
    if links is None:
        return None
    for function in links.functions:
        if function.role == role:
            return function.etablissement
    return None


def territorial_grants(person_for) -> dict[str, tuple[str, str]]:
    """persona → (territory kind, code), read from the demo world."""
    college = _school_of(person_for, "roux", "direction")
    ecole = _school_of(person_for, "diallo", "direction")
    grants = {"ministere": ("ministry", "")}
    if college is not None:
        code = (
            college.collectivite_code
            if college.collectivite_type == "departement"
            else college.departement_id
        )
        grants["departement"] = ("departement", code)
        grants["academie"] = ("academie", college.academie_id)
    if ecole is not None:
        code = ecole.collectivite_code if ecole.collectivite_type == "commune" else ecole.commune_id
        if code:
            grants["commune"] = ("commune", code)
    return grants


class Command(BaseCommand):
    help = "Create or update the accounts of the demo personas and their territorial grants."

    def handle(self, *args, **options):
        try:
            from socle.referentiel.demo.personas import DEMO_PASSWORD, PERSONAS, person_for
        except ImportError:
            self.stderr.write("socle.referentiel.demo.personas is absent: nothing to provision.")
            return
        User = get_user_model()
        grants = territorial_grants(person_for)
        created = updated = 0
        with transaction.atomic():
            for persona in PERSONAS:
                kind = KINDS.get(persona.username, AccountKind.PARTNER)
                first, _, last = persona.display_name.partition(" ")
                user, new_user = User.objects.get_or_create(
                    username=persona.username, defaults={"first_name": first, "last_name": last}
                )
                if new_user or not user.has_usable_password():
                    user.set_password(DEMO_PASSWORD)
                if kind == AccountKind.OPERATOR:
                    user.is_staff = user.is_superuser = True
                user.is_active = True
                user.save()
                person = person_for(persona.username)
                person_uid = person.uid if person is not None else None
                if person_uid is not None:
                    # A person has one account: free the uid if another account held it.
                    Account.objects.filter(person_uid=person_uid).exclude(user=user).update(person_uid=None)
                account, new = Account.objects.update_or_create(
                    user=user,
                    defaults={"kind": kind, "person_uid": person_uid, "state": AccountState.ACTIVE},
                )
                if account.activated_at is None:
                    account.activated_at = timezone.now()
                    account.save(update_fields=["activated_at"])
                created += new
                updated += not new
                if persona.username in grants:
                    territory, code = grants[persona.username]
                    TerritorialGrant.objects.filter(account=account).exclude(
                        kind=territory, code=code
                    ).delete()
                    grant_territory(account, territory, code)
                elif kind == AccountKind.TERRITORIAL:
                    self.stderr.write(
                        f"{persona.username}: no territory found in the demo data (load it first)"
                    )
        self.stdout.write(
            f"demo accounts: {created} created, {updated} updated; grants: {sorted(grants.items())}"
        )
