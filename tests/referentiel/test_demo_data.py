"""`socle demo-data`: the journeys' personas, determinism, idempotence and plausibility of the
synthetic world, on the real PostgreSQL server."""

import os
import subprocess
import sys
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from socle.core.models import ImportRun
from socle.referentiel.codes import is_plausible_ine, make_uai, uai_problem
from socle.referentiel.demo import personas as P
from socle.referentiel.demo.generator import demo_ine_problem
from socle.referentiel.demo.loader import Options, run
from socle.referentiel.demo.reference import BIRTH_YEAR, CLASS_SIZE, SUBJECT_HOURS, size_band
from socle.referentiel.demo.specialites import NSI
from socle.referentiel.models import (
    ClassGroup,
    Commune,
    Enrolment,
    Etablissement,
    Guardianship,
    Level,
    Person,
    SchoolType,
    SchoolYear,
    StaffFunction,
    StaffRole,
    TeachingAssignment,
)
from socle.referentiel.territories import load_territories

pytestmark = pytest.mark.django_db


def load(scale="tiny", seed=1, **kwargs):
    return run(Options(scale=scale, seed=seed, log=lambda _msg: None, **kwargs))


def row_counts() -> dict[str, int]:
    models = [Etablissement, ClassGroup, Person, Enrolment, Guardianship, StaffFunction, TeachingAssignment]
    return {m.__name__: m.objects.count() for m in models} | {"Commune": Commune.objects.count()}


def snapshot() -> list[tuple]:
    return sorted(
        Person.objects.filter(source="demo").values_list(
            "uid", "first_name", "last_name", "ine", "birth_date"
        )
    )


def wipe_demo() -> None:
    """Remove every demo row with plain SQL (the ORM's cascade would load ~5 000 objects)."""
    tables = [Enrolment, Guardianship, TeachingAssignment, StaffFunction, ClassGroup, Person, Etablissement]
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE source = 'demo'")  # noqa: S608
    ImportRun.objects.filter(kind="demo-data").delete()


# --- The tiny world: the journeys' personas -------------------------------------------------------
def test_tiny_world_has_the_personas_with_their_relationships():
    load()
    lea, karim, ines = P.person_for("lea"), P.person_for("karim"), P.person_for("ines")
    martin, roux, diallo = P.person_for("martin"), P.person_for("roux"), P.person_for("diallo")
    assert (lea.first_name, lea.last_name) == ("Léa", "Moreau")

    lea_class = Enrolment.objects.select_related("class_group__etablissement").get(person=lea).class_group
    assert (lea_class.code, lea_class.name, lea_class.level) == ("4B", "4e B", Level.QUATRIEME)
    college = lea_class.etablissement
    assert college.type == SchoolType.COLLEGE
    assert college.collectivite_type == "departement" and college.collectivite_code == "35"

    ines_class = Enrolment.objects.select_related("class_group__etablissement").get(person=ines).class_group
    assert ines_class.level == Level.CM1
    ecole = ines_class.etablissement
    assert ecole.is_first_degree and ecole.commune_id == college.commune_id
    assert ecole.collectivite_type == "commune" and ecole.collectivite_code == ecole.commune_id
    assert ecole.commune.name == P.COMMUNE_NAME

    for child in (lea, ines):
        link = Guardianship.objects.get(guardian=karim, pupil=child)
        assert link.legal_responsible and link.relationship == Guardianship.Relationship.FATHER
    assert karim.email.endswith("@example.org") and karim.mobile_phone.startswith("06 39 98")

    maths = TeachingAssignment.objects.filter(
        matiere__label="Mathématiques", class_group__etablissement=college
    )
    assert set(maths.filter(class_group__code__in=["4B", "3A"]).values_list("person", flat=True)) == {
        martin.pk
    }
    assert StaffFunction.objects.filter(
        person=martin, etablissement=college, role=StaffRole.RESPONSABLE_AFFECTATION
    ).exists()
    assert StaffFunction.objects.get(etablissement=college, role=StaffRole.HEAD).person == roux
    assert StaffFunction.objects.get(etablissement=ecole, role=StaffRole.HEAD).person == diallo
    assert (roux.last_name, diallo.last_name, martin.last_name) == ("Roux", "Diallo", "Martin")

    school_year = SchoolYear.objects.get(code="2025-2026")
    assert school_year.is_current and school_year.periods.filter(kind="trimestre").count() == 3
    assert Person.objects.filter(source="demo").exclude(ine=None).count() >= 400


