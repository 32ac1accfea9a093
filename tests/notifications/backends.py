"""Email backends for tests that stand in for a provider's failures (the only thing mocked)."""

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

FAILURES: list[Exception] = []


class ScriptedFailureBackend(LocmemBackend):
    """Raises the next scripted exception, then behaves like locmem once the script runs out."""

    def send_messages(self, messages):
        if FAILURES:
            raise FAILURES.pop(0)
        return super().send_messages(messages)


def transient_error() -> Exception:
    return AnymailAPIError("503 Service Unavailable from the provider")


def permanent_error() -> Exception:
    return AnymailRecipientsRefused("All recipients were rejected")
