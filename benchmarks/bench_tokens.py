"""Token endpoint throughput of Identité's OpenID Connect provider, over real HTTP on loopback.

Django's runserver (settings `socle.settings.bench`, PostgreSQL from DATABASE_URL) serves
/oidc/token/ in a subprocess; this process POSTs with `http.client` (keep-alive connections) and
reports requests per second for:
- `authorization_code`: code + PKCE (S256) exchanges, each returning an access token, a refresh
  token and an RS256-signed ID token with the pairwise `sub` and ÉduConnect claims. The codes are
  minted in the database beforehand, so only the token endpoint is measured;
- `refresh_token`: refreshes with rotation (the refresh tokens the exchanges returned);
- `client_credentials`: a confidential client alone.
Each runs with 1 client connection and with `--concurrency` parallel ones.

    PYTHONPATH=src DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python benchmarks/bench_tokens.py --requests 300

`main(argv) -> dict` returns the figures."""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

from _common import ROOT, SETTINGS, free_port, percentile, setup_django, wait_for

SECRET = "bench-secret-" + "z" * 40


def _fixtures(run_id: str):
    """A pupil-like account with an identity, a confidential OIDC client, a machine client."""
    from django.contrib.auth import get_user_model
    from oauth2_provider.models import Application

    from socle.identite.models import Account, AccountKind, AccountState
    from socle.identite.oidc.models import ClientProfile

    user = get_user_model().objects.create_user(
        username=f"bench-{run_id}", first_name="Léa", last_name="Bench", email="lea.bench@example.org"
    )
    Account.objects.create(user=user, kind=AccountKind.PARTNER, state=AccountState.ACTIVE)
    web = Application.objects.create(
        name=f"bench-web-{run_id}",
        client_id=f"bench-web-{run_id}",
        client_secret=SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://rp.example/callback",
    )
    ClientProfile.objects.create(application=web, allowed_scopes="openid profile email educonnect")
    machine = Application.objects.create(
        name=f"bench-machine-{run_id}",
        client_id=f"bench-machine-{run_id}",
        client_secret=SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    ClientProfile.objects.create(application=machine, allowed_scopes="openid")
    return user, web, machine


def _mint_codes(user, application, count: int) -> list[tuple[str, str]]:
    from django.utils import timezone
    from oauth2_provider.models import Grant

    codes, grants = [], []
    expires = timezone.now() + dt.timedelta(minutes=30)
    for _ in range(count):
        code, verifier = secrets.token_urlsafe(30), secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        grants.append(
            Grant(
                application=application,
                user=user,
                code=code,
                expires=expires,
                redirect_uri=application.redirect_uris,
                scope="openid profile email educonnect",
                code_challenge=challenge,
                code_challenge_method="S256",
                nonce=secrets.token_urlsafe(12),
                claims="{}",
            )
        )
        codes.append((code, verifier))
    Grant.objects.bulk_create(grants, batch_size=1000)
    return codes


class _Client:
    def __init__(self, port: int, client_id: str):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        basic = base64.b64encode(f"{client_id}:{SECRET}".encode()).decode()
        self.headers = {
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
        }

    def post(self, form: dict) -> tuple[int, dict]:
        body = urlencode(form)
        for attempt in (1, 2):
            try:
                self.conn.request("POST", "/oidc/token/", body=body, headers=self.headers)
                response = self.conn.getresponse()
                return response.status, json.loads(response.read() or b"{}")
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _run(port: int, client_id: str, forms: list[dict], concurrency: int) -> tuple[dict, list[dict]]:
    """POST every form, split over `concurrency` connections; requests/s and latencies."""
    chunks = [forms[i::concurrency] for i in range(concurrency)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    bodies: list[dict] = []
    lock = threading.Lock()

    def worker(chunk):
        client = _Client(port, client_id)
        for form in chunk:
            started = time.perf_counter()
            status, body = client.post(form)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                bodies.append(body)
        client.conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    figures = {
        "requests": len(latencies),
        "concurrency": concurrency,
        "statuses": statuses,
        "requests_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "mean_ms": round(statistics.mean(latencies), 1),
    }
    return figures, bodies


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300, help="requests per measurement (default 300)")
    parser.add_argument("--concurrency", type=int, default=4, help="parallel connections (default 4)")
    args, _ = parser.parse_known_args(argv)

    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    run_id = f"{os.getpid()}-{int(time.time())}"
    user, web, machine = _fixtures(run_id)
    redirect_uri = web.redirect_uris
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(
        [sys.executable, "-m", "socle.cli", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: dict = {}
    try:
        wait_for(port, server)
        # warm-up (imports, key loading, connection pools)
        _run(port, machine.client_id, [{"grant_type": "client_credentials"}] * 10, 1)
        for concurrency in sorted({1, args.concurrency}):
            label = f"c{concurrency}"
            codes = _mint_codes(user, web, args.requests)
            forms = [
                {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                 "redirect_uri": redirect_uri}
                for code, verifier in codes
            ]  # fmt: skip
            figures, bodies = _run(port, web.client_id, forms, concurrency)
            if not all("id_token" in body for body in bodies):
                raise RuntimeError(f"an exchange failed: {next(b for b in bodies if 'id_token' not in b)}")
            results[f"authorization_code_{label}"] = figures
            refresh_forms = [
                {"grant_type": "refresh_token", "refresh_token": b["refresh_token"]} for b in bodies
            ]
            figures, bodies = _run(port, web.client_id, refresh_forms, concurrency)
            if not all("access_token" in body for body in bodies):
                raise RuntimeError("a refresh failed")
            results[f"refresh_token_{label}"] = figures
            figures, _bodies = _run(
                port, machine.client_id, [{"grant_type": "client_credentials"}] * args.requests, concurrency
            )
            results[f"client_credentials_{label}"] = figures
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        web.delete()
        machine.delete()
        user.delete()
    summary = {name: figures["requests_per_s"] for name, figures in results.items()}
    print(json.dumps({"token_requests_per_s": summary}, indent=2))
    return {"token_requests_per_s": summary, "details": results}


if __name__ == "__main__":
    main(sys.argv[1:])
