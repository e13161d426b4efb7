"""`make serve`'s stack, started the way `make serve` starts it (scripts/serve.py: production
settings, migrate, collectstatic, the Procfile under honcho) on a free port against a database
of its own, then driven over HTTP: liveness, readiness, a page and its static file, scheduled
jobs run by the worker, a background task delivered; then stopped with SIGTERM, every process
with it."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from django.db import connection

from .conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def serve_database():
    s = connection.settings_dict
    server = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    name = f"{s['NAME']}_serve"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def socle(env, code):
    subprocess.run([sys.executable, "-m", "socle.cli", "shell", "-c", code], env=env, cwd=ROOT, check=True)


def test_make_serve_starts_the_production_stack(serve_database, tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SOCLE_", "DJANGO_"))},
        "DATABASE_URL": serve_database,
        "SOCLE_PORT": str(port),
        "SOCLE_VAR_DIR": str(tmp_path / "var"),
        "SOCLE_SECRET_KEY": secrets.token_urlsafe(64),
        "SOCLE_ALLOWED_HOSTS": "127.0.0.1",
        "SOCLE_SECURE_SSL_REDIRECT": "false",
        "PYTHONPATH": str(ROOT / "src"),
    }
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "scripts/serve.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()[-4000:]
            try:
                if get(f"{base}/sante/vivant/")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            raise AssertionError((tmp_path / "serve.log").read_text()[-4000:])

        status, body = get(f"{base}/sante/pret/")
        assert status == 200, body
        assert json.loads(body)["checks"]["database"]["status"] == "ok"
        status, home = get(f"{base}/")
        assert status == 200 and "Socle" in home
        stylesheet = home.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
        assert get(f"{base}{stylesheet}")[0] == 200  # collected, hashed, served by whitenoise
        assert get(f"{base}/admin/login/")[0] == 200

        # The scheduler queued every job at start (never run before) and the worker ran them.
        with psycopg.connect(serve_database, autocommit=True) as db:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                statuses = dict(db.execute("SELECT job, status FROM operations_jobrun").fetchall())
                if statuses and set(statuses.values()) == {"succeeded"} and "clearsessions" in statuses:
                    break
                time.sleep(0.5)
            assert set(statuses.values()) == {"succeeded"} and "diffusion-deliver-due" in statuses, statuses

            # A background task through the running worker: a due publication whose task was lost,
            # delivered by the sweep task enqueued as the platform enqueues it.
            socle(
                {**env, "DJANGO_SETTINGS_MODULE": "socle.settings.production"},
                "import datetime as dt; from django.utils import timezone; "
                "from socle.viescolaire.diffusion.models import Publication, Recipient; "
                "from socle.viescolaire.diffusion.tasks import sweep_task; "
                "p = Publication.objects.create(item_kind='serve-test', item_id='1', school_uai='0350001X', "
                "written_at=timezone.now(), deliver_at=timezone.now() - dt.timedelta(minutes=1)); "
                "Recipient.objects.create(publication=p, person_uid='serve-person'); sweep_task.enqueue()",
            )
            deadline = time.monotonic() + 60
            delivered = None
            while time.monotonic() < deadline and not delivered:
                delivered = db.execute(
                    "SELECT count(*) FROM viescolaire_diffusion_notification n JOIN "
                    "viescolaire_diffusion_publication p ON p.id = n.publication_id "
                    "WHERE p.item_kind = 'serve-test' AND p.delivered_at IS NOT NULL"
                ).fetchone()[0]
                time.sleep(0.5)
            assert delivered == 3, (tmp_path / "serve.log").read_text()[-4000:]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    output = (tmp_path / "serve.log").read_text()
    # Structured logs: the processes' lines are JSON objects (after honcho's prefix).
    records = [line.split("| ", 1)[1] for line in output.splitlines() if "| {" in line]
    assert records and all(isinstance(json.loads(record), dict) for record in records[:50])
    assert any(json.loads(r).get("logger") == "socle.operations.scheduler" for r in records)
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # nothing of the stack is left running
