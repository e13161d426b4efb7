"""Printable activation letters (authorization, codes), and the security log's retention."""

import datetime as dt
import re

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from socle.identite import accounts
from socle.identite.models import Account, AccountState, OneTimeCode, SecurityEvent, UserSession
from socle.identite.retention import apply_retention
from socle.identite.security import ip_pseudonym, log_event
from socle.referentiel import models as rm


def letters_url(world, key="4B"):
    group = world.classes[key]
    return reverse("identite:class_letters", args=[group.etablissement.uai, group.uid])


def test_head_prints_letters_for_pending_accounts(client, world):
    zoe = rm.Person.objects.create(first_name="Zoé", last_name="Lambert")
    mother = rm.Person.objects.create(first_name="Sarah", last_name="Lambert")
    rm.Enrolment.objects.create(person=zoe, class_group=world.classes["4B"], begin_date=world.year.start_date)
    rm.Guardianship.objects.create(guardian=mother, pupil=zoe, relationship="mere")
    client.force_login(world.users["roux"])
    page = client.get(letters_url(world))
    assert page.status_code == 200
    response = client.post(letters_url(world))
    assert response.status_code == 200
    content = response.content.decode()
    assert "identite/letters.css" in content and "style=" not in content
    codes = re.findall(r'<code class="identite-code">([A-Z0-9-]+)</code>', content)
    assert len(codes) == 2  # Zoé and her mother; Léa and Karim are already active
    assert "zoe.lambert" in content and "sarah.lambert" in content
    zoe_account = Account.objects.get(person_uid=zoe.uid)
    assert zoe_account.state == AccountState.PENDING
    # Codes are stored hashed only.
    assert not OneTimeCode.objects.filter(code_hash__in=[c.replace("-", "") for c in codes]).exists()
    assert accounts.check_code("zoe.lambert", codes[0], ("activation",)) or accounts.check_code(
        "zoe.lambert", codes[1], ("activation",)
    )
    # Printing again revokes the first codes.
    client.post(letters_url(world))
    assert not any(
        accounts.check_code(login, code, ("activation",))
        for login in ("zoe.lambert", "sarah.lambert")
        for code in codes
    )


def test_ecole_letters_are_for_guardians_only(client, world):
    pupil = rm.Person.objects.create(first_name="Jules", last_name="Roy")
    father = rm.Person.objects.create(first_name="Marc", last_name="Roy")
    rm.Enrolment.objects.create(
        person=pupil, class_group=world.classes["CM1"], begin_date=world.year.start_date
    )
    rm.Guardianship.objects.create(guardian=father, pupil=pupil, relationship="pere")
    client.force_login(world.users["diallo"])
    content = client.post(letters_url(world, "CM1")).content.decode()
    assert "marc.roy" in content and "jules.roy" not in content
    assert not Account.objects.filter(person_uid=pupil.uid).exists()


def test_letters_are_refused_to_teachers_and_other_schools(client, world):
    client.force_login(world.users["martin"])
    assert client.get(letters_url(world)).status_code == 403
    assert client.post(letters_url(world)).status_code == 403
    client.force_login(world.users["diallo"])
    assert client.post(letters_url(world)).status_code == 403
    denied = SecurityEvent.objects.filter(kind="authz_denied")
    assert denied.count() == 3
    assert denied.first().details["action"] == "class.activation_letters"
    assert not OneTimeCode.objects.exists()


def test_letters_need_login(client, world):
    response = client.get(letters_url(world))
    assert response.status_code == 302 and "/identite/connexion/" in response["Location"]


def test_retention_pseudonymises_then_deletes(db, rf):
    now = timezone.now()
    request = rf.get("/", REMOTE_ADDR="203.0.113.7")
    recent = log_event("login_failure", request=request, identifier="karim")
    old = log_event("login_failure", request=request, identifier="karim")
    ancient = log_event("login_failure", request=request, identifier="karim")
    SecurityEvent.objects.filter(pk=old.pk).update(at=now - dt.timedelta(days=40))
    SecurityEvent.objects.filter(pk=ancient.pk).update(at=now - dt.timedelta(days=400))
    counts = apply_retention(now, ip_days=30, retention_days=365)
    assert counts["events_deleted"] == 1 and counts["ips_pseudonymised"] == 1
    assert not SecurityEvent.objects.filter(pk=ancient.pk).exists()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.ip_address is None and old.ip_pseudonym == ip_pseudonym("203.0.113.7") != ""
    assert recent.ip_address == "203.0.113.7"
    # Idempotent.
    assert apply_retention(now, ip_days=30, retention_days=365)["ips_pseudonymised"] == 0


def test_retention_command_uses_the_settings(db, settings, rf, capsys):
    settings.SOCLE_SECURITY_LOG_RETENTION_DAYS = 180
    settings.SOCLE_SECURITY_LOG_IP_DAYS = 7
    event = log_event("login_success", request=rf.get("/", REMOTE_ADDR="198.51.100.1"))
    SecurityEvent.objects.filter(pk=event.pk).update(at=timezone.now() - dt.timedelta(days=200))
    kept = log_event("login_success", request=rf.get("/", REMOTE_ADDR="198.51.100.2"))
    SecurityEvent.objects.filter(pk=kept.pk).update(at=timezone.now() - dt.timedelta(days=8))
    call_command("identite_retention")
    assert "events_deleted=1" in capsys.readouterr().out
    kept.refresh_from_db()
    assert kept.ip_address is None and kept.ip_pseudonym


def test_sessions_store_no_clear_ip_nor_key(client, world):
    client.post(
        "/identite/connexion/",
        {"username": "karim", "password": "correct horse battery staple 42"},
        REMOTE_ADDR="192.0.2.55",
    )
    session = UserSession.objects.get(user=world.users["karim"])
    assert session.ip_pseudonym == ip_pseudonym("192.0.2.55")
    assert client.session.session_key not in session.session_key_hash
