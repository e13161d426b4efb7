"""What Socle adds to django-oauth-toolkit's Application: the subject type, the sector used for
pairwise subjects, the scopes (so the claims) this client may receive, and whether it is a
first-party service (no consent screen)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import Application

from .scopes_catalogue import DEFAULT_CLIENT_SCOPES, SCOPES


class SubjectType(models.TextChoices):
    PAIRWISE = "pairwise", _("pairwise (a different subject for each sector)")
    PUBLIC = "public", _("public (the same subject for every client)")


def _scope_help() -> str:
    return ", ".join(SCOPES)


class ClientProfile(models.Model):
    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="socle_profile")
    subject_type = models.CharField(
        _("subject type"), max_length=10, choices=SubjectType.choices, default=SubjectType.PAIRWISE
    )
    sector_identifier = models.CharField(
        _("sector identifier"),
        max_length=255,
        blank=True,
        help_text=_(
            "Clients of one organisation sharing a sector see the same pairwise subject. "
            "Empty: the client id."
        ),
    )
    allowed_scopes = models.CharField(
        _("allowed scopes"),
        max_length=500,
        default=" ".join(DEFAULT_CLIENT_SCOPES),
        help_text=_("Space-separated scopes this client may request (attribute release)."),
    )
    require_pkce = models.BooleanField(
        _("require PKCE"), default=True, help_text=_("Always required for public clients.")
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    contact_email = models.EmailField(_("technical contact"), blank=True)
    privacy_policy_url = models.URLField(_("privacy policy"), blank=True)

    class Meta:
        verbose_name = _("OIDC client profile")

    def __str__(self) -> str:
        return f"{self.application.name} ({self.subject_type})"

    @property
    def scopes(self) -> list[str]:
        return [scope for scope in self.allowed_scopes.split() if scope in SCOPES]

    @property
    def audience(self) -> str:
        """The audience given to `pairwise_subject`."""
        if self.subject_type == SubjectType.PUBLIC:
            return "public"
        return self.sector_identifier or f"oidc:{self.application.client_id}"


def profile_of(application: Application) -> ClientProfile:
    """The client's profile; a client registered without one gets the defaults (saved)."""
    try:
        return application.socle_profile
    except ClientProfile.DoesNotExist:
        profile, _created = ClientProfile.objects.get_or_create(application=application)
        return profile


class ResourceServerAuthMethod(models.TextChoices):
    CLIENT_SECRET_BASIC = "client_secret_basic", _("client secret, HTTP Basic")
    CLIENT_SECRET_POST = "client_secret_post", _("client secret, in the request body")
    PRIVATE_KEY_JWT = "private_key_jwt", _("JWT signed with the server's private key (RFC 7523)")


class ResourceServer(models.Model):
    """An API that may introspect access tokens (RFC 7662): the only callers of
    /oidc/introspect/. It authenticates as its own confidential `application` with the registered
    method, and gets an answer only for tokens issued to the clients it serves (the audiences of
    those tokens); the answer carries the subject those clients see, never the login name."""

    application = models.OneToOneField(
        Application,
        on_delete=models.CASCADE,
        related_name="socle_resource_server",
        verbose_name=_("credentials (confidential client)"),
    )
    auth_method = models.CharField(
        _("authentication method"),
        max_length=20,
        choices=ResourceServerAuthMethod.choices,
        default=ResourceServerAuthMethod.CLIENT_SECRET_BASIC,
    )
    jwks = models.TextField(
        _("public keys (JWKS)"),
        blank=True,
        help_text=_("For private_key_jwt: the server's public keys as a JSON Web Key Set."),
    )
    served_clients = models.ManyToManyField(
        Application,
        related_name="+",
        blank=True,
        verbose_name=_("served clients"),
        help_text=_("The clients whose access tokens this server receives and may introspect."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    contact_email = models.EmailField(_("technical contact"), blank=True)

    class Meta:
        verbose_name = _("resource server (token introspection)")

    def __str__(self) -> str:
        return f"{self.application.name} ({self.auth_method})"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.application_id and self.application.client_type != Application.CLIENT_CONFIDENTIAL:
            raise ValidationError(
                {"application": _("A resource server authenticates: a confidential client.")}
            )
        if self.auth_method == ResourceServerAuthMethod.PRIVATE_KEY_JWT:
            from .introspection import load_jwks

            try:
                load_jwks(self.jwks)
            except ValueError as error:
                raise ValidationError({"jwks": str(error)}) from error


class UsedClientAssertion(models.Model):
    """The `jti` of client assertions already accepted (private_key_jwt): an assertion is good
    once. Rows are deleted once the assertion has expired."""

    client_id = models.CharField(max_length=255)
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client_id", "jti"], name="unique_client_assertion")]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.jti}"


class RedeemedCode(models.Model):
    """An authorization code already exchanged, and what it gave: a second exchange of the same
    code (an intercepted code, RFC 6749 §4.1.2) is refused by django-oauth-toolkit and, through
    this record, revokes the access token and the refresh-token family it issued. Kept for the
    refresh tokens' lifetime; only a hash of the code is stored."""

    code_hash = models.CharField(max_length=64, unique=True)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    access_token_id = models.BigIntegerField(null=True)
    token_family = models.UUIDField(null=True)
    redeemed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"code of {self.application_id} redeemed {self.redeemed_at:%Y-%m-%d %H:%M}"
