from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RessourcesConfig(AppConfig):
    name = "socle.ressources"
    label = "ressources"
    verbose_name = _("Resources — catalogue")
    default_auto_field = "django.db.models.BigAutoField"
    # Scopes of the catalogue API (/api/ressources/), accepted by `socle api-token create --scope`.
    api_scopes = {
        "ressources:read": "Search the catalogue of qualified resources and read their notices",
        "ressources:submit": "Submit notices for the providers the token is linked to",
        "ressources:review": "Review submitted notices: qualify or refuse them (ministry)",
    }
