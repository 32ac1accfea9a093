"""Every URL refuses a POST without a CSRF token, except the two that must accept one from
outside a browser session: the RFC 8058 one-click unsubscribe and the provider webhooks."""

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.test_access_matrix import KNOWN, owned_objects

EXEMPT = {"notifications:unsubscribe"}
EXEMPT_NAMESPACES = {"anymail"}


def patterns(entries, namespace=None):
    for entry in entries:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXEMPT_NAMESPACES:
                continue
            yield from patterns(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def url_for(name, entry, kwargs_for):
    if not entry.pattern.converters:
        return reverse(name)
    if name in kwargs_for:
        return reverse(name, kwargs=kwargs_for[name])
    # Any well-formed value: CSRF is checked before the view looks anything up.
    values = {
        key: ("1" if conv.__class__.__name__ == "IntConverter" else "x")
        for key, conv in entry.pattern.converters.items()
    }
    return reverse(name, kwargs=values)


def test_post_without_csrf_token_is_refused_everywhere(agent, client_contact):
    kwargs_for = owned_objects(agent, client_contact)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent.user)
    checked = []
    for name, entry in patterns(get_resolver().url_patterns):
        try:
            url = url_for(name, entry, kwargs_for)
        except Exception:  # patterns with regex groups (admin internals) cannot be reversed simply
            continue
        response = browser.post(url, {"x": "1"})
        if name in EXEMPT:
            assert response.status_code != 403, name
        else:
            assert response.status_code == 403, f"{name} ({url}) accepted a POST without CSRF"
        checked.append(name)
    assert set(KNOWN) <= set(checked)
    assert len(checked) > 20
