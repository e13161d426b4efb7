"""Finding 1 (critical): the second factor skipped with the password alone.

The audit's attack: after the password step, the half-logged-in session opens the enrolment page
instead of the code step, enrols the attacker's own authenticator, and the login completes — the
victim's devices deleted on the way. Enrolment now needs a fully authenticated session, or, for a
first enrolment during login, a user with no confirmed device; replacing a device needs the
current factor; only an operator's explicit, logged reset removes a user's devices."""

from __future__ import annotations

import re
from html import unescape

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from socle.identite.models import AccountKind, SecurityEvent

from .conftest import (
    ENROL,
    PASSWORD,
    TOTP_STEP,
    Browser,
    allow_code_reuse,
    make_user,
    totp_code,
    totp_from_secret,
)

SECRET = re.compile(r'<code class="identite-secret"[^>]*>([^<]+)</code>')


def superuser_with_device():
    user = make_user("chef.plateforme", kind=AccountKind.OPERATOR, is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="téléphone", confirmed=True)
    return user, device


def test_password_alone_cannot_enrol_a_new_device_and_reach_the_admin(live_server, world):
    victim, device = superuser_with_device()
    attacker = Browser(live_server.url)
    step = attacker.login(victim.username)
    assert step.status_code == 302 and step.headers["Location"] == TOTP_STEP
    # The attack: open the enrolment page instead of the code step.
    page = attacker.get(ENROL)
    secret = SECRET.search(page.text) if page.status_code == 200 else None
    if secret is not None:
        # The page offered a key: the attacker's app computes a code from it and confirms.
        code = totp_from_secret(unescape(secret.group(1)).replace(" ", ""))
        attacker.submit(ENROL, {"token": code})
    else:
        assert page.status_code == 302 and page.headers["Location"] == TOTP_STEP
    admin = attacker.get("/admin/")
    assert admin.status_code == 302, "the admin opened with the password alone"
    # Nothing was enrolled for the victim and the genuine device is still there.
    assert list(TOTPDevice.objects.filter(user=victim).values_list("pk", "confirmed")) == [(device.pk, True)]
    assert not SecurityEvent.objects.filter(kind="totp_enrolled", user=victim).exists()


def test_a_forged_enrolment_post_is_refused_too(live_server, world):
    victim, _device = superuser_with_device()
    attacker = Browser(live_server.url)
    attacker.login(victim.username)
    # Without even loading the page: a POST with some code, CSRF token from the code step's form.
    answer = attacker.submit(ENROL, {"token": "123456"}, form_page=TOTP_STEP)
    assert answer.status_code == 302 and answer.headers["Location"] == TOTP_STEP
    assert attacker.get("/admin/").status_code == 302
    assert TOTPDevice.objects.filter(user=victim).count() == 1


def test_first_enrolment_during_login_still_works(live_server, world):
    """A head of school logging in for the first time has no device: the login asks for one."""
    head = Browser(live_server.url)
    step = head.login("roux")
    assert step.status_code == 302 and step.headers["Location"] == ENROL
    page = head.get(ENROL)
    code = totp_from_secret(unescape(SECRET.search(page.text).group(1)).replace(" ", ""))
    done = head.submit(ENROL, {"token": code})
    assert done.status_code == 302
    assert head.get("/identite/compte/").status_code == 200
    assert TOTPDevice.objects.get(user=world.users["roux"]).confirmed


def test_replacing_a_device_needs_the_current_code(live_server, world):
    user = world.user("karim")
    old = TOTPDevice.objects.create(user=user, name="ancien", confirmed=True)
    karim = Browser(live_server.url)
    karim.login("karim")
    assert karim.submit(TOTP_STEP, {"token": totp_code(old)}).status_code == 302
    page = karim.get(ENROL)
    assert page.status_code == 200
    assert 'name="current_token"' in page.text
    new_code = totp_from_secret(unescape(SECRET.search(page.text).group(1)).replace(" ", ""))
    # Without the current code (a stolen session): refused, the old device stays.
    refused = karim.submit(ENROL, {"token": new_code})
    assert refused.status_code == 200
    assert TOTPDevice.objects.filter(user=user, confirmed=True).get().pk == old.pk
    # With the code of the current device: replaced, and the replacement is in the security log.
    allow_code_reuse(old)
    replaced = karim.submit(ENROL, {"token": new_code, "current_token": totp_code(old)})
    assert replaced.status_code == 302
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True)
    assert confirmed.count() == 1 and confirmed.get().pk != old.pk
    event = SecurityEvent.objects.get(kind="totp_enrolled", user=user)
    assert event.details.get("replaced") == 1


def test_operator_reset_is_an_explicit_logged_action(client, world):
    victim = world.user("roux")
    TOTPDevice.objects.create(user=victim, name="perdu", confirmed=True)
    operator = get_user_model().objects.create_superuser("operateur.admin", password=PASSWORD)
    client.force_login(operator)
    response = client.post(
        "/admin/identite/account/",
        {"action": "reset_second_factor", "_selected_action": [victim.account.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=victim).exists()
    event = SecurityEvent.objects.get(kind="totp_reset", user=victim)
    assert event.details["operator"] == operator.username
    # django-otp's own device admin logs a deletion too (no silent removal).
    device = TOTPDevice.objects.create(user=victim, name="autre", confirmed=True)
    client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert SecurityEvent.objects.filter(kind="totp_reset", user=victim).count() == 2
