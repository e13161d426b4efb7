from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotageConfig(AppConfig):
    name = "socle.pilotage"
    label = "pilotage"
    verbose_name = _("Steering — indicators")
    default_auto_field = "django.db.models.BigAutoField"
    # The API's token scopes (pilotage:read, pilotage:declare) are declared by socle.pilotage.collecte.