def test_tiny_world_creates_one_login_per_persona():
    load()
    users = {u.username: u for u in get_user_model().objects.all()}
    assert {p.username for p in P.PERSONAS} <= set(users)
    assert all(users[p.username].check_password(P.DEMO_PASSWORD) for p in P.PERSONAS)
    assert users["operateur"].is_superuser and users["operateur"].is_staff
    assert not users["lea"].is_staff
    assert len(P.DEMO_PASSWORD) >= 12
    assert P.person_for("ministere") is None


def test_persona_list_keeps_its_public_shape():
    # The home page imports PERSONAS and DEMO_PASSWORD: these names and fields are an interface.
    assert [f for f in P.Persona.__dataclass_fields__] == ["username", "display_name", "description"]
    assert len({p.username for p in P.PERSONAS}) == len(P.PERSONAS) >= 13
    with pytest.raises(AttributeError):
        P.PERSONAS[0].username = "x"


# --- Determinism and idempotence -----------------------------------------------------------------
def test_same_seed_same_world_and_other_seed_other_world():
    load(seed=1)
    first = snapshot()
    wipe_demo()
    load(seed=1)
    assert snapshot() == first
    load(seed=2)
    second = [row for row in snapshot() if row not in set(first)]
    assert 0.8 < len(second) / len(first) < 1.25  # class sizes differ from one seed to another
    assert {row[0] for row in second}.isdisjoint({row[0] for row in first})
    assert [row[1:3] for row in second[:50]] != [row[1:3] for row in first[:50]]
    assert Etablissement.objects.filter(source="demo").count() == 6  # two worlds, distinct UAIs


def test_rerun_changes_nothing_even_after_an_interrupted_run():
    load()
    counts = row_counts()
    assert load()["skipped"] is True
    assert row_counts() == counts
    # Without the ImportRun (e.g. the first run crashed after its chunks were committed), the
    # cluster markers still prevent any duplicate.
    ImportRun.objects.filter(kind="demo-data").delete()
    result = load()
    assert result["skipped"] is False and result["counts"]["clusters_skipped"] == 1
    assert row_counts() == counts
    assert ImportRun.objects.get(kind="demo-data").outcome == ImportRun.Outcome.SUCCEEDED


def test_an_ine_already_taken_is_redrawn():
    load(seed=1)
    lea_ine = P.person_for("lea").ine
    wipe_demo()
    Person.objects.create(first_name="Réel", last_name="Élève", ine=lea_ine, source="aaf")
    load(seed=1)
    lea = P.person_for("lea")
    assert lea.ine != lea_ine and demo_ine_problem(lea.ine) is None
    assert Person.objects.filter(ine=lea_ine).count() == 1


def test_no_orphan_rows():
    # The COPY path may skip the per-row FK triggers (superuser): integrity is by construction.
    load(scale="school", seed=4)
    assert not Enrolment.objects.filter(person__isnull=True).exists()
    with connection.cursor() as cursor:
        for child, column, parent in [
            (Enrolment, "person_id", Person),
            (Enrolment, "class_group_id", ClassGroup),
            (Guardianship, "guardian_id", Person),
            (Guardianship, "pupil_id", Person),
            (TeachingAssignment, "person_id", Person),
            (TeachingAssignment, "class_group_id", ClassGroup),
            (StaffFunction, "person_id", Person),
            (StaffFunction, "etablissement_id", Etablissement),
            (ClassGroup, "etablissement_id", Etablissement),
            (Etablissement, "commune_id", Commune),
        ]:
            c, p = child._meta.db_table, parent._meta.db_table
            cursor.execute(
                f"SELECT count(*) FROM {c} LEFT JOIN {p} ON {p}.{parent._meta.pk.column} = {c}.{column} "  # noqa: S608
                f"WHERE {c}.{column} IS NOT NULL AND {p}.{parent._meta.pk.column} IS NULL"
            )
            assert cursor.fetchone()[0] == 0, (c, column)


