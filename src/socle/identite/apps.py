from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentiteConfig(AppConfig):
    name = "socle.identite"
    label = "identite"
    verbose_name = _("Identity")

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401 - registers system checks and signal receivers
