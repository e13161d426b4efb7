from django.apps import AppConfig


class TracesConfig(AppConfig):
    name = "socle.traces"
    label = "traces"
    verbose_name = "Traces (xAPI Learning Record Store)"
    default_auto_field = "django.db.models.BigAutoField"
