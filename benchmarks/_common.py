"""Set-up shared by the benchmark modules: Django, the benchmark database, child processes,
a local server's port, percentiles and peak RSS. One copy here, so that every benchmark
measures the same way."""

import json
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = "socle.settings.bench"


def setup_django() -> None:
    """Set Django up on DATABASE_URL, creating that database first if needed: `make bench`
    gives each benchmark its own database, which does not exist on a fresh server."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        ensure_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def ensure_database(url: str | None = None) -> None:
    """Create the database named in `url` (default: DATABASE_URL) if it does not exist."""
    import psycopg

    base, name = (url or os.environ["DATABASE_URL"]).rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def child_env() -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=SETTINGS)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def run_child(script: str, *args: str) -> dict:
    """Run `script --child ARGS` in a fresh process (so its peak RSS is its own) and return the
    JSON object on the last line of its output."""
    completed = subprocess.run(
        [sys.executable, script, "--child", *args],
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark child {args} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    """Wait until the server `process` accepts connections on `port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"runserver exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("runserver did not start in time")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]
