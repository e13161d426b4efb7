# ruff: noqa: E501 - the SQL of the synthetic fixture reads better unwrapped
"""Traces (xAPI LRS) benchmark: POST throughput and latency, GET query latency, and the two
baselines measured side by side on the same machine with the same statements:

* Ralph 5.1.0 (PyPI `ralph-malph`, `fs` backend), installed into its own virtualenv
  (`--ralph-venv`, created on first use) because its pins do not mix with Socle's;
* the raw ceiling of PostgreSQL itself: COPY of the same rows into the same table.

Socle is served by granian (`--server`, `--workers`, `--threads`), as docs/traces.md recommends
for the LRS endpoint; `--server gunicorn` measures the platform's general server instead. Both
servers are warmed up before anything is timed, and every configuration starts from empty
statement tables, as the COPY ceiling does. Every figure is printed and returned as a dict
(benchmarks/run.py convention). Usage:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/socle_bench_traces \\
        .venv/bin/python benchmarks/bench_traces.py [--seconds 8] [--rows 1000000] [--no-ralph]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PY = ROOT / ".venv" / "bin" / "python"
SOCLE_PORT = 8024
RALPH_PORT = 8025
VERBS = [
    f"http://adlnet.gov/expapi/verbs/{v}" for v in ("completed", "attempted", "passed", "failed", "answered")
]


def make_statement(index: int) -> dict:
    """One realistic statement: a pupil answering a question of an exercise in a course."""
    return {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://ent.example.fr", "name": f"eleve-{index % 5000}"},
        },
        "verb": {"id": VERBS[index % len(VERBS)], "display": {"fr-FR": "a répondu"}},
        "object": {
            "objectType": "Activity",
            "id": f"https://ressources.example.fr/exercices/{index % 2000}",
            "definition": {
                "name": {"fr-FR": f"Exercice {index % 2000}"},
                "type": "http://adlnet.gov/expapi/activities/question",
            },
        },
        "result": {
            "score": {"scaled": 0.75, "raw": 15, "min": 0, "max": 20},
            "success": True,
            "duration": "PT3M12S",
        },
        "context": {
            "registration": str(uuid.UUID(int=index % 100000 + 1)),
            "contextActivities": {"parent": [{"id": f"https://ressources.example.fr/cours/{index % 100}"}]},
            "platform": "ENT",
            "language": "fr-FR",
        },
        "timestamp": "2026-03-02T10:15:00.000Z",
    }


# --- Servers -----------------------------------------------------------------------------------
def wait_http(port: int, path: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path, headers={"X-Experience-API-Version": "1.0.3"})
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"server on port {port} did not start")


XAPI_SHORT_PATH = "socle.traces.middleware.XAPIShortPathMiddleware"
SETTINGS_DIR = Path(tempfile.gettempdir()) / "socle-bench-traces-settings"


def settings_module() -> str:
    """The shared production-like bench settings, with the xAPI short path middleware right after
    SecurityMiddleware as docs/traces.md asks of a deployment (a no-op once base settings have it)."""
    base = (
        "socle.settings.bench"
        if (ROOT / "src" / "socle" / "settings" / "bench.py").exists()
        else "socle.settings.test"
    )
    SETTINGS_DIR.mkdir(exist_ok=True)
    (SETTINGS_DIR / "bench_traces_settings.py").write_text(
        f"from {base} import *  # noqa: F403\n"
        f"if {XAPI_SHORT_PATH!r} not in MIDDLEWARE:  # noqa: F405\n"
        f"    MIDDLEWARE = [MIDDLEWARE[0], {XAPI_SHORT_PATH!r}, *MIDDLEWARE[1:]]  # noqa: F405\n"
    )
    return "bench_traces_settings"


def socle_env(database_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        # Production-like settings (DEBUG off), see settings_module.
        "DJANGO_SETTINGS_MODULE": settings_module(),
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{SETTINGS_DIR}",
        "SOCLE_DB_CONN_MAX_AGE": "600",
        "SOCLE_LOG_LEVEL": "WARNING",
    }


def port_is_free(port: int) -> None:
    """Refuse to measure whatever already listens there (e.g. a server a crashed run left)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is already in use: stop that server first")


