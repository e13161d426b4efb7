from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class ViescolaireDiffusionConfig(AppConfig):
    name = "socle.viescolaire.diffusion"
    label = "viescolaire_diffusion"
    verbose_name = _("School life — quiet hours and delivery")
    default_auto_field = "django.db.models.BigAutoField"
    api_scopes = {
        "diffusion:read": "read quiet-hours settings, holidays, delivery times, the urgent log",
        "diffusion:manage": "change quiet-hours settings, bounds, holidays; review urgent publications",
    }

    def ready(self) -> None:
        checks.register(check_test_clock, checks.Tags.security)


def check_test_clock(app_configs=None, **kwargs):
    """The frozen test clock must never be switched on outside the test settings."""
    from django.conf import settings

    from .clock import TEST_SETTINGS_MODULE, settings_module

    if getattr(settings, "SOCLE_DIFFUSION_TEST_CLOCK", False) and settings_module() != TEST_SETTINGS_MODULE:
        return [
            checks.Error(
                "SOCLE_DIFFUSION_TEST_CLOCK is only allowed under socle.settings.test.",
                hint="Remove the setting: the platform clock must be the real time.",
                id="viescolaire_diffusion.E001",
            )
        ]
    return []
