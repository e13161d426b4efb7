from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasConfig(AppConfig):
    name = "socle.identite.cas"
    label = "identite_cas"
    verbose_name = _("Identity — CAS")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from .logout import single_logout_on_logout

        user_logged_out.connect(single_logout_on_logout, dispatch_uid="identite_cas_single_logout")
