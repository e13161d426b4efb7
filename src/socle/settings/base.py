"""Settings shared by every environment. Everything that differs between deployments comes from
environment variables (12-factor), never from a file committed to the repository."""

import os
import warnings
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

# pysaml2 imports a cipher mode that `cryptography` has moved; it does not use it for SAML.
warnings.filterwarnings("ignore", message="CFB has been moved", module=r"saml2\.cryptography")

BASE_DIR = Path(__file__).resolve().parents[3]  # the repository root
SRC_DIR = BASE_DIR / "src" / "socle"
VAR_DIR = Path(os.environ.get("SOCLE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SOCLE_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("SOCLE_ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # TemplatesSetting form renderer (django-dsfr) needs its templates
    "widget_tweaks",
    "dsfr",
    "axes",
    "auditlog",
    # Serves the API docs page (Swagger UI) from our own static files: no CDN, no inline script.
    "ninja",
    "socle.core",
    "socle.referentiel",
    # Identité: accounts, TOTP second factor (django-otp), roles and authorization.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "socle.identite",
    "socle.echanges",
    "socle.traces",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The xAPI endpoints (Basic/Bearer credentials, no cookies) skip the page stack below:
    # sessions, CSRF, OTP, messages, auditlog, axes are useless there and cost ~0.5 ms per call.
    "socle.traces.middleware.XAPIShortPathMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Identité: logs out revoked sessions, keeps "my sessions" up to date.
    "socle.identite.sessions.SessionTrackingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Last, as django-axes asks: it turns locked-out logins into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "socle.urls"
WSGI_APPLICATION = "socle.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dsfr.context_processors.site_config",
                "socle.core.context_processors.platform",
            ],
        },
    },
]
# django-dsfr renders form widgets from templates.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'socle.sqlite3'}"),
        conn_max_age=int(os.environ.get("SOCLE_DB_CONN_MAX_AGE", "60")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2id first (ANSSI / OWASP recommendation); the others only verify legacy hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "identite:login"  # Identité: password, then TOTP where enrolled or mandatory
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Login rate limit / progressive lockout (django-axes): 5 failures per user+IP lock for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("SOCLE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("SOCLE_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/lockout.html"
# A browser that has signed in for a login before is counted on its own (Identité's device
# cookie, socle.identite.throttle): a guesser behind the same address cannot lock it out.
AXES_WHITELIST_CALLABLE = "socle.identite.throttle.axes_whitelisted"
# django-otp's own per-device delay grows with every failure, whoever made it: someone with the
# password could lock the holder's authenticator for days. Identité counts TOTP failures per
# account and client instead (socle.identite.throttle); operators never see a device's key.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4). DSFR's JS and CSS are served from our own origin; the
# inline <script> that django-dsfr emits carries the per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # NONCE is django-csp's sentinel: the string "'nonce'" would be sent literally.
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# The DSFR look is reserved to State websites by its licence. Non-State operators (collectivités,
# private hosts) set SOCLE_DSFR=false and get the plain accessible theme instead.
SOCLE_DSFR = env_bool("SOCLE_DSFR", True)
SOCLE_SERVICE_NAME = os.environ.get("SOCLE_SERVICE_NAME", "Socle")
SOCLE_SERVICE_TAGLINE = os.environ.get(
    "SOCLE_SERVICE_TAGLINE", "Les services numériques partagés de l’éducation"
)
# Show the demo personas and their passwords on the home page (dev only, never in production).
SOCLE_SHOW_DEMO_LOGINS = False

# API pagination bounds (Référentiel read API).
SOCLE_API_DEFAULT_PAGE_SIZE = 100
SOCLE_API_MAX_PAGE_SIZE = 1000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SOCLE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Identité protocols: OIDC provider, CAS server, SAML IdP, upstream OIDC federation ------------
# (socle.identite.oidc/cas/saml/federation; docs/identite.md, "Protocols"). Signing keys are never
# committed: they come from the environment or from key files, and are generated into the var dir
# only where SOCLE_IDENTITE_GENERATE_KEYS is true (dev, tests); production sets it to false.
from socle.identite.oidc.keys import load_oidc_keys  # noqa: E402

INSTALLED_APPS += [
    "oauth2_provider",
    "socle.identite.oidc",
    "socle.identite.cas",
    "socle.identite.saml",
    "socle.identite.federation",
]
SOCLE_CAS_TICKET_SECONDS = int(os.environ.get("SOCLE_CAS_TICKET_SECONDS", "10"))
# Upstream OIDC providers for guardians (FranceConnect-style); see socle/identite/federation.
SOCLE_FEDERATION_PROVIDERS = {}
if os.environ.get("SOCLE_FRANCECONNECT_ISSUER"):
    SOCLE_FEDERATION_PROVIDERS["franceconnect"] = {
        "name": "FranceConnect",
        "issuer": os.environ["SOCLE_FRANCECONNECT_ISSUER"],
        "client_id": os.environ.get("SOCLE_FRANCECONNECT_CLIENT_ID", ""),
        "client_secret": os.environ.get("SOCLE_FRANCECONNECT_CLIENT_SECRET", ""),
        "scope": os.environ.get(
            "SOCLE_FRANCECONNECT_SCOPE",
            "openid given_name family_name birthdate gender birthplace birthcountry",
        ),
    }
SOCLE_IDENTITE_GENERATE_KEYS = env_bool("SOCLE_IDENTITE_GENERATE_KEYS", True)
SOCLE_KEYS_DIR = Path(os.environ.get("SOCLE_KEYS_DIR", VAR_DIR / "keys"))
# The OIDC issuer (and CAS/SAML base URL); empty = derived from the request's host.
SOCLE_IDENTITY_ISSUER = os.environ.get("SOCLE_IDENTITY_ISSUER", "").rstrip("/")
_OIDC_KEY, _OIDC_PREVIOUS_KEYS = load_oidc_keys(
    Path(os.environ.get("SOCLE_OIDC_KEYS_DIR", SOCLE_KEYS_DIR / "oidc")), SOCLE_IDENTITE_GENERATE_KEYS
)


def _pkce_required(client_id: str) -> bool:
    from socle.identite.oidc.policy import pkce_required

    return pkce_required(client_id)


# Named explicitly: a model pointing at the swappable Application needs the setting to exist.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# Client secrets are server-generated random strings: a fast salted HMAC, not Argon2 (see hashers.py).
PASSWORD_HASHERS = [*PASSWORD_HASHERS, "socle.identite.oidc.hashers.ClientSecretHasher"]

OAUTH2_PROVIDER = {
    "CLIENT_SECRET_HASHER": "socle_client_secret",
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _OIDC_KEY,
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": _OIDC_PREVIOUS_KEYS,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_SUBJECT_TYPES_SUPPORTED": ["pairwise", "public"],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OAUTH2_VALIDATOR_CLASS": "socle.identite.oidc.validators.SocleOAuth2Validator",
    "SCOPES_BACKEND_CLASS": "socle.identite.oidc.scopes.ClientScopes",
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": _pkce_required,
    "REQUEST_APPROVAL_PROMPT": "auto",  # a consent once given is remembered while a token lives
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 900,
    "ID_TOKEN_EXPIRE_SECONDS": 900,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # No grace period: refresh tokens are stored hashed, a replay cannot be answered with the same
    # token, so any replay revokes the family (reuse protection).
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "ALLOWED_REDIRECT_URI_SCHEMES": env_list("SOCLE_OIDC_REDIRECT_SCHEMES", "https"),
    # RFC 9700 (OAuth 2.0 Security BCP): S256 only, no implicit/password grants, `iss` in the
    # authorization response, tokens stored as hashes.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
}

# --- Ressources, Vie scolaire, Pilotage --------------------------------------------------------
INSTALLED_APPS += [
    # Background work through Django's tasks API (django-tasks backport); the database backend
    # needs no broker, so the embedded default works out of the box (worker: `socle db_worker`).
    "django_tasks",
    "django_tasks_db",
    "socle.ressources",
    "socle.ressources.gar",
    "socle.viescolaire",
    "socle.viescolaire.diffusion",
    "socle.pilotage",
    "socle.pilotage.collecte",
    # Operations: Celery tasks backend, scheduler of periodic jobs, health and readiness.
    "socle.operations",
    "socle.competences",
]
# SOCLE_TASKS_BACKEND: "database" (default, no broker) or "celery" (RabbitMQ at SOCLE_BROKER_URL,
# queues named SOCLE_BROKER_QUEUE_PREFIX + queue), or any backend's dotted path. Workers:
# `socle worker` for either (docs/operations.md).
TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "celery": "socle.operations.tasks_backend.CeleryBackend",
}
_tasks_backend = os.environ.get("SOCLE_TASKS_BACKEND", "database")
TASKS = {"default": {"BACKEND": TASKS_BACKENDS.get(_tasks_backend, _tasks_backend)}}
# Open data (socle.pilotage.opendata): minimum persons behind a published cell; public URL of the
# files (DCAT download URLs). See docs/pilotage-opendata.md.
SOCLE_OPENDATA_MIN_PERSONS = int(os.environ.get("SOCLE_OPENDATA_MIN_PERSONS", "10"))
SOCLE_OPENDATA_MIN_SCHOOLS = int(os.environ.get("SOCLE_OPENDATA_MIN_SCHOOLS", "3"))
SOCLE_OPENDATA_BASE_URL = os.environ.get("SOCLE_OPENDATA_BASE_URL", "")
# Ressources (socle.ressources.gar): retention of the pseudonymous access log, and whether the
# client-certificate headers set by the mTLS proxy are trusted (on only behind that proxy).
SOCLE_GAR_ACCESS_LOG_DAYS = int(os.environ.get("SOCLE_GAR_ACCESS_LOG_DAYS", "400"))
SOCLE_GAR_TRUST_CERT_HEADER = os.environ.get("SOCLE_GAR_TRUST_CERT_HEADER", "") == "1"
# The platform's public address: notifications sent by e-mail carry absolute links built on it.
SOCLE_PUBLIC_URL = os.environ.get("SOCLE_PUBLIC_URL", "")
# Vie scolaire delivery (docs/vie-scolaire.md, "Delivery"): the push gateway's backend; whether the
# e-mail relay deduplicates on Message-ID (then a send interrupted by a killed worker is sent
# again); how long a claimed send may take before it counts as interrupted (seconds).
if os.environ.get("SOCLE_DIFFUSION_PUSH_BACKEND"):
    SOCLE_DIFFUSION_PUSH_BACKEND = os.environ["SOCLE_DIFFUSION_PUSH_BACKEND"]
SOCLE_DIFFUSION_EMAIL_IDEMPOTENT = env_bool("SOCLE_DIFFUSION_EMAIL_IDEMPOTENT", False)
SOCLE_DIFFUSION_SEND_LEASE_SECONDS = float(os.environ.get("SOCLE_DIFFUSION_SEND_LEASE_SECONDS", "900"))
# Periodic jobs, run by `socle scheduler` (no cron; docs/operations.md, "Scheduled jobs"): every
# one is idempotent. `every`: seconds; `daily`: local time (TIME_ZONE). Runs missed while no
# scheduler ran are caught up once when one starts.
SOCLE_SCHEDULE = {
    "diffusion-deliver-due": {"command": "diffusion-deliver-due", "every": 300},
    "viescolaire-purge": {"command": "viescolaire-purge", "daily": "02:10"},
    "gar-purge-accesses": {"command": "gar-purge-accesses", "daily": "02:20"},
    "identite-retention": {"command": "identite-retention", "daily": "02:30"},
    "traces-partitions": {"command": "traces-partitions", "args": ["--months-ahead", "3"], "daily": "02:50"},
    "clearsessions": {"command": "clearsessions", "daily": "03:00"},
}
# The LRS keeps statements without limit unless a retention is set (docs/traces.md): then purge.
if os.environ.get("SOCLE_TRACES_RETENTION_DAYS"):
    SOCLE_SCHEDULE["traces-purge"] = {"command": "traces-purge", "daily": "02:40"}
