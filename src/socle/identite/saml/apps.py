from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SamlConfig(AppConfig):
    name = "socle.identite.saml"
    label = "identite_saml"
    verbose_name = _("Identity — SAML")
    default_auto_field = "django.db.models.BigAutoField"
