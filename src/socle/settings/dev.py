"""`make run`: the embedded default (SQLite), demo logins shown, everything local."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = True
# A development-only key; production refuses to start without SOCLE_SECRET_KEY.
SECRET_KEY = os.environ.get("SOCLE_SECRET_KEY") or "dev-only-insecure-key-never-use-in-production"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
SOCLE_SHOW_DEMO_LOGINS = True
# `make run` serves here; e-mailed notifications link to it.
SOCLE_PUBLIC_URL = os.environ.get("SOCLE_PUBLIC_URL", "http://127.0.0.1:8000")
VAR_DIR.mkdir(parents=True, exist_ok=True)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
