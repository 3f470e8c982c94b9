"""emailassist settings: one file, read from the environment (django-environ).

Local defaults are safe and need nothing installed: SQLite in the project folder and django-q2's ORM broker.
With DEBUG off, every production secret must come from the environment: a missing one stops start-up.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# Local-only fallbacks: used while DEBUG is on, refused when it is off.
_DEV_SECRET_KEY = "dev-insecure-secret-key-do-not-use-in-production"
# A Fernet key (urlsafe base64 of 32 bytes). Only for local use; production must set its own.
_DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="


def _required_secret(name, dev_default, *, cast=str):
    """A secret from the environment; in DEBUG a local default, otherwise a start-up error naming it."""
    if name in env.ENVIRON:
        return env.list(name) if cast is list else env.str(name)
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set in the environment when DEBUG is off.")


SECRET_KEY = _required_secret("SECRET_KEY", _DEV_SECRET_KEY)
# First key encrypts, every key decrypts: add a new key first, run rotate_encryption_keys, then drop the old.
FIELD_ENCRYPTION_KEYS = _required_secret("FIELD_ENCRYPTION_KEYS", [_DEV_FIELD_KEY], cast=list)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Where the product is reached from outside (OAuth redirect URIs, links in mail).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "rest_framework",
    "django_q",
    "django_htmx",
    "template_partials",
    "emailassist",  # project-wide management commands (key rotation, first admin)
    "integrations",
    "training",
    "assistants",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "emailassist.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "emailassist.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the cluster write at once: wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Secure cookies and HSTS whenever we are not developing locally.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None

# django-allauth: local username/password; "Sign in with Google" only when Google credentials are configured.
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
# A self-hosted team tool: admins create users; open sign-up is off unless asked for.
ACCOUNT_ADAPTER = "emailassist.auth.AccountAdapter"
ALLOW_SIGNUP = env.bool("ALLOW_SIGNUP", default=False)

GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env.str("GOOGLE_CLIENT_SECRET", default="")
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "SCOPE": ["openid", "email", "profile"],
        "AUTH_PARAMS": {"access_type": "online"},
        "OAUTH_PKCE_ENABLED": True,
        # Settings-based app: no database row and no Google call when the id is empty.
        "APPS": (
            [{"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET, "key": ""}] if GOOGLE_CLIENT_ID else []
        ),
    }
}
SOCIALACCOUNT_ONLY = False

# Gmail API, OAuth and Pub/Sub endpoints are settings, so one code path serves Google and the local sandbox.
GMAIL_API_ROOT_URL = env.str("GMAIL_API_ROOT_URL", default="https://gmail.googleapis.com/")
GOOGLE_OAUTH_AUTHORIZE_URL = env.str("GOOGLE_OAUTH_AUTHORIZE_URL", default="https://accounts.google.com/o/oauth2/auth")
GOOGLE_OAUTH_TOKEN_URL = env.str("GOOGLE_OAUTH_TOKEN_URL", default="https://oauth2.googleapis.com/token")
GOOGLE_OAUTH_REVOKE_URL = env.str("GOOGLE_OAUTH_REVOKE_URL", default="https://oauth2.googleapis.com/revoke")
GOOGLE_CERTS_URL = env.str("GOOGLE_CERTS_URL", default="https://www.googleapis.com/oauth2/v1/certs")
# Least privilege: reading, labelling and drafting. Sending is added per account when an assistant may send.
GMAIL_SCOPES = env.list(
    "GMAIL_SCOPES",
    default=[
        "openid",
        "https://www.googleapis.com/auth/userinfo.email",
        "https://www.googleapis.com/auth/gmail.modify",
    ],
)
GMAIL_SEND_SCOPE = "https://www.googleapis.com/auth/gmail.send"
GMAIL_PUSH_TOPIC = env.str("GMAIL_PUSH_TOPIC", default="")
GMAIL_PUSH_AUDIENCE = env.str("GMAIL_PUSH_AUDIENCE", default="")
GMAIL_PUSH_SERVICE_ACCOUNT = env.str("GMAIL_PUSH_SERVICE_ACCOUNT", default="")
# Google says notifications may be late or lost: sync anyway after this long without one.
GMAIL_POLL_FALLBACK_MINUTES = env.int("GMAIL_POLL_FALLBACK_MINUTES", default=15)
# Gmail per-user quota (units per minute); the sync spends at most this, shared by all workers.
GMAIL_QUOTA_UNITS_PER_MINUTE = env.int("GMAIL_QUOTA_UNITS_PER_MINUTE", default=6000)
# A message larger than this is stored with its headers and a note, without its body.
GMAIL_MAX_MESSAGE_BYTES = env.int("GMAIL_MAX_MESSAGE_BYTES", default=10 * 1024 * 1024)

# Someone waits on the settings page while "Test connection" runs: past this many seconds it reports a timeout.
AI_TEST_CONNECTION_TIMEOUT = env.float("AI_TEST_CONNECTION_TIMEOUT", default=10)

# django-q2: the ORM broker by default (nothing to install), Redis when REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
Q_CLUSTER = {
    "name": "emailassist",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=1800),
    "retry": env.int("Q_RETRY", default=1860),
    "max_attempts": 1,
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    # A file cache is shared by the web server and the cluster's processes (cluster stats, locks, dedup).
    else {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": BASE_DIR / "var" / "cache"}}
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # googleapiclient logs request URLs and bodies at DEBUG; never let mail or tokens reach the logs.
        "googleapiclient": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "openai": {"level": "WARNING"},
    },
}
