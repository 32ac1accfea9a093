"""Sharing from the back-office into clients' feeds, the Dashboard, documents and messages."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from messaging.models import FeedItem, Message
from notifications.models import OutboundEmail
from tests.clients.factories import ContactEmailFactory, ContactFactory
from tests.listings.factories import ListingFactory


@pytest.fixture
def listings(db):
    return ListingFactory.create_batch(3)


def share(agent_client, contacts, listings, note="Thought of you"):
    return agent_client.post(
        reverse("agent:share_listings"),
        {
            "recipients": [c.pk for c in contacts],
            "listings": [listing.pk for listing in listings],
            "note": note,
        },
        follow=True,
    )


def test_sharing_listings_makes_a_feed_item_and_one_email_each(
    agent_client, agent, client_contact, listings, django_capture_on_commit_callbacks
):
    other = ContactFactory(agent=agent, first_name="Zoe")
    ContactEmailFactory(contact=other, address="zoe@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = share(agent_client, [client_contact, other], listings)
    assert "Sent to 2 clients" in response.content.decode()
    items = FeedItem.objects.filter(category="listings")
    assert items.count() == 2 and len({i.share_key for i in items}) == 1
    assert all(i.listings.count() == 3 for i in items)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [client_contact.user.email, "zoe@example.com"]
    )
    assert "3 homes" in mail.outbox[0].subject
    assert "/portal/feed/" in mail.outbox[0].body


def test_share_page_preselects_listings_and_client(agent_client, client_contact, listings):
    url = (
        reverse("agent:share_listings")
        + f"?listing={listings[0].pk}&listing={listings[1].pk}&to={client_contact.pk}"
    )
    page = agent_client.get(url)
    assert page.status_code == 200
    assert listings[0].full_address in page.content.decode()


def test_share_refuses_foreign_inactive_and_missing(
    agent_client, agent, other_agents_contact, listings
):
    inactive = ContactFactory(agent=agent, status="inactive")
    ContactEmailFactory(contact=inactive)
    for recipients, chosen in [
        ([other_agents_contact.pk], listings),
        ([inactive.pk], listings),
        ([], listings),
        ([inactive.pk], []),
    ]:
        response = agent_client.post(
            reverse("agent:share_listings"),
            {"recipients": recipients, "listings": [listing.pk for listing in chosen]},
        )
        assert response.status_code == 200
        assert response.context["form"].errors
    response = agent_client.post(
        reverse("agent:share_listings"), {"recipients": ["abc"], "listings": ["999999", "x"]}
    )
    assert response.status_code == 200
    assert not FeedItem.objects.exists() and not OutboundEmail.objects.exists()


def test_dashboard_feed_counts_filters_and_opening(
    portal_client, agent, client_contact, listings, agent_client
):
    share(agent_client, [client_contact], listings[:1])
    page = portal_client.get(reverse("portal:dashboard"))
    assert page.context["counts"]["new_listings"] == 1
    item = page.context["items"][0]
    assert "New" in page.content.decode()
    assert (
        portal_client.get(reverse("portal:dashboard"), {"category": "documents"}).context["items"]
        == []
    )
    assert (
        len(
            portal_client.get(
                reverse("portal:dashboard"), {"category": "listings", "period": "1"}
            ).context["items"]
        )
        == 1
    )
    # htmx asks for just the feed.
    partial = portal_client.get(
        reverse("portal:dashboard"), {"category": "listings"}, HTTP_HX_REQUEST="true"
    )
    assert b'id="feed"' in partial.content and b"<html" not in partial.content
    # Hostile filters fall back to everything, never a 500.
    assert (
        portal_client.get(
            reverse("portal:dashboard"), {"category": "<x>", "period": "-1", "page": "zz"}
        ).status_code
        == 200
    )
    assert portal_client.get(reverse("portal:feed_item", args=[item.pk])).status_code == 200
    item.refresh_from_db()
    assert item.opened_at is not None
    assert portal_client.get(reverse("portal:dashboard")).context["counts"]["new_listings"] == 0


def test_another_clients_feed_item_and_document_are_404(
    client, agent_client, client_contact, other_client_contact, listings
):
    share(agent_client, [client_contact], listings[:1])
    item = FeedItem.objects.get()
    client.force_login(other_client_contact.user)
    assert client.get(reverse("portal:feed_item", args=[item.pk])).status_code == 404


def pdf_upload(name="offer.pdf", size=None):
    content = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    if size:
        content += b"0" * (size - len(content))
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_share_a_pdf_and_the_client_opens_it(
    agent_client,
    portal_client,
    client_contact,
    client,
    other_client_contact,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            reverse("agent:share_document"),
            {"recipients": [client_contact.pk], "file": pdf_upload(), "title": "Offer draft"},
            follow=True,
        )
    assert "Sent to 1 client" in response.content.decode()
    item = FeedItem.objects.get(category="documents")
    download = portal_client.get(reverse("portal:document", args=[item.document.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    client.force_login(other_client_contact.user)
    assert client.get(reverse("portal:document", args=[item.document.pk])).status_code == 404
    assert "Offer draft" in mail.outbox[0].subject or "offer.pdf" in mail.outbox[0].subject


@pytest.mark.parametrize(
    "upload,expected",
    [
        (
            SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
            "neither",
        ),
        (SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf"), "empty"),
        (pdf_upload(size=10 * 1024 * 1024 + 1), "largest allowed"),
    ],
)
def test_hostile_documents_are_refused(agent_client, client_contact, upload, expected):
    response = agent_client.post(
        reverse("agent:share_document"), {"recipients": [client_contact.pk], "file": upload}
    )
    assert response.status_code == 200
    assert (
        expected in str(response.context["form"].errors).lower()
        or expected in response.content.decode().lower()
    )
    assert not FeedItem.objects.exists()


def test_an_image_document_is_accepted(agent_client, client_contact):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, "PNG")
    upload = SimpleUploadedFile("plan.png", buffer.getvalue(), content_type="image/png")
    agent_client.post(
        reverse("agent:share_document"), {"recipients": [client_contact.pk], "file": upload}
    )
    assert FeedItem.objects.get().document.content_type == "image/png"


def test_messages_both_ways_with_unread_counts_and_emails(
    portal_client, agent_client, agent, client_contact, django_capture_on_commit_callbacks
):
    listing = ListingFactory()
    with django_capture_on_commit_callbacks(execute=True):
        portal_client.post(
            reverse("portal:messages"),
            {"body": "Can we see it Sunday? <script>x</script>", "listing": listing.pk},
        )
    (notice,) = mail.outbox
    assert notice.to == [agent.user.email] and "sent you a message" in notice.subject
    inbox = agent_client.get(reverse("agent:inbox"))
    assert inbox.context["threads"][0].unread == 1
    thread = agent_client.get(reverse("agent:message_thread", args=[client_contact.pk]))
    body = thread.content.decode()
    assert "&lt;script&gt;" in body and "<script>x" not in body
    assert Message.objects.get().read_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(
            reverse("agent:message_thread", args=[client_contact.pk]),
            {"body": "Yes — 2pm works. https://example.com/map"},
        )
    assert mail.outbox[-1].to == [client_contact.user.email]
    dashboard = portal_client.get(reverse("portal:dashboard"))
    assert dashboard.context["counts"]["messages"] == 1
    page = portal_client.get(reverse("portal:messages")).content.decode()
    assert 'href="https://example.com/map"' in page
    assert portal_client.get(reverse("portal:dashboard")).context["counts"]["messages"] == 0


def test_empty_message_is_refused(portal_client):
    response = portal_client.post(reverse("portal:messages"), {"body": "   "})
    assert response.status_code == 200 and not Message.objects.exists()


def test_agent_cannot_open_another_agents_thread(client, other_agent, client_contact):
    client.force_login(other_agent.user)
    assert client.get(reverse("agent:message_thread", args=[client_contact.pk])).status_code == 404
    assert (
        client.post(
            reverse("agent:message_thread", args=[client_contact.pk]), {"body": "hi"}
        ).status_code
        == 404
    )
    assert not Message.objects.exists()


@pytest.mark.parametrize("items", [10, 1000])
def test_dashboard_query_count_is_bounded(
    portal_client, agent, client_contact, items, django_assert_max_num_queries
):
    listings = ListingFactory.create_batch(3)
    feed = FeedItem.objects.bulk_create(
        FeedItem(
            agent=agent,
            contact=client_contact,
            category="listings",
            title=f"Item {index}",
            share_key=f"k{index}",
        )
        for index in range(items)
    )
    FeedItem.listings.through.objects.bulk_create(
        FeedItem.listings.through(feeditem_id=item.pk, listing_id=listing.pk)
        for item in feed
        for listing in listings
    )
    with django_assert_max_num_queries(15):
        assert portal_client.get(reverse("portal:dashboard")).status_code == 200


def test_agent_sees_what_was_sent_and_who_opened_it(
    agent_client, portal_client, agent, client_contact, listings, other_agent, client
):
    other = ContactFactory(agent=agent, first_name="Zoe", last_name="Unopened")
    ContactEmailFactory(contact=other, address="zoe@example.com")
    share(agent_client, [client_contact, other], listings[:2])
    item = FeedItem.objects.get(contact=client_contact)
    portal_client.get(reverse("portal:feed_item", args=[item.pk]))
    page = agent_client.get(reverse("agent:sent"))
    share_row = page.context["shares"][0]
    assert share_row["recipient_count"] == 2 and share_row["opened_count"] == 1
    assert "Unopened" in page.content.decode()
    client.force_login(other_agent.user)
    assert "Unopened" not in client.get(reverse("agent:sent")).content.decode()


def test_share_buttons_on_the_agents_listing_pages(agent_client, listings):
    detail = agent_client.get(
        reverse("agent:listing_detail", args=[listings[0].pk])
    ).content.decode()
    assert f"{reverse('agent:share_listings')}?listing={listings[0].pk}" in detail
    search = agent_client.get(reverse("agent:listing_search")).content.decode()
    assert 'form="share-form"' in search and 'id="share-form"' in search


def test_sent_page_query_count_is_bounded(
    agent_client, agent, client_contact, django_assert_max_num_queries
):
    for index in range(60):
        FeedItem.objects.create(
            agent=agent,
            contact=client_contact,
            category="listings",
            title=f"Item {index}",
            share_key=f"s{index}",
        )
    with django_assert_max_num_queries(12):
        assert agent_client.get(reverse("agent:sent")).status_code == 200


def test_agent_can_switch_off_emails_for_client_messages(
    portal_client, agent, client_contact, django_capture_on_commit_callbacks
):
    from clients.selectors import preferences_for_agent
    from notifications.models import AgentNotification

    preferences = preferences_for_agent(agent)
    preferences.notify_on_message = False
    preferences.save()
    with django_capture_on_commit_callbacks(execute=True):
        portal_client.post(reverse("portal:messages"), {"body": "Quiet please"})
    assert mail.outbox == []
    assert AgentNotification.objects.filter(kind="message").count() == 1


def test_agent_card_shows_only_the_fields_the_agent_chose(portal_client, agent):
    from clients.selectors import preferences_for_agent

    agent.phone_office = "(203) 555-0999"
    agent.website = "https://dana.example"
    agent.save()
    page = portal_client.get(reverse("portal:dashboard")).content.decode()
    assert "555-0999" in page and "dana.example" in page
    preferences = preferences_for_agent(agent)
    preferences.portal_card_fields = ["email"]
    preferences.save()
    page = portal_client.get(reverse("portal:dashboard")).content.decode()
    assert "555-0999" not in page and "dana.example" not in page


def test_message_from_a_listing_page_attaches_the_listing(portal_client, client_contact):
    listing = ListingFactory()
    detail = portal_client.get(reverse("portal:listing_detail", args=[listing.pk])).content.decode()
    assert f"{reverse('portal:messages')}?listing={listing.pk}" in detail
    portal_client.post(
        reverse("portal:messages"), {"body": "Is the roof new?", "listing": listing.pk}
    )
    assert Message.objects.get().listing == listing
