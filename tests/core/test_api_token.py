"""`socle api-token create|list|revoke` and the bearer-token auth class (`core.api_auth`)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from socle.core.api_auth import ApiError, TokenAuth, has_scope
from socle.core.models import ApiToken

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def request(header: str | None):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    return RequestFactory().get("/api/referentiel/schools", **extra)


def test_create_prints_the_token_once_and_stores_only_its_digest():
    out, err = run("create", "--name", "ent-bretagne", "--scope", "referentiel:read", "--expires-days", "30")
    secret = out.strip()
    assert secret.startswith("soc_") and len(secret) > 40
    assert "shown once" in err
    token = ApiToken.objects.get(name="ent-bretagne")
    assert token.digest == ApiToken.hash(secret)
    assert secret not in (token.digest, token.prefix)
    assert token.prefix == secret[:8]
    assert token.scopes == ["referentiel:read"]
    assert dt.timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert ApiToken.authenticate(secret) == token


def test_create_with_several_scopes_and_no_expiry():
    scopes = ["--scope", "referentiel:read", "--scope", "referentiel:read:persons"]
    out, _ = run("create", "--name", "n", *scopes)
    token = ApiToken.authenticate(out.strip())
    assert token.scopes == ["referentiel:read", "referentiel:read:persons"]
    assert token.expires_at is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scope", "referentiel:write"], "invalid choice"),
        (["--scope", "referentiel:read:persons"], "grant referentiel:read as well"),
        (["--scope", "referentiel:read", "--expires-days", "0"], "positive"),
    ],
)
def test_create_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run("create", "--name", "x", *args)
    assert not ApiToken.objects.exists()


def test_create_for_a_user_binds_the_token_to_that_account():
    from django.contrib.auth import get_user_model

    officer = get_user_model().objects.create_user("officer-35", password="x" * 16)
    out, _ = run("create", "--name", "dept35", "--scope", "pilotage:declare", "--user", "officer-35")
    assert ApiToken.authenticate(out.strip()).created_by == officer
    with pytest.raises(CommandError, match="no active account named 'nobody'"):
        run("create", "--name", "other", "--scope", "pilotage:read", "--user", "nobody")
    assert not ApiToken.objects.filter(name="other").exists()
    # Scopes declared by the bricks' AppConfig.api_scopes are accepted like core's own.
    assert ApiToken.objects.get(name="dept35").scopes == ["pilotage:declare"]


def test_create_refuses_a_duplicate_name():
    run("create", "--name", "dup", "--scope", "referentiel:read")
    with pytest.raises(CommandError, match="already exists"):
        run("create", "--name", "dup", "--scope", "referentiel:read")


def test_list_shows_state_but_never_the_secret():
    secret, _ = run("create", "--name", "alive", "--scope", "referentiel:read")
    run("create", "--name", "gone", "--scope", "referentiel:read")
    run("revoke", "--name", "gone")
    ApiToken.issue("old", ["referentiel:read"], expires_at=timezone.now() - dt.timedelta(days=1))
    out, _ = run("list")
    lines = {line.split("\t")[0]: line for line in out.splitlines()}
    assert "\tactive\t" in lines["alive"]
    assert "\trevoked\t" in lines["gone"]
    assert "\texpired\t" in lines["old"]
    assert secret.strip() not in out


def test_revoke_makes_the_token_unusable():
    out, _ = run("create", "--name", "r", "--scope", "referentiel:read")
    secret = out.strip()
    assert TokenAuth("referentiel:read")(request(f"Bearer {secret}")).name == "r"
    out, _ = run("revoke", "--name", "r")
    assert "revoked" in out
    with pytest.raises(ApiError) as exc:
        TokenAuth("referentiel:read")(request(f"Bearer {secret}"))
    assert exc.value.status == 401
    with pytest.raises(CommandError, match="already revoked"):
        run("revoke", "--name", "r")
    with pytest.raises(CommandError, match="No token named"):
        run("revoke", "--name", "nobody")


def test_auth_class_outcomes():
    _, secret = ApiToken.issue("a", ["referentiel:read"])
    auth = TokenAuth("referentiel:read")
    assert auth(request(None)) is None  # django-ninja turns this into a 401 "not_authenticated"
    req = request(f"bearer {secret}")  # the scheme is case-insensitive (RFC 7235)
    token = auth(req)
    assert token.name == "a"
    req.auth = token
    assert has_scope(req, "referentiel:read")
    assert not has_scope(req, "referentiel:read:persons")
    with pytest.raises(ApiError) as exc:
        TokenAuth("referentiel:read:persons")(request(f"Bearer {secret}"))
    assert (exc.value.status, exc.value.code) == (403, "insufficient_scope")
    assert 'scope="referentiel:read:persons"' in exc.value.headers["WWW-Authenticate"]
    with pytest.raises(ApiError) as exc:
        auth(request(f"Bearer {secret}x"))
    assert (exc.value.status, exc.value.code) == (401, "invalid_token")