def test_orm_writer_writes_the_same_world_as_copy():
    load(seed=5, writer="copy")
    by_copy, counts = snapshot(), row_counts()
    wipe_demo()
    load(seed=5, writer="orm")
    assert snapshot() == by_copy
    assert row_counts() == counts


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_write_the_same_world_as_one_process():
    # The parallel load forks worker processes: run it as the real command in a fresh process,
    # so that no state of this test process (browser fixtures, other threads' connections) is
    # inherited by the fork. It writes into this test's database.
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    connection.close()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "socle.cli",
            "demo-data",
            *["--scale", "academie", "--seed", "8", "--pupils", "6000", "--workers", "2"],
        ],
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "socle.settings.test"},
        check=True,
        capture_output=True,
    )
    by_two, counts = snapshot(), row_counts()
    assert counts["Enrolment"] > 4000
    assert ImportRun.objects.get(kind="demo-data").counts["clusters_written"] >= 2
    wipe_demo()
    load(scale="academie", seed=8, pupils=6000, workers=1)
    assert snapshot() == by_two
    assert row_counts() == counts


def test_command_runs_and_reports_a_second_run_as_already_loaded(capsys):
    call_command("demo_data", "--scale", "tiny", "--seed", "7")
    call_command("demo_data", "--scale", "tiny", "--seed", "7")
    out = capsys.readouterr().out
    assert "rows in" in out and "already loaded" in out
    assert ImportRun.objects.filter(kind="demo-data", outcome="succeeded").count() == 1


# --- Plausibility ----------------------------------------------------------------------------
def check_world_plausibility() -> None:
    for uai in Etablissement.objects.filter(source="demo").values_list("uai", flat=True):
        assert uai_problem(uai) is None, uai
    divisions = Enrolment.objects.filter(class_group__kind="division")
    rows = divisions.values_list("person__ine", "person__birth_date", "class_group__level")
    late = 0
    for ine, birth, level in rows:
        assert is_plausible_ine(ine) and demo_ine_problem(ine) is None, ine
        assert birth.year in (BIRTH_YEAR[level], BIRTH_YEAR[level] - 1), (birth, level)
        late += birth.year != BIRTH_YEAR[level]
    assert 0.03 < late / len(rows) < 0.2
    sexes = Person.objects.exclude(ine=None).values_list("sex", flat=True)
    assert 0.4 < list(sexes).count("F") / len(sexes) < 0.6
    # Every class has one teacher per subject of its level (the core subjects).
    taught = defaultdict(set)
    for class_id, matiere in TeachingAssignment.objects.values_list("class_group", "matiere"):
        taught[class_id].add(matiere)
    for class_id, level in ClassGroup.objects.filter(kind="division").values_list("id", "level"):
        assert {code for code, _hours in SUBJECT_HOURS[level]} == taught[class_id], level
    pairs = TeachingAssignment.objects.values_list("class_group", "matiere")
    assert len(set(pairs)) == len(pairs)  # exactly one teacher per class and subject
    # Speciality groups (NSI) are taught NSI only, to pupils of one level of their own school.
    for group in ClassGroup.objects.filter(kind="groupe"):
        assert taught[group.pk] == {NSI}
        pupils = Enrolment.objects.filter(class_group=group).values_list("person", flat=True)
        homes = Enrolment.objects.filter(person__in=pupils, class_group__kind="division")
        assert set(homes.values_list("class_group__etablissement", "class_group__level")) == {
            (group.etablissement_id, group.level)
        }
    # One division per pupil.
    assert divisions.count() == divisions.values("person").distinct().count()


def test_tiny_world_is_plausible():
    load()
    check_world_plausibility()


