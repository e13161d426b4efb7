"""Finding 3 (medium): lockouts an attacker can aim at a victim.

(a) TOTP failures were counted per IP address and a success did not clear them: pupils behind the
school's NAT locked the head's code. (b) Five wrong activation or reset codes for a login locked
the genuine code, whoever typed them; and every reset request revoked the code already sent.
Now failures count per account *and* client (a device cookie once the browser has signed in,
otherwise the address); an address and an account also have overall caps, high and bounded in
time, that apply to unknown clients only; a genuine success clears the counters; a code the victim
holds keeps working. The clients below are real HTTP clients connecting from different loopback
addresses (a school's NAT is one address shared by several browsers)."""

from __future__ import annotations

import datetime as dt
import io
import re

from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from socle.identite import accounts
from socle.identite.models import AccountKind, CodeChannel, CodePurpose, Throttle
from socle.referentiel import models as rm

from .conftest import TOTP_STEP, Browser, allow_code_reuse, make_user, totp_code, wrong_code

NEW_PASSWORD = "une phrase de passe assez longue"
SCHOOL_NAT = "127.0.0.7"


def run_tasks():
    """The background worker (django-tasks' database backend), as `make run` starts it."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", stdout=io.StringIO())


def test_pupils_behind_the_school_nat_cannot_lock_the_heads_code(live_server, world):
    pupils = []
    for index in range(6):
        user = make_user(f"eleve{index}", kind=AccountKind.PUPIL)
        pupils.append((user, TOTPDevice.objects.create(user=user, name="app", confirmed=True)))
    for user, device in pupils:
        pupil = Browser(live_server.url, SCHOOL_NAT)
        pupil.login(user.username)
        for _attempt in range(5):
            pupil.submit(TOTP_STEP, {"token": wrong_code(device)})
    head_device = TOTPDevice.objects.create(user=world.user("roux"), name="app", confirmed=True)
    head = Browser(live_server.url, SCHOOL_NAT)
    assert head.login("roux").headers["Location"] == TOTP_STEP
    answer = head.submit(TOTP_STEP, {"token": totp_code(head_device)})
    assert answer.status_code == 302, answer.text[:300]
    assert head.get("/identite/compte/").status_code == 200


def test_a_genuine_success_clears_the_counter(live_server, world, settings):
    settings.SOCLE_THROTTLE_LIMIT = 3
    device = TOTPDevice.objects.create(user=world.user("karim"), name="app", confirmed=True)
    for _round in range(2):
        karim = Browser(live_server.url)
        karim.login("karim")
        for _attempt in range(2):
            assert karim.submit(TOTP_STEP, {"token": wrong_code(device)}).status_code == 200
        allow_code_reuse(device)
        assert karim.submit(TOTP_STEP, {"token": totp_code(device)}).status_code == 302


def test_wrong_codes_from_an_attacker_do_not_block_the_victims_letter_code(live_server, world):
    person = rm.Person.objects.create(first_name="Zoé", last_name="Lambert")
    rm.Enrolment.objects.create(
        person=person, class_group=world.classes["4B"], begin_date=world.year.start_date
    )
    account = accounts.ensure_account(person, AccountKind.PUPIL)
    code = accounts.issue_code(account, CodePurpose.ACTIVATION, CodeChannel.LETTER)
    login = account.user.username
    attacker = Browser(live_server.url, "127.0.0.2")
    statuses = []
    for index in range(8):
        answer = attacker.submit(
            "/identite/activation/",
            {
                "username": login,
                "code": f"WRONG-CODE-{index:04d}",
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        statuses.append(answer.status_code)
    assert 429 in statuses  # the attacker's client is slowed down
    victim = Browser(live_server.url, "127.0.0.3")
    answer = victim.submit(
        "/identite/activation/",
        {"username": login, "code": code, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert answer.status_code == 302, answer.text[:500]
    account.refresh_from_db()
    assert account.state == "active"


def test_reset_requests_by_someone_else_do_not_revoke_the_code_already_sent(live_server, world):
    victim = Browser(live_server.url, "127.0.0.3")
    victim.submit("/identite/mot-de-passe-oublie/", {"username": "karim"})
    run_tasks()
    assert len(mail.outbox) == 1
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", mail.outbox[0].body).group(0)
    attacker = Browser(live_server.url, "127.0.0.2")
    for _request in range(6):
        attacker.submit("/identite/mot-de-passe-oublie/", {"username": "karim"})
    run_tasks()
    # The victim's mailbox is not flooded either: a few codes per validity period at most.
    assert len(mail.outbox) <= 3
    answer = victim.submit(
        "/identite/mot-de-passe-oublie/code/",
        {"username": "karim", "code": code, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert answer.status_code == 302, answer.text[:500]


def test_an_attacker_behind_the_same_nat_cannot_lock_a_known_browser_out(live_server, world):
    """The password step (django-axes counts per login and address): a browser that has signed
    in before carries a device cookie, and is counted on its own."""
    teacher = Browser(live_server.url, SCHOOL_NAT)
    assert teacher.login("martin").status_code == 302
    teacher.post("/deconnexion/", {"csrfmiddlewaretoken": teacher.http.cookies.get("csrftoken", "")})
    pupil = Browser(live_server.url, SCHOOL_NAT)
    for _attempt in range(8):
        pupil.login("martin", "not the password at all")
    assert pupil.login("martin").status_code == 429  # the guesser is locked out
    answer = teacher.login("martin")
    assert answer.status_code == 302, answer.status_code


def test_overall_caps_are_high_bounded_in_time_and_spare_known_browsers(live_server, world, settings):
    settings.SOCLE_THROTTLE_ACCOUNT_LIMIT = 10
    settings.SOCLE_THROTTLE_WINDOW_SECONDS = 600
    karim = Browser(live_server.url, "127.0.0.3")
    assert karim.login("karim").status_code == 302  # a known browser from now on
    karim.post("/deconnexion/", {"csrfmiddlewaretoken": karim.http.cookies.get("csrftoken", "")})
    karim.submit("/identite/mot-de-passe-oublie/", {"username": "karim"})
    run_tasks()
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", mail.outbox[-1].body).group(0)
    # A distributed guesser: five wrong codes from each of three addresses.
    for address in ("127.0.0.11", "127.0.0.12", "127.0.0.13"):
        guesser = Browser(live_server.url, address)
        for index in range(5):
            guesser.submit(
                "/identite/mot-de-passe-oublie/code/",
                {
                    "username": "karim",
                    "code": f"ZZZZ-{index:04d}",
                    "new_password1": NEW_PASSWORD,
                    "new_password2": NEW_PASSWORD,
                },
            )
    # Unknown clients are now held back for this account, for a bounded time...
    newcomer = Browser(live_server.url, "127.0.0.14")
    held = newcomer.submit(
        "/identite/mot-de-passe-oublie/code/",
        {
            "username": "karim",
            "code": "YYYY-0000",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert held.status_code == 429
    horizon = timezone.now() + dt.timedelta(seconds=settings.SOCLE_THROTTLE_WINDOW_SECONDS + 5)
    assert all(row.locked_until <= horizon for row in Throttle.objects.filter(locked_until__isnull=False))
    # ...but the genuine holder's browser still gets through with the code it received.
    answer = karim.submit(
        "/identite/mot-de-passe-oublie/code/",
        {"username": "karim", "code": code, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert answer.status_code == 302, answer.text[:500]
