"""Benchmark of the Annuaire de l'éducation import: rows/s and peak RSS at national size
(60 000 schools) and at 4× that size, to show that memory does not grow with the file.

    PYTHONPATH=src DATABASE_URL=postgres://postgres@127.0.0.1:5432/socle_bench_annuaire \\
        .venv/bin/python benchmarks/bench_annuaire.py [--rows 60000] [--factor 4]

Each import runs in a fresh child process (so that its peak RSS is its own) on an emptied
database; the files are generated beforehand in a temporary directory by the parent, which
never sets Django up. `main()` returns the figures for benchmarks/run.py."""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, ensure_database, rss_mib, run_child

sys.path.insert(0, str(ROOT / "src"))


# --- Child side (Django is set up here only) ---------------------------------------------------
def _child(command: str, path: str | None) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if command == "prepare":
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE referentiel_etablissement, referentiel_commune, auditlog_logentry, "
                "core_importrejection, core_importrun CASCADE"
            )
        return {"prepared": True}

    from socle.referentiel.importers.annuaire import import_annuaire

    baseline = rss_mib()
    cpu_started = time.process_time()
    started = time.perf_counter()
    result = import_annuaire(path, actor_label="bench")
    elapsed = time.perf_counter() - started
    # The importer's own CPU time (PostgreSQL's is not included): unlike wall-clock time, it
    # does not depend on how busy a shared machine is.
    cpu = time.process_time() - cpu_started
    if result.fatal:
        raise RuntimeError(str(result.fatal))
    counts = {key: result.counts[key] for key in ("read", "created", "updated", "unchanged", "rejected")}
    return {
        "seconds": round(elapsed, 2),
        "rows_per_second": round(result.counts["read"] / elapsed),
        "importer_cpu_seconds": round(cpu, 2),
        "rows_per_importer_cpu_second": round(result.counts["read"] / cpu),
        "peak_rss_mib": round(rss_mib(), 1),
        "rss_before_import_mib": round(baseline, 1),
        "counts": counts,
    }


# --- Parent side -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Annuaire import benchmark")
    parser.add_argument("--rows", type=int, default=60_000, help="national size (default 60 000)")
    parser.add_argument("--factor", type=int, default=4, help="size of the second file, in national sizes")
    args, _ = parser.parse_known_args(argv or [])
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("set DATABASE_URL=postgres://user@host:port/socle_bench_annuaire")

    from socle.referentiel.importers.annuaire_synthetic import national_rows, write_annuaire

    ensure_database()
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench_annuaire_") as directory:
        for label, rows in (("national", args.rows), (f"national_x{args.factor}", args.rows * args.factor)):
            path = Path(directory) / f"annuaire_{rows}.csv"
            started = time.perf_counter()
            write_annuaire(path, national_rows(rows))
            generated = time.perf_counter() - started
            run_child(__file__, "prepare")
            first = run_child(__file__, "import", str(path))
            figures[label] = {
                "rows": rows,
                "file_mib": round(path.stat().st_size / 2**20, 1),
                "generation_seconds": round(generated, 1),
                "first_import": first,
            }
            print(
                f"{label}: {rows} rows ({figures[label]['file_mib']} MiB): first import "
                f"{first['rows_per_second']} rows/s in {first['seconds']} s "
                f"({first['rows_per_importer_cpu_second']} rows per importer CPU second), "
                f"peak RSS {first['peak_rss_mib']} MiB (before import {first['rss_before_import_mib']} MiB)",
                flush=True,
            )
            if label == "national":
                again = run_child(__file__, "import", str(path))  # idempotent re-import: everything unchanged
                figures[label]["reimport"] = again
                print(
                    f"{label}: re-import (all unchanged) {again['rows_per_second']} rows/s in "
                    f"{again['seconds']} s, peak RSS {again['peak_rss_mib']} MiB",
                    flush=True,
                )
    small, large = figures["national"], figures[f"national_x{args.factor}"]
    figures["rss_growth_mib"] = round(
        large["first_import"]["peak_rss_mib"] - small["first_import"]["peak_rss_mib"], 1
    )
    figures["load_average_1min"] = round(os.getloadavg()[0], 1)  # the machine may be shared
    print(f"peak RSS growth for {args.factor}× the rows: {figures['rss_growth_mib']} MiB", flush=True)
    return figures


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        command = sys.argv[2]
        print(json.dumps(_child(command, sys.argv[3] if len(sys.argv) > 3 else None)))
    else:
        main(sys.argv[1:])
