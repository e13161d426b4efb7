"""Roles computed from the registry, and the boundaries of the authorization service."""

import datetime as dt

import pytest
from django.utils import timezone

from socle.identite.models import AccountState
from socle.identite.services import RoleName, can, forget_roles, roles_of, visible
from socle.referentiel import models as rm


def uais(qs):
    return {school.uai for school in qs}


def names(qs):
    return {person.first_name for person in qs}


def codes(qs):
    return {group.code for group in qs}


# --- roles -------------------------------------------------------------------------------------
def test_roles_follow_the_registry(world):
    martin = world.user("martin")
    roles = roles_of(martin)
    college = world.schools["college"].uai
    teacher_of = {(r.class_uid, r.subject_code) for r in roles if r.name == RoleName.TEACHER and r.class_uid}
    assert teacher_of == {
        (str(world.classes["4B"].uid), "061300"),
        (str(world.classes["3A"].uid), "061300"),
    }
    assert any(r.name == RoleName.RESPONSABLE_AFFECTATION and r.uai == college for r in roles)
    karim_roles = roles_of(world.user("karim"))
    assert {(r.pupil_uid, r.uai) for r in karim_roles if r.name == RoleName.GUARDIAN} == {
        (str(world.persons["lea"].uid), college),
        (str(world.persons["ines"].uid), world.schools["ecole"].uai),
    }
    assert {r.name for r in roles_of(world.user("roux"))} == {RoleName.HEAD}
    assert [(r.name, r.territory_code) for r in roles_of(world.user("departement"))] == [
        ("departement", "35")
    ]


def test_ended_function_removes_the_role_at_once(world):
    roux = world.user("roux")
    assert can(roux, "school.manage", world.schools["college"])
    function = rm.StaffFunction.objects.get(person=world.persons["roux"])
    function.end_date = timezone.localdate() - dt.timedelta(days=1)
    function.save()
    # Same request: the memoised roles must be dropped explicitly; a new request recomputes them.
    forget_roles(roux)
    assert roles_of(roux) == []
    assert not can(roux, "school.manage", world.schools["college"])
    assert not can(world.user("roux"), "class.roster", world.classes["4B"])


def test_ended_enrolment_removes_the_pupil_and_the_guardian_roles(world):
    enrolments = rm.Enrolment.objects.filter(person=world.persons["lea"])
    enrolments.update(end_date=timezone.localdate() - dt.timedelta(days=1))
    lea = world.user("lea")
    assert [r for r in roles_of(lea) if r.name == RoleName.PUPIL] == []
    assert codes(visible(lea, "class")) == set()
    # Karim is still Léa's guardian, but no longer at the collège: he loses that school.
    karim = world.user("karim")
    assert world.schools["college"].uai not in uais(visible(karim, "school"))
    assert world.schools["ecole"].uai in uais(visible(karim, "school"))


def test_teaching_assignment_ending_tomorrow_still_counts_today(world):
    rm.TeachingAssignment.objects.filter(class_group=world.classes["3A"]).update(
        end_date=timezone.localdate()
    )
    assert can(world.user("martin"), "class.marks", world.classes["3A"])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert str(world.classes["3A"].uid) not in {
        r.class_uid for r in roles_of(world.user("martin"), at=tomorrow)
    }


def test_pending_or_suspended_account_has_no_role(world):
    karim = world.user("karim")
    karim.account.state = AccountState.SUSPENDED
    karim.account.save()
    assert roles_of(world.user("karim")) == []
    assert not can(world.user("karim"), "person.act_for", world.persons["lea"])


# --- teacher -----------------------------------------------------------------------------------
def test_teacher_sees_only_their_classes(world):
    martin = world.user("martin")
    assert codes(visible(martin, "class")) >= {"4B", "3A"}
    # As responsable d'affectation she sees the school's classes by name, not other schools'.
    assert "6A" not in codes(visible(martin, "class"))
    assert can(martin, "class.marks", world.classes["4B"])
    assert not can(martin, "class.marks", world.classes["5C"])
    assert can(martin, "class.message", world.classes["4B"])
    assert not can(martin, "class.message", world.classes["5C"])
    assert not can(martin, "class.roster", world.classes["brest6"])
    assert not can(martin, "class.activation_letters", world.classes["4B"])


def test_plain_teacher_sees_pupils_and_guardians_of_their_classes_only(world):
    rm.StaffFunction.objects.filter(person=world.persons["martin"], role="responsable_affectation").delete()
    martin = world.user("martin")
    assert codes(visible(martin, "class")) == {"4B", "3A"}
    people = names(visible(martin, "person"))
    assert {"Léa", "Karim", "Claire"} <= people
    assert "Tom" not in people  # 5C, not taught by her
    assert "Paul" not in people  # Tom's father
    assert "Noé" not in people  # another school
    assert not can(martin, "person.view", world.persons["tom"])
    assert can(martin, "person.view", world.persons["lea"])
    assert not can(martin, "person.act_for", world.persons["lea"])


# --- guardian ----------------------------------------------------------------------------------
def test_guardian_sees_only_their_children(world):
    karim = world.user("karim")
    assert names(visible(karim, "person")) == {"Karim", "Léa", "Inès"}
    assert can(karim, "person.act_for", world.persons["lea"])
    assert not can(karim, "person.act_for", world.persons["tom"])
    assert not can(karim, "person.view", world.persons["tom"])
    assert codes(visible(karim, "class")) == {"4B", "4LAT", "CM1"}
    assert not can(karim, "class.roster", world.classes["4B"])
    assert uais(visible(karim, "school")) == {world.schools["college"].uai, world.schools["ecole"].uai}


