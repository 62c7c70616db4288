"""Settings for the materiality project, read from the environment (see the README's table).

Unset, everything falls back to a self-contained demo: SQLite, tasks run in-process, e-mail to the console.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
# A fixed development key keeps demo sessions valid across restarts; production must set its own.
SECRET_KEY = env("SECRET_KEY", default="" if not DEBUG else "dev-only-insecure-key-change-me-0123456789abcdef")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused CSRF check re-shows a questionnaire with its answers and explains itself elsewhere (issue 11.3).
CSRF_FAILURE_VIEW = "surveys.views.csrf.csrf_failure"
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_results",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "knox",  # API tokens stored as SHA-512 digests, with an expiry (issue 11.8)
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",  # log-in throttling (issue 11.4): materiality.login_throttle
    "materiality",
    "stakeholders",
    "surveys",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages go out gzipped to browsers that accept it (a 24-topic form shrinks about tenfold); Django's own
    # middleware pads each body against BREACH-style guessing of the CSRF token (Django 4.2+). Static files
    # keep WhiteNoise's precompressed copies: WhiteNoise answers before this runs.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "materiality.middleware.StaffSessionIdleMiddleware",
    "materiality.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: it turns a locked-out log-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # gunicorn serves the collected static files itself; runserver does it in development.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "materiality.urls"
WSGI_APPLICATION = "materiality.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "materiality.organisation.context",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL and a busy timeout let the demo server and an in-process job write without "database is locked".
    # IMMEDIATE: a transaction takes the write lock when it starts, so concurrent writers wait their turn; a
    # deferred one that read first could not upgrade its lock and failed at once (parallel posts gave 500s).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE",
         "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes checks the lock before the password (so a locked account refuses even the right one), then Django's backend.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Log-in throttling (issue 11.4), for the app's log-in and the admin's alike: LOGIN_FAILURE_LIMIT wrong passwords for
# one user name from one address lock that pair for LOGIN_LOCKOUT_MINUTES (a try while locked starts the wait again),
# so 100 guesses take hours; colleagues behind the same address log in as usual. LOGIN_ADDRESS_FAILURE_LIMIT failures
# from one address, whatever the user names, lock the address. `manage.py axes_reset` lifts every lock.
AXES_HANDLER = "materiality.login_throttle.PairAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # the handler reads them in this order
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# A successful log-in must not wipe the address's count: one valid account would otherwise reset a spray.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "materiality.login_throttle.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password"]
# Behind PROXY_COUNT reverse proxies the client's address is taken from X-Forwarded-For as the nearest trusted proxy
# wrote it; with none (the default) only the connection's address counts, so a forged header changes nothing.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
if PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Hong_Kong")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["materiality.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# E-mail: console in development; EMAIL_URL (smtp://user:pass@host:587/?tls=True) in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ESG work team <esg@example.com>")

# Celery: Redis broker when REDIS_URL is set; otherwise tasks run in-process so the demo runs anywhere.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_TRACK_STARTED = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker killed mid-task must not lose the message: ack after the task, requeue when its process is lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Redis hands an unacknowledged message to another worker after visibility_timeout: it must outlast the longest
# task, or a run still working would be started twice. Set for the broker and the result backend alike.
CELERY_VISIBILITY_TIMEOUT = CELERY_TASK_TIME_LIMIT + 10 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT, "socket_connect_timeout": 5}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
# Publishing to a stopped broker fails within a second or two, so the page can say so instead of hanging.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
# Score runs: a heartbeat every few seconds; takeover of a silent run; the watchdog fails it after 2 minutes.
SCORE_RUN_HEARTBEAT_SECONDS = env.float("SCORE_RUN_HEARTBEAT_SECONDS", default=5)
SCORE_RUN_TAKEOVER_AFTER_SECONDS = env.int("SCORE_RUN_TAKEOVER_AFTER_SECONDS", default=30)
SCORE_RUN_FAIL_AFTER_SECONDS = env.int("SCORE_RUN_FAIL_AFTER_SECONDS", default=100)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Reminders to invited people who have not answered, at most every SURVEY_REMINDER_INTERVAL_DAYS each.
    "survey-reminders": {"task": "surveys.tasks.send_due_reminders_task", "schedule": 6 * 60 * 60},
    # The same for internal raters of IROs who have not handed in their ratings.
    "rater-reminders": {"task": "materiality.tasks.send_due_rater_reminders_task", "schedule": 6 * 60 * 60},
    # Fails score runs whose worker died unseen, within 2 minutes of their last heartbeat (100 s + this period).
    "score-run-watchdog": {"task": "materiality.tasks.fail_stale_runs_task", "schedule": 15},
}
SURVEY_REMINDER_INTERVAL_DAYS = env.int("SURVEY_REMINDER_INTERVAL_DAYS", default=7)
SURVEY_MAX_REMINDERS = env.int("SURVEY_MAX_REMINDERS", default=3)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content-Security-Policy (django-csp 4): scripts only from our own static files, never inline (issue 11.8); inline
# style attributes (progress bars, heat-map cells) stay allowed. Nothing loads from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],  # Bootstrap's and Swagger UI's small icons are data: URIs
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Staff sessions end after STAFF_SESSION_IDLE_MINUTES without a request (materiality.middleware).
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=120)
SESSION_COOKIE_HTTPONLY = True

# Production hardening follows from DEBUG=False, so `check --deploy` stays quiet there.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
    # A refused page (403) or a wrong address (404) is expected traffic, not an error worth a stack trace.
    # "django" prints through this handler only: Django's own console handler as well printed every line twice.
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False},
                "django.request": {"level": "ERROR"}},
}

# The read-only API (issue 5): session or token, role-checked per view; OpenAPI with locally served Swagger UI.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous client then gets 401 with a WWW-Authenticate header rather than 403.
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
# Knox keeps only a digest of each token; API_TOKEN_DAYS after it is made, a token stops working.
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=env.int("API_TOKEN_DAYS", default=90)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",  # as DRF's own tokens were sent: clients keep their header
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Double-materiality assessment API",
    "DESCRIPTION": "Read-only: issue libraries, assessments and confirmed results.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["materiality.api_permissions.HasStaffRole"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
