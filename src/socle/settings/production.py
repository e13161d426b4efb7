"""Production: secure by default. Refuses to start on a missing secret or host list."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = False
SECRET_KEY = os.environ.get("SOCLE_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SOCLE_SECRET_KEY must be set (at least 50 random characters).")
ALLOWED_HOSTS = env_list("SOCLE_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("SOCLE_ALLOWED_HOSTS must list the host names this instance serves.")
CSRF_TRUSTED_ORIGINS = env_list("SOCLE_CSRF_TRUSTED_ORIGINS")

SECURE_SSL_REDIRECT = env_bool("SOCLE_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SOCLE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SOCLE_SHOW_DEMO_LOGINS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = os.environ.get("SOCLE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

# Structured logs: one JSON object per line on stderr (timestamp, level, logger, message and any
# `extra` fields), for the log collector; SOCLE_LOG_FORMAT=plain for a human reading a terminal.
if os.environ.get("SOCLE_LOG_FORMAT", "json") == "json":
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
                "rename_fields": {
                    "asctime": "time",
                    "levelname": "level",
                    "name": "logger",
                    "process": "pid",
                },
                "timestamp": False,
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"handlers": ["console"], "level": os.environ.get("SOCLE_LOG_LEVEL", "INFO")},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
# Health probes come over plain HTTP from the load balancer or orchestrator, not through the TLS
# proxy: answer them instead of redirecting to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^sante/"]