def server_command(server: str, workers: int, threads: int, runtime_threads: int) -> list[str]:
    """The WSGI server of the LRS: granian (the deployment docs/traces.md recommends for /xapi/)
    or gunicorn's gthread worker (the platform's general server), `workers` processes of
    `threads` threads running Django."""
    bin_dir = ROOT / ".venv" / "bin"
    address = ["127.0.0.1", str(SOCLE_PORT)]
    if server == "granian":
        return [
            str(bin_dir / "granian"),
            "--interface",
            "wsgi",
            "--host",
            address[0],
            "--port",
            address[1],
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--runtime-threads",
            str(runtime_threads),
            "--no-access-log",
            "--log-level",
            "warning",
            "socle.wsgi:application",
        ]
    return [
        str(bin_dir / "gunicorn"),
        "socle.wsgi:application",
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        str(threads),
        "-b",
        ":".join(address),
        "--log-level",
        "warning",
    ]


def start_socle(
    database_url: str, workers: int, threads: int = 4, server: str = "granian", runtime_threads: int = 1
) -> subprocess.Popen:
    port_is_free(SOCLE_PORT)
    process = subprocess.Popen(
        server_command(server, workers, threads, runtime_threads), env=socle_env(database_url), cwd=ROOT
    )
    try:
        wait_http(SOCLE_PORT, "/xapi/about")
    except RuntimeError:
        stop(process)
        raise
    return process


def ensure_ralph(venv: Path) -> Path:
    ralph = venv / "bin" / "ralph"
    if not ralph.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "ralph-malph[lrs,cli]==5.1.0", "requests"],
            check=True,
        )
    return ralph


def start_ralph(venv: Path, workdir: Path, user: str, password: str, workers: int) -> subprocess.Popen:
    ralph = ensure_ralph(venv)
    auth_file = workdir / "auth.json"
    env = {
        **os.environ,
        "RALPH_APP_DIR": str(workdir),
        "RALPH_AUTH_FILE": str(auth_file),
        "RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH": str(workdir / "data"),
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(workdir / "data"),
        "RALPH_BACKENDS__LRS__FS__DEFAULT_LRS_FILE": "statements.jsonl",
        "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": "100",
        "RALPH_RUNSERVER_BACKEND": "fs",
        "PYTHONPATH": str(workdir),
    }
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    port_is_free(RALPH_PORT)
    subprocess.run(
        [str(ralph), "auth", "-u", user, "-p", password, "-s", "all", "-w", "-M", "mailto:bench@example.org"],
        check=True,
        env=env,
        capture_output=True,
    )
    # Ralph's fs backend creates its file on the first write and refuses the next ones unless its
    # write mode is "append": a small app module sets it in every uvicorn worker.
    (workdir / "ralph_append.py").write_text(
        "from ralph.backends.data.base import BaseOperationType\n"
        "import ralph.backends.data.fs as fs\n"
        "fs.FSDataBackend.default_operation_type = BaseOperationType.APPEND\n"
        "from ralph.api import app  # noqa: E402\n"
    )
    process = subprocess.Popen(
        [
            str(venv / "bin" / "uvicorn"),
            "ralph_append:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(RALPH_PORT),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_http(RALPH_PORT, "/__heartbeat__")
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


# --- Load --------------------------------------------------------------------------------------
def statement_pool(size: int, seed: int) -> list[bytes]:
    """Statements serialised ahead of the timed window, so that the load generator (which shares
    the CPU with the servers) only joins bytes while measuring. The same pool goes to every server."""
    return [json.dumps(make_statement(seed + index)).encode() for index in range(size)]


def post_load(
    port: int, path: str, auth: str, batch: int, clients: int, seconds: float, pool: list[bytes]
) -> dict:
    """`clients` threads, each with its own keep-alive connection, POST batches of the pool for
    `seconds` (or until their share of the pool is used up)."""
    latencies: list[float] = []
    errors = [0]
    counter = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(seed: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local: list[float] = []
        share = pool[seed::clients]
        position = 0
        while time.monotonic() < deadline and position + batch <= len(share):
            body = b"[" + b",".join(share[position : position + batch]) + b"]"
            position += batch
            started = time.perf_counter()
            try:
                connection.request(
                    "POST",
                    path,
                    body=body,
                    headers={
                        "Authorization": auth,
                        "X-Experience-API-Version": "1.0.3",
                        "Content-Type": "application/json",
                    },
                )
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    local.append(elapsed)
                    counter[0] += batch
                else:
                    errors[0] += 1
        with lock:
            latencies.extend(local)
        connection.close()

    deadline = time.monotonic() + seconds
    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "statements_per_s": round(counter[0] / elapsed, 1),
        "requests": len(latencies),
        "errors": errors[0],
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1) if latencies else None,
    }


def warm_up(port: int, path: str, auth: str, seed: int, connections: int = 8) -> None:
    """Untimed batches on parallel connections, so that the server's workers have imported the
    application and opened their database connections before the first timed request."""
    pool = statement_pool(connections * 40, seed)
    post_load(port, path, auth, 10, connections, 60, pool)


def get_latency(port: int, auth: str, params: dict, repeat: int) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    timings = []
    count = 0
    for _ in range(repeat):
        started = time.perf_counter()
        connection.request(
            "GET",
            "/xapi/statements?" + urlencode(params),
            headers={"Authorization": auth, "X-Experience-API-Version": "1.0.3"},
        )
        response = connection.getresponse()
        body = response.read()
        timings.append(time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"GET {params} answered {response.status}: {body[:200]!r}")
        answer = json.loads(body)
        count = len(answer["statements"]) if "statements" in answer else 1
    connection.close()
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings) * 1000, 1),
        "p95_ms": round(timings[int(len(timings) * 0.95)] * 1000, 1),
        "returned": count,
    }