def test_non_legal_guardian_cannot_act_for_the_child(world):
    rm.Guardianship.objects.filter(guardian=world.persons["karim"], pupil=world.persons["lea"]).update(
        legal_responsible=False
    )
    karim = world.user("karim")
    assert can(karim, "person.view", world.persons["lea"])
    assert not can(karim, "person.act_for", world.persons["lea"])


def test_pupil_sees_themselves_and_their_classes(world):
    lea = world.user("lea")
    assert names(visible(lea, "person")) == {"Léa"}
    assert codes(visible(lea, "class")) == {"4B", "4LAT"}
    assert can(lea, "person.act_for", world.persons["lea"])
    assert not can(lea, "class.roster", world.classes["4B"])


# --- school staff ------------------------------------------------------------------------------
def test_head_sees_their_whole_school_and_nothing_else(world):
    roux = world.user("roux")
    assert uais(visible(roux, "school")) == {world.schools["college"].uai}
    assert codes(visible(roux, "class")) == {"4B", "3A", "5C", "4LAT"}
    people = names(visible(roux, "person"))
    assert {"Léa", "Tom", "Karim", "Paul", "Claire", "Philippe", "Yann"} <= people
    assert "Inès" not in people and "Noé" not in people and "Aminata" not in people
    assert can(roux, "class.activation_letters", world.classes["4B"])
    assert not can(roux, "class.activation_letters", world.classes["CM1"])
    assert can(roux, "school.indicators", world.schools["college"])
    assert not can(roux, "school.indicators", world.schools["college_brest"])
    assert not can(roux, "class.marks", world.classes["4B"])


def test_vie_scolaire_sees_school_but_cannot_print_letters(world):
    cpe = world.user("cpe")
    assert can(cpe, "class.roster", world.classes["5C"])
    assert can(cpe, "class.message", world.classes["5C"])
    assert not can(cpe, "class.activation_letters", world.classes["5C"])
    assert not can(cpe, "school.manage", world.schools["college"])


# --- territories -------------------------------------------------------------------------------
def test_departement_sees_its_colleges_not_the_ecoles(world):
    officer = world.user("departement")
    assert uais(visible(officer, "school")) == {world.schools["college"].uai}
    assert can(officer, "school.equipment.declare", world.schools["college"])
    assert not can(officer, "school.equipment.declare", world.schools["ecole"])
    assert not can(officer, "school.indicators", world.schools["college_brest"])
    assert visible(officer, "person").count() == 0
    assert visible(officer, "class").count() == 0
    assert not can(officer, "class.roster", world.classes["4B"])


def test_commune_sees_its_ecoles_only(world):
    officer = world.user("commune")
    assert uais(visible(officer, "school")) == {world.schools["ecole"].uai}
    assert can(officer, "school.indicators", world.schools["ecole"])
    assert not can(officer, "school.indicators", world.schools["ecole_rennes"])
    assert not can(officer, "school.view", world.schools["college"])


def test_region_sees_its_lycees(world):
    assert uais(visible(world.user("region"), "school")) == {world.schools["lycee"].uai}


def test_academie_sees_every_school_of_the_academie(world):
    seen = uais(visible(world.user("academie"), "school"))
    assert seen == {s.uai for key, s in world.schools.items() if key != "college_creteil"}
    assert not can(world.user("academie"), "school.equipment.declare", world.schools["college"])


def test_ministry_sees_every_school_but_no_person(world):
    analyst = world.user("ministere")
    assert uais(visible(analyst, "school")) == {s.uai for s in world.schools.values()}
    assert visible(analyst, "person").count() == 0
    assert can(analyst, "school.indicators", world.schools["college_creteil"])


def test_expired_territorial_grant_gives_nothing(world):
    officer = world.user("departement")
    officer.account.territorial_grants.update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    assert visible(world.user("departement"), "school").count() == 0


def test_operator_sees_everything_partner_nothing(world):
    operator = world.user("operateur")
    assert visible(operator, "school").count() == len(world.schools)
    assert can(operator, "platform.operate")
    partner = world.user("editeur")
    assert visible(partner, "school").count() == 0
    assert visible(partner, "person").count() == 0
    assert not can(partner, "platform.operate")
    assert not can(world.user("roux"), "platform.operate")


def test_unknown_action_is_an_error(world):
    with pytest.raises(ValueError):
        can(world.user("roux"), "school.destroy", world.schools["college"])


def test_anonymous_can_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not can(AnonymousUser(), "school.view", world.schools["college"])
    assert roles_of(AnonymousUser()) == []


def test_responsable_affectation_sees_pupils_and_staff_not_guardians(world):
    rm.TeachingAssignment.objects.filter(person=world.persons["martin"]).delete()
    martin = world.user("martin")
    people = names(visible(martin, "person"))
    assert {"Léa", "Tom", "Philippe", "Yann", "Claire"} <= people
    assert "Karim" not in people and "Paul" not in people
    assert "Noé" not in people
    assert can(martin, "school.resources.assign", world.schools["college"])
    assert not can(martin, "school.resources.assign", world.schools["college_brest"])
    assert not can(martin, "class.marks", world.classes["4B"])  # no longer teaches it


def test_ensure_logs_the_refusal(world, rf):
    from django.core.exceptions import PermissionDenied

    from socle.identite.models import SecurityEvent
    from socle.identite.services import ensure

    request = rf.get("/x", REMOTE_ADDR="192.0.2.1")
    request.user = world.user("karim")
    ensure(request, "person.act_for", world.persons["lea"])  # allowed: no exception, no event
    with pytest.raises(PermissionDenied):
        ensure(request, "person.act_for", world.persons["tom"])
    event = SecurityEvent.objects.get(kind="authz_denied")
    assert event.user == world.users["karim"]
    assert event.details == {
        "action": "person.act_for",
        "target": "person",
        "target_uid": str(world.persons["tom"].uid),
    }
