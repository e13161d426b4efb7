"""The SAML service provider registry, managed by operators: each SP's metadata (pasted, never
fetched at request time) and the attributes released to it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# SAML attribute names (see attributemaps/socle_uri.py) and the identity value each one carries.
SAML_ATTRIBUTES = {
    "givenName": "given_name",
    "sn": "family_name",
    "mail": "email",
    "FrEduCtId": "IDO",
    "FrEduCtPersonAffiliation": "FrEduCtPersonAffiliation",
    "FrEduCtEleveUAI": "FrEduCtEleveUAI",
    "FrEduCtEleveNiveau": "FrEduCtEleveNiveau",
    "FrEduCtEleveINEHash": "FrEduCtEleveINEHash",
    "FrEduCtDateNaissance": "FrEduCtDateNaissance",
    "IDO": "IDO",
    "PRO": "PRO",
    "UAI": "UAI",
    "DIV": "DIV",
    "PRE": "PRE",
    "NOM": "NOM",
}


class ServiceProvider(models.Model):
    name = models.CharField(_("name"), max_length=200)
    entity_id = models.CharField(_("entity ID"), max_length=500, unique=True)
    metadata_xml = models.TextField(_("metadata (XML)"))
    released_attributes = models.TextField(
        _("released attributes"),
        blank=True,
        help_text=_("Space-separated SAML attribute names (table in docs/identite.md)."),
    )
    encrypt_assertions = models.BooleanField(
        _("encrypt assertions"), default=True, help_text=_("When the SP's metadata has an encryption key.")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    contact_email = models.EmailField(_("technical contact"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SAML service provider")

    def __str__(self) -> str:
        return f"{self.name} ({self.entity_id})"

    def clean(self):
        from django.core.exceptions import ValidationError

        from .idp import metadata_problem

        if self.metadata_xml and self.entity_id:
            problem = metadata_problem(self.metadata_xml, self.entity_id)
            if problem:
                raise ValidationError({"metadata_xml": problem})

    @property
    def attribute_names(self) -> list[str]:
        return [name for name in self.released_attributes.split() if name in SAML_ATTRIBUTES]
