"""Admin login through Identité, deployment checks, connected services, SMS backends."""

import logging

from django.core.checks import run_checks
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from socle.identite import connected, sms
from socle.identite.models import SecurityEvent


def test_admin_login_goes_through_identite(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/identite/connexion/?next=/admin/")
    # The admin index sends anonymous users to its login page, which sends them to Identité's.
    assert client.get("/admin/", follow=True).redirect_chain[-1][0].startswith("/identite/connexion/")


def test_deploy_check_requires_identite_secrets(settings, monkeypatch):
    monkeypatch.delenv("SOCLE_PAIRWISE_KEY", raising=False)
    monkeypatch.delenv("SOCLE_LOG_PSEUDONYM_KEY", raising=False)
    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert {"identite.E001", "identite.E002"} <= ids
    monkeypatch.setenv("SOCLE_PAIRWISE_KEY", "x" * 48)
    monkeypatch.setenv("SOCLE_LOG_PSEUDONYM_KEY", "y" * 48)
    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert not {"identite.E001", "identite.E002"} & ids


def test_connected_services_are_listed_and_revoked(client, world):
    revoked = []
    services = [connected.ConnectedService("test:ent", "ENT Exemple", "OpenID Connect")]
    connected.register_provider(
        "test",
        lambda user: [s for s in services if s.key not in revoked],
        lambda user, key: revoked.append(key) or True,
    )
    try:
        client.force_login(world.users["karim"])
        page = client.get(reverse("identite:account")).content.decode()
        assert "ENT Exemple" in page
        client.post(reverse("identite:service_revoke", args=["test:ent"]))
        assert revoked == ["test:ent"]
        assert "ENT Exemple" not in client.get(reverse("identite:account")).content.decode()
    finally:
        connected._providers.pop("test", None)


def test_mandatory_second_factor_cannot_be_removed(client, world):
    TOTPDevice.objects.create(user=world.users["roux"], name="app", confirmed=True)
    client.force_login(world.users["roux"])
    client.post(reverse("identite:totp_remove"))
    assert TOTPDevice.objects.filter(user=world.users["roux"]).exists()
    TOTPDevice.objects.create(user=world.users["karim"], name="app", confirmed=True)
    client.force_login(world.users["karim"])
    client.post(reverse("identite:totp_remove"))
    assert not TOTPDevice.objects.filter(user=world.users["karim"]).exists()
    assert SecurityEvent.objects.filter(kind="totp_removed", user=world.users["karim"]).count() == 1


def test_sms_backends(settings, caplog):
    settings.SOCLE_SMS_BACKEND = "socle.identite.sms.ConsoleBackend"
    with caplog.at_level(logging.WARNING, logger="socle.identite.sms"):
        sms.send_sms("0612345678", "hello")
    assert "0612345678" in caplog.text and "hello" in caplog.text
    settings.SOCLE_SMS_BACKEND = "socle.identite.sms.OutboxBackend"
    sms.outbox.clear()
    sms.send_sms("0600000000", "code")
    assert sms.outbox == [sms.SmsMessage("0600000000", "code")]
    sms.outbox.clear()


def test_password_change_checks_the_old_password_and_is_throttled(client, world, settings):
    settings.SOCLE_THROTTLE_LIMIT = 3
    client.force_login(world.users["karim"])
    url = reverse("identite:password_change")
    data = {"new_password1": "une autre phrase de passe", "new_password2": "une autre phrase de passe"}
    statuses = [client.post(url, {**data, "old_password": f"wrong {i}"}).status_code for i in range(3)]
    assert statuses[:2] == [200, 200] and statuses[-1] == 429
    # Locked: even the right old password is refused for now.
    from .conftest import PASSWORD

    assert client.post(url, {**data, "old_password": PASSWORD}).status_code == 429
    world.users["karim"].refresh_from_db()
    assert world.users["karim"].check_password(PASSWORD)


def test_password_change_refuses_french_common_password(client, world):
    from .conftest import PASSWORD

    client.force_login(world.users["karim"])
    response = client.post(
        reverse("identite:password_change"),
        {"old_password": PASSWORD, "new_password1": "motdepasse2024", "new_password2": "motdepasse2024"},
    )
    assert response.status_code == 200
    assert "trop courant" in response.content.decode()
    ok = client.post(
        reverse("identite:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "une autre phrase de passe",
            "new_password2": "une autre phrase de passe",
        },
    )
    assert ok.status_code == 302
    assert client.get(reverse("identite:account")).status_code == 200  # still logged in
