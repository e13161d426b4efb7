"""Declaring: who may, validation, supersession with history, the merged latest declarations
that the indicator computation reads, and the recompute queued after a declaration."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from socle.pilotage import services as pilotage
from socle.pilotage.collecte import services
from socle.pilotage.collecte.models import Declaration, IndicatorAccess
from socle.pilotage.collecte.tasks import recompute_schools

from .conftest import EQUIPMENT, PIX

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_owning_collectivite_and_head_may_declare_others_may_not(world):
    college, ecole, lycee = world.schools["college"], world.schools["ecole"], world.schools["lycee"]
    assert services.can_declare(world.user("departement"), college)
    assert not services.can_declare(world.user("departement"), ecole)
    assert not services.can_declare(world.user("departement"), lycee)
    assert services.can_declare(world.user("commune"), ecole)
    assert not services.can_declare(world.user("commune"), college)
    assert services.can_declare(world.user("region"), lycee)
    assert services.can_declare(world.user("roux"), college)  # the head (school.manage)
    assert not services.can_declare(world.user("roux"), ecole)
    for name in ("martin", "lea", "karim", "academie", "ministere"):
        assert not services.can_declare(world.user(name), college), name
    assert set(services.declarable_schools(world.user("departement"))) == {college}
    assert set(services.declarable_schools(world.user("roux"))) == {college}
    assert list(services.declarable_schools(world.user("martin"))) == []


def test_refused_declaration_writes_nothing(world):
    with pytest.raises(services.DeclarationRefused, match="not allowed"):
        services.declare(
            world.user("martin"), world.schools["college"], world.year.code, "equipment", EQUIPMENT
        )
    assert Declaration.objects.count() == 0


def test_new_declaration_supersedes_and_history_is_kept(world):
    officer, college, vintage = world.user("departement"), world.schools["college"], world.year.code
    first = services.declare(officer, college, vintage, "equipment", EQUIPMENT, source="form")
    second = services.declare(
        world.user("roux"), college, vintage, "equipment", {**EQUIPMENT, "computers_pupils": 70}, source="api"
    )
    first.refresh_from_db()
    assert second.supersedes == first and not first.is_current and second.is_current
    assert first.computers_pupils == 60  # never overwritten
    assert (first.declared_by_name, first.source) == ("departement", "form")
    assert (second.declared_by_name, second.source) == ("roux", "api")
    assert list(services.history(college.uai)) == [second, first]


def test_validation_problems_name_field_value_and_expectation(world):
    college, vintage = world.schools["college"], world.year.code
    officer = world.user("departement")
    bad = {**EQUIPMENT, "teaching_rooms_wifi": 25, "bandwidth_class": "fibre"}
    with pytest.raises(services.DeclarationRefused) as caught:
        services.declare(officer, college, vintage, "equipment", bad)
    assert [(p.field, p.value) for p in caught.value.problems] == [("bandwidth_class", "fibre")]
    assert "lt10" in caught.value.problems[0].expected
    with pytest.raises(services.DeclarationRefused) as caught:
        services.declare(officer, college, vintage, "equipment", {**EQUIPMENT, "teaching_rooms_wifi": 25})
    assert caught.value.problems[0].field == "teaching_rooms_wifi"
    assert "at most the number of teaching rooms (20)" in caught.value.problems[0].expected
    missing = {k: v for k, v in EQUIPMENT.items() if k != "ent_available"}
    with pytest.raises(services.DeclarationRefused) as caught:
        services.declare(officer, college, "2025-2027", "equipment", missing)
    assert [p.field for p in caught.value.problems] == ["vintage", "ent_available"]
    with pytest.raises(services.DeclarationRefused) as caught:
        services.declare(officer, college, vintage, "pix", {})
    assert "at least one Pix count" in caught.value.problems[0].expected
    with pytest.raises(services.DeclarationRefused):
        services.declare(officer, college, vintage, "equipment", {**EQUIPMENT, "computers_pupils": -1})
    assert Declaration.objects.count() == 0


def test_parse_value_accepts_french_and_json_forms():
    assert services.parse_value("wifi_switchable", "Oui") is True
    assert services.parse_value("ent_available", False) is False
    assert services.parse_value("computers_pupils", " 12 ") == 12
    assert services.parse_value("computers_pupils", "") is None
    with pytest.raises(ValueError, match="whole number"):
        services.parse_value("computers_pupils", "12,5")
    with pytest.raises(ValueError, match="yes or no"):
        services.parse_value("wifi_switchable", "peut-être")


def test_latest_declarations_merges_the_latest_of_each_kind(world):
    officer, vintage = world.user("departement"), world.year.code
    college = world.schools["college"]
    services.declare(officer, college, vintage, "equipment", EQUIPMENT)
    services.declare(officer, college, vintage, "pix", PIX)
    services.declare(officer, college, vintage, "pix", {**PIX, "pupils_6e_pix_attestation": 55})
    services.declare(world.user("commune"), world.schools["ecole"], vintage, "equipment", EQUIPMENT)
    services.declare(officer, college, "2020-2021", "equipment", {**EQUIPMENT, "computers_pupils": 1})
    rows = {row["uai"]: row for row in services.latest_declarations(vintage)}
    assert set(rows) == {college.uai, world.schools["ecole"].uai}
    row = rows[college.uai]
    assert row["vintage"] == vintage and row["computers_pupils"] == 60
    assert row["pupils_6e_pix_attestation"] == 55 and row["pupils_3e_pix_certified"] is None
    assert row["bandwidth_class"] == "100_1000" and row["wifi_switchable"] is True
    latest = Declaration.objects.filter(uai=college.uai, vintage=vintage).latest("declared_at")
    assert row["declared_at"] == latest.declared_at
    ecole = rows[world.schools["ecole"].uai]
    assert ecole["teachers_pix_edu"] is None and ecole["ent_available"] is True
    expected_keys = {
        "uai", "vintage", "declared_at", "computers_pupils", "projection_systems", "mobile_device_sets",
        "mobile_terminals", "teaching_rooms", "teaching_rooms_wifi", "wifi_switchable", "bandwidth_class",
        "ent_available", "teachers_pix_edu", "pupils_6e_pix_attestation", "pupils_3e_pix_certified",
        "pupils_terminale_pix_certified",
    }  # fmt: skip
    assert set(row) == expected_keys


def test_declaration_queues_the_recompute_which_updates_the_school(world, django_capture_on_commit_callbacks):
    vintage, college = world.year.code, world.schools["college"]
    pilotage.recompute(vintage, engine="duckdb")
    with django_capture_on_commit_callbacks(execute=True):
        services.declare(world.user("departement"), college, vintage, "equipment", EQUIPMENT)
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("recompute_schools")
    assert queued.args_kwargs["args"] == [vintage, [college.uai]]
    before = pilotage.values(level="school", codes=[college.uai], vintage=vintage)
    assert all(v.value is None for v in before if v.indicator_code.startswith("equip"))
    assert recompute_schools.call(vintage, [college.uai]) > 0
    after = {
        v.indicator_code: v for v in pilotage.values(level="school", codes=[college.uai], vintage=vintage)
    }
    assert any(v.value is not None for v in after.values())


def test_access_log_retention(world):
    old = IndicatorAccess.objects.create(channel="page", what="dashboard", level="departement", code="35")
    IndicatorAccess.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=400))
    IndicatorAccess.objects.create(channel="page", what="dashboard", level="departement", code="35")
    assert services.purge_access_log() == 1
    assert IndicatorAccess.objects.count() == 1


def test_a_csv_batch_queues_one_recompute_per_year(world, django_capture_on_commit_callbacks):
    rows = [
        (world.schools["college"].uai, world.year.code, "equipment", EQUIPMENT),
        (world.schools["college"].uai, world.year.code, "pix", PIX),
        (world.schools["ecole"].uai, world.year.code, "equipment", EQUIPMENT),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        written = services.write_many(None, rows, "csv")
    assert [d.declared_by_name for d in written] == ["system"] * 3
    queued = DBTaskResult.objects.get()
    expected = sorted([world.schools["college"].uai, world.schools["ecole"].uai])
    assert queued.args_kwargs["args"] == [world.year.code, expected]


def test_pix_counts_may_not_exceed_the_registry_populations(world):
    """Teachers: the college's one teacher (Mme Martin); 6e: Noé in the Brest collège's 6e A;
    3e: two pupils enrolled here in the college's 3e A; terminale: none in the Référentiel."""
    from socle.referentiel import models as rm

    operator, college, brest = (
        world.user("operateur"),
        world.schools["college"],
        world.schools["college_brest"],
    )
    vintage = world.year.code
    for first in ("Zoé", "Yanis"):
        pupil = rm.Person.objects.create(first_name=first, last_name="Lefèvre")
        rm.Enrolment.objects.create(
            person=pupil, class_group=world.classes["3A"], begin_date=world.year.start_date
        )
    assert services.registry_populations([college.uai, brest.uai], vintage) == {
        college.uai: {"teachers": 1, "3E": 2},
        brest.uai: {"6E": 1},
    }
    with pytest.raises(services.DeclarationRefused) as refused:
        services.declare(
            operator, college, vintage, "pix", {"teachers_pix_edu": 2, "pupils_3e_pix_certified": 3}
        )
    assert [(p.field, p.value, p.expected) for p in refused.value.problems] == [
        (
            "teachers_pix_edu",
            2,
            "at most 1: 2 attested teachers declared, but the school has 1 teacher in the Référentiel",
        ),
        (
            "pupils_3e_pix_certified",
            3,
            "at most 2: 3 pupils of 3e certified by Pix declared, but the school has 2 pupils in 3e in the "
            "Référentiel",
        ),
    ]
    with pytest.raises(services.DeclarationRefused) as refused:
        services.declare(operator, brest, vintage, "pix", {"pupils_6e_pix_attestation": 2})
    assert refused.value.problems[0].expected == (
        "at most 1: 2 pupils of 6e with a Pix attestation declared, but the school has 1 pupil in 6e in "
        "the Référentiel"
    )
    assert Declaration.objects.count() == 0
    # At the populations: accepted. No 6e and no terminale in the college's Référentiel (not
    # imported yet, as far as the collecte can tell): accepted whatever the count.
    services.declare(
        operator,
        college,
        vintage,
        "pix",
        {"teachers_pix_edu": 1, "pupils_3e_pix_certified": 2, "pupils_6e_pix_attestation": 150},
    )
    services.declare(operator, brest, vintage, "pix", {"pupils_6e_pix_attestation": 1})
    assert Declaration.objects.count() == 2
    # The equipment is not a subset of a population: 300 computers for 3 pupils is accepted.
    services.declare(operator, college, vintage, "equipment", {**EQUIPMENT, "computers_pupils": 300})


