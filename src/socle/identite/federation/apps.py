from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "socle.identite.federation"
    label = "identite_federation"
    verbose_name = _("Identity — federation")
