"""Logins per second through Identité's real login form, with the Argon2 parameters in use.

Django's runserver (threaded, DEBUG off, settings `socle.settings.bench`, Argon2id first) serves
the site in a subprocess; each client is a thread of this process that, over loopback with
`http.client`, GETs /identite/connexion/ (CSRF cookie and token), POSTs the login form and
expects the 302 of a successful login — the whole path: CSRF, django-axes, Argon2 verification,
session creation, session record and security log entry. Measured with 1 and 2 concurrent
clients (each logs in as its own user, as many times as asked).

    PYTHONPATH=src DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python benchmarks/bench_identite.py --logins 40

`main(argv) -> dict` returns the figures."""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from _common import ROOT, SETTINGS, free_port, setup_django, wait_for

PASSWORD = "bench: une phrase de passe assez longue"  # noqa: S105
LOGIN = "/identite/connexion/"


def argon2_parameters() -> dict:
    from django.conf import settings
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher("default")
    return {
        "default_hasher": settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1],
        "algorithm": hasher.algorithm,
        "time_cost": getattr(hasher, "time_cost", None),
        "memory_cost_kib": getattr(hasher, "memory_cost", None),
        "parallelism": getattr(hasher, "parallelism", None),
    }


def _cookies(response, jar: dict) -> None:
    for header in response.msg.get_all("Set-Cookie") or []:
        cookie = SimpleCookie()
        cookie.load(header)
        for key, morsel in cookie.items():
            jar[key] = morsel.value


def log_in_once(port: int, username: str) -> float:
    """One full login (GET form + POST); returns its duration in seconds."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    jar: dict[str, str] = {}
    try:
        conn.request("GET", LOGIN)
        response = conn.getresponse()
        body = response.read().decode()
        _cookies(response, jar)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
        form = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Referer": f"http://127.0.0.1:{port}{LOGIN}",
        }
        conn.request("POST", LOGIN, body=form, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 302:
            raise RuntimeError(f"login of {username} answered {response.status}, expected 302")
    finally:
        conn.close()
    return time.perf_counter() - started


def run_clients(port: int, usernames: list[str], logins_per_client: int) -> dict:
    durations: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(username: str) -> None:
        for _ in range(logins_per_client):
            try:
                elapsed = log_in_once(port, username)
            except Exception as error:  # reported in the figures
                with lock:
                    errors.append(str(error))
                return
            with lock:
                durations.append(elapsed)

    threads = [threading.Thread(target=client, args=(name,)) for name in usernames]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "clients": len(usernames),
        "logins": len(durations),
        "errors": errors[:3],
        "logins_per_s": round(len(durations) / wall, 2) if wall else None,
        "latency_ms_p50": round(statistics.median(durations) * 1000, 1) if durations else None,
        "latency_ms_max": round(max(durations) * 1000, 1) if durations else None,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--logins", type=int, default=30, help="logins per client (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured logins first (default 3)")
    args, _ = parser.parse_known_args(argv)

    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from socle.identite.models import Account, AccountKind, AccountState

    call_command("migrate", verbosity=0, interactive=False)
    parameters = argon2_parameters()
    print(f"Password hashing: {parameters}", flush=True)
    # One Argon2 verification in this process, for comparison with the login latency.
    from django.contrib.auth.hashers import check_password, make_password

    encoded = make_password(PASSWORD)
    started = time.perf_counter()
    check_password(PASSWORD, encoded)
    verify_ms = round((time.perf_counter() - started) * 1000, 1)
    print(f"One Argon2 verification: {verify_ms} ms (load average {os.getloadavg()[0]:.1f})", flush=True)
    User = get_user_model()
    usernames = [f"bench.login.{i}" for i in range(2)]
    for username in usernames:
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(PASSWORD)
        user.save()
        Account.objects.update_or_create(
            user=user, defaults={"kind": AccountKind.GUARDIAN, "state": AccountState.ACTIVE}
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
    runs = []
    try:
        wait_for(port, server)
        for _ in range(args.warmup):
            log_in_once(port, usernames[0])
        for clients in (1, 2):
            run = run_clients(port, usernames[:clients], args.logins)
            print(f"  {clients} client(s): {run}", flush=True)
            runs.append(run)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        User.objects.filter(username__in=usernames).delete()
    return {
        "password_hashing": parameters,
        "argon2_verify_ms_in_process": verify_ms,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "runs": runs,
    }


if __name__ == "__main__":
    main()
