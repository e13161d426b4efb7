import os
import subprocess
import sys

import pytest

PROD = "socle.settings.production"


def run_check(env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    # A clean deployment environment: no SOCLE_* from the test run, and not the async-unsafe
    # escape hatch that the browser fixtures set for Playwright's event loop.
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("SOCLE_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update({"DJANGO_SETTINGS_MODULE": PROD, **env_extra})
    return subprocess.run(
        [sys.executable, "-m", "socle.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_check({"SOCLE_ALLOWED_HOSTS": "socle.example.fr"})
    assert result.returncode != 0
    assert "SOCLE_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_check({"SOCLE_SECRET_KEY": "x" * 64})
    assert result.returncode != 0
    assert "SOCLE_ALLOWED_HOSTS must list" in result.stderr


def production_environment(tmp_path) -> dict[str, str]:
    """What an operator provides: secrets and signing keys from the environment or key files,
    never generated on the fly (docs/operations.md, docs/identite.md)."""
    from socle.identite.oidc.keys import new_rsa_pem, saml_key_pair

    key_file, cert_file = saml_key_pair(tmp_path, generate=True)
    return {
        "SOCLE_SECRET_KEY": "k3y-" + "abcdefghij" * 6,
        "SOCLE_ALLOWED_HOSTS": "socle.example.fr",
        "SOCLE_IDENTITE_GENERATE_KEYS": "false",
        "SOCLE_OIDC_RSA_PRIVATE_KEY": new_rsa_pem().decode(),
        "SOCLE_SAML_KEY_FILE": str(key_file),
        "SOCLE_SAML_CERT_FILE": str(cert_file),
        "SOCLE_PAIRWISE_KEY": "pairwise-" + "0123456789" * 5,
        "SOCLE_LOG_PSEUDONYM_KEY": "logs-" + "9876543210" * 5,
        "SOCLE_KEYS_DIR": str(tmp_path / "keys"),
    }


def test_production_passes_django_deploy_checks(tmp_path):
    result = run_check(production_environment(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_generated_signing_keys(tmp_path):
    env = production_environment(tmp_path)
    env["SOCLE_IDENTITE_GENERATE_KEYS"] = "true"
    result = run_check(env)
    assert result.returncode != 0
    assert "identite_oidc" in result.stdout + result.stderr


@pytest.mark.django_db
def test_health_endpoint_reaches_the_database(client):
    response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_tests_run_on_postgresql():
    from django.db import connection

    assert connection.vendor == "postgresql"
