"""``make test``: real PostgreSQL and Redis (defaults: 127.0.0.1), fast hashing, mail kept in memory."""

from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-secret-key-with-enough-length-and-entropy-0123456789"
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/portal"),
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
# Unit tests call tasks in-process; tests about the broker start a real worker (tests/test_celery.py).
CELERY_TASK_ALWAYS_EAGER = True
# The cache gets its own Redis database so tests may clear it without touching broker queues.
CACHES = {
    "default": {
        "BACKEND": "portal_project.redis_cache.RedisCache",
        "LOCATION": env.str(
            "CACHE_REDIS_URL", default=urlunsplit(urlsplit(REDIS_URL)._replace(path="/1"))
        ),
        "KEY_PREFIX": "portal-test",
        "OPTIONS": CACHE_REDIS_OPTIONS,  # noqa: F405
    }
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Worker processes started by tests write emails to files so the test can count them.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SITE_URL = "http://testserver"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
