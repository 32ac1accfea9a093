"""Anymail's tracking webhook URLs, guarded so a malformed payload answers 400, never 500."""

import logging
from functools import wraps

from anymail import urls as anymail_urls
from django.http import HttpResponseBadRequest
from django.urls.resolvers import URLPattern
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)

# What anymail's parsers raise on a body that is not the provider's format.
MALFORMED_PAYLOAD_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError)


def _reject_malformed(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except MALFORMED_PAYLOAD_ERRORS as error:
            logger.warning("Malformed webhook payload at %s: %r", request.path, error)
            return HttpResponseBadRequest("Malformed webhook payload.", content_type="text/plain")

    return csrf_exempt(guarded)


app_name = "anymail"
urlpatterns = [
    URLPattern(
        pattern.pattern, _reject_malformed(pattern.callback), pattern.default_args, pattern.name
    )
    for pattern in anymail_urls.urlpatterns
]
