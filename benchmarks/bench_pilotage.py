"""Benchmark of the Pilotage computation at national scale: about 60 000 schools, 12 M pupils
(as per-school aggregates) and 100 M resource-usage events, on DuckDB and on Spark (local mode,
both cores). Full computation = events → weekly active users and statement counts per school →
facts → every indicator of the catalogue at every level. Reports wall time and peak RSS.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_pilotage.py [--scale 1.0] [--engines duckdb,spark]

`--scale` multiplies the national sizes (0.001 → 60 schools and 100 000 events: a smoke run).
The data are generated as Parquet by DuckDB (SQL over `range()`, no Python loop) in a temporary
directory; each engine runs in a fresh child process so that its peak RSS is its own (for Spark
the JVM's peak, read from /proc, is reported too). No database is used: the catalogue runs on
the engines only. `main()` returns the figures for benchmarks/run.py."""

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, rss_mib, run_child

sys.path.insert(0, str(ROOT / "src"))

NATIONAL_SCHOOLS = 60_000
NATIONAL_EVENTS = 100_000_000
WEEKS = 36


# --- Data generation (parent) ------------------------------------------------------------------
def generate(directory: Path, scale: float, seed: int = 1) -> dict:
    """schools.parquet (facts without usage) and events.parquet (school_id, week, user_id)."""
    import duckdb

    schools = max(10, round(NATIONAL_SCHOOLS * scale))
    events = max(1000, round(NATIONAL_EVENTS * scale))
    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed / 1000})")
    # 80 % écoles (~130 pupils), 12 % collèges (~490), 8 % lycées (~520): about 12 M pupils at
    # full scale, as in the public sector figures. A consistent tree: commune → département →
    # académie → région (35 000/101/30/18 at full scale).
    communes = max(4, round(35_000 * scale))
    h = "(hash(i, {salt}) % {m})::BIGINT"  # deterministic pseudo-random integers per row

    def r(salt: int, m: int) -> str:
        return h.format(salt=salt, m=m)

    # The SQL is built from integers and the temporary directory's path only.
    con.execute(f"""
        COPY (
          WITH base AS (
            SELECT i AS school_id,
                   {r(1, communes)} AS c,
                   CASE WHEN i % 25 < 20 THEN 'ecole' WHEN i % 25 < 23 THEN 'college' ELSE 'lycee' END AS lvl,
                   {r(2, 100)} AS p
            FROM range({schools}) t(i)
          ), sized AS (
            SELECT *,
                   CASE lvl WHEN 'ecole' THEN 30 + p * 2 WHEN 'college' THEN 290 + p * 4 ELSE 320 + p * 4 END
                     AS pupils
            FROM base
          )
          SELECT school_id,
                 printf('%07dA', school_id) AS uai, '2025-2026' AS vintage, lvl AS school_level,
                 printf('%05d', c) AS commune, printf('%03d', c % 101) AS departement,
                 printf('%02d', (c % 101) % 30) AS academie, printf('%02d', ((c % 101) % 30) % 18) AS region,
                 CASE lvl WHEN 'ecole' THEN 'commune:' || printf('%05d', c)
                          WHEN 'college' THEN 'departement:' || printf('%03d', c % 101)
                          ELSE 'region:' || printf('%02d', ((c % 101) % 30) % 18) END AS collectivite,
                 CASE WHEN p % 5 = 0 THEN NULL
                      ELSE ['lt10', '10_100', '100_1000', 'ge1000'][1 + p % 4] END AS bandwidth_class,
                 1::BIGINT AS one, pupils::BIGINT AS pupils,
                 CASE WHEN lvl = 'college' THEN pupils // 4 END::BIGINT AS pupils_6e,
                 CASE WHEN lvl = 'college' THEN pupils // 4 END::BIGINT AS pupils_3e,
                 CASE WHEN lvl = 'lycee' THEN pupils // 3 END::BIGINT AS pupils_1re,
                 CASE WHEN lvl = 'lycee' THEN pupils // 3 END::BIGINT AS pupils_tle,
                 (pupils // 25 + 1)::BIGINT AS classes, (pupils // 12 + 1)::BIGINT AS teachers,
                 CASE WHEN lvl = 'lycee' THEN pupils // 20 END::BIGINT AS nsi_pupils,
                 CASE WHEN lvl = 'lycee' THEN pupils // 80 END::BIGINT AS nsi_girls,
                 (p % 5 <> 0)::BIGINT AS declared,
                 CASE WHEN p % 5 <> 0 THEN pupils * (10 + p % 30) // 100 END::BIGINT AS computers_pupils,
                 CASE WHEN p % 5 <> 0 THEN pupils // 25 + p % 3 END::BIGINT AS projection_systems,
                 CASE WHEN p % 5 <> 0 THEN p % 4 END::BIGINT AS mobile_device_sets,
                 CASE WHEN p % 5 <> 0 THEN (p % 4) * 12 END::BIGINT AS mobile_terminals,
                 CASE WHEN p % 5 <> 0 THEN pupils // 25 + 2 END::BIGINT AS teaching_rooms,
                 CASE WHEN p % 5 <> 0 THEN pupils // 25 + 2 - p % 3 END::BIGINT AS teaching_rooms_wifi,
                 CASE WHEN p % 5 <> 0 THEN (p % 2)::BIGINT END AS wifi_switchable,
                 CASE WHEN p % 5 <> 0 THEN (p % 7 <> 0)::BIGINT END AS ent_available,
                 CASE WHEN p % 5 <> 0 THEN (pupils // 12 + 1) * (p % 40) // 100 END::BIGINT
                   AS teachers_pix_edu,
                 CASE WHEN p % 5 <> 0 AND lvl = 'college' THEN pupils // 4 * (50 + p % 50) // 100 END::BIGINT
                   AS pupils_6e_pix_attestation,
                 CASE WHEN p % 5 <> 0 AND lvl = 'college' THEN pupils // 4 * (40 + p % 60) // 100 END::BIGINT
                   AS pupils_3e_pix_certified,
                 CASE WHEN p % 5 <> 0 AND lvl = 'lycee' THEN pupils // 3 * (40 + p % 60) // 100 END::BIGINT
                   AS pupils_terminale_pix_certified,
                 {WEEKS}::BIGINT AS gar_weeks
          FROM sized
        ) TO '{directory / "schools.parquet"}' (FORMAT parquet)
    """)  # noqa: S608
    con.execute(f"""
        COPY (
          SELECT ({r(3, schools)})::INTEGER AS school_id, ({r(4, WEEKS)})::SMALLINT AS week,
                 ({r(5, 400)})::INTEGER AS user_id
          FROM range({events}) t(i)
        ) TO '{directory / "events.parquet"}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
    """)  # noqa: S608
    total = f"SELECT sum(pupils) FROM '{directory / 'schools.parquet'}'"  # noqa: S608
    pupils = con.execute(total).fetchone()[0]
    con.close()
    return {"schools": schools, "events": events, "pupils": int(pupils)}


