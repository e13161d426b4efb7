"""`make bench`: run every benchmark and print its figures.

Each benchmark module exposes `main(argv) -> dict`. Each gets its own database on the server
given by DATABASE_URL (set by scripts/with_postgres.py), so they never disturb each other or
the test database. Figures are recorded by hand in docs/benchmarks.md with this command."""

import argparse
import importlib
import json
import os
import sys
import time
from pathlib import Path

BENCHMARKS = {
    "annuaire": "bench_annuaire",  # Annuaire CSV import: rows/s, peak RSS at two sizes
    "load": "bench_load",  # demo-data generation + load at académie scale: rows/s, peak RSS
    "api": "bench_api",  # class-members API latency p50/p95
    "aaf": "bench_aaf",  # AAF XML import: records/s, peak RSS
    "identite": "bench_identite",  # logins/s through the real form, with the Argon2 cost
    "tokens": "bench_tokens",  # OIDC token endpoint requests/s
    "traces": "bench_traces",  # xAPI POST throughput vs Ralph and the COPY ceiling, GET latency
    "pilotage": "bench_pilotage",  # indicators at national scale on DuckDB and Spark: time, peak RSS
    "pilotage_latency": "bench_pilotage_latency",  # territory view (API, pages) at national scale: p50/p95
    "burst": "bench_burst",  # the 07:00 burst: notifications/s, 1/2/4 workers, DB and Celery, killed worker
}
# The API is measured on the académie-scale world that the load benchmark leaves behind.
# bench_pilotage uses no database; the latency bench reuses its name for its national world.
DATABASE_OF = {"api": "load", "pilotage_latency": "pilotage"}


def database_url_for(name: str) -> str:
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return f"{base}/socle_bench_{name}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run, among {', '.join(BENCHMARKS)} (default: all)"
    )
    args, rest = parser.parse_known_args()
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    sys.path.insert(0, str(Path(__file__).parent))
    results = {}
    for name in args.names or list(BENCHMARKS):
        os.environ["DATABASE_URL"] = database_url_for(DATABASE_OF.get(name, name))
        print(f"\n=== {name} ({os.environ['DATABASE_URL']}) ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(BENCHMARKS[name])
        results[name] = module.main(rest)
        print(f"--- {name} took {time.perf_counter() - started:.1f} s", flush=True)
    print("\n=== figures ===")
    print(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
