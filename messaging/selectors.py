"""Reads for the portal Dashboard, the feed and message threads. All scoped to one contact."""

from __future__ import annotations

from datetime import timedelta

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clients.models import Agent, Contact
from listings.models import Listing, ListingComment, ListingMedia, ListingReaction

from .models import Document, FeedItem, Message

# The Dashboard shows at most this many homes per item (the item's own page shows them all).
FEED_LISTINGS_SHOWN = 4
FEED_PERIODS = {"1": 1, "2": 2, "7": 7, "30": 30, "all": None}


def feed_for_contact(contact: Contact, *, category: str = "all", period: str = "all") -> QuerySet:
    items = FeedItem.objects.filter(contact=contact)
    if category in FeedItem.Category.values:
        items = items.filter(category=category)
    days = FEED_PERIODS.get(period)
    if days:
        items = items.filter(created_at__gte=timezone.now() - timedelta(days=days))
    covers = Prefetch(
        "media", queryset=ListingMedia.objects.order_by("order", "id"), to_attr="photos"
    )
    return items.select_related("document", "message").prefetch_related(
        Prefetch("listings", queryset=Listing.objects.prefetch_related(covers))
    )


class FeedHome:
    """A home as a Dashboard item shows it: link, first photo, price, street address."""

    __slots__ = ("pk", "list_price", "address_line", "photos")

    def __init__(self, pk, list_price, address_line, photos):
        self.pk, self.list_price, self.address_line, self.photos = (
            pk,
            list_price,
            address_line,
            photos,
        )


def _feed_homes(item_ids: list[int]) -> dict[int, list[FeedHome]]:
    """Each item's first FEED_LISTINGS_SHOWN homes (in the listings' own order, newest change
    first) with the first photo of each, for a whole page of items in one statement.

    Plain SQL, portable (SQLite for ``make run``, PostgreSQL): a sliced ORM prefetch with the
    photo as a subquery took longer to compile (~1.5 ms) than loading every home and photo."""
    if not item_ids:
        return {}
    through = FeedItem.listings.through._meta.db_table
    listing = Listing._meta.db_table
    media = ListingMedia._meta.db_table
    marks = ", ".join(["%s"] * len(item_ids))
    # The first photo's id is picked for the shown homes only, then joined by primary key: with
    # the subquery in the join condition PostgreSQL hashed the whole photo table on every
    # Dashboard (a sequential scan of every listing's photos, ~2 ms at 8,000 photos, growing with
    # the catalogue). OFFSET 0 keeps PostgreSQL from folding "y" back into the join (SQLite
    # takes no OFFSET without a LIMIT, and needs no fence).
    fence = "OFFSET 0" if connection.vendor == "postgresql" else ""
    sql = f"""
        SELECT y.feeditem_id, y.id, y.list_price, y.street_number, y.street_name,
               y.street_suffix, y.unit_number, m.id, m.image, m.thumbnail, m.url
        FROM (
          SELECT x.*, (
            SELECT id FROM {media} WHERE listing_id = x.id ORDER BY "order", id LIMIT 1
          ) AS photo_id
          FROM (
            SELECT t.feeditem_id, l.id, l.list_price, l.street_number, l.street_name,
                   l.street_suffix, l.unit_number,
                   ROW_NUMBER() OVER (PARTITION BY t.feeditem_id
                                      ORDER BY l.modification_timestamp DESC, l.id) AS rn
            FROM {through} t JOIN {listing} l ON l.id = t.listing_id
            WHERE t.feeditem_id IN ({marks})
          ) x
          WHERE x.rn <= %s
          {fence}
        ) y
        LEFT JOIN {media} m ON m.id = y.photo_id
        ORDER BY y.feeditem_id, y.rn
    """  # noqa: S608 — table names are our own constants; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*item_ids, FEED_LISTINGS_SHOWN])
        rows = cursor.fetchall()
    homes: dict[int, list[FeedHome]] = {}
    for item_id, pk, price, number, street, suffix, unit, photo_id, image, thumbnail, url in rows:
        line = " ".join(part for part in (number, street, suffix) if part)
        photo = (
            [ListingMedia(pk=photo_id, listing_id=pk, image=image, thumbnail=thumbnail, url=url)]
            if photo_id is not None
            else []
        )
        homes.setdefault(item_id, []).append(
            FeedHome(pk, price, f"{line} #{unit}" if unit else line, photo)
        )
    return homes