# --- PostgreSQL ceiling and bulk loading -------------------------------------------------------
def django_setup(database_url: str) -> None:
    os.environ.update(socle_env(database_url))
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(SETTINGS_DIR))
    import django

    django.setup()


def copy_ceiling(rows: int) -> dict:
    """COPY the same rows (prepared exactly as the LRS prepares them) into the same table."""
    from django.db import connection

    from socle.traces import store
    from socle.traces.http import authority_for

    client = store.Client(
        tenant="copy", scopes={"all"}, authority=authority_for("copy", "copy"), credential_id=0
    )
    stamp = store.Stamp.at(store.now_ms())
    prepared = [store.prepare(make_statement(i), "1.0.3", client, stamp) for i in range(rows)]
    columns = store.COLUMNS[1:]  # the id comes from the sequence
    with connection.cursor() as cursor:
        raw = cursor.connection
        started = time.perf_counter()
        with raw.cursor() as pg, pg.copy(f"COPY traces_statement ({', '.join(columns)}) FROM STDIN") as copy:
            for item in prepared:
                copy.write_row(store.copy_values("copy", item))
        raw.commit()
        elapsed = time.perf_counter() - started
        cursor.execute("DELETE FROM traces_statement WHERE tenant = 'copy'")
    return {"rows": rows, "rows_per_s": round(rows / elapsed, 1)}


