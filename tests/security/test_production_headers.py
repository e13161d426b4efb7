"""OWASP-style checks of the production settings, on a real server process: gunicorn (the WSGI
server docs/operations.md deploys) running `socle.settings.production` with what an operator
provides (secrets and keys from the environment, collected static files), on the test database,
behind a TLS-terminating proxy as the tests play it (`X-Forwarded-Proto: https`).

Checked: the TLS redirect, HSTS, the Content-Security-Policy, X-Content-Type-Options,
Referrer-Policy, framing, the cookies (Secure, HttpOnly, SameSite, the `__Host-` prefix), and no
server version or debug page leaked."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection

from socle.identite.models import Account, AccountKind, AccountState
from tests.core.test_settings import production_environment

HOST = "socle.example.fr"
HTTPS = {"Host": HOST, "X-Forwarded-Proto": "https"}
PASSWORD = "une phrase de passe de production"
SRC = Path(__file__).resolve().parents[2] / "src"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def production_url(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn serving socle.settings.production on the test database."""
    if connection.vendor != "postgresql":
        pytest.fail("the suite runs on PostgreSQL (make test starts it)")
    tmp = tmp_path_factory.mktemp("production")
    database = connection.settings_dict
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("SOCLE_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(production_environment(tmp))
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "socle.settings.production",
            "SOCLE_ALLOWED_HOSTS": HOST,
            "SOCLE_VAR_DIR": str(tmp / "var"),
            "PYTHONPATH": str(SRC),
            "DATABASE_URL": "postgres://{}:{}@{}:{}/{}".format(
                *(quote(str(database[key] or ""), safe="") for key in ("USER", "PASSWORD", "HOST", "PORT")),
                quote(database["NAME"], safe=""),
            ),
        }
    )
    # The deployment step that production's manifest storage needs (docs/operations.md).
    subprocess.run(
        [sys.executable, "-m", "socle.cli", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        check=True,
        timeout=600,
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--forwarded-allow-ips",
            "127.0.0.1",
            "socle.wsgi:application",
        ],
        env=env,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None, "gunicorn exited at start"
                assert time.monotonic() < deadline, "gunicorn did not listen within 90 s"
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get(url, path, **kwargs):
    kwargs.setdefault("headers", HTTPS)
    return requests.get(f"{url}{path}", allow_redirects=False, timeout=60, **kwargs)


def _cookie(response, name: str) -> str:
    """The Set-Cookie line of `name` (requests folds them; the raw headers keep each one)."""
    lines = response.raw.headers.getlist("Set-Cookie")
    found = [line for line in lines if line.startswith(f"{name}=")]
    assert found, lines
    return found[0]


def _attributes(line: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in line.split(";")[1:]} | {
        part.strip().lower() for part in line.split(";")[1:]
    }


def test_plain_http_is_redirected_to_https(production_url):
    answer = _get(production_url, "/identite/connexion/", headers={"Host": HOST})
    assert answer.status_code == 301
    assert answer.headers["Location"] == f"https://{HOST}/identite/connexion/"


@pytest.mark.parametrize(
    "path", ["/", "/identite/connexion/", "/.well-known/openid-configuration", "/sante/"]
)
def test_security_headers(production_url, transactional_db, path):
    answer = _get(production_url, path)
    assert answer.status_code == 200, (path, answer.status_code)
    headers = answer.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = {d.split()[0]: d.split()[1:] for d in headers["Content-Security-Policy"].split(";") if d.strip()}
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert "'unsafe-inline'" not in csp["style-src"]
    # No server version, no framework banner.
    assert not re.search(r"\d", headers.get("Server", "")), headers.get("Server")
    assert "X-Powered-By" not in headers


def test_cookies_are_secure_httponly_samesite_and_host_only(production_url, transactional_db):
    user = get_user_model().objects.create(
        username="karim.prod", password=make_password(PASSWORD, hasher="argon2")
    )
    Account.objects.create(user=user, kind=AccountKind.GUARDIAN, state=AccountState.ACTIVE)
    page = _get(production_url, "/identite/connexion/")
    csrf = _cookie(page, "__Host-csrftoken")
    attributes = _attributes(csrf)
    assert {"secure", "path=/", "samesite=lax"} <= attributes and "domain" not in attributes
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = requests.post(
        f"{production_url}/identite/connexion/",
        data={"csrfmiddlewaretoken": token, "username": "karim.prod", "password": PASSWORD},
        headers={
            **HTTPS,
            "Cookie": csrf.split(";")[0],
            "Referer": f"https://{HOST}/identite/connexion/",
            "Origin": f"https://{HOST}",
        },
        allow_redirects=False,
        timeout=60,
    )
    assert answer.status_code == 302, answer.text[:500]
    for name in ("__Host-sessionid", "__Host-socle_device"):
        attributes = _attributes(_cookie(answer, name))
        assert {"secure", "httponly", "path=/", "samesite=lax"} <= attributes, name
        assert "domain" not in attributes, name
    session = _cookie(answer, "__Host-sessionid")
    assert "max-age=28800" in session.lower()  # 8 hours


def test_errors_show_no_debug_information(production_url, transactional_db):
    missing = _get(production_url, "/pas-de-page-ici/")
    assert missing.status_code == 404
    for leak in ("Traceback", "DEBUG", "settings.py", "URLconf", "socle.urls"):
        assert leak not in missing.text
    wrong_host = _get(production_url, "/", headers={"Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert wrong_host.status_code == 400
    assert "ALLOWED_HOSTS" not in wrong_host.text and "evil.example" not in wrong_host.text
