"""identity_of, pairwise subjects, external identities, demo provisioning."""

import hashlib
import hmac

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from socle.identite.models import Account, AccountState, TerritorialGrant
from socle.identite.services import (
    ExternalIdentityConflict,
    account_by_external_identity,
    identity_of,
    ine_hash,
    link_external_identity,
    pairwise_subject,
)


def test_pupil_identity_in_educonnect_vocabulary(world):
    identity = identity_of(world.user("lea"))
    assert identity.affiliation == "eleve2d"
    assert identity.first_name == "Léa" and identity.last_name == "Moreau"
    assert identity.uais == (world.schools["college"].uai,)
    assert identity.level == "4E"
    assert sorted(identity.divs) == ["4B##4e B", "4LAT##Latin 4e"]
    assert identity.birth_date.isoformat() == "2012-03-04"
    assert identity.email == ""
    assert len(identity.ine_hash) == 64 and "123456789AB" not in identity.ine_hash
    assert identity.ine_hash == ine_hash("123456789ab")
    assert identity_of(world.user("ines")).affiliation == "eleve1d"


def test_guardian_and_staff_identities(world):
    karim = identity_of(world.user("karim"))
    assert karim.affiliation == "resp2d"  # one child at the collège
    assert set(karim.uais) == {world.schools["college"].uai, world.schools["ecole"].uai}
    assert karim.birth_date is None and karim.ine_hash == ""
    assert karim.email == "karim@example.org"
    assert identity_of(world.user("martin")).affiliation == "enseignant"
    assert identity_of(world.user("roux")).affiliation == "personnel"
    assert identity_of(world.user("departement")).affiliation == "territorial"


def test_first_degree_only_guardian_is_resp1d(world):
    from socle.referentiel import models as rm

    rm.Guardianship.objects.filter(guardian=world.persons["karim"], pupil=world.persons["lea"]).delete()
    assert identity_of(world.user("karim")).affiliation == "resp1d"


def test_pending_account_has_no_identity(world):
    Account.objects.filter(user=world.users["karim"]).update(state=AccountState.PENDING)
    assert identity_of(world.user("karim")) is None


def test_pairwise_subject_is_stable_keyed_and_unlinkable(world, settings):
    lea = world.user("lea")
    a = pairwise_subject(lea, "https://ent.example")
    assert a == pairwise_subject(world.user("lea"), "https://ent.example")
    assert len(a) == 64 and int(a, 16) >= 0
    assert a != pairwise_subject(lea, "https://resource.example")
    assert a != pairwise_subject(world.user("karim"), "https://ent.example")
    # It is the HMAC under the configured key, and follows the person, not the account.
    settings.SOCLE_PAIRWISE_KEY = "k" * 40
    expected = hmac.new(
        b"k" * 40, f"pairwise\0person:{world.persons['lea'].uid}|aud".encode(), hashlib.sha256
    ).hexdigest()
    assert pairwise_subject(lea, "aud") == expected
    account = lea.account
    account.user = get_user_model().objects.create_user("lea2")
    account.save()
    assert pairwise_subject(get_user_model().objects.get(username="lea2"), "aud") == expected
    # Accounts without a person use their own uid.
    assert pairwise_subject(world.user("departement"), "aud") != pairwise_subject(
        world.user("commune"), "aud"
    )
    with pytest.raises(ValueError):
        pairwise_subject(world.user("lea2") if False else lea, "")


def test_link_external_identity(world):
    karim = world.user("karim").account
    linked = link_external_identity(karim, "franceconnect", "fc-sub-1")
    assert link_external_identity(karim, "franceconnect", "fc-sub-1").pk == linked.pk
    assert account_by_external_identity("franceconnect", "fc-sub-1") == karim
    with pytest.raises(ExternalIdentityConflict):
        link_external_identity(world.user("martin").account, "franceconnect", "fc-sub-1")
    link_external_identity(karim, "franceconnect", "fc-sub-2")  # replaces the previous subject
    assert account_by_external_identity("franceconnect", "fc-sub-1") is None
    assert account_by_external_identity("franceconnect", "fc-sub-2") == karim


def test_provision_demo_accounts_is_idempotent(world):
    pytest.importorskip("socle.referentiel.demo.personas")
    call_command("provision_demo_accounts")
    call_command("provision_demo_accounts")
    User = get_user_model()
    assert User.objects.filter(username="operateur", is_superuser=True).exists()
    for username in ("ministere", "editeur", "ent", "academie"):
        assert Account.objects.get(user__username=username).state == AccountState.ACTIVE
    assert TerritorialGrant.objects.filter(account__user__username="ministere", kind="ministry").count() == 1
