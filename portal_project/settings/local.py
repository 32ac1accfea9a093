"""The embedded default: ``make run`` on a fresh machine with nothing else running."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Only for development; production.py refuses to start without a real one.
SECRET_KEY = env.str(
    "SECRET_KEY", default="insecure-local-development-key-do-not-use-in-production"
)
