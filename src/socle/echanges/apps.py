from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EchangesConfig(AppConfig):
    name = "socle.echanges"
    label = "echanges"
    verbose_name = _("Exchange formats")
