"""The access matrix: every URL pattern that takes an object id, walked from the URL resolver,
as an anonymous user, a client, another agent's client and another agent. Each gets a login
redirect, the role gate (403, no data) or 404 — never another's data. A new pattern that the
matrix does not know fails the test, so new views are covered as they are added."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.clients.factories import ContactEmailFactory
from tests.listings.factories import ListingFactory

# Namespaces whose own access rules are tested elsewhere or are not ours to test here.
OUTSIDE_THE_MATRIX = {
    "admin",  # MLS staff only; tests/clients/test_auth_and_roles.py
    "anymail",  # provider webhooks, authenticated by shared secret; tests/notifications
}
# Patterns with an argument that is not an object of a user (tokens are their own authority).
NOT_OWNED = {
    "account_reset_password_from_key",  # allauth's signed reset key
    "notifications:unsubscribe",  # signed token; tests/notifications/test_consent_flows.py
    "notifications:opt_in",
    "agent:listing_detail",  # listings are public MLS data: any agent may read any
    "portal:listing_detail",  # …and any client
    # A reaction or comment on a (public) listing acts only on the requesting client's own
    # contact, never one named in the request; tests/listings covers their scoping.
    "portal:listing_react",
    "portal:listing_comment",
    # Reverse prospecting on a (public) listing: each agent sees their own contacts by name and
    # other agents' only as counts; tests/searches/test_reverse_prospecting_ui.py.
    "agent:listing_prospects",
    "agent:portal_accounts_download",  # one-time random token in the cache, scoped to the agent
    "search_email:manage",  # signed search token; tests/searches/test_alerts.py
    "search_email:keep",
    "portal:invitation_accept",  # signed invitation token; tests/clients/test_portal_accounts.py
    "portal:invitation_request",
}


def walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in OUTSIDE_THE_MATRIX:
                continue
            full = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else ns
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), full)
        elif isinstance(entry, URLPattern) and entry.pattern.converters and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


# Each owned pattern: how to build its kwargs from the objects of agent A and A's client.
# Patterns under "agent:" belong to agent A; patterns under "portal:" to A's client.
def owned_objects(agent, client_contact):
    from clients.models import ContactImport
    from messaging.models import Document, FeedItem
    from searches.models import PreviousSearch, SavedSearch
    from tests.clients.factories import ContactGroupFactory

    group = ContactGroupFactory(agent=agent)
    contact_import = ContactImport.objects.create(
        agent=agent, original_name="book.csv", status="previewed", summary={"total": 0}
    )

    email = ContactEmailFactory(
        contact=client_contact, address="second@example.com", is_primary=False
    )
    document = Document.objects.create(
        agent=agent,
        file="documents/x.pdf",
        original_name="x.pdf",
        content_type="application/pdf",
        size=10,
    )
    item = FeedItem.objects.create(
        agent=agent,
        contact=client_contact,
        category="documents",
        title="Secret plan",
        document=document,
        share_key="matrix",
    )
    listing = ListingFactory()
    own_search = SavedSearch.objects.create(
        agent=agent,
        contact=client_contact,
        name="Secret plan search",
        criteria={},
        created_by=client_contact.user,
    )
    previous = PreviousSearch.objects.create(
        contact=client_contact, criteria={"q": "Secret plan"}, query_string="q=Secret+plan"
    )
    from django.utils import timezone

    from listings.models import Cma, MarketReport
    from searches.models import SearchAlert

    alert = SearchAlert.objects.create(
        agent=agent, contact=client_contact, created_at=timezone.now(), title="Secret plan alert"
    )

    cma = Cma.objects.create(agent=agent, title="Secret plan CMA", address="1 Secret plan Rd")
    report = MarketReport.objects.create(agent=agent, title="Secret plan report", area_value="X")
    for kind, url in [
        ("cmas", f"/portal/cmas/{cma.pk}/"),
        ("reports", f"/portal/reports/{report.pk}/"),
    ]:
        FeedItem.objects.create(
            agent=agent, contact=client_contact, category=kind, title="Secret plan",
            payload={"url": url}, share_key=f"matrix-{kind}",
        )  # fmt: skip
    return {
        "agent:cma_detail": {"pk": cma.pk},
        "agent:cma_edit": {"pk": cma.pk},
        "agent:cma_comparables": {"pk": cma.pk},
        "agent:cma_send": {"pk": cma.pk},
        "agent:report_detail": {"pk": report.pk},
        "agent:report_edit": {"pk": report.pk},
        "agent:report_send": {"pk": report.pk},
        "portal:cma_detail": {"pk": cma.pk},
        "portal:report_detail": {"pk": report.pk},
        "agent:contact_detail": {"pk": client_contact.pk},
        "agent:contact_listings": {"pk": client_contact.pk},
        "agent:contact_listing_comment": {"pk": client_contact.pk, "listing_pk": listing.pk},
        "portal:search_rename": {"pk": own_search.pk},
        "portal:search_delete": {"pk": own_search.pk},
        "portal:search_settings": {"pk": own_search.pk},
        "portal:search_alert": {"pk": alert.pk},
        "agent:search_edit": {"pk": own_search.pk},
        "agent:search_criteria": {"pk": own_search.pk},
        "agent:search_pause": {"pk": own_search.pk},
        "agent:search_resume": {"pk": own_search.pk},
        "agent:search_delete": {"pk": own_search.pk},
        "portal:previous_search_save": {"pk": previous.pk},
        "agent:contact_restore": {"pk": client_contact.pk},
        "agent:contact_status": {"pk": client_contact.pk},
        "agent:contact_invite": {"pk": client_contact.pk},
        "agent:contact_email_edit": {"pk": email.pk},
        "agent:contact_email_remove": {"pk": email.pk},
        "agent:message_thread": {"pk": client_contact.pk},
        "agent:contact_edit": {"pk": client_contact.pk},
        "agent:contact_delete": {"pk": client_contact.pk},
        "agent:contact_deactivate": {"pk": client_contact.pk},
        "agent:group_rename": {"pk": group.pk},
        "agent:group_delete": {"pk": group.pk},
        "agent:import_preview": {"token": contact_import.token},
        "agent:import_confirm": {"token": contact_import.token},
        "agent:import_status": {"token": contact_import.token},
        "portal:feed_item": {"pk": item.pk},
        "portal:document": {"pk": document.pk},
    }


KNOWN = {
    "agent:cma_detail",
    "agent:cma_edit",
    "agent:cma_comparables",
    "agent:cma_send",
    "agent:report_detail",
    "agent:report_edit",
    "agent:report_send",
    "portal:cma_detail",
    "portal:report_detail",
    "agent:contact_detail",
    "agent:contact_listings",
    "agent:contact_listing_comment",
    "portal:search_rename",
    "portal:search_delete",
    "portal:search_settings",
    "portal:search_alert",
    "agent:search_edit",
    "agent:search_criteria",
    "agent:search_pause",
    "agent:search_resume",
    "agent:search_delete",
    "portal:previous_search_save",
    "agent:contact_restore",
    "agent:contact_status",
    "agent:contact_invite",
    "agent:contact_email_edit",
    "agent:contact_email_remove",
    "agent:message_thread",
    "agent:contact_edit",
    "agent:contact_delete",
    "agent:contact_deactivate",
    "agent:group_rename",
    "agent:group_delete",
    "agent:import_preview",
    "agent:import_confirm",
    "agent:import_status",
    "portal:feed_item",
    "portal:document",
}


def test_every_pattern_with_an_id_is_in_the_matrix():
    found = set(walk(get_resolver().url_patterns))
    unknown = found - KNOWN - NOT_OWNED
    assert not unknown, (
        f"New URL patterns take an id but are not in the access matrix: {sorted(unknown)}. "
        "Add them to owned_objects()/KNOWN (or NOT_OWNED with the reason)."
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_nobody_but_the_owner_reaches_an_object(
    client, agent, client_contact, other_agent, other_client_contact, method
):
    objects = owned_objects(agent, client_contact)
    assert set(objects) == KNOWN
    secrets = [client_contact.last_name, "Secret plan"]
    visitors = {
        "anonymous": None,
        "the agent": agent.user,
        "the agent's own client": client_contact.user,
        "another agent's client": other_client_contact.user,
        "another agent": other_agent.user,
    }
    for who, user in visitors.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for name, kwargs in objects.items():
            owner = agent.user if name.startswith("agent:") else client_contact.user
            if user == owner:
                continue
            url = reverse(name, kwargs=kwargs)
            response = getattr(client, method)(url)
            where = f"{who} {method.upper()} {url}"
            if user is None:
                assert response.status_code == 302, where
                assert "/accounts/login/" in response["Location"], where
            elif user.role == owner.role:
                # 405: a GET to a POST-only action, refused before any object is looked up.
                assert response.status_code in (404, 405), where
            else:  # the other face: the role gate answers before any lookup
                assert response.status_code in (403, 404, 405), where
            body = b"".join(response.streaming_content) if response.streaming else response.content
            for secret in secrets:
                assert secret not in body.decode(errors="replace"), where
    # And nothing changed for the owner's contact.
    client_contact.refresh_from_db()
    assert client_contact.status == "active" and not client_contact.is_opted_out
    assert client_contact.emails.count() == 2
    assert client_contact.saved_searches.get().name == "Secret plan search"
    assert client_contact.previous_searches.count() == 1
    assert not client_contact.listing_comments.exists()


def test_public_listing_pages_are_readable_by_agents_and_clients(
    client, agent, client_contact, other_agent
):
    listing = ListingFactory()
    for user, name in [
        (agent.user, "agent:listing_detail"),
        (other_agent.user, "agent:listing_detail"),
        (client_contact.user, "portal:listing_detail"),
    ]:
        client.force_login(user)
        assert client.get(reverse(name, args=[listing.pk])).status_code == 200
    client.logout()
    assert client.get(reverse("portal:listing_detail", args=[listing.pk])).status_code == 302
