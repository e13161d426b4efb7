"""Login with password then TOTP, progressive lockout, sessions and their revocation."""

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from socle.identite.models import AccountState, SecurityEvent, UserSession

from .conftest import PASSWORD

LOGIN = "/identite/connexion/"


def totp_now(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def confirmed_device(user):
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def test_login_page_mounts_and_is_login_url(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'autocomplete="current-password"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_password_login_without_second_factor(client, world):
    response = client.post(LOGIN, {"username": "karim", "password": PASSWORD, "next": "/identite/compte/"})
    assert response.status_code == 302
    assert response["Location"] == "/identite/compte/"
    page = client.get("/identite/compte/")
    assert page.status_code == 200
    assert "Karim" in page.content.decode()
    # His roles, in words: guardian of each child, at each school.
    assert "responsable de Léa Moreau — " + world.schools["college"].uai in page.content.decode()
    assert "responsable de Inès Moreau — " + world.schools["ecole"].uai in page.content.decode()
    assert SecurityEvent.objects.filter(kind="login_success", user=world.users["karim"]).exists()
    assert UserSession.objects.filter(user=world.users["karim"], revoked_at__isnull=True).count() == 1


def test_open_redirect_is_refused(client, world):
    response = client.post(
        LOGIN, {"username": "karim", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_wrong_password_and_unknown_user_get_the_same_answer(client, world):
    wrong = client.post(LOGIN, {"username": "karim", "password": "not the password at all"})
    unknown = client.post(LOGIN, {"username": "nobody-here", "password": "not the password at all"})
    assert wrong.status_code == unknown.status_code == 200
    strip = lambda r: r.content.decode().replace("karim", "X").replace("nobody-here", "X")  # noqa: E731
    # Apart from the echoed login and the CSRF token, the pages are identical.
    import re

    token = re.compile(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]+"')
    assert token.sub("", strip(wrong)) == token.sub("", strip(unknown))
    assert SecurityEvent.objects.filter(kind="login_failure").count() == 2
    # The attempted identifier is stored only as a keyed hash.
    assert not SecurityEvent.objects.filter(identifier_hash__icontains="karim").exists()
    assert all(len(e.identifier_hash) == 64 for e in SecurityEvent.objects.filter(kind="login_failure"))


def test_suspended_account_is_refused_like_a_wrong_password(client, world):
    account = world.users["karim"].account
    account.state = AccountState.SUSPENDED
    account.save()
    response = client.post(LOGIN, {"username": "karim", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_axes_locks_the_login_after_repeated_failures(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "karim", "password": "wrong password 123"})
    response = client.post(LOGIN, {"username": "karim", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_totp_is_asked_when_enrolled(client, world):
    device = confirmed_device(world.users["karim"])
    response = client.post(LOGIN, {"username": "karim", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("identite:login_totp")
    # Not logged in yet.
    assert client.get("/identite/compte/").status_code == 302
    bad = client.post(
        reverse("identite:login_totp"), {"token": "000000" if totp_now(device) != "000000" else "111111"}
    )
    assert bad.status_code == 200
    assert "_auth_user_id" not in client.session
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    good = client.post(reverse("identite:login_totp"), {"token": totp_now(device)})
    assert good.status_code == 302
    assert client.session["_auth_user_id"] == str(world.users["karim"].pk)
    assert client.session["otp_device_id"] == device.persistent_id
    assert UserSession.objects.get(user=world.users["karim"]).second_factor


def test_totp_is_mandatory_for_a_head_of_school(client, world):
    response = client.post(LOGIN, {"username": "roux", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("identite:totp_enrol")
    page = client.get(reverse("identite:totp_enrol"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "<svg" in content and "style=" not in content.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "_auth_user_id" not in client.session
    device = TOTPDevice.objects.get(user=world.users["roux"], confirmed=False)
    done = client.post(reverse("identite:totp_enrol"), {"token": totp_now(device)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.session["_auth_user_id"] == str(world.users["roux"].pk)
    assert SecurityEvent.objects.filter(kind="totp_enrolled", user=world.users["roux"]).exists()


def test_totp_guessing_is_throttled(client, world, settings):
    settings.SOCLE_THROTTLE_LIMIT = 3
    device = confirmed_device(world.users["karim"])
    client.post(LOGIN, {"username": "karim", "password": PASSWORD})
    wrong = "000000" if totp_now(device) != "000000" else "111111"
    statuses = [client.post(reverse("identite:login_totp"), {"token": wrong}).status_code for _ in range(4)]
    assert statuses[-1] == 429
    # Even the right code is refused while locked.
    assert client.post(reverse("identite:login_totp"), {"token": totp_now(device)}).status_code == 429
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(kind="throttled").exists()


def test_session_revocation_logs_the_other_browser_out(client, world, django_user_model):
    from django.test import Client

    other = Client()
    assert other.post(LOGIN, {"username": "karim", "password": PASSWORD}).status_code == 302
    client.post(LOGIN, {"username": "karim", "password": PASSWORD})
    sessions = UserSession.objects.filter(user=world.users["karim"], revoked_at__isnull=True)
    assert sessions.count() == 2
    page = client.get("/identite/compte/").content.decode()
    assert "this session" in page or "cette session" in page
    current_hash = [s for s in sessions if f"/compte/sessions/{s.pk}/" in page]
    assert len(current_hash) == 2
    other_session = sessions.order_by("created_at").first()
    response = client.post(reverse("identite:session_revoke", args=[other_session.pk]))
    assert response.status_code == 302
    assert other.get("/identite/compte/").status_code == 302  # logged out
    assert client.get("/identite/compte/").status_code == 200  # still logged in
    assert SecurityEvent.objects.filter(kind="session_revoked").count() == 1


def test_cannot_revoke_someone_elses_session(client, world):
    from django.test import Client

    other = Client()
    other.post(LOGIN, {"username": "lea", "password": PASSWORD})
    lea_session = UserSession.objects.get(user=world.users["lea"])
    client.post(LOGIN, {"username": "karim", "password": PASSWORD})
    client.post(reverse("identite:session_revoke", args=[lea_session.pk]))
    lea_session.refresh_from_db()
    assert lea_session.revoked_at is None
    assert other.get("/identite/compte/").status_code == 200


def test_forms_require_csrf(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    for url in [
        LOGIN,
        "/identite/activation/",
        "/identite/mot-de-passe-oublie/",
        "/identite/activation/demande/",
    ]:
        assert strict.post(url, {"username": "karim", "password": PASSWORD}).status_code == 403, url


@pytest.mark.parametrize("header", ["Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"])
def test_security_headers(client, header, db):
    response = client.get(LOGIN)
    assert response.has_header(header)
    assert "no-cache" in response.get("Cache-Control", "") or "no-store" in response.get("Cache-Control", "")