def test_terminale_message_and_french_translations():
    from django.utils import translation

    values = {"pupils_terminale_pix_certified": 31, "teachers_pix_edu": 45}
    populations = {"TLE": 30, "teachers": 32}
    problems = services.population_problems(values, populations)
    assert [p.expected for p in problems] == [
        "at most 32: 45 attested teachers declared, but the school has 32 teachers in the Référentiel",
        "at most 30: 31 pupils of terminale certified by Pix declared, but the school has 30 pupils in "
        "terminale in the Référentiel",
    ]
    with translation.override("fr"):
        french = [p.expected for p in services.population_problems(values, populations)]
        french += [
            p.expected for p in services.population_problems({"pupils_6e_pix_attestation": 2}, {"6E": 1})
        ]
        french += [
            p.expected for p in services.population_problems({"pupils_3e_pix_certified": 9}, {"3E": 8})
        ]
    assert french == [
        "au plus 32 : 45 enseignants attestés Pix+ Édu déclarés, mais l’établissement compte 32 enseignants "
        "au Référentiel",
        "au plus 30 : 31 élèves de terminale certifiés Pix déclarés, mais l’établissement compte 30 "
        "élèves de terminale au Référentiel",
        "au plus 1 : 2 élèves de 6e attestés Pix déclarés, mais l’établissement compte 1 élève de 6e au "
        "Référentiel",
        "au plus 8 : 9 élèves de 3e certifiés Pix déclarés, mais l’établissement compte 8 élèves de 3e au "
        "Référentiel",
    ]
