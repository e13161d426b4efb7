"""The CAS service registry (managed by operators in the admin) and the service tickets."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from socle.identite.oidc.identity import RELEASABLE_ATTRIBUTES


class CasService(models.Model):
    name = models.CharField(_("name"), max_length=200)
    service_url = models.URLField(
        _("service URL"),
        max_length=500,
        help_text=_(
            "A service matches when its scheme and host are the same and its path starts with this one."
        ),
    )
    audience = models.CharField(
        _("audience"),
        max_length=255,
        blank=True,
        help_text=_("Key of the pseudonymous identifier (cas:user, IDO). Empty: the service URL."),
    )
    released_attributes = models.TextField(
        _("released attributes"),
        blank=True,
        help_text=_("Space-separated attribute names (table in docs/identite.md)."),
    )
    single_logout = models.BooleanField(_("single logout (SAML back-channel)"), default=True)
    logout_url = models.URLField(
        _("logout URL"), max_length=500, blank=True, help_text=_("Empty: the service URL of the ticket.")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    contact_email = models.EmailField(_("technical contact"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("CAS service")

    def __str__(self) -> str:
        return f"{self.name} ({self.service_url})"

    @property
    def subject_audience(self) -> str:
        return self.audience or f"cas:{self.service_url}"

    @property
    def attribute_names(self) -> list[str]:
        return [name for name in self.released_attributes.split() if name in RELEASABLE_ATTRIBUTES]

    def matches(self, url: str) -> bool:
        mine, theirs = urlsplit(self.service_url), urlsplit(url)
        if (mine.scheme, mine.netloc.lower()) != (theirs.scheme, theirs.netloc.lower()):
            return False
        return theirs.path.startswith(mine.path or "/")

    @classmethod
    def for_url(cls, url: str) -> CasService | None:
        if not url:
            return None
        host = urlsplit(url).netloc
        if not host:
            return None
        candidates = [
            s for s in cls.objects.filter(enabled=True, service_url__icontains=host) if s.matches(url)
        ]
        return max(candidates, key=lambda s: len(s.service_url), default=None)


def new_ticket() -> str:
    return "ST-" + secrets.token_urlsafe(32)


class ServiceTicket(models.Model):
    ticket = models.CharField(max_length=64, unique=True, default=new_ticket)
    service = models.ForeignKey(CasService, on_delete=models.CASCADE, related_name="tickets")
    service_url = models.TextField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    from_new_login = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    validated_at = models.DateTimeField(null=True, blank=True)
    logged_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.ticket[:10]}… for {self.service_url}"
