"""Settings shared by every mode. Everything that varies comes from the environment, read here once.

Modes: ``local`` (the embedded default for ``make run``), ``test`` (``make test``) and
``production`` (``DEBUG=False``, secrets required). See the README's configuration table.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file beside manage.py is optional; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base for links in emails, which are rendered outside any request.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="HomePortal")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "anymail",
    "csp",
    "clients",
    "listings",
    "notifications",
    "messaging",
    "searches",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, reading the session, its user and a client's portal state in one statement.
    "clients.middleware.AuthenticationMiddleware",
    "clients.middleware.HtmxLoginRedirectMiddleware",
    "clients.middleware.MustChangePasswordMiddleware",
    "clients.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "portal_project.urls"
WSGI_APPLICATION = "portal_project.wsgi.application"
ASGI_APPLICATION = "portal_project.asgi.application"

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
                "clients.context_processors.branding",
                "notifications.context_processors.agent_bell",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# Unset DATABASE_URL means the embedded default: a SQLite file beside manage.py.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Reconnects after a PostgreSQL restart without restarting the app.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Optional read replica (docs/deploy.md): listing reads outside transactions go there.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["portal_project.db_router.ReadReplicaRouter"]
REPLICA_READ_MODELS = ["listings.Listing", "listings.ListingMedia", "listings.OpenHouse"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker ------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Every portal page reads the cache: a Redis that stops answering (not just one that is down)
# must cost the cache, not hang the page (listings/shared_cache.py treats errors as misses).
CACHE_REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal_project.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
            "OPTIONS": CACHE_REDIS_OPTIONS,
        }
    }
else:
    # Embedded mode: rate limits still work within one process.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# No broker configured: run tasks in-process so `make run` needs nothing else.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tasks must finish (or be re-queued) well inside this; never schedule ETAs beyond it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 60 * 60,
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
}
# A request that publishes while Redis is down must not hang: fail fast (about 1 s in all) and
# leave the work to the database-backed sweepers.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    "sweep-outbox": {"task": "notifications.sweep_outbox", "schedule": 60.0},
    # RESO Web API replication: fetches only what changed since each feed's high-water mark.
    "import-listing-feeds": {"task": "listings.import_feeds", "schedule": 5 * 60.0},
    # Saved market reports' monthly update; daily, so a missed day catches up (once a month each).
    "market-report-updates": {"task": "listings.reports_monthly_update", "schedule": 24 * 3600.0},
    # Saved-search alerts: ASAP ones within 15 minutes of a change, scheduled ones on the hour.
    "match-listing-events": {"task": "searches.match_events", "schedule": 5 * 60.0},
    "send-search-alerts": {"task": "searches.send_due_alerts", "schedule": 2 * 60.0},
    "review-saved-searches": {"task": "searches.review_searches", "schedule": 24 * 3600.0},
    # The portal versions' superseded rows (clients/portal_version.py).
    "prune-portal-versions": {"task": "clients.prune_portal_versions", "schedule": 3600.0},
}
CELERY_TASK_ROUTES = {
    "notifications.*": {"queue": "email"},
    "listings.import_*": {"queue": "imports"},
    "clients.import_*": {"queue": "imports"},
    "searches.*": {"queue": "matching"},
}

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "clients.User"
AUTHENTICATION_BACKENDS = [
    # Django's ModelBackend with a plain-SQL get_user (clients/auth_backends.py).
    "clients.auth_backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "clients.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Accounts are made by MLS staff or by an agent for their client; the invitation proves the address.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
# Failed logins: 10 a minute per IP, 5 per 5 minutes per account (allauth's default, made explicit).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/300s/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# A reset asked for an address we do not know sends nothing (no mail to strangers on request).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False

# --- Email --------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "emails"))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="HomePortal <no-reply@homeportal.example>"
)
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Provider credentials for django-anymail, e.g. ANYMAIL_POSTMARK_SERVER_TOKEN=...;
# pick the provider with EMAIL_BACKEND=anymail.backends.postmark.EmailBackend.
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in env.ENVIRON.items()
    if key.startswith("ANYMAIL_")
}

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads above this are refused by the form with a message (see clients.validators).
MAX_IMAGE_UPLOAD_BYTES = env.int("MAX_IMAGE_UPLOAD_BYTES", default=5 * 1024 * 1024)
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Listings ---------------------------------------------------------------------------------
# A RESO Web API feed read by the beat job (unset: no feed; `import_listings --url` still works).
RESO_FEED_URL = env.str("RESO_FEED_URL", default="")
RESO_FEED_TOKEN = env.str("RESO_FEED_TOKEN", default="")
RESO_OAUTH_TOKEN_URL = env.str("RESO_OAUTH_TOKEN_URL", default="")
RESO_OAUTH_CLIENT_ID = env.str("RESO_OAUTH_CLIENT_ID", default="")
RESO_OAUTH_CLIENT_SECRET = env.str("RESO_OAUTH_CLIENT_SECRET", default="")
LISTING_PHOTO_MAX_BYTES = env.int("LISTING_PHOTO_MAX_BYTES", default=15 * 1024 * 1024)
# Feed photo URLs are fetched from public addresses only (no loopback, private or link-local
# hosts: listings.feeds.http); True only for a test or an MLS on your own network.
LISTING_PHOTO_ALLOW_PRIVATE_HOSTS = env.bool("LISTING_PHOTO_ALLOW_PRIVATE_HOSTS", default=False)
# The Dashboard and the Search Listings landing view kept whole per client while nothing they
# show changes (listings/page_cache.py; PostgreSQL only).
PORTAL_PAGE_CACHE = env.bool("PORTAL_PAGE_CACHE", default=True)
# Each web process keeps the pages it served last in front of Redis, up to this many bytes.
PORTAL_PAGE_CACHE_LOCAL_BYTES = env.int("PORTAL_PAGE_CACHE_LOCAL_BYTES", default=16 * 1024 * 1024)
# Map tiles for Leaflet, e.g. https://tile.example.com/{z}/{x}/{y}.png; unset: no tiles (tests,
# offline demo) and the map still shows markers on a plain background.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")

# --- I18N -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True
FORMS_URLFIELD_ASSUME_HTTPS = True

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Content-Security-Policy: scripts only from our own static files (no inline scripts anywhere);
# inline style attributes are allowed (Leaflet and htmx set styles). Map tiles add their host.
_tile_origin = "/".join(MAP_TILE_URL.split("/")[:3]) if MAP_TILE_URL.startswith("http") else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *([_tile_origin] if _tile_origin else [])],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Sessions stay in the database (a logout or password change ends them at once, Redis or not);
# each keeps its user's id, so one statement reads the session, the user and a client's portal
# state (clients/sessions.py).
SESSION_ENGINE = "clients.sessions"
