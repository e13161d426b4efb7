from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotageCollecteConfig(AppConfig):
    name = "socle.pilotage.collecte"
    label = "pilotage_collecte"
    verbose_name = _("Steering — equipment declarations")
    default_auto_field = "django.db.models.BigAutoField"
