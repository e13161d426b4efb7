from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running the platform: the broker-backed tasks backend (Celery on RabbitMQ), the scheduler
    of periodic jobs, health and readiness endpoints, structured logs (docs/operations.md)."""

    name = "socle.operations"
    label = "operations"
    verbose_name = _("Operations")
    default_auto_field = "django.db.models.BigAutoField"
    api_scopes = {"operations:read": "read the scheduled jobs, their last and next runs and failures"}
