"""Settings shared by every environment. Values that differ between machines come from
environment variables (see ``.env.example``); the defaults give the embedded setup: SQLite, Celery
tasks run eagerly in the web process, e-mail printed to the console."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A developer may keep their variables in a .env file next to manage.py; real environment
# variables win over it.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-local-key-only-for-the-embedded-setup")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "csp",
    "simple_history",
    "import_export",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The site (settings, URLs, the Celery app, navigation); its old migrations hand the models
    # that moved out to the apps below.
    "portal",
    # The domain, lower apps first: an app imports only those above it in this list
    # (scripts/check_imports.py checks it).
    "organisations",
    "accounts",
    "enterprises",
    "incentives",
    "applications",
    # Peers above the case work: official lists, 好差评, 政策咨询.
    "official_lists",
    "ratings",
    "consultations",
    "audit",
    "dashboard",
]

MIDDLEWARE = [
    # First: refuses an oversized body from its Content-Length before anything reads it.
    "portal.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChineseByDefaultLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records who made each catalogue change in its history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Locks out repeated failed logins; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "accounts.auth.WebLoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one username from one address lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.auth.login_username"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)

# Content security policy: everything from our own origin; no inline scripts or styles (the
# vendored Bootstrap and htmx need none). The Swagger UI page relaxes it for its own script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "portal.context_processors.navigation",
                "portal.context_processors.inbox",
                "portal.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Re-use connections, but test them first so a restarted PostgreSQL does not need a portal restart.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Each process keeps the public catalogue pages it rendered (incentives/caching.py); they are
# keyed by the catalogue version in the database, so no shared cache server is needed.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # Counts of mail sent at someone's request (portal/throttles.py). Per process by default;
    # with several web processes point it at Redis so they count together.
    "throttle": env.cache_url("THROTTLE_CACHE_URL", default="locmemcache://portal-throttle"),
}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "accounts.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:workspace"
LOGOUT_REDIRECT_URL = "portal:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link is valid for one day

# Simplified Chinese by default; English through the language switch.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
# Uploaded files (attachments) live outside static/ and are never served as static files.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Who runs the portal (主办单位) and the consultation line, shown in every page's footer; set per
# city. check --deploy warns when they are missing in production.
PORTAL_HOST = env("PORTAL_HOST", default="")
PORTAL_HELPLINE = env("PORTAL_HELPLINE", default="")
PORTAL_HELP_HOURS = env("PORTAL_HELP_HOURS", default="")

# E-mail: EMAIL_URL such as smtp://user:pass@mail.example.cn:587 or consolemail:// (the default).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="科技创新政策兑现平台 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Celery. With no broker configured, tasks run eagerly inside the web process (the embedded
# setup); with CELERY_BROKER_URL=redis://… they go to Redis and real workers.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
# Eager tasks never reach a broker; name the in-memory one so nothing tries amqp://localhost.
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# acks_late tasks are redelivered after this long if a worker died holding them; a broker that
# does not answer is given up on quickly, so a page never hangs on it (the outbox keeps the work).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_TIMEZONE = TIME_ZONE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "portal.api.Pagination",
    # The browser's session only: no Basic auth, so no password ever travels with API calls.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "PAGE_SIZE": 50,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON nested too deeply is a 400, not a RecursionError (portal/api.py).
    "DEFAULT_PARSER_CLASSES": [
        "portal.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "科技创新政策兑现平台 API",
    "DESCRIPTION": "Read-only access to the policy catalogue: documents, items and bureaus.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Annex import through the admin needs the "change" permission on measures.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"

# Applications: time limits in working days where an item states none, publicity days, how
# early the lead bureau is reminded of a deadline, the largest attachment accepted.
DEFAULT_PROCESSING_DAYS = env.int("DEFAULT_PROCESSING_DAYS", default=60)
DEFAULT_PUBLICITY_DAYS = env.int("DEFAULT_PUBLICITY_DAYS", default=5)
DEADLINE_REMINDER_DAYS = env.int("DEADLINE_REMINDER_DAYS", default=5)
ATTACHMENT_MAX_SIZE = env.int("ATTACHMENT_MAX_SIZE", default=10 * 1024 * 1024)

# 政策咨询: a question is answered within this many working days; its bureau is reminded this
# many working days before; visitors may ask this often per client address and per phone or
# e-mail (enterprise users per account).
QUESTION_ANSWER_DAYS = env.int("QUESTION_ANSWER_DAYS", default=5)
QUESTION_REMINDER_DAYS = env.int("QUESTION_REMINDER_DAYS", default=1)
QUESTIONS_PER_IP_PER_HOUR = env.int("QUESTIONS_PER_IP_PER_HOUR", default=5)
QUESTIONS_PER_IP_PER_DAY = env.int("QUESTIONS_PER_IP_PER_DAY", default=20)
QUESTIONS_PER_CONTACT_PER_DAY = env.int("QUESTIONS_PER_CONTACT_PER_DAY", default=5)

# Mail others can make the portal send: invitations per enterprise, password-reset mails per
# e-mail address and per client address (the page still says "sent" for an address over its
# limit, so it reveals nothing about accounts).
INVITATIONS_PER_ENTERPRISE_PER_HOUR = env.int("INVITATIONS_PER_ENTERPRISE_PER_HOUR", default=10)
INVITATIONS_PER_ENTERPRISE_PER_DAY = env.int("INVITATIONS_PER_ENTERPRISE_PER_DAY", default=30)
PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = env.int("PASSWORD_RESETS_PER_ADDRESS_PER_HOUR", default=3)
PASSWORD_RESETS_PER_IP_PER_HOUR = env.int("PASSWORD_RESETS_PER_IP_PER_HOUR", default=20)

# Request bodies. A request with files may be up to MAX_REQUEST_BODY (the claim form with the
# most materials takes five attachments at once); one without files up to
# DATA_UPLOAD_MAX_MEMORY_SIZE. Anything larger is refused with 413 from its Content-Length,
# before it is read (portal/middleware.py). Uploaded files above FILE_UPLOAD_MAX_MEMORY_SIZE
# are streamed to a temporary file instead of memory.
MAX_REQUEST_BODY = env.int("MAX_REQUEST_BODY", default=64 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# Health check: how long /healthz waits for the broker before calling it down.
HEALTHZ_BROKER_TIMEOUT = env.float("HEALTHZ_BROKER_TIMEOUT", default=2.0)
# Approvals above this amount (yuan) need a second head's sign-off (双人复核), unless the item
# sets its own threshold.
SECOND_REVIEW_ABOVE = env.int("SECOND_REVIEW_ABOVE", default=1_000_000)
# Objections during 公示: at most this many a day from one address, and this many awaiting the
# bureau's decision on one case.
OBJECTIONS_PER_ADDRESS_PER_DAY = env.int("OBJECTIONS_PER_ADDRESS_PER_DAY", default=5)
OBJECTIONS_PENDING_PER_CASE = env.int("OBJECTIONS_PENDING_PER_CASE", default=20)
