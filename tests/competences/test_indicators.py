"""Indicators to Pilotage through services: measured Pix results (6e attestation, certification
in 3e and terminale, girls' share among certified pupils, Pix+ Édu) replace a school's declared
counts where the school has results for the year; elsewhere the declaration stays."""

import datetime as dt

import pytest

from socle.competences import services
from socle.competences.models import Source
from socle.pilotage import facts as pilotage_facts
from socle.pilotage import services as pilotage
from socle.pilotage.collecte import services as collecte
from socle.referentiel import models as rm

pytestmark = pytest.mark.django_db
WHEN = dt.datetime(2025, 10, 6, 9, 0, tzinfo=dt.UTC)


def pupil(w, key, first, sex, klass):
    w.persons[key] = rm.Person.objects.create(first_name=first, last_name="Test", sex=sex)
    rm.Enrolment.objects.create(person=w.persons[key], class_group=klass, begin_date=w.year.start_date)
    return str(w.persons[key].uid)


def test_measured_pix_counts_replace_the_declared_ones(cw):
    w = cw
    college, brest = w.schools["college"], w.schools["college_brest"]
    sixth = rm.ClassGroup.objects.create(
        etablissement=college, school_year=w.year, code="6A", name="6e A", level="6E", kind="division"
    )
    amel, yanis = pupil(w, "amel", "Amel", "F", sixth), pupil(w, "yanis", "Yanis", "M", sixth)
    sarah, lucas, paul = (
        pupil(w, k, k.title(), s, w.classes["3A"]) for k, s in [("sarah", "F"), ("lucas", "M"), ("paul", "M")]
    )
    for number in (1, 2, 3):
        services.record_parcours(amel, number, completed_at=WHEN, source=Source.DEMO)
    services.record_parcours(yanis, 1, completed_at=WHEN, source=Source.DEMO)
    for uid, status in ((sarah, "validated"), (lucas, "validated"), (paul, "rejected")):
        services.record_certification(
            uid,
            certified_at=dt.date(2026, 3, 10),
            pix_score=300,
            palier="Indépendant 1",
            status=status,
            source=Source.DEMO,
        )
    services.record_pix_plus_edu(
        str(w.persons["martin"].uid),
        level="avance",
        degree="2d",
        obtained_at=dt.date(2025, 6, 1),
        source=Source.DEMO,
    )
    declared = {
        "teachers_pix_edu": 0,
        "pupils_6e_pix_attestation": 2,
        "pupils_3e_pix_certified": 0,
        "pupils_terminale_pix_certified": None,
    }
    collecte.write_many(
        None,
        [
            (college.uai, w.year.code, "pix", declared),
            (brest.uai, w.year.code, "pix", {**declared, "pupils_6e_pix_attestation": 1}),
        ],
        "csv",
    )
    measured = services.pilotage_facts(w.year.code)
    assert measured[college.uai] == {
        "pix_attestation_measured": 1,
        "pupils_6e_pix_attestation": 1,  # Amel: the three parcours; Yanis: one
        "pix_certification_measured": 1,
        "pupils_3e_pix_certified": 2,
        "pupils_terminale_pix_certified": 0,
        "pix_certified": 2,
        "pix_certified_girls": 1,
        "teachers_pix_edu": 1,
        "pix_edu_measured": 1,
    }
    extracted = pilotage_facts.extract(w.year.code)
    assert extracted.sources["competences"] == "available"
    pilotage.sync_catalogue()
    pilotage.recompute(w.year.code, engine="duckdb")

    def cell(code, uai):
        [value] = pilotage.values(code, level="school", codes=[uai], vintage=w.year.code)
        return value.numerator, value.denominator

    assert cell("pix_6e_attestation", college.uai) == (1, 2)  # measured, not the declared 2
    assert cell("pix_certification_3e", college.uai) == (2, 3)
    assert cell("pix_certified_girls_share", college.uai) == (1, 2)
    assert cell("teachers_pix_edu", college.uai)[0] == 1
    # Brest has no measured results: its declaration stays.
    assert cell("pix_6e_attestation", brest.uai) == (1, 1)