# --- Computation (child) -----------------------------------------------------------------------
def facts_with_usage(schools, events):
    """Events → per school: Σ over weeks of distinct weekly users, and the event count. Written
    once in Ibis, run by whichever engine holds the tables."""
    import ibis

    from socle.pilotage.schema import FACTS_SCHEMA

    weekly = events.group_by(["school_id", "week"]).aggregate(
        users=events.user_id.nunique(), n=events.count()
    )
    usage = weekly.group_by("school_id").aggregate(
        gar_user_weeks=weekly.users.sum(), statements=weekly.n.sum()
    )
    usage = usage.rename(usage_school_id="school_id")
    joined = schools.left_join(usage, schools.school_id == usage.usage_school_id)
    columns = {
        name: (
            ibis.coalesce(joined[name], 0).cast("int64")
            if name in ("gar_user_weeks", "statements")
            else joined[name]
        )
        for name in FACTS_SCHEMA.names
    }
    return joined.select(**columns)


def _child(engine_name: str, directory: str, cores: int, spark_memory: str) -> dict:
    from socle.pilotage import catalogue
    from socle.pilotage.engines.base import cells_expression, normalise

    definitions = [(d, d.parameters) for d in catalogue.DEFINITIONS]
    started = time.perf_counter()
    if engine_name == "duckdb":
        from socle.pilotage.engines.duckdb import DuckDBEngine

        engine = DuckDBEngine(threads=cores)
    else:
        from socle.pilotage.engines.spark import SparkEngine, local_session

        engine = SparkEngine(session=local_session(cores, spark_memory))
        engine.session.sparkContext.setLogLevel("ERROR")
    ready = time.perf_counter()
    schools = engine.table_from_parquet(Path(directory) / "schools.parquet", "schools")
    events = engine.table_from_parquet(Path(directory) / "events.parquet", "events")
    facts = facts_with_usage(schools, events)
    rows = normalise(engine.execute(cells_expression(facts, definitions)), definitions)
    finished = time.perf_counter()
    figures = {
        "engine": engine_name,
        "startup_seconds": round(ready - started, 2),
        "computation_seconds": round(finished - ready, 2),
        "cells": len(rows),
        "result_sha256": hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16],
        "python_peak_rss_mib": round(rss_mib(), 1),
    }
    if engine_name == "spark":
        figures["jvm_peak_rss_mib"] = round(engine.jvm_peak_rss_mib() or 0, 1)
    engine.close()
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the national sizes (1.0)")
    parser.add_argument("--engines", default="duckdb,spark", help="comma-separated: duckdb, spark")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--spark-memory", default="4g", help="Spark driver memory (local mode)")
    args, _ = parser.parse_known_args(argv or [])
    with tempfile.TemporaryDirectory(prefix="bench-pilotage-") as tmp:
        started = time.perf_counter()
        sizes = generate(Path(tmp), args.scale)
        results = {
            "scale": args.scale,
            **sizes,
            "generation_seconds": round(time.perf_counter() - started, 2),
        }
        for name in args.engines.split(","):
            results[name] = run_child(__file__, name.strip(), tmp, str(args.cores), args.spark_memory)
            print(json.dumps(results[name]), flush=True)
        digests = {results[n.strip()]["result_sha256"] for n in args.engines.split(",")}
        results["engines_agree"] = len(digests) == 1
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])))
    else:
        main(sys.argv[1:])
