from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotageCollecteConfig(AppConfig):
    name = "socle.pilotage.collecte"
    label = "pilotage_collecte"
    verbose_name = _("Steering — equipment declarations")
    default_auto_field = "django.db.models.BigAutoField"
    # The scopes of the steering API (/pilotage/api/), declared here for the whole of
    # socle.pilotage. A token acts with the roles of the account that created it.
    api_scopes = {
        "pilotage:read": "read the steering indicators and declarations the token's owner may see",
        "pilotage:declare": (
            "declare equipment and Pix counts for the schools the token's owner may declare for"
        ),
    }
