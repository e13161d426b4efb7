from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ViescolaireConfig(AppConfig):
    name = "socle.viescolaire"
    label = "viescolaire"
    verbose_name = _("School life — messages, homework, marks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registered here so that the delivery worker process renders our notifications too.
        from .notifications import register

        register()