def test_siblings_share_their_guardians():
    load(scale="school", seed=3)
    guardians_of = defaultdict(set)
    children_of = defaultdict(set)
    for guardian, pupil in Guardianship.objects.values_list("guardian", "pupil"):
        guardians_of[pupil].add(guardian)
        children_of[guardian].add(pupil)
    assert all(1 <= len(g) <= 2 for g in guardians_of.values())
    families = [kids for kids in children_of.values() if len(kids) > 1]
    assert len(families) > 100
    for kids in families:
        assert len({frozenset(guardians_of[k]) for k in kids}) == 1
        assert Person.objects.filter(pk__in=kids).values("last_name").distinct().count() == 1
    school_of = dict(Enrolment.objects.values_list("person", "class_group__etablissement"))
    assert any(len({school_of[k] for k in kids}) > 1 for kids in families)
    assert Enrolment.objects.filter(class_group__kind="division").count() == len(guardians_of)


def test_school_scale_has_realistic_schools_and_class_sizes():
    load(scale="school", seed=3)
    check_world_plausibility()
    schools = Etablissement.objects.filter(source="demo")
    assert {s.type for s in schools} >= {SchoolType.COLLEGE}
    assert any(s.type in {"lycee_gt", "lycee_pro", "lycee_polyvalent"} for s in schools)
    assert sum(1 for s in schools if s.is_first_degree) >= 3
    pupils = Enrolment.objects.filter(class_group__kind="division").count()
    assert 1500 <= pupils <= 6000
    sizes = defaultdict(int)
    for class_id in Enrolment.objects.values_list("class_group", flat=True):
        sizes[class_id] += 1
    for class_id, level in ClassGroup.objects.filter(kind="division").values_list("id", "level"):
        _mean, low, high = CLASS_SIZE[size_band(level)]
        assert low <= sizes[class_id] <= high, (level, sizes[class_id])
    for school in schools:
        roles = set(StaffFunction.objects.filter(etablissement=school).values_list("role", flat=True))
        assert {StaffRole.HEAD, StaffRole.TEACHER, StaffRole.RESPONSABLE_AFFECTATION} <= roles
        if not school.is_first_degree:
            assert {StaffRole.DOCUMENTALISTE, StaffRole.VIE_SCOLAIRE} <= roles
        divisions = Enrolment.objects.filter(class_group__etablissement=school, class_group__kind="division")
        assert school.pupil_count == divisions.count()
        expected = {
            True: ("commune", school.commune_id),
            False: ("departement", "35") if school.type == SchoolType.COLLEGE else ("region", "53"),
        }[school.is_first_degree]
        assert (school.collectivite_type, school.collectivite_code) == expected
    codes = ClassGroup.objects.filter(level=Level.QUATRIEME).values_list("code", "name")
    assert ("4A", "4e A") in codes
    assert all(
        c.startswith("35") and int(c[2:]) >= 950 for c in Commune.objects.values_list("code", flat=True)
    )


def test_real_schools_of_the_territory_are_populated_instead_of_generated():
    load_territories()
    common = {"departement_id": "29", "academie_id": "14", "region_id": "53", "source": "annuaire"}
    college = Etablissement.objects.create(
        uai=make_uai("0290001"), name="Collège réel", type="college", pupil_count=500, **common
    )
    ecole = Etablissement.objects.create(
        uai=make_uai("0290002"), name="École réelle", type="ecole_primaire", **common
    )
    closed = Etablissement.objects.create(
        uai=make_uai("0290003"), name="Fermée", type="college", state="closed", **common
    )
    private = Etablissement.objects.create(
        uai=make_uai("0290004"), name="Hors contrat", type="college", sector="prive_hors_contrat", **common
    )
    before = Etablissement.objects.count()
    load(scale="academie", seed=1, departement="29")
    assert Etablissement.objects.count() == before
    populated = set(ClassGroup.objects.values_list("etablissement", flat=True).distinct())
    assert {college.pk, ecole.pk} <= populated
    assert not {closed.pk, private.pk} & populated
    assert 400 <= Enrolment.objects.filter(class_group__etablissement=college).count() <= 600
    # Another world on the same real schools leaves them alone (their classes already exist).
    counts = row_counts()
    load(scale="academie", seed=2, departement="29")
    assert row_counts() == counts
