"""Latency of a Pilotage territory view at national scale: p50/p95 of the JSON API and of the
pages, as a département officer and a ministry analyst hit them through a real server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/socle_bench_pilotage \\
      PYTHONPATH=src .venv/bin/python benchmarks/bench_pilotage_latency.py [--requests 200]

The world (built once, kept in the database; `--rebuild` builds it again):
- the Référentiel's régions académiques, académies and départements (`load_territories`);
- about 35 000 communes and 60 000 schools spread over the départements (80 % écoles, 12 %
  collèges, 8 % lycées, each with its owning collectivité), created with bulk_create;
- the cells of a national computation: the facts of bench_pilotage.py (60 000 schools, 12 M
  pupils as aggregates, 100 M usage events), re-keyed onto these schools' real territory codes,
  computed by the DuckDB engine with the whole catalogue, and loaded with COPY (about 1.18 M
  IndicatorValue rows), with the FactsSnapshot of every school as a computation leaves them.

Then gunicorn (settings socle.settings.bench, one sync worker: requests are sequential) serves
the platform; two territorial officers log in through the real login form and their TOTP step
(Identité requires it) and each view is requested `--warmup` times, then `--requests` times:
- API values: /pilotage/api/values?level=departement&code=D (every indicator of a département);
- API comparison: /pilotage/api/schools/UAI/comparison (a collège next to its territories);
- dashboard page: /pilotage/?territory=departement:D;
- school page: /pilotage/etablissements/UAI/.
The two API views are also measured with a bearer token bound to the département officer's
account (`socle api-token create --user`). Every view is also requested once in process with
the Django test Client to count its SQL queries. `main()` returns the figures for benchmarks/run.py."""

import argparse
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from html import unescape
from pathlib import Path

from _common import ROOT, SETTINGS, free_port, percentile, rss_mib, setup_django, wait_for

PASSWORD = "bench pilotage latency 2026"  # noqa: S105 - a throw-away benchmark account
VINTAGE = "2025-2026"  # the vintage bench_pilotage.generate writes
COMMUNES = 35_000
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- World -------------------------------------------------------------------------------------
def school_level(i: int) -> str:
    """The same rule as bench_pilotage.generate, so that the facts and the registry agree."""
    return "ecole" if i % 25 < 20 else "college" if i % 25 < 23 else "lycee"


