from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ViescolaireDiffusionConfig(AppConfig):
    name = "socle.viescolaire.diffusion"
    label = "viescolaire_diffusion"
    verbose_name = _("School life — quiet hours and delivery")
    default_auto_field = "django.db.models.BigAutoField"
