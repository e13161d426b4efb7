"""Benchmarks (benchmarks/*.py): production-like settings on the PostgreSQL given by DATABASE_URL."""

import os

from .base import *  # noqa: F403

if "DATABASE_URL" not in os.environ:
    raise RuntimeError("Benchmarks run against PostgreSQL: set DATABASE_URL=postgres://user@host:port/dbname")
DEBUG = False  # DEBUG would keep every SQL query in memory and distort the RSS figures
SECRET_KEY = "bench-only-key"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
# The burst benchmark measures the platform's side of e-mail: the relay is outside (dummy backend).
EMAIL_BACKEND = os.environ.get("SOCLE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