def build_registry(schools: int, seed: int) -> list[dict]:
    """Communes and schools in the Référentiel, spread over the real départements. Returns one
    dict per school (school_id = its rank), with its territory codes."""
    from django.db import transaction

    from socle.referentiel import models as rm
    from socle.referentiel.codes import make_uai
    from socle.referentiel.territories import load_territories

    load_territories()
    rng = random.Random(seed)
    departements = list(
        rm.Departement.objects.exclude(academie__region_id="ETR").select_related("academie").order_by("code")
    )
    per_departement = max(1, COMMUNES // len(departements))
    communes, centres = {}, {}
    for dep in departements:
        digits = 5 - len(dep.code)  # "35" → 35001…, "971" → 97101…
        count = min(per_departement, 10**digits - 1)
        communes[dep.code] = [f"{dep.code}{n:0{digits}d}" for n in range(1, count + 1)]
        centres[dep.code] = (rng.uniform(42.5, 50.8), rng.uniform(-4.5, 7.8))
    rows, next_number = [], dict.fromkeys(communes, 0)
    for i in range(schools):
        dep = departements[rng.randrange(len(departements))]
        commune = rng.choice(communes[dep.code])
        level = school_level(i)
        prefix = "0" + dep.code if len(dep.code) == 2 else dep.code
        uai = make_uai(f"{prefix}{next_number[dep.code]:04d}")
        next_number[dep.code] += 1
        owner = {"ecole": ("commune", commune), "college": ("departement", dep.code)}.get(
            level, ("region", dep.academie.region_id)
        )
        lat, lon = centres[dep.code]
        rows.append(
            {
                "school_id": i,
                "uai": uai,
                "school_level": level,
                "commune": commune,
                "departement": dep.code,
                "academie": dep.academie_id,
                "region": dep.academie.region_id,
                "collectivite_type": owner[0],
                "collectivite_code": owner[1],
                "collectivite": f"{owner[0]}:{owner[1]}",
                "lat": lat + rng.uniform(-0.4, 0.4),
                "lon": lon + rng.uniform(-0.5, 0.5),
            }
        )
    types = {"ecole": rm.SchoolType.ECOLE_PRIMAIRE, "college": rm.SchoolType.COLLEGE}
    with transaction.atomic():
        rm.Commune.objects.bulk_create(
            [
                rm.Commune(code=code, name=f"Commune {code}", departement_id=dep)
                for dep, codes in communes.items()
                for code in codes
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
        rm.Etablissement.objects.bulk_create(
            [
                rm.Etablissement(
                    uai=row["uai"],
                    name=f"{types.get(row['school_level'], rm.SchoolType.LYCEE_GT).label} {row['uai']}",
                    type=types.get(row["school_level"], rm.SchoolType.LYCEE_GT),
                    source="bench",
                    commune_id=row["commune"],
                    departement_id=row["departement"],
                    academie_id=row["academie"],
                    region_id=row["region"],
                    collectivite_type=row["collectivite_type"],
                    collectivite_code=row["collectivite_code"],
                    latitude=row["lat"],
                    longitude=row["lon"],
                )
                for row in rows
            ],
            batch_size=5000,
        )
    return rows


def compute_cells(directory: Path, registry: list[dict]) -> list[dict]:
    """bench_pilotage's national facts, re-keyed onto the registry's schools, through the DuckDB
    engine and the whole catalogue: normalised cells, as `services.recompute` gets them."""
    import duckdb
    import pyarrow as pa

    from bench_pilotage import facts_with_usage, generate
    from socle.pilotage import catalogue
    from socle.pilotage.engines.base import cells_expression, normalise
    from socle.pilotage.engines.duckdb import DuckDBEngine

    sizes = generate(directory, len(registry) / 60_000)
    print(f"  generated {sizes}", flush=True)
    territory = pa.Table.from_pylist(
        [
            {k: row[k] for k in ("school_id", "uai", "commune", "departement", "academie", "region")}
            | {"collectivite": row["collectivite"]}
            for row in registry
        ]
    )
    con = duckdb.connect()
    con.register("territory", territory)
    source, target = directory / "schools.parquet", directory / "facts_schools.parquet"
    # Paths are the temporary directory's own; columns come from the registry above.
    con.execute(f"""
        COPY (SELECT s.* REPLACE (t.uai AS uai, t.commune AS commune, t.departement AS departement,
                                  t.academie AS academie, t.region AS region, t.collectivite AS collectivite)
              FROM read_parquet('{source}') s JOIN territory t ON s.school_id = t.school_id)
        TO '{target}' (FORMAT parquet)
    """)  # noqa: S608
    con.close()
    definitions = [(d, d.parameters) for d in catalogue.DEFINITIONS]
    engine = DuckDBEngine(threads=2)
    try:
        schools = engine.table_from_parquet(target, "schools")
        events = engine.table_from_parquet(directory / "events.parquet", "events")
        facts = facts_with_usage(schools, events)
        return normalise(engine.execute(cells_expression(facts, definitions)), definitions)
    finally:
        engine.close()


def load_cells(cells: list[dict], registry: list[dict]) -> None:
    """Every cell and every school's FactsSnapshot, by COPY, in one transaction."""
    from django.db import connection, transaction
    from django.utils import timezone

    from socle.pilotage import catalogue, services

    services.sync_catalogue()
    versions = {info.code: info.version for info in services.indicators()}
    scales = {d.code: d.scale for d in catalogue.DEFINITIONS}
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM pilotage_indicatorvalue WHERE vintage = %s", [VINTAGE])
        cursor.execute("DELETE FROM pilotage_factssnapshot WHERE vintage = %s", [VINTAGE])
        columns = (
            "indicator_code, version, vintage, level, territory_code, numerator, denominator, value, "
            "schools_with_data, schools_in_scope, coverage, persons, engine, computed_at"
        )
        with cursor.cursor.copy(f"COPY pilotage_indicatorvalue ({columns}) FROM STDIN") as copy:
            for c in cells:
                num, den, in_scope = c["numerator"], c["denominator"], c["schools_in_scope"]
                copy.write_row(
                    (
                        c["indicator"],
                        versions[c["indicator"]],
                        c["vintage"],
                        c["level"],
                        c["territory_code"],
                        num,
                        den,
                        num * scales[c["indicator"]] / den if num is not None and den else None,
                        c["schools_with_data"],
                        in_scope,
                        c["schools_with_data"] / in_scope if in_scope else None,
                        c["persons"],
                        "duckdb",
                        now,
                    )
                )
        snapshot_columns = (
            "vintage, uai, digest, school_level, commune, departement, academie, region, collectivite, "
            "computed_at"
        )
        with cursor.cursor.copy(f"COPY pilotage_factssnapshot ({snapshot_columns}) FROM STDIN") as copy:
            for row in registry:
                copy.write_row(
                    (
                        VINTAGE,
                        row["uai"],
                        f"bench-{row['school_id']}",
                        row["school_level"],
                        row["commune"],
                        row["departement"],
                        row["academie"],
                        row["region"],
                        row["collectivite"],
                        now,
                    )
                )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE pilotage_indicatorvalue")
        cursor.execute("ANALYZE pilotage_factssnapshot")
        cursor.execute("ANALYZE referentiel_etablissement")


def build_world(schools: int, seed: int) -> dict:
    from django.db import connection

    from socle.referentiel import models as rm

    if rm.Etablissement.objects.exclude(source="bench").exists():
        # The rebuild empties the registry: never on a database that holds real or demo schools.
        raise SystemExit("this database holds schools not made by this benchmark: use a dedicated database")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # A rebuild starts from an empty registry; the platform's own tables stay.
        cursor.execute("TRUNCATE referentiel_etablissement, referentiel_commune CASCADE")
    registry = build_registry(schools, seed)
    registry_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="bench-pilotage-latency-") as tmp:
        started = time.perf_counter()
        cells = compute_cells(Path(tmp), registry)
        compute_seconds = time.perf_counter() - started
    started = time.perf_counter()
    load_cells(cells, registry)
    return {
        "registry_seconds": round(registry_seconds, 1),
        "facts_and_computation_seconds": round(compute_seconds, 1),
        "copy_seconds": round(time.perf_counter() - started, 1),
        "cells_loaded": len(cells),
        "builder_peak_rss_mib": round(rss_mib(), 1),
    }


def world_sizes() -> dict:
    from socle.pilotage.models import FactsSnapshot, IndicatorValue
    from socle.referentiel import models as rm

    return {
        "schools": rm.Etablissement.objects.count(),
        "communes": rm.Commune.objects.count(),
        "departements": rm.Departement.objects.count(),
        "cells": IndicatorValue.objects.count(),
        "facts_snapshots": FactsSnapshot.objects.count(),
    }


# --- Personas ----------------------------------------------------------------------------------
def officer(username: str, kind: str, code: str = ""):
    """A territorial officer's account with its grant and a confirmed TOTP device (idempotent)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from socle.identite.models import Account, AccountKind, AccountState
    from socle.identite.services import forget_roles, grant_territory

    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_password(PASSWORD)
        user.save()
    account, _ = Account.objects.get_or_create(
        user=user,
        defaults={
            "kind": AccountKind.TERRITORIAL,
            "state": AccountState.ACTIVE,
            "activated_at": timezone.now(),
        },
    )
    grant_territory(account, kind, code)
    forget_roles(user)
    TOTPDevice.objects.get_or_create(user=user, name="app", defaults={"confirmed": True})
    return user


def log_in(base_url: str, user):
    """A requests session logged in through /identite/connexion/ and its TOTP step."""
    import requests
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    http = requests.Session()

    def post(path: str, data: dict) -> requests.Response:
        page = http.get(base_url + path, timeout=60)
        found = CSRF_FIELD.search(page.text)
        if page.status_code != 200 or not found:
            raise RuntimeError(f"{path}: no form (HTTP {page.status_code})")
        data = {"csrfmiddlewaretoken": unescape(found.group(1)), **data}
        return http.post(base_url + path, data=data, allow_redirects=False, timeout=60)

    answer = post("/identite/connexion/", {"username": user.username, "password": PASSWORD})
    if answer.status_code != 302:
        raise RuntimeError(f"login of {user.username} refused (HTTP {answer.status_code})")
    if "/code/" in answer.headers.get("Location", ""):
        device = TOTPDevice.objects.get(user=user, name="app")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        answer = post("/identite/connexion/code/", {"token": f"{totp.token():06d}"})
        if answer.status_code != 302:
            raise RuntimeError(f"TOTP step of {user.username} refused (HTTP {answer.status_code})")
    return http


# --- Measurement -------------------------------------------------------------------------------
def views(departement: str, uai: str) -> dict[str, str]:
    return {
        "api_values_departement": f"/pilotage/api/values?level=departement&code={departement}",
        "api_school_comparison": f"/pilotage/api/schools/{uai}/comparison",
        "page_dashboard_departement": f"/pilotage/?territory=departement:{departement}",
        "page_school": f"/pilotage/etablissements/{uai}/",
    }


def check(path: str, response) -> int:
    """The number of rows the view returned (API items / indicators, table rows of a page):
    a figure that shows the view really carried the département's data."""
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status_code} {response.text[:300]}")
    if "/api/" in path:
        body = response.json()
        return body["count"] if "count" in body else len(body["indicators"])
    return response.text.count("<tr")


def measure(http, base_url: str, path: str, warmup: int, requests_: int) -> dict:
    latencies, rows, size = [], 0, 0
    for i in range(warmup + requests_):
        started = time.perf_counter()
        response = http.get(base_url + path, timeout=120)
        content = response.content
        elapsed = time.perf_counter() - started
        rows = check(path, response)
        size = len(content)
        if i >= warmup:
            latencies.append(elapsed * 1000)
    return {
        "requests": requests_,
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1),
        "rows": rows,
        "bytes": size,
    }


