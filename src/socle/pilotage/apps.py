from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotageConfig(AppConfig):
    name = "socle.pilotage"
    label = "pilotage"
    verbose_name = _("Steering — indicators")
    default_auto_field = "django.db.models.BigAutoField"
