from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferentielConfig(AppConfig):
    name = "socle.referentiel"
    label = "referentiel"
    verbose_name = _("Référentiel")

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        # Per-record audit trail (who, when, what) for every interactive change. Bulk imports
        # bypass model signals and are audited through core.ImportRun instead.
        for model in (
            models.Etablissement,
            models.Person,
            models.StaffFunction,
            models.ClassGroup,
            models.Enrolment,
            models.TeachingAssignment,
            models.Guardianship,
        ):
            auditlog.register(model)