def count_queries(user, paths: dict[str, str]) -> dict[str, int]:
    """SQL queries of one request of each view, in process (Django test Client, same code)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    found = {}
    for name, path in paths.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        found[name] = len(queries) if response.status_code == 200 else -response.status_code
    return found


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=60_000, help="schools of the world (60 000)")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per view (200)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured requests per view first (10)")
    parser.add_argument("--departement", default="69", help="the département viewed (69)")
    parser.add_argument("--rebuild", action="store_true", help="build the world again")
    parser.add_argument("--seed", type=int, default=1)
    args, _ = parser.parse_known_args(argv or [])

    sys.path.insert(0, str(Path(__file__).parent))
    setup_django()
    from django.core.management import call_command

    from socle.pilotage.models import IndicatorValue
    from socle.referentiel import models as rm

    call_command("migrate", verbosity=0, interactive=False)
    results: dict = {}
    if args.rebuild or not IndicatorValue.objects.filter(level="school").exists():
        print(f"Building a national world of {args.schools} schools…", flush=True)
        results["build"] = build_world(args.schools, args.seed)
        print(f"  {results['build']}", flush=True)
    results["world"] = world_sizes()
    print(f"World: {results['world']}", flush=True)

    college = (
        rm.Etablissement.objects.filter(departement_id=args.departement, type=rm.SchoolType.COLLEGE)
        .order_by("uai")
        .first()
    )
    if college is None:
        raise SystemExit(f"no collège in département {args.departement}")
    paths = views(args.departement, college.uai)
    personas = {
        "departement_officer": officer(f"bench-cd{args.departement}", "departement", args.departement),
        "ministry_analyst": officer("bench-ministere", "ministry"),
    }
    results["departement"] = args.departement
    results["college"] = college.uai
    results["departement_schools"] = rm.Etablissement.objects.filter(departement_id=args.departement).count()
    results["sql_queries"] = {name: count_queries(user, paths) for name, user in personas.items()}
    print(f"SQL queries per request: {results['sql_queries']}", flush=True)

    port = free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=SETTINGS)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "socle.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "300",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    results["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    results["started_at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        wait_for(port, server)
        results["latency"] = {}
        for persona, user in personas.items():
            http = log_in(base_url, user)
            for name, path in paths.items():
                figures = measure(http, base_url, path, args.warmup, args.requests)
                results["latency"][f"{persona}/{name}"] = figures
                print(f"{persona:20} {name:28} {json.dumps(figures)}", flush=True)
        # The API as a program calls it: a bearer token bound to the département officer's
        # account (what `socle api-token create --user` issues), so it acts with that account's roles.
        import requests

        from socle.core.models import ApiToken

        _token, secret = ApiToken.issue(
            f"bench-pilotage-latency-{os.getpid()}-{int(time.time())}",
            ["pilotage:read"],
            created_by=personas["departement_officer"],
        )
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {secret}"
        for name, path in paths.items():
            if "/api/" in path:
                figures = measure(http, base_url, path, args.warmup, args.requests)
                results["latency"][f"departement_officer_token/{name}"] = figures
                print(f"{'departement_token':20} {name:28} {json.dumps(figures)}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
