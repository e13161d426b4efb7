"""Benchmark: `socle demo-data` generation and bulk load into PostgreSQL at two sizes.

    PYTHONPATH=src DATABASE_URL=postgres://postgres@127.0.0.1:5432/socle_bench_load \\
        .venv/bin/python benchmarks/bench_load.py [--sizes 250000,academie]

Creates the database if missing and migrates it, then, for each size, empties the generated
tables and loads an `academie`-scale world (`--pupils N`, or the full ≈ 1 M pupils for
"academie") in a child process, so that each size has its own peak RSS. Prints rows written per
table, rows/s, wall time, peak RSS (getrusage ru_maxrss in the child, and psutil sampling from the
parent). The last world (the full académie) is left in the database for the API benchmark.
`--workers N` (default 2: this machine has 2 cores) loads with N processes.
`main(argv) -> dict` returns the figures (benchmarks/run.py)."""

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

from _common import ensure_database

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/socle_bench_load"
TABLES = [
    "referentiel_enrolment",
    "referentiel_guardianship",
    "referentiel_teachingassignment",
    "referentiel_stafffunction",
    "referentiel_classgroup",
    "referentiel_person",
    "referentiel_etablissement",
]


def _settings_module() -> str:
    if (ROOT / "src" / "socle" / "settings" / "bench.py").exists():
        return "socle.settings.bench"
    raise RuntimeError("src/socle/settings/bench.py is missing")


def _django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = _settings_module()
    import django

    django.setup()


# --- Child: one load -----------------------------------------------------------------------------
def child(size: str, workers: int) -> dict:
    _django()
    from django.db import connection

    from socle.core.models import ImportRun
    from socle.referentiel.demo.loader import Options, run

    with connection.cursor() as cursor:
        # Start from empty generated tables (this database is the benchmark's own).
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
    ImportRun.objects.filter(kind="demo-data").delete()
    pupils = None if size == "academie" else int(size)
    started = time.perf_counter()
    log = lambda message: print(message, flush=True)  # noqa: E731
    result = run(Options(scale="academie", seed=1, pupils=pupils, workers=workers, log=log))
    wall = time.perf_counter() - started
    analyze_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts = result["counts"]
    rows = {k: v for k, v in counts.items() if k.startswith("referentiel.")}
    total = sum(rows.values())
    return {
        "size": size,
        "pupils": rows.get("referentiel.Enrolment", 0),
        "rows": rows,
        "rows_total": total,
        "wall_s": round(wall, 1),
        "rows_per_s": round(total / wall),
        "seconds": counts.get("seconds", {}),
        "analyze_s": round(time.perf_counter() - analyze_started, 1),
        "workers": workers,
        # ru_maxrss: the loader process itself, and the largest of its worker processes.
        "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "ru_maxrss_workers_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }


# --- Parent ----------------------------------------------------------------------------------
def _run_child(size: str, workers: int) -> dict:
    import psutil

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", size, "--workers", str(workers)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    peak = 0
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        handle = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                # The whole process tree: the loader and its worker processes.
                rss = handle.memory_info().rss
                for sub in handle.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        rss += sub.memory_info().rss
            except psutil.Error:
                break
            peak = max(peak, rss)
            samples.append(rss)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = None
    for line in proc.stdout:
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
        else:
            print("   ", line.rstrip(), flush=True)
    proc.wait()
    done.set()
    sampler.join()
    if proc.returncode != 0 or result is None:
        raise RuntimeError(f"the {size} load failed (exit code {proc.returncode})")
    quarter = len(samples) // 4
    result["psutil_peak_rss_mb"] = round(peak / 2**20, 1)
    # Flatness: peak RSS in the first and the last quarter of the run.
    if quarter:
        result["psutil_rss_first_quarter_mb"] = round(max(samples[:quarter]) / 2**20, 1)
        result["psutil_rss_last_quarter_mb"] = round(max(samples[-quarter:]) / 2**20, 1)
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="250000,academie", help="pupil counts or 'academie' (≈ 1 M)")
    parser.add_argument("--workers", type=int, default=2, help="parallel loader processes (2 cores here)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, _rest = parser.parse_known_args(argv)
    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.workers)), flush=True)
        return {}
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    migrate = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--no-input", "-v0"],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "DJANGO_SETTINGS_MODULE": _settings_module()},
        check=False,
    )
    if migrate.returncode:
        raise RuntimeError("migrate failed")
    results = {}
    for size in args.sizes.split(","):
        print(f"== demo-data, academie scale, {size} pupils ==", flush=True)
        figures = _run_child(size, args.workers)
        results[size] = figures
        print(f"   rows written per table: {json.dumps(figures['rows'])}")
        print(
            f"   {figures['pupils']} pupils, {figures['rows_total']} rows in {figures['wall_s']} s "
            f"= {figures['rows_per_s']} rows/s with {args.workers} worker(s); peak RSS: loader "
            f"{figures['ru_maxrss_mb']} MB, largest worker {figures['ru_maxrss_workers_mb']} MB (ru_maxrss), "
            f"process tree {figures['psutil_peak_rss_mb']} MB (psutil); "
            f"time split (summed over workers) {json.dumps(figures['seconds'])}",
            flush=True,
        )
    return results


if __name__ == "__main__":
    figures = main()
    if figures:
        print(json.dumps(figures, indent=2))
