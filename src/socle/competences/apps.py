from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetencesConfig(AppConfig):
    name = "socle.competences"
    label = "competences"
    verbose_name = _("Digital skills — CRCN and Pix")
    default_auto_field = "django.db.models.BigAutoField"
