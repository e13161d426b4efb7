"""Finding 5 (low), the registry part: the Référentiel school page showed every school's classes
and their pupil and teacher counts to any signed-in user (a resource provider included). The
classes are now shown under Identité's `school.view` only; the school's public card stays."""

from __future__ import annotations

from .conftest import Browser


def _school_page(live_server, username, uai):
    visitor = Browser(live_server.url)
    assert visitor.login(username).status_code == 302
    return visitor.get(f"/referentiel/etablissements/{uai}/")


def test_a_resource_provider_does_not_see_a_schools_classes(live_server, world):
    college = world.schools["college"]
    page = _school_page(live_server, "editeur", college.uai)
    assert page.status_code == 200
    assert college.name in page.text  # the public card (Annuaire de l'éducation data)
    for class_name in ("4e B", "3e A", "Latin 4e"):
        assert class_name not in page.text
    assert 'id="classes"' not in page.text


def test_a_guardian_of_another_school_does_not_either(live_server, world):
    page = _school_page(live_server, "durand", world.schools["college_brest"].uai)
    assert page.status_code == 200 and 'id="classes"' not in page.text and "6e A" not in page.text


def test_the_schools_own_staff_still_does(live_server, world):
    page = _school_page(live_server, "martin", world.schools["college"].uai)
    assert page.status_code == 200 and 'id="classes"' in page.text and "4e B" in page.text
