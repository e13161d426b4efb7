from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RessourcesConfig(AppConfig):
    name = "socle.ressources"
    label = "ressources"
    verbose_name = _("Resources — catalogue")
    default_auto_field = "django.db.models.BigAutoField"
