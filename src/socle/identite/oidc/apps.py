from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OidcConfig(AppConfig):
    name = "socle.identite.oidc"
    label = "identite_oidc"
    verbose_name = _("Identity — OpenID Connect")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import pre_save
        from oauth2_provider.models import get_application_model

        from . import checks  # noqa: F401 - registers the deployment checks
        from .signals import default_to_rs256

        pre_save.connect(default_to_rs256, sender=get_application_model(), dispatch_uid="identite_oidc_rs256")
        try:
            from socle.identite.connected import register_provider
        except ImportError:  # the accounts part is not there (yet)
            return
        from . import connected

        register_provider("oidc", connected.list_services, connected.revoke)
