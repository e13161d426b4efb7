from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RessourcesGarConfig(AppConfig):
    name = "socle.ressources.gar"
    label = "ressources_gar"
    verbose_name = _("Resources — subscriptions, assignments and access")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The IdPs ask this policy before signing anyone in to a catalogue resource.
        from socle.identite import access_policies

        from .policy import resource_access_policy

        access_policies.register(resource_access_policy)
