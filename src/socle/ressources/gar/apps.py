from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RessourcesGarConfig(AppConfig):
    name = "socle.ressources.gar"
    label = "ressources_gar"
    verbose_name = _("Resources — subscriptions, assignments and access")
    default_auto_field = "django.db.models.BigAutoField"
