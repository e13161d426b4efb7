"""Benchmark of `socle import-pix`: a national-scale Pix Orga campaign export (one row per
participant, the real 45-column profiles-collection layout) imported at 100 000 and 1 000 000
rows: rows/s and peak RSS, to show that memory does not grow with the file.

    PYTHONPATH=src DATABASE_URL=postgres://postgres@127.0.0.1:5432/socle_bench_pix \\
        .venv/bin/python benchmarks/bench_pix.py [--rows 1000000] [--small 100000]

(`make bench BENCH_ARGS=pix`.) The pupils must exist in the Référentiel for their INE to resolve:
when the database has fewer than `--rows` pupils with an INE, an académie-scale world is loaded
first (`socle demo-data --scale academie`, ≈ 1 M pupils; not timed). The export is then written
from the registry's INEs with synthetic profiles (`socle.competences.pixfiles`), and each import
runs in a fresh child process (its peak RSS is its own) on an emptied results table.
`main(argv) -> dict` returns the figures for benchmarks/run.py."""

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, ensure_database, rss_mib, run_child

sys.path.insert(0, str(ROOT / "src"))


# --- Child side (Django is set up here only) ---------------------------------------------------
def _pupils_with_ine():
    from socle.referentiel import services as referentiel

    return referentiel.persons().filter(ine__isnull=False).exclude(status="tobedeleted")


def _prepare(rows: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    have = _pupils_with_ine().count()
    loaded = 0.0
    if have < rows:
        started = time.perf_counter()
        call_command("demo_data", scale="academie", seed=7, verbosity=0)
        loaded = time.perf_counter() - started
        have = _pupils_with_ine().count()
    # Fresh planner statistics, as autovacuum would have them on a live registry: right after a
    # bulk load PostgreSQL would otherwise scan the enrolments instead of using their index.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referentiel_person, referentiel_enrolment, referentiel_classgroup")
    return {"pupils_with_ine": have, "world_load_seconds": round(loaded, 1)}


def _generate(path: str, rows: int) -> dict:
    """Write the export of the first `rows` pupils (by uid), streaming from the database."""
    from socle.competences import pixfiles, services

    competences = [(c.code, c.label) for c in services.framework_competences()]
    shared = datetime.datetime(2026, 1, 12, 14, 5, tzinfo=pixfiles.PARIS)
    people = _pupils_with_ine().order_by("uid").values_list("uid", "ine", "last_name", "first_name")[:rows]

    def participants():
        for index, (uid, ine, last, first) in enumerate(people.iterator(chunk_size=5000)):
            yield pixfiles.Participant(
                last_name=last,
                first_name=first,
                identifier=ine,
                division="",
                # One participant in 50 has not sent the profile (a real campaign's share).
                shared_at=None if index % 50 == 49 else shared,
                competences=pixfiles.synthetic_profile(str(uid), "4E"),
            )

    started = time.perf_counter()
    with open(path, "w", encoding="utf-8", newline="") as handle:
        written = pixfiles.write_profiles_export(
            handle,
            participants(),
            competences,
            organization="Campagne nationale (banc d'essai)",
            campaign_id=1,
            code="BENCH2026",
            name="Collecte de profils nationale",
            division=False,
        )
    return {"rows": written, "generation_seconds": round(time.perf_counter() - started, 1)}


def _import(path: str) -> dict:
    from django.db import connection

    from socle.competences.importers.pix_orga import import_pix

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE competences_pixprofile, core_importrejection, core_importrun CASCADE")
    baseline = rss_mib()
    cpu_started = time.process_time()
    started = time.perf_counter()
    report = import_pix(path, actor_label="bench")
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    if report.fatal:
        raise RuntimeError(str(report.fatal))
    read = report.counts["rows read"]
    return {
        "seconds": round(elapsed, 1),
        "rows_per_second": round(read / elapsed),
        "importer_cpu_seconds": round(cpu, 1),
        "rows_per_importer_cpu_second": round(read / cpu),
        "peak_rss_mib": round(rss_mib(), 1),
        "rss_before_import_mib": round(baseline, 1),
        "counts": {**report.counts, "rejected": report.rejected},
    }


def _child(command: str, args: list[str]) -> dict:
    import django

    django.setup()
    if command == "prepare":
        return _prepare(int(args[0]))
    if command == "generate":
        return _generate(args[0], int(args[1]))
    return _import(args[0])


# --- Parent side -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Pix Orga import benchmark")
    parser.add_argument("--rows", type=int, default=1_000_000, help="national campaign (default 1 000 000)")
    parser.add_argument("--small", type=int, default=100_000, help="the smaller file (default 100 000)")
    args, _ = parser.parse_known_args(argv or [])
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("set DATABASE_URL=postgres://user@host:port/socle_bench_pix")
    ensure_database()
    figures: dict = {"prepare": run_child(__file__, "prepare", str(args.rows))}
    print(f"world: {figures['prepare']}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_pix_") as directory:
        for rows in (args.small, args.rows):
            path = Path(directory) / f"pix_{rows}.csv"
            generated = run_child(__file__, "generate", str(path), str(rows))
            result = run_child(__file__, "import", str(path))
            figures[str(rows)] = {
                **generated,
                "file_mib": round(path.stat().st_size / 2**20, 1),
                "import": result,
            }
            speed = f"{result['rows_per_second']} rows/s in {result['seconds']} s"
            cpu = f"{result['rows_per_importer_cpu_second']} rows per importer CPU second"
            memory = (
                f"peak RSS {result['peak_rss_mib']} MiB (before import {result['rss_before_import_mib']} MiB)"
            )
            print(
                f"{generated['rows']} rows ({figures[str(rows)]['file_mib']} MiB): {speed} ({cpu}), {memory}"
            )
            path.unlink()
    small, large = figures[str(args.small)]["import"], figures[str(args.rows)]["import"]
    figures["rss_growth_mib"] = round(large["peak_rss_mib"] - small["peak_rss_mib"], 1)
    figures["load_average_1min"] = round(os.getloadavg()[0], 1)  # the machine may be shared
    print(
        f"peak RSS growth for {args.rows // args.small}× the rows: {figures['rss_growth_mib']} MiB",
        flush=True,
    )
    return figures


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], sys.argv[3:])))
    else:
        main(sys.argv[1:])
