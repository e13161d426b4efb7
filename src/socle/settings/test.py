"""`make test`: a real PostgreSQL server (DATABASE_URL is set by scripts/with_postgres.py)."""

import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
if "DATABASE_URL" not in os.environ:
    raise RuntimeError(
        "The test suite runs against a real PostgreSQL server: run it with `make test`, "
        "or set DATABASE_URL=postgres://user@host:port/dbname"
    )
# Fast hashing in tests except where a test asks for Argon2 explicitly.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_ENABLED = True
SOCLE_SHOW_DEMO_LOGINS = True
# Serve static files straight from the apps in tests (no collectstatic step).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# The protocol tests' relying parties listen on http://127.0.0.1 (live_server).
OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] = ["https", "http"]  # noqa: F405
