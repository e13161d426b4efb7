"""Activation (letters, e-mail, SMS), password reset, password policy, no enumeration."""

import datetime as dt
import re
import statistics
import time

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from socle.identite import accounts, sms
from socle.identite.models import Account, AccountState, CodeChannel, CodePurpose, OneTimeCode, SecurityEvent
from socle.referentiel import models as rm

from .conftest import PASSWORD, make_user, run_tasks

NEW_PASSWORD = "une phrase de passe assez longue"


@pytest.fixture(autouse=True)
def outbox_sms(settings):
    settings.SOCLE_SMS_BACKEND = "socle.identite.sms.OutboxBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def pending_pupil(world):
    person = rm.Person.objects.create(first_name="Zoé", last_name="Lambert", ine="123456789ZZ")
    rm.Enrolment.objects.create(
        person=person, class_group=world.classes["4B"], begin_date=world.year.start_date
    )
    account = accounts.ensure_account(person, "pupil")
    return account


def test_codes_are_high_entropy_single_use_hashed(pending_pupil):
    code = accounts.issue_code(pending_pupil, CodePurpose.ACTIVATION, CodeChannel.LETTER)
    assert len(code) == 16 and set(code) <= set(accounts.CODE_ALPHABET)
    stored = OneTimeCode.objects.get(account=pending_pupil)
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert stored.expires_at > timezone.now() + dt.timedelta(days=29)
    login = pending_pupil.user.username
    found = accounts.check_code(login, accounts.format_code(code).lower(), (CodePurpose.ACTIVATION,))
    assert found is not None
    accounts.use_code(found, NEW_PASSWORD)
    assert accounts.check_code(login, code, (CodePurpose.ACTIVATION,)) is None  # single use


def test_new_code_revokes_the_previous_one(pending_pupil):
    first = accounts.issue_code(pending_pupil, CodePurpose.ACTIVATION, CodeChannel.LETTER)
    second = accounts.issue_code(pending_pupil, CodePurpose.ACTIVATION, CodeChannel.LETTER)
    login = pending_pupil.user.username
    assert accounts.check_code(login, first, (CodePurpose.ACTIVATION,)) is None
    assert accounts.check_code(login, second, (CodePurpose.ACTIVATION,)) is not None


def test_expired_code_is_refused(pending_pupil):
    code = accounts.issue_code(pending_pupil, CodePurpose.ACTIVATION, CodeChannel.LETTER)
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert accounts.check_code(pending_pupil.user.username, code, (CodePurpose.ACTIVATION,)) is None


def test_code_of_another_account_is_refused(pending_pupil, world):
    code = accounts.issue_code(pending_pupil, CodePurpose.ACTIVATION, CodeChannel.LETTER)
    assert accounts.check_code("karim", code, (CodePurpose.ACTIVATION,)) is None


