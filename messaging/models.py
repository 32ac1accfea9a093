"""What an agent sends a client (feed items) and the messages between them."""

from django.conf import settings
from django.db import models


def document_upload_path(instance, filename: str) -> str:
    return f"documents/{instance.agent_id}/{filename}"


class Document(models.Model):
    """A PDF or image an agent shares; served only to the clients it was shared with."""

    agent = models.ForeignKey("clients.Agent", on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=document_upload_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class Message(models.Model):
    """One message in the thread between a client (their Contact) and their agent."""

    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_agent = models.BooleanField()
    body = models.TextField(max_length=5000)
    listing = models.ForeignKey(
        "listings.Listing", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["contact", "from_agent", "read_at"])]

    def __str__(self) -> str:
        return f"Message {self.pk} ({'agent' if self.from_agent else 'client'})"


class FeedItem(models.Model):
    """One thing in a client's Dashboard feed: what the agent sent them."""

    class Category(models.TextChoices):
        LISTINGS = "listings", "Listings"
        SEARCHES = "searches", "Searches"
        CMAS = "cmas", "CMAs"
        REPORTS = "reports", "Reports"
        DOCUMENTS = "documents", "Documents"
        MESSAGES = "messages", "Messages"

    agent = models.ForeignKey("clients.Agent", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.CASCADE, related_name="feed_items"
    )
    category = models.CharField(max_length=12, choices=Category.choices)
    title = models.CharField(max_length=200)
    note = models.TextField(blank=True, max_length=5000)
    listings = models.ManyToManyField("listings.Listing", blank=True, related_name="+")
    document = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="feed_items"
    )
    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="feed_item"
    )
    # For items made by other apps (search results, CMAs, reports): what to link to.
    payload = models.JSONField(default=dict, blank=True)
    # All the items of one share carry the same key, so the agent sees one send and its opens.
    share_key = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["share_key", "contact"], name="one_item_per_share")
        ]
        indexes = [models.Index(fields=["contact", "category", "-created_at"])]

    def __str__(self) -> str:
        return self.title
