"""Latency of the Référentiel API's "class members" endpoint over real HTTP.

Django's runserver (DEBUG off, settings `socle.settings.bench`) serves the API in a subprocess;
this process issues GET /api/referentiel/classes/{uid}/members for random current classes with
`http.client` over loopback (one keep-alive connection, like a sync client) and prints p50/p95.
The token holds both scopes, so each call also returns INE/birth date/sex and writes its audit
entry: the most expensive variant.

    PYTHONPATH=src DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python benchmarks/bench_api.py --requests 500

On an empty database it first builds a small world with bulk_create (`--classes`, default 3000
classes of 25 pupils and 3 teachers); on a populated one (`socle demo-data --scale academie`) it
measures what is there. `main(argv) -> dict` returns the figures."""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import time

from _common import ROOT, SETTINGS, free_port, percentile, setup_django, wait_for


def populate(classes: int, pupils_per_class: int = 25, teachers_per_class: int = 3, seed: int = 1) -> dict:
    """A small current-year world: `classes` divisions in collèges of 20 classes each."""
    from django.db import transaction
    from django.utils import timezone

    from socle.referentiel.codes import make_uai
    from socle.referentiel.models import (
        ClassGroup,
        Enrolment,
        Etablissement,
        Matiere,
        Person,
        SchoolType,
        SchoolYear,
        TeachingAssignment,
    )
    from socle.referentiel.territories import load_territories

    rng = random.Random(seed)
    started = time.perf_counter()
    today = timezone.localdate()
    with transaction.atomic():
        load_territories()
        year = SchoolYear.objects.filter(is_current=True).first() or SchoolYear.objects.create(
            code=f"{today.year}-{today.year + 1}",
            start_date=today - dt.timedelta(days=30),
            end_date=today + dt.timedelta(days=300),
            is_current=True,
        )
        subjects = [
            Matiere.objects.get_or_create(
                code=f"9{i:05d}", defaults={"short_label": f"M{i}", "label": f"M {i}"}
            )[0]
            for i in range(8)
        ]
        per_school = 20
        schools = Etablissement.objects.bulk_create(
            Etablissement(
                uai=make_uai(f"035{9000 - i:04d}"), name=f"Collège bench {i}", type=SchoolType.COLLEGE,
                departement_id="35", academie_id="14", region_id="53", source="bench",
            )
            for i in range(-(-classes // per_school))
        )  # fmt: skip
        groups = ClassGroup.objects.bulk_create(
            ClassGroup(
                etablissement=schools[i // per_school], school_year=year, code=f"B{i % per_school:02d}",
                name=f"Classe {i}", level=rng.choice(["6E", "5E", "4E", "3E"]), source="bench",
            )
            for i in range(classes)
        )  # fmt: skip
        first = ["Léa", "Louis", "Jade", "Gabriel", "Emma", "Raphaël", "Chloé", "Arthur", "Inès", "Jules"]
        last = ["Martin", "Bernard", "Le Gall", "Thomas", "Petit", "Robert", "Richard", "Durand", "Moreau"]
        persons = Person.objects.bulk_create(
            (
                Person(
                    first_name=rng.choice(first), last_name=rng.choice(last), ine=f"9{n:09d}X",
                    birth_date=dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(1500)),
                    sex=rng.choice("FM"), source="bench",
                )
                for n in range(classes * (pupils_per_class + teachers_per_class))
            ),
            batch_size=5000,
        )  # fmt: skip
        enrolments, assignments = [], []
        for index, group in enumerate(groups):
            block = persons[index * (pupils_per_class + teachers_per_class) :][
                : pupils_per_class + teachers_per_class
            ]
            enrolments += [
                Enrolment(person=p, class_group=group, begin_date=year.start_date, source="bench")
                for p in block[:pupils_per_class]
            ]
            assignments += [
                TeachingAssignment(
                    person=p,
                    class_group=group,
                    matiere=subjects[k],
                    begin_date=year.start_date,
                    source="bench",
                )
                for k, p in enumerate(block[pupils_per_class:])
            ]
        Enrolment.objects.bulk_create(enrolments, batch_size=5000)
        TeachingAssignment.objects.bulk_create(assignments, batch_size=5000)
    return {
        "classes": classes,
        "pupils": len(enrolments),
        "teachers": len(assignments),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=500, help="measured requests (default 500)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests first (default 20)")
    parser.add_argument("--classes", type=int, default=3000, help="classes to create if the DB has none")
    parser.add_argument("--limit", type=int, default=None, help="page size (default: the API's default)")
    parser.add_argument("--seed", type=int, default=1)
    args, _ = parser.parse_known_args(argv)

    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from socle.core.models import ApiToken
    from socle.referentiel import services
    from socle.referentiel.models import ClassGroup, Enrolment

    call_command("migrate", verbosity=0, interactive=False)
    populated = None
    if not Enrolment.objects.exists():
        print(f"Empty database: building a small world of {args.classes} classes…", flush=True)
        populated = populate(args.classes, seed=args.seed)
        print(f"  built {populated}", flush=True)

    year = services.current_school_year()
    candidates = list(
        ClassGroup.objects.filter(school_year=year, enrolments__isnull=False)
        .distinct()
        .order_by("?")
        .values_list("uid", flat=True)[:5000]
    )
    if not candidates:
        raise SystemExit("no class with pupils in the current school year")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM referentiel_enrolment")
        enrolment_rows = cursor.fetchone()[0]

    token, secret = ApiToken.issue(
        f"bench-api-{os.getpid()}-{int(time.time())}", ["referentiel:read", "referentiel:read:persons"]
    )
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(
        [sys.executable, "-m", "socle.cli", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rng = random.Random(args.seed)
    latencies: list[float] = []
    pupils_seen: list[int] = []
    statuses: dict[int, int] = {}
    try:
        wait_for(port, server)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {secret}", "Accept": "application/json"}
        query = f"?limit={args.limit}" if args.limit else ""
        for i in range(args.warmup + args.requests):
            path = f"/api/referentiel/classes/{rng.choice(candidates)}/members{query}"
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (http.client.HTTPException, OSError):  # the server closed the connection
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
            elapsed = time.perf_counter() - started
            if i < args.warmup:
                continue
            statuses[response.status] = statuses.get(response.status, 0) + 1
            latencies.append(elapsed * 1000)
            if response.status == 200:
                pupils_seen.append(len(json.loads(body)["pupils"]))
        conn.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        token.delete()

    result = {
        "requests": len(latencies),
        "statuses": statuses,
        "classes_sampled_from": len(candidates),
        "enrolment_rows": enrolment_rows,
        "pupils_per_response_mean": round(statistics.mean(pupils_seen), 1) if pupils_seen else 0,
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "mean_ms": round(statistics.mean(latencies), 2),
        "max_ms": round(max(latencies), 2),
        "populated": populated,
    }
    print(
        f"class members over HTTP: {result['requests']} requests, statuses {statuses}, "
        f"{result['pupils_per_response_mean']} pupils/response on average, "
        f"{enrolment_rows} enrolment rows in the database"
    )
    print(
        f"  p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
        f"mean {result['mean_ms']} ms, max {result['max_ms']} ms"
    )
    return result


if __name__ == "__main__":
    main()
