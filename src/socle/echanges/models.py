"""Data-sharing agreements ("conventions de partage") and their access log.

A consumer (ENT, school-life software, collectivité, EdTech resource) reads the registry only
under an agreement that states the purpose, the legal basis, the fields it may receive, the
schools or territory in scope and the expiry. Every export and API call checks the agreement and
writes one `AccessLogEntry` (who, what, how many records). See docs/echanges-agreements.md."""

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Agreement(models.Model):
    class ConsumerKind(models.TextChoices):
        ENT = "ent", _("ENT")
        VIE_SCOLAIRE = "vie_scolaire", _("school-life software")
        COLLECTIVITE = "collectivite", _("collectivité")
        EDTECH = "edtech", _("EdTech resource")
        GAR = "gar", _("GAR")
        OTHER = "autre", _("other")

    class LegalBasis(models.TextChoices):
        # RGPD article 6.1: public bodies rely on (e) or (c).
        PUBLIC_TASK = "mission_publique", _("public-interest task (RGPD 6.1.e)")
        LEGAL_OBLIGATION = "obligation_legale", _("legal obligation (RGPD 6.1.c)")
        CONTRACT = "contrat", _("contract (RGPD 6.1.b)")
        CONSENT = "consentement", _("consent (RGPD 6.1.a)")

    name = models.CharField(_("consumer"), max_length=200)
    consumer_kind = models.CharField(_("consumer kind"), max_length=20, choices=ConsumerKind.choices)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    reference = models.CharField(_("agreement reference"), max_length=100, blank=True)
    # Field keys "<entity>.<field>" (e.g. "users.email", "demographics.birthDate"), or "<entity>.*".
    allowed_fields = models.JSONField(_("fields allowed"), default=list, blank=True)
    # Territory in scope: the union of these lists; `national` covers every school.
    national = models.BooleanField(_("whole country"), default=False)
    regions = models.JSONField(_("régions académiques (INSEE codes)"), default=list, blank=True)
    academies = models.JSONField(_("académies (codes)"), default=list, blank=True)
    departements = models.JSONField(_("départements (INSEE codes)"), default=list, blank=True)
    schools = models.JSONField(_("schools (UAI)"), default=list, blank=True)
    starts_on = models.DateField(_("valid from"), default=timezone.localdate)
    expires_on = models.DateField(_("expires on"))
    contact_name = models.CharField(_("contact"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"))
    is_active = models.BooleanField(_("active"), default=True)
    # OAuth 2 client credentials of the agreement holder (client secret: SHA-256 digest only).
    client_id = models.CharField(_("client id"), max_length=64, unique=True, null=True, blank=True)
    client_secret_digest = models.CharField(max_length=64, blank=True, editable=False)
    # OneRoster scopes this client may be granted (short names, e.g. "roster-core.readonly").
    oauth_scopes = models.JSONField(_("OAuth scopes"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("data-sharing agreement")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    def issue_client_credentials(self) -> tuple[str, str]:
        """Give the holder new credentials; the secret is returned once and stored hashed."""
        self.client_id = self.client_id or "or_" + secrets.token_hex(12)
        secret = secrets.token_urlsafe(32)
        self.client_secret_digest = self.hash_secret(secret)
        self.save(update_fields=["client_id", "client_secret_digest"])
        return self.client_id, secret

    def check_secret(self, secret: str) -> bool:
        return bool(self.client_secret_digest) and secrets.compare_digest(
            self.client_secret_digest, self.hash_secret(secret)
        )


class AccessToken(models.Model):
    """A bearer token issued by the token endpoint (client-credentials grant)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="tokens")
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"token of {self.agreement} until {self.expires_at:%Y-%m-%d %H:%M}"


class AccessLogEntry(models.Model):
    """One read of the registry by a consumer: every export, every API call, refused ones too."""

    class Channel(models.TextChoices):
        ONEROSTER_CSV = "oneroster_csv", _("OneRoster CSV export")
        ONEROSTER_API = "oneroster_api", _("OneRoster REST API")
        GAR = "gar", _("GAR-ENT export")
        TOKEN = "token", _("token request")

    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.PROTECT, related_name="access_log"
    )
    consumer_label = models.CharField(_("consumer"), max_length=200)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    operation = models.CharField(_("what"), max_length=300)
    record_count = models.PositiveIntegerField(_("records"), default=0)
    granted = models.BooleanField(_("granted"), default=True)
    reason = models.TextField(_("reason for refusal"), blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.consumer_label} {self.operation} ({self.record_count})"


class AafStructure(models.Model):
    """The académie's structure join key (ENTStructureJointure) of a school, learnt from the
    EtabEducNat file: Eleve and PersEducNat records name classes as `<jointure>$<code>`."""

    jointure = models.CharField(_("ENTStructureJointure"), max_length=64, unique=True)
    uai = models.CharField(_("UAI"), max_length=8, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["jointure"]
        verbose_name = _("AAF structure")

    def __str__(self) -> str:
        return f"{self.jointure} → {self.uai}"
