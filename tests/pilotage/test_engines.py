"""The same catalogue on DuckDB, PostgreSQL and Spark gives identical cells (exact numerators
and denominators), from the same facts. Spark runs in one session for the whole suite."""

import random

import pyarrow as pa
import pytest

from socle.pilotage import catalogue, services
from socle.pilotage import facts as facts_module
from socle.pilotage.engines import get_engine
from socle.pilotage.engines.spark import SparkEngine
from socle.pilotage.models import IndicatorValue

pytestmark = pytest.mark.engines

DEFINITIONS = [(d, d.parameters) for d in catalogue.DEFINITIONS]
BANDWIDTHS = [None, "lt10", "10_100", "100_1000", "ge1000"]


def generated_facts(n: int, seed: int = 7):
    """`n` schools spread over a small territorial tree, with random gaps (missing data)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        region = rng.choice(["53", "11", "84"])
        academie = f"{region}{rng.randint(1, 2)}"
        departement = f"{academie}{rng.randint(1, 3)}"
        commune = f"{departement}{rng.randint(1, 4):02d}"
        level = rng.choice(["ecole", "ecole", "college", "lycee", "autre"])
        declared = rng.random() < 0.7
        row = facts_module.empty_row(f"{i:07d}Z", "2025-2026")

        def count(top, missing=0.1):
            return None if rng.random() < missing else rng.randint(0, top)

        row.update(
            school_level=level, commune=commune, departement=departement, academie=academie, region=region,
            collectivite=rng.choice(
                [None, f"departement:{departement}", f"region:{region}", f"commune:{commune}"]
            ),
            pupils=rng.randint(10, 2000), pupils_6e=count(300), pupils_3e=count(300), pupils_1re=count(400),
            pupils_tle=count(400), classes=rng.randint(1, 50), teachers=rng.randint(1, 150),
            nsi_pupils=count(60) if level == "lycee" else None,
            nsi_girls=count(20) if level == "lycee" else None,
            declared=int(declared), gar_user_weeks=count(50_000), gar_weeks=36, statements=count(100_000),
        )  # fmt: skip
        if declared:
            row.update(
                computers_pupils=count(800), projection_systems=count(60), mobile_device_sets=count(10),
                mobile_terminals=count(200), teaching_rooms=count(60), teaching_rooms_wifi=count(60),
                wifi_switchable=rng.choice([None, 0, 1]), bandwidth_class=rng.choice(BANDWIDTHS),
                ent_available=rng.choice([None, 0, 1]), teachers_pix_edu=count(100),
                pupils_6e_pix_attestation=count(300), pupils_3e_pix_certified=count(300),
                pupils_terminale_pix_certified=count(300),
            )  # fmt: skip
        rows.append(row)
    return facts_module.to_table(rows)


@pytest.fixture
def engines(db, spark_session):
    made = [get_engine("duckdb"), get_engine("postgres"), SparkEngine(session=spark_session)]
    yield made
    for engine in made:
        engine.close()


def test_three_engines_identical_on_hand_and_generated_facts(engines, hand_facts):
    # One table (the hand-computed schools plus 400 generated ones) keeps Spark to one run.
    facts = pa.concat_tables([hand_facts, generated_facts(400)])
    results = {engine.name: engine.compute(facts, DEFINITIONS) for engine in engines}
    duck = results["duckdb"]
    assert len(duck) > 1000
    assert any(row["numerator"] is None for row in duck)  # missing data is part of the test
    nation = next(r for r in duck if r["indicator"] == "nsi_girls_share" and r["level"] == "nation")
    assert nation["schools_in_scope"] > 50
    assert results["postgres"] == duck
    assert results["spark"] == duck


def test_three_engines_identical_through_the_whole_computation(pilotage_world, spark_session):
    vintage = pilotage_world.year.code
    fields = ("indicator_code", "level", "territory_code", "numerator", "denominator", "schools_with_data",
              "schools_in_scope", "persons", "value", "coverage")  # fmt: skip
    written = {}
    spark = SparkEngine(session=spark_session)
    try:
        for engine in ("duckdb", "postgres", spark):
            report = services.recompute(vintage, engine=engine)
            name = report.engine
            assert set(IndicatorValue.objects.values_list("engine", flat=True)) == {name}
            written[name] = sorted(IndicatorValue.objects.filter(vintage=vintage).values_list(*fields))
    finally:
        spark.close()
    assert written["postgres"] == written["duckdb"]
    assert written["spark"] == written["duckdb"]
    assert len(written["duckdb"]) > 50


def test_postgres_staging_table_is_dropped(db):
    engine = get_engine("postgres")
    name = engine.table_name
    engine.compute(generated_facts(5), DEFINITIONS[:1])
    engine.close()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        assert cursor.fetchone() == (None,)
