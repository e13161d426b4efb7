"""Identité's records: accounts, territorial grants, activation codes, linked external identities,
the security log, the sessions a user can see and revoke, and the throttling counters.

Roles are NOT stored: they are computed from the Référentiel at request time (`services.roles_of`),
so that an ended enrolment or function removes the role at once. Only what the registry does not
hold is stored here: territorial and operator grants, which operators manage in the admin."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    PUPIL = "pupil", _("pupil")
    GUARDIAN = "guardian", _("guardian")
    STAFF = "staff", _("school staff")
    TERRITORIAL = "territorial", _("territorial officer")
    OPERATOR = "operator", _("platform operator")
    PARTNER = "partner", _("partner (resource provider, software vendor)")


class AccountState(models.TextChoices):
    PENDING = "pending", _("pending activation")
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")


class Account(models.Model):
    """One account per person of the Référentiel (pupils of the 2nd degree, guardians, staff),
    plus accounts without a person (territorial officers, operators, partners)."""

    uid = models.UUIDField(_("public identifier"), default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    # The Référentiel Person's uid; no foreign key across bricks.
    person_uid = models.UUIDField(_("person (Référentiel uid)"), null=True, blank=True, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=AccountKind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=AccountState.choices, default=AccountState.PENDING
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("account")
        indexes = [models.Index(fields=["kind", "state"])]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_kind_display()}, {self.get_state_display()})"

    @property
    def is_active_account(self) -> bool:
        return self.state == AccountState.ACTIVE


class TerritoryKind(models.TextChoices):
    COMMUNE = "commune", _("commune (écoles)")
    DEPARTEMENT = "departement", _("département (collèges)")
    REGION = "region", _("région (lycées)")
    ACADEMIE = "academie", _("académie (every school of the académie)")
    MINISTRY = "ministry", _("ministry (every school)")


class TerritorialGrant(models.Model):
    """An explicit grant of a territorial role, managed by operators in the admin. The scope
    follows the law: a commune has its écoles, a département its collèges, a région its lycées
    (the schools whose collectivité de rattachement it is); an académie every school of the
    académie; the ministry every school."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="territorial_grants")
    kind = models.CharField(_("territory kind"), max_length=12, choices=TerritoryKind.choices)
    # INSEE code of the commune/département/région, académie code; empty for the ministry.
    code = models.CharField(_("territory code"), max_length=5, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["account", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["account", "kind", "code"], name="unique_territorial_grant")
        ]
        verbose_name = _("territorial grant")

    def __str__(self) -> str:
        return f"{self.account.user.get_username()}: {self.kind} {self.code}".strip()

    def is_valid(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.valid_until is None or self.valid_until >= today


class CodePurpose(models.TextChoices):
    ACTIVATION = "activation", _("activation")
    RESET = "reset", _("password reset")


class CodeChannel(models.TextChoices):
    LETTER = "letter", _("printed letter")
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")


class OneTimeCode(models.Model):
    """An activation or reset code. Only its keyed hash is stored; it is single use and
    expires. Issuing a new code for the same purpose revokes the previous ones."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="codes")
    purpose = models.CharField(max_length=12, choices=CodePurpose.choices)
    channel = models.CharField(max_length=8, choices=CodeChannel.choices)
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "purpose"])]

    def __str__(self) -> str:
        return f"{self.purpose} code of {self.account_id} ({self.channel})"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.revoked_at is None and self.expires_at > now


class ExternalIdentity(models.Model):
    """An identity at another provider linked to an account (FranceConnect `sub`, …)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="external_identities")
    provider = models.CharField(_("provider"), max_length=50)
    subject = models.CharField(_("subject"), max_length=255)
    linked_at = models.DateTimeField(_("linked"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["account", "provider"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="unique_external_subject"),
            models.UniqueConstraint(fields=["account", "provider"], name="unique_provider_per_account"),
        ]
        verbose_name = _("linked external identity")

    def __str__(self) -> str:
        return f"{self.provider}: {self.account_id}"


class SecurityEvent(models.Model):
    """The security log: authentications, lockouts, credential changes, authorization failures.

    The IP address is kept in clear for `SOCLE_SECURITY_LOG_IP_DAYS` (investigation of an
    attack), then replaced by a keyed pseudonym; events are deleted after
    `SOCLE_SECURITY_LOG_RETENTION_DAYS` (`retention.apply_retention`). Attempted identifiers are
    never stored in clear: only their keyed hash."""

    class Kind(models.TextChoices):
        LOGIN_SUCCESS = "login_success", _("login succeeded")
        LOGIN_FAILURE = "login_failure", _("login failed")
        LOGIN_LOCKED = "login_locked", _("login locked out")
        LOGOUT = "logout", _("logout")
        TOTP_SUCCESS = "totp_success", _("second factor accepted")
        TOTP_FAILURE = "totp_failure", _("second factor refused")
        TOTP_ENROLLED = "totp_enrolled", _("second factor enrolled")
        TOTP_REMOVED = "totp_removed", _("second factor removed")
        TOTP_RESET = "totp_reset", _("second factor reset by an operator")
        CODE_ISSUED = "code_issued", _("one-time code issued")
        CODE_FAILURE = "code_failure", _("one-time code refused")
        ACTIVATED = "activated", _("account activated")
        PASSWORD_RESET = "password_reset", _("password reset")
        THROTTLED = "throttled", _("request throttled")
        SESSION_REVOKED = "session_revoked", _("session revoked")
        EXTERNAL_LINKED = "external_linked", _("external identity linked")
        AUTHZ_DENIED = "authz_denied", _("authorization denied")
        OAUTH_CODE_REPLAY = "oauth_code_replay", _("authorization code replayed: its tokens revoked")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    identifier_hash = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    ip_pseudonym = models.CharField(max_length=16, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("security event")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind}"


class UserSession(models.Model):
    """A logged-in session as the user sees it on their account page. The session key is stored
    hashed; the IP address only as a keyed pseudonym."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key_hash = models.CharField(max_length=64, unique=True)
    user_agent = models.CharField(max_length=200, blank=True)
    ip_pseudonym = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    second_factor = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"session of {self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"


class Throttle(models.Model):
    """Failure counter of one (scope, key) pair — key being a hashed identifier or IP address —
    for the progressive lockout of the activation, reset and TOTP endpoints."""

    scope = models.CharField(max_length=20)
    key_hash = models.CharField(max_length=80)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    lockouts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key_hash"], name="unique_throttle_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key_hash[:8]}: {self.failures}"
