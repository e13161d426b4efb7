"""The console d'affectation's rules (services and JSON API) on PostgreSQL: targets, licence
counts per audience and ILLIMITE, exhaustion refused with a clear message, transferable vs
non-transferable licences, history, authorization; the médiacentre listing; usage statistics
and retention of the access log."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from socle.referentiel import models as rm
from socle.ressources.gar import services
from socle.ressources.gar.models import UNLIMITED, AssignmentEvent, Licence, ResourceAccess

from .conftest import CAS_ARK, SAML_ARK, make_user, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def college(world):
    return world.schools["college"].uai


def usage(subscription):
    return {u.audience: (u.used, u.limit, u.remaining) for u in services.licence_usage(subscription)}


def test_assign_a_class_counts_pupils_and_teachers(world, catalogue, distributors, college):
    sub = subscribe(distributors["EDMATHS"][0], CAS_ARK, college, pupils=30, teachers=UNLIMITED)
    martin = world.user("martin")
    assignment = services.assign(sub, college, "classes", [str(world.classes["4B"].uid)], actor=martin)
    assert assignment.target_label == "4e B"
    assert usage(sub) == {"ELEVE": (1, 30, 29), "ENSEIGNANT": (1, UNLIMITED, None), "GLOBAL": (2, None, None)}
    event = AssignmentEvent.objects.get()
    assert (event.action, event.actor, event.licences_granted) == ("assigned", "martin", 2)
    assert services.check_access(world.user("lea"), CAS_ARK).allowed
    assert services.check_access(world.user("martin"), CAS_ARK).member.profile == "National_ens"
    refused = services.check_access(world.user("tom"), CAS_ARK)  # 5e C
    assert not refused.allowed
    assert refused.message.startswith("Cette ressource ne vous a pas été affectée.")


def test_exhausted_licences_are_refused_with_a_clear_message(world, catalogue, distributors, college):
    sub = subscribe(distributors["EDMATHS"][0], CAS_ARK, college, pupils=1)
    martin = world.user("martin")
    services.assign(sub, college, "classes", [str(world.classes["4B"].uid)], actor=martin)
    with pytest.raises(services.AssignmentError) as error:
        services.assign(sub, college, "classes", [str(world.classes["5C"].uid)], actor=martin)
    assert error.value.message == (
        "Licences insuffisantes pour les élèves : 1 de plus nécessaires, 0 restantes sur 1 "
        "dans l'abonnement ABO-EDMATHS-0350001L."
    )
    assert sub.assignments.count() == 1  # nothing written
    # a pupil joining 4e B later is covered, but no licence is left for her at access time
    zoe = rm.Person.objects.create(first_name="Zoé", last_name="Lambert")
    rm.Enrolment.objects.create(person=zoe, class_group=world.classes["4B"], begin_date=world.year.start_date)
    user = make_user("zoe", kind="pupil", person=zoe)
    result = services.check_access(user, CAS_ARK)
    assert not result.allowed
    assert result.message.startswith(
        "Licences insuffisantes pour les élèves : 1 de plus nécessaires, 0 restantes"
    )
    # the JSON API answers 409 with the same message
    client = Client()
    client.force_login(martin)
    response = client.post(
        f"/ressources/acces/api/console/{college}/assignments",
        json.dumps({"idAbonnement": sub.subscription_id, "target_kind": "level", "target_codes": ["5E"]}),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "licences_exhausted"
    assert "0 restantes sur 1" in response.json()["error"]["message"]


@pytest.mark.parametrize("transferable", [True, False])
def test_transferable_licences_return_to_the_pool_non_transferable_do_not(
    world, catalogue, distributors, college, transferable
):
    sub = subscribe(distributors["EDMATHS"][0], CAS_ARK, college, pupils=1, transferable=transferable)
    martin = world.user("martin")
    first = services.assign(sub, college, "classes", [str(world.classes["4B"].uid)], actor=martin)
    event = services.withdraw(first, actor=martin)
    assert event.licences_released == 2
    assert not services.check_access(world.user("lea"), CAS_ARK).allowed
    if transferable:
        assert not Licence.objects.filter(subscription=sub).exists()
        services.assign(sub, college, "classes", [str(world.classes["5C"].uid)], actor=martin)
        assert services.check_access(world.user("tom"), CAS_ARK).allowed
    else:
        assert Licence.objects.filter(subscription=sub, released_at__isnull=False).count() == 2
        with pytest.raises(services.AssignmentError, match="0 restantes sur 1"):
            services.assign(sub, college, "classes", [str(world.classes["5C"].uid)], actor=martin)
        # given back to Léa's class, her own licence is reused: no new consumption
        services.assign(sub, college, "classes", [str(world.classes["4B"].uid)], actor=martin)
        assert usage(sub)["ELEVE"] == (1, 1, 0)
    actions = list(AssignmentEvent.objects.values_list("action", flat=True))
    assert actions[-2:] == ["withdrawn", "assigned"]


def test_targets_group_level_subject_and_whole_audiences(world, catalogue, distributors, college):
    sub = subscribe(distributors["EDMATHS"][0], CAS_ARK, college, pupils=UNLIMITED, teachers=UNLIMITED)
    martin = world.user("martin")
    lea, tom = world.user("lea"), world.user("tom")
    group = services.assign(sub, college, "group", [str(world.classes["latin"].uid)], ["ELEVE"], actor=martin)
    assert services.check_access(lea, CAS_ARK).allowed and not services.check_access(tom, CAS_ARK).allowed
    assert not services.check_access(martin, CAS_ARK).allowed  # pupils only
    services.withdraw(group, actor=martin)
    level = services.assign(sub, college, "level", ["5E"], actor=martin)
    assert level.target_label == "niveau 5E"
    assert services.check_access(tom, CAS_ARK).allowed and not services.check_access(lea, CAS_ARK).allowed
    subject = services.assign(sub, college, "subject", [world.matieres["maths"].code], actor=martin)
    assert subject.audiences == ["ENSEIGNANT"] and subject.target_label == "enseignants de Mathématiques"
    assert services.check_access(martin, CAS_ARK).allowed
    services.assign(sub, college, "all_pupils", actor=martin)
    assert services.check_access(lea, CAS_ARK).allowed
    with pytest.raises(
        services.AssignmentError, match="Choisissez un niveau enseigné dans cet établissement"
    ):
        services.assign(sub, college, "level", ["TLE"], actor=martin)
    with pytest.raises(services.AssignmentError, match="introuvable parmi les classes"):
        services.assign(sub, college, "classes", [str(world.classes["brest6"].uid)], actor=martin)


def test_only_the_schools_responsables_may_assign(world, catalogue, distributors, college):
    sub = subscribe(distributors["EDMATHS"][0], CAS_ARK, college)
    for name in ("lea", "cpe", "diallo"):
        with pytest.raises(services.AssignmentError) as error:
            services.assign(sub, college, "all_pupils", actor=world.user(name))
        assert error.value.code == "forbidden"
    client = Client()
    client.force_login(world.user("cpe"))
    assert client.get(f"/ressources/acces/api/console/{college}/subscriptions").status_code == 403
    assert client.get(f"/ressources/acces/console/{college}/").status_code == 403
    assert Client().get(f"/ressources/acces/api/console/{college}/subscriptions").status_code == 401


def test_console_api_and_mediacentre_listing(world, catalogue, distributors, college):
    maths = subscribe(distributors["EDMATHS"][0], CAS_ARK, college)
    subscribe(distributors["EDLIRE"][0], SAML_ARK, college, kind="ETABL")
    client = Client()
    client.force_login(world.user("martin"))
    created = client.post(
        f"/ressources/acces/api/console/{college}/assignments",
        json.dumps(
            {
                "idAbonnement": maths.subscription_id,
                "target_kind": "classes",
                "target_codes": [str(world.classes["4B"].uid)],
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    listed = client.get(f"/ressources/acces/api/console/{college}/subscriptions").json()
    by_id = {s["idAbonnement"]: s for s in listed}
    assert by_id[maths.subscription_id]["assignments"][0]["target_label"] == "4e B"
    assert {"audience": "ELEVE", "used": 1, "limit": 30, "remaining": 29} in by_id[maths.subscription_id][
        "usage"
    ]
    history = client.get(f"/ressources/acces/api/console/{college}/history").json()
    assert history[0]["action"] == "assigned" and history[0]["actor"] == "martin"
    lea = Client()
    lea.force_login(world.user("lea"))
    listing = lea.get("/ressources/acces/api/mediacentre").json()["listeRessources"]["ressource"]
    assert [r["idRessource"] for r in listing] == [CAS_ARK, SAML_ARK] or sorted(
        r["idRessource"] for r in listing
    ) == sorted([CAS_ARK, SAML_ARK])
    cas = next(r for r in listing if r["idRessource"] == CAS_ARK)
    assert cas["nomEditeur"] == "Éditions Maths" and cas["idType"] == "ark"
    assert cas["urlAccesRessource"] == f"http://testserver/ressources/acces/lancer/{CAS_ARK}"
    assert set(cas) >= {
        "nomRessource",
        "urlVignette",
        "typePresentation",
        "typologieDocument",
        "niveauEducatif",
    }
    withdrawn = client.delete(
        f"/ressources/acces/api/console/{college}/assignments/{created.json()['id']}"
    ).json()
    assert withdrawn["licences_released"] == 2
    tom = Client()
    tom.force_login(world.user("tom"))
    assert [
        r["idRessource"]
        for r in tom.get("/ressources/acces/api/mediacentre").json()["listeRessources"]["ressource"]
    ] == [SAML_ARK]  # the ETABL subscription covers every pupil of the school
    schema = client.get("/ressources/acces/api/openapi.json").json()
    assert "/ressources/acces/api/mediacentre" in schema["paths"]


def test_weekly_active_users_access_counts_and_retention(world, catalogue, distributors, college):
    def log(ido, at, channel="cas", provider="EDMATHS"):
        ResourceAccess.objects.create(
            ark=CAS_ARK,
            provider=provider,
            ido=ido,
            uai=college,
            profile="National_elv",
            channel=channel,
            at=at,
        )

    monday = timezone.make_aware(dt.datetime(2026, 11, 23, 10, 0))  # ISO week 2026-W48
    log("a", monday)
    log("a", monday + dt.timedelta(days=2))
    log("b", monday + dt.timedelta(days=3))
    log("a", monday, channel="launch")
    log("a", monday + dt.timedelta(days=7))  # W49
    assert services.weekly_active_users(dt.date(2026, 11, 23), dt.date(2026, 12, 6)) == [
        (college, "2026-W48", 2),
        (college, "2026-W49", 1),
    ]
    assert services.access_counts(dt.date(2026, 11, 23), dt.date(2026, 11, 29)) == [(college, CAS_ARK, 3)]
    assert services.access_counts(dt.date(2026, 11, 23), dt.date(2026, 11, 29), channels=("launch",)) == [
        (college, CAS_ARK, 1)
    ]
    log("old", timezone.now() - dt.timedelta(days=401))
    ended = subscribe(distributors["EDMATHS"][0], CAS_ARK, college, sub_id="ABO-ENDED", pupils=UNLIMITED)
    current = subscribe(distributors["EDLIRE"][0], SAML_ARK, college, pupils=UNLIMITED)
    for sub in (ended, current):
        services.assign(sub, college, "all_pupils", actor=world.user("martin"))
    ended.valid_until = timezone.now() - dt.timedelta(days=401)
    ended.save()
    call_command("gar_purge_accesses")
    assert not ResourceAccess.objects.filter(ido="old").exists()
    assert ResourceAccess.objects.count() == 5
    assert not Licence.objects.filter(subscription=ended).exists()
    assert Licence.objects.filter(subscription=current).count() == 2  # Léa and Tom