def dashboard_feed_page(
    contact: Contact, *, category: str = "all", period: str = "all", number=None, per_page: int = 20
) -> Page:
    """A page of the Dashboard feed, as ``Paginator.get_page`` would give it, in fewer queries.

    Each item brings at most FEED_LISTINGS_SHOWN homes (``item.shown_listings``), each with
    just its first photo, for the whole page in one statement, instead of every home of a
    20-home search result with all of its photos. The first page skips the COUNT when it holds
    everything."""
    items = FeedItem.objects.filter(contact=contact)
    if category in FeedItem.Category.values:
        items = items.filter(category=category)
    days = FEED_PERIODS.get(period)
    if days:
        items = items.filter(created_at__gte=timezone.now() - timedelta(days=days))
    items = items.select_related("document", "message")
    paginator = Paginator(items, per_page)
    page = None
    if number in (None, "", "1"):
        first = list(items[: per_page + 1])
        if len(first) <= per_page:
            paginator.count = len(first)  # a cached_property: no COUNT query
            page = Page(first, 1, paginator)
    if page is None:
        page = paginator.get_page(number)
        page.object_list = list(page.object_list)
    homes = _feed_homes([item.pk for item in page.object_list])
    for item in page.object_list:
        item.shown_listings = homes.get(item.pk, [])
    return page


def dashboard_counts(contact: Contact) -> dict[str, int]:
    """The Quick access counts in one round trip (the Dashboard is the portal's busiest page).

    Plain SQL: the ORM spends longer compiling six counting subqueries than the database spends
    running them. Portable (SQLite for ``make run``, PostgreSQL), parameters only."""
    sql = f"""
        SELECT
          (SELECT COUNT(*) FROM {FeedItem._meta.db_table}
            WHERE contact_id = %s AND category = %s AND opened_at IS NULL),
          COALESCE(r.favorites, 0), COALESCE(r.maybes, 0), COALESCE(r.not_interested, 0),
          (SELECT COUNT(DISTINCT listing_id) FROM {ListingComment._meta.db_table}
            WHERE contact_id = %s),
          (SELECT COUNT(*) FROM {Message._meta.db_table}
            WHERE contact_id = %s AND from_agent = %s AND read_at IS NULL)
        FROM (
          SELECT SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END) AS favorites,
                 SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END) AS maybes,
                 SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END) AS not_interested
          FROM {ListingReaction._meta.db_table} WHERE contact_id = %s
        ) r
    """  # noqa: S608 — table names are our own constants; every value is a parameter
    params = [
        contact.pk,
        FeedItem.Category.LISTINGS,
        contact.pk,
        contact.pk,
        True,
        ListingReaction.Kind.FAVORITE,
        ListingReaction.Kind.MAYBE,
        ListingReaction.Kind.NOT_INTERESTED,
        contact.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    keys = ("new_listings", "favorites", "maybes", "not_interested", "commented", "messages")
    return {key: int(value or 0) for key, value in zip(keys, row, strict=True)}


def get_feed_item_for_client(contact: Contact, pk: int) -> FeedItem:
    return get_object_or_404(feed_for_contact(contact), pk=pk)


def get_document_for_client(contact: Contact, pk: int) -> Document:
    shared = FeedItem.objects.filter(document=OuterRef("pk"), contact=contact)
    return get_object_or_404(Document.objects.filter(Exists(shared)), pk=pk)


def thread_for_contact(contact: Contact) -> list[Message]:
    return list(
        Message.objects.filter(contact=contact)
        .select_related("listing")
        .order_by("created_at", "id")
    )


def threads_for_agent(agent: Agent) -> list[Contact]:
    """The agent's clients with messages, latest first, with their unread count."""
    return list(
        Contact.objects.filter(agent=agent, messages__isnull=False)
        .annotate(
            unread=Count("messages", filter=Q(messages__from_agent=False, messages__read_at=None)),
            last_message_at=Max("messages__created_at"),
        )
        .order_by("-last_message_at")[:200]
    )


def agent_unread_message_count(agent: Agent) -> int:
    return Message.objects.filter(contact__agent=agent, from_agent=False, read_at=None).count()


def sent_for_agent(agent: Agent, *, limit: int = 50) -> list[dict]:
    """The agent's recent sends (one per share), each with its recipients and who opened it."""
    shares = list(
        FeedItem.objects.filter(agent=agent)
        .exclude(category=FeedItem.Category.MESSAGES)
        .values("share_key", "category", "title")
        .annotate(
            sent_at=Min("created_at"),
            recipient_count=Count("id"),
            opened_count=Count("opened_at"),
        )
        .order_by("-sent_at")[:limit]
    )
    items = FeedItem.objects.filter(
        agent=agent, share_key__in=[share["share_key"] for share in shares]
    ).select_related("contact")
    recipients: dict[str, list[FeedItem]] = {}
    for item in items.order_by("contact__last_name", "contact__first_name"):
        recipients.setdefault(item.share_key, []).append(item)
    for share in shares:
        share["items"] = recipients.get(share["share_key"], [])
    return shares