def test_activation_page_activates_with_argon2(client, pending_pupil, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    login = pending_pupil.user.username
    assert login == "zoe.lambert"
    assert not pending_pupil.user.has_usable_password()
    code = accounts.issue_code(pending_pupil, CodePurpose.ACTIVATION, CodeChannel.LETTER)
    response = client.post(
        reverse("identite:activation"),
        {
            "username": login,
            "code": accounts.format_code(code),
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    account = Account.objects.select_related("user").get(pk=pending_pupil.pk)
    assert account.state == AccountState.ACTIVE
    assert identify_hasher(account.user.password).algorithm == "argon2"
    assert SecurityEvent.objects.filter(kind="activated", user=account.user).exists()
    assert (
        client.post("/identite/connexion/", {"username": login, "password": NEW_PASSWORD}).status_code == 302
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("court1234", "12"),  # too short
        ("azertyuiopqsdf", ""),  # French keyboard walk
        ("motdepasse2024!", ""),  # French common word + digits
        ("qwertyasdfgh", ""),  # in Django's list of 20,000
        ("zoelambert2012", ""),  # too close to the login
        ("123456789012345", ""),  # numeric only
    ],
)
def test_password_policy(client, pending_pupil, password, message):
    code = accounts.issue_code(pending_pupil, CodePurpose.ACTIVATION, CodeChannel.LETTER)
    response = client.post(
        reverse("identite:activation"),
        {
            "username": pending_pupil.user.username,
            "code": code,
            "new_password1": password,
            "new_password2": password,
        },
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    pending_pupil.refresh_from_db()
    assert pending_pupil.state == AccountState.PENDING
    # The code was not consumed by the refused attempt.
    assert OneTimeCode.objects.get(account=pending_pupil).used_at is None


def test_long_passphrase_without_composition_rules_is_accepted(client, pending_pupil):
    code = accounts.issue_code(pending_pupil, CodePurpose.ACTIVATION, CodeChannel.LETTER)
    phrase = "le chat dort sur le radiateur"
    response = client.post(
        reverse("identite:activation"),
        {
            "username": pending_pupil.user.username,
            "code": code,
            "new_password1": phrase,
            "new_password2": phrase,
        },
    )
    assert response.status_code == 302


def _page_without_tokens(response):
    return re.sub(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]+"', "", response.content.decode())


def test_wrong_code_and_unknown_login_get_the_same_answer(client, pending_pupil):
    accounts.issue_code(pending_pupil, CodePurpose.ACTIVATION, CodeChannel.LETTER)
    data = {"code": "AAAA-BBBB-CCCC-DDDD", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    known = client.post(reverse("identite:activation"), {**data, "username": "zoe.lambert"})
    unknown = client.post(reverse("identite:activation"), {**data, "username": "zzz.zzzzzzz"})
    assert known.status_code == unknown.status_code == 200
    a = _page_without_tokens(known).replace("zoe.lambert", "X")
    b = _page_without_tokens(unknown).replace("zzz.zzzzzzz", "X")
    assert a == b


def test_activation_guessing_is_throttled(client, pending_pupil, settings):
    settings.SOCLE_THROTTLE_LIMIT = 3
    code = accounts.issue_code(pending_pupil, CodePurpose.ACTIVATION, CodeChannel.LETTER)
    data = {"username": "zoe.lambert", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    statuses = [
        client.post(reverse("identite:activation"), {**data, "code": f"WRONGCODE{i}"}).status_code
        for i in range(3)
    ]
    assert statuses[-1] == 429
    assert client.post(reverse("identite:activation"), {**data, "code": code}).status_code == 429
    pending_pupil.refresh_from_db()
    assert pending_pupil.state == AccountState.PENDING


def test_guardian_self_activation_by_sms(client, world, outbox_sms):
    guardian = rm.Person.objects.create(first_name="Sarah", last_name="Lambert", mobile_phone="0611223344")
    pupil = rm.Person.objects.create(first_name="Zoé", last_name="Lambert")
    rm.Guardianship.objects.create(guardian=guardian, pupil=pupil, relationship="mere")
    response = client.post(reverse("identite:activation_request"), {"contact": "+33 6 11 22 33 44"})
    assert response.status_code == 200
    run_tasks()
    assert len(outbox_sms) == 1 and outbox_sms[0].to == "0611223344"
    body = outbox_sms[0].body
    login = re.search(r"sarah\.lambert\d*", body).group(0)
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", body).group(0)
    done = client.post(
        reverse("identite:activation"),
        {"username": login, "code": code, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert Account.objects.get(person_uid=guardian.uid).state == AccountState.ACTIVE


def test_guardian_self_activation_by_email_and_no_enumeration(client, world, outbox_sms):
    guardian = rm.Person.objects.create(first_name="Marc", last_name="Blanc", email="marc.blanc@example.org")
    rm.Guardianship.objects.create(guardian=guardian, pupil=world.persons["tom"], relationship="pere")
    known = client.post(reverse("identite:activation_request"), {"contact": "Marc.Blanc@example.org"})
    unknown = client.post(reverse("identite:activation_request"), {"contact": "nobody@example.org"})
    run_tasks()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["marc.blanc@example.org"]
    assert _page_without_tokens(known) == _page_without_tokens(unknown)
    # A pupil's or teacher's address is not a guardian's: nothing is sent.
    client.post(reverse("identite:activation_request"), {"contact": "claire.martin@ac-rennes.fr"})
    run_tasks()
    assert len(mail.outbox) == 1


def test_password_reset_by_email(client, world):
    response = client.post(reverse("identite:reset_request"), {"username": "karim"})
    assert response.status_code == 200
    run_tasks()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["karim@example.org"]
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", mail.outbox[0].body).group(0)
    done = client.post(
        reverse("identite:reset"),
        {"username": "karim", "code": code, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert client.post("/identite/connexion/", {"username": "karim", "password": PASSWORD}).status_code == 200
    assert (
        client.post("/identite/connexion/", {"username": "karim", "password": NEW_PASSWORD}).status_code
        == 302
    )
    assert SecurityEvent.objects.filter(kind="password_reset", user=world.users["karim"]).exists()


def test_reset_request_same_answer_and_similar_time_for_known_and_unknown(client, world):
    def timed(username):
        start = time.perf_counter()
        response = client.post(reverse("identite:reset_request"), {"username": username})
        return time.perf_counter() - start, _page_without_tokens(response)

    known = [timed("karim") for _ in range(4)]
    unknown = [timed(f"nobody{i}") for i in range(4)]
    assert {page for _, page in known} == {page for _, page in unknown}
    median_known = statistics.median(t for t, _ in known)
    median_unknown = statistics.median(t for t, _ in unknown)
    # Same work on both paths (the e-mail goes to the locmem outbox here): within a factor of 3.
    assert max(median_known, median_unknown) < 3 * min(median_known, median_unknown) + 0.05


def test_login_timing_is_similar_for_known_and_unknown_users(client, world, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = make_user("argon.user", kind="guardian")
    assert identify_hasher(user.password).algorithm == "argon2"

    def timed(username):
        start = time.perf_counter()
        client.post("/identite/connexion/", {"username": username, "password": "wrong wrong wrong"})
        return time.perf_counter() - start

    known = statistics.median(timed("argon.user") for _ in range(3))
    unknown = statistics.median(timed(f"ghost{i}") for i in range(3))
    # Django hashes the password for an unknown user too: both pay one Argon2 computation.
    assert max(known, unknown) < 2.5 * min(known, unknown)