def empty_statement_tables() -> None:
    """Every configuration starts from the empty tables the COPY ceiling was measured on. Each
    run adds up to some 160 000 statements: left in place, the later configurations would write
    into tables (and indexes) several times larger than the earlier ones, beyond PostgreSQL's
    shared buffers here. The activity definitions stay: the server caches which it holds."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE traces_statement, traces_statementkey, traces_statementrelation")


# Indexes rebuilt after the bulk load (dropping them first makes a 10 M load minutes, not hours):
# those of the statement table (partitions.INDEXES) and the primary keys of the key and relation
# tables (the relation one serves the related_* lookups by kind and key).
LOAD_DROPPED_CONSTRAINTS = (
    ("traces_statementkey", "traces_statementkey_pkey", "PRIMARY KEY (tenant, statement_id)"),
    ("traces_statementrelation", "traces_statementrelation_pkey", "PRIMARY KEY (kind, key, statement_id)"),
)


def fixture_rows(total: int, tenant: str, step: int, first: datetime):
    """Yield, lazily (memory stays flat whatever `total`), one (statement, key, relation) triple of
    COPY text lines per synthetic statement: 50 000 pupils, 5 verbs, 20 000 exercises in 100
    courses, 100 000 registrations, `stored` spread over one year from `first` every `step` s.
    The statement JSON is the shape the LRS stores (see make_statement). Every value is ASCII
    without backslash, tab or newline, so the lines need no COPY escaping."""
    from socle.traces.agents import agent_key

    pupils = [f"eleve-{n}" for n in range(50_000)]
    keys = [agent_key({"account": {"homePage": "https://ent.example.fr", "name": p}}) for p in pupils]
    authority = '{"objectType":"Agent","name":"bench","account":{"homePage":"https://socle.education.gouv.fr/xapi/clients","name":"bench"}}'
    for g in range(1, total + 1):
        sid = str(uuid.UUID(int=g))
        moment = first + timedelta(seconds=g * step)
        stored = moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        pupil = g % 50_000
        verb = VERBS[g % 5]
        exercise = f"https://ressources.example.fr/exercices/{g % 20_000}"
        course = f"https://ressources.example.fr/cours/{g % 20_000 % 100}"
        registration = str(uuid.UUID(int=g % 100_000 + 1))
        data = (
            f'{{"id":"{sid}","actor":{{"objectType":"Agent","account":{{"homePage":"https://ent.example.fr","name":"{pupils[pupil]}"}}}},'
            f'"verb":{{"id":"{verb}","display":{{"fr-FR":"a repondu"}}}},'
            f'"object":{{"objectType":"Activity","id":"{exercise}","definition":{{"name":{{"fr-FR":"Exercice {g % 20_000}"}},'
            f'"type":"http://adlnet.gov/expapi/activities/question"}}}},'
            f'"result":{{"score":{{"scaled":0.75,"raw":15,"min":0,"max":20}},"success":true,"duration":"PT3M12S"}},'
            f'"context":{{"registration":"{registration}","contextActivities":{{"parent":[{{"id":"{course}"}}]}},'
            f'"platform":"ENT","language":"fr-FR"}},'
            f'"timestamp":"{stored}","stored":"{stored}","authority":{authority},"version":"1.0.0"}}'
        )
        yield (
            f"{g}\t{tenant}\t{sid}\t{stored}\t{stored}\t{verb}\t{keys[pupil]}\t\\N\t{exercise}\t{registration}"
            f"\t\\N\tf\tf\t1\tf\t{data}\n",
            f"{tenant}\t{sid}\t{stored}\n",
            f"{g}\tV\t{course}\n",
        )


def bulk_load(total: int, tenant: str, chunk: int = 100_000) -> dict:
    """Fill the statement table with `total` synthetic statements, their key rows and relation
    rows, by COPY (three streams fed chunk by chunk from `fixture_rows`), into the monthly
    partitions production uses: the fixture of the GET latency measurements. The tables are
    UNLOGGED while loading (no 10 GB of WAL on a shared disk; reads are the same) and the
    secondary indexes are built after the load; both phases are timed."""
    from django.db import connection

    from socle.traces import partitions

    step = max(1, 31_536_000 // max(total, 1))  # the rows span one year of `stored`
    first = datetime(2025, 1, 1, tzinfo=UTC)
    partitions.ensure_partitions(first, first + timedelta(seconds=step * (total + 1)))
    figures: dict = {"rows": total}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        tables = [name for name, _start, _end in partitions.partitions()]
        for table in [*tables, partitions.DEFAULT, "traces_statementkey", "traces_statementrelation"]:
            cursor.execute(f'ALTER TABLE "{table}" SET UNLOGGED')
        for index in partitions.INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {index}")
        for table, constraint, _definition in LOAD_DROPPED_CONSTRAINTS:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {constraint}")
        pg = cursor.cursor
        rows = fixture_rows(total, tenant, step, first)
        columns = "id, tenant, statement_id, stored, timestamp, verb_id, actor_key, object_agent_key, activity_id, registration, ref_target, voided, is_voiding, credential_id, has_attachments, data"
        done = 0
        while done < total:
            size = min(chunk, total - done)
            batch = [next(rows) for _ in range(size)]
            with pg.copy(f"COPY traces_statement ({columns}) FROM STDIN") as copy:
                copy.write("".join(row[0] for row in batch))
            with pg.copy("COPY traces_statementkey (tenant, statement_id, stored) FROM STDIN") as copy:
                copy.write("".join(row[1] for row in batch))
            with pg.copy("COPY traces_statementrelation (statement_id, kind, key) FROM STDIN") as copy:
                copy.write("".join(row[2] for row in batch))
            done += size
            print(f"  copied {done:,} statements ({time.perf_counter() - started:.0f} s)", flush=True)
        cursor.execute("SELECT setval(pg_get_serial_sequence('traces_statement', 'id'), %s)", [total])
        figures["copy_s"] = round(time.perf_counter() - started, 1)
        indexed = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for index, definition in partitions.INDEXES.items():
            cursor.execute(f"CREATE INDEX {index} ON traces_statement {definition}")
        for table, constraint, definition in LOAD_DROPPED_CONSTRAINTS:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {definition}")
        cursor.execute("ANALYZE traces_statement")
        # As autovacuum would have done on a live table: the visibility map lets the relation
        # lookups of related_* queries be index-only scans.
        cursor.execute("VACUUM (ANALYZE) traces_statementkey")
        cursor.execute("VACUUM (ANALYZE) traces_statementrelation")
        figures["index_s"] = round(time.perf_counter() - indexed, 1)
        cursor.execute(
            "SELECT sum(pg_table_size(inhrelid)), sum(pg_indexes_size(inhrelid)) FROM pg_inherits "
            "WHERE inhparent = 'traces_statement'::regclass"
        )
        table_bytes, index_bytes = (int(value) for value in cursor.fetchone())
        cursor.execute(
            "SELECT pg_table_size('traces_statementkey') + pg_table_size('traces_statementrelation'), "
            "pg_indexes_size('traces_statementkey') + pg_indexes_size('traces_statementrelation')"
        )
        side_table, side_index = (int(value) for value in cursor.fetchone())
    gib = 1024**3
    figures.update(
        load_s=round(time.perf_counter() - started, 1),
        statement_table_gib=round(table_bytes / gib, 2),
        statement_indexes_gib=round(index_bytes / gib, 2),
        key_and_relation_tables_gib=round(side_table / gib, 2),
        key_and_relation_indexes_gib=round(side_index / gib, 2),
    )
    return figures


# --- Main --------------------------------------------------------------------------------------
def recreate_database(database_url: str) -> None:
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [str(PY), "-m", "socle.cli", "migrate", "--no-input", "-v", "0"],
        env=socle_env(database_url),
        check=True,
    )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each POST run")
    parser.add_argument("--rows", type=int, default=1_000_000, help="stored statements for the GET latencies")
    parser.add_argument("--copy-rows", type=int, default=50_000)
    # Enough for 8 s of the fastest configuration (batches of 100 with 8 clients).
    parser.add_argument("--pool", type=int, default=200_000, help="statements prepared per configuration")
    parser.add_argument("--skip-get", action="store_true", help="POST figures only")
    parser.add_argument("--skip-post", action="store_true", help="GET figures only (no Ralph, no COPY)")
    # 2 processes × 4 threads on the 2-CPU machine (docs/traces.md, Deployment, for the other
    # shapes tried). Ralph gets the same number of (uvicorn) processes.
    parser.add_argument("--server", choices=["granian", "gunicorn"], default="granian")
    parser.add_argument(
        "--workers", type=int, default=2, help="Socle's server processes (and Ralph's uvicorn workers)"
    )
    parser.add_argument("--threads", type=int, default=4, help="threads running Django per process")
    parser.add_argument("--runtime-threads", type=int, default=1, help="granian's I/O threads per process")
    parser.add_argument("--no-ralph", action="store_true")
    parser.add_argument(
        "--reuse-fixture",
        action="store_true",
        help="with --skip-post: measure GET on the statements a previous run loaded (no reload)",
    )
    parser.add_argument("--ralph-venv", default=str(Path(tempfile.gettempdir()) / "ralph-venv"))
    parser.add_argument("--batches", default="1,10,100")
    parser.add_argument("--clients", default="1,8")
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/socle_bench_traces")
    if database_url.rsplit("/", 1)[1] in ("socle", "postgres"):
        database_url = database_url.rsplit("/", 1)[0] + "/socle_bench_traces"
    batches = [int(b) for b in args.batches.split(",")]
    clients = [int(c) for c in args.clients.split(",")]
    results: dict = {
        "database": database_url.rsplit("/", 1)[1],
        "server": args.server,
        "workers": args.workers,
        "threads": args.threads,
        "seconds": args.seconds,
    }

    if args.reuse_fixture:
        print("reusing the database and its GET fixture", flush=True)
    else:
        print("preparing the database", flush=True)
        recreate_database(database_url)
    django_setup(database_url)
    from socle.traces.models import Credential

    Credential.objects.filter(name="bench").delete()

    _credential, secret = Credential.issue("bench", ["all"], tenant="bench")
    auth = "Basic " + base64.b64encode(f"{_credential.key}:{secret}".encode()).decode()

    if not args.skip_post:
        print("PostgreSQL COPY ceiling", flush=True)
        results["copy"] = copy_ceiling(args.copy_rows)
        print(f"  {results['copy']}", flush=True)

        # Both servers run side by side and each configuration is measured on Socle then at once on
        # Ralph, so that both see the same machine load (the CPU is shared).
        server = start_socle(database_url, args.workers, args.threads, args.server, args.runtime_threads)
        warm_up(SOCLE_PORT, "/xapi/statements", auth, seed=900_000_000)
        ralph_dir = tempfile.TemporaryDirectory(prefix="ralph-bench-")
        ralph = None
        ralph_auth = "Basic " + base64.b64encode(b"bench:bench-secret").decode()
        results["socle_post"] = {}
        results["ralph_post"] = {}
        try:
            if not args.no_ralph:
                ralph = start_ralph(
                    Path(args.ralph_venv), Path(ralph_dir.name), "bench", "bench-secret", args.workers
                )
                warm_up(RALPH_PORT, "/xAPI/statements", ralph_auth, seed=900_000_000)
            for batch in batches:
                for count in clients:
                    key = f"batch{batch}_clients{count}"
                    pool = statement_pool(args.pool, seed=len(results["socle_post"]) * 10_000_000)
                    empty_statement_tables()
                    figures = post_load(
                        SOCLE_PORT, "/xapi/statements", auth, batch, count, args.seconds, pool
                    )
                    results["socle_post"][key] = figures
                    print(f"  socle batch={batch} clients={count}: {figures}", flush=True)
                    if ralph is not None:
                        figures = post_load(
                            RALPH_PORT, "/xAPI/statements", ralph_auth, batch, count, args.seconds, pool
                        )
                        results["ralph_post"][key] = figures
                        print(f"  ralph batch={batch} clients={count}: {figures}", flush=True)
        finally:
            stop(server)
            if ralph is not None:
                stop(ralph)
            ralph_dir.cleanup()
        if ralph is not None:
            ratios = {}
            for key, figures in results["socle_post"].items():
                theirs = results["ralph_post"].get(key, {}).get("statements_per_s")
                if theirs:
                    ratios[key] = round(figures["statements_per_s"] / theirs, 1)
            results["ratio_vs_ralph"] = ratios
        best_100 = max(
            (f["statements_per_s"] for k, f in results["socle_post"].items() if k.startswith("batch100_")),
            default=None,
        )
        if best_100:
            results["ratio_vs_copy_batch100"] = round(best_100 / results["copy"]["rows_per_s"], 2)
    if args.skip_get:
        return results
    if args.reuse_fixture:
        results["get_fixture"] = {"reused": True}
    else:
        print(f"loading {args.rows:,} statements for the GET latencies", flush=True)
        results["get_fixture"] = bulk_load(args.rows, "bench")
    print(f"  {results['get_fixture']}", flush=True)
    server = start_socle(database_url, args.workers, args.threads, args.server, args.runtime_threads)
    try:
        agent = json.dumps({"account": {"homePage": "https://ent.example.fr", "name": "eleve-4242"}})
        queries = {
            # One statement by id: the key table gives its `stored`, then (tenant, stored) its row.
            "statement_id": {"statementId": str(uuid.UUID(int=4_242_424))},
            "none": {},
            "agent": {"agent": agent},
            "verb": {"verb": "http://adlnet.gov/expapi/verbs/passed"},
            "activity": {"activity": "https://ressources.example.fr/exercices/1234"},
            "related_activity": {
                "activity": "https://ressources.example.fr/cours/42",
                "related_activities": "true",
            },
            "registration": {"registration": str(uuid.UUID(int=4243))},
            "since_last_month": {"since": "2025-12-01T00:00:00Z"},
            "since_until_one_week": {"since": "2025-06-01T00:00:00Z", "until": "2025-06-08T00:00:00Z"},
            "agent_verb_since": {
                "agent": agent,
                "verb": "http://adlnet.gov/expapi/verbs/passed",
                "since": "2025-10-01T00:00:00Z",
            },
        }
        results["socle_get"] = {}
        for name, params in queries.items():
            get_latency(SOCLE_PORT, auth, params, 3)  # warm-up
            figures = get_latency(SOCLE_PORT, auth, params, 30)
            results["socle_get"][name] = figures
            print(f"  GET {name}: {figures}", flush=True)
    finally:
        stop(server)
    return results


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), indent=2))
