"""Reads for agents and contacts. Every getter is scoped to the requesting user (404 otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Lower, NullIf
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from .columns import COLUMNS, clean_columns, sort_key
from .models import (
    Agent,
    AgentPreferences,
    ConsentEvent,
    Contact,
    ContactEmail,
    ContactGroup,
    ContactImport,
    User,
)


def home_url_for(user: User) -> str:
    if not user.is_authenticated:
        return reverse("account_login")
    if user.role == User.Role.AGENT:
        return reverse("agent:home")
    if user.role == User.Role.CLIENT:
        return reverse("portal:dashboard")
    if user.is_staff:
        return reverse("admin:index")
    return reverse("account_login")


def agent_for_user(user: User) -> Agent:
    try:
        return Agent.objects.select_related("user").get(user=user)
    except Agent.DoesNotExist as exc:
        raise Http404("No agent profile") from exc


def client_contact_for_user(user: User) -> Contact:
    try:
        # The preferences ride along for the contact card and the cached pages' key.
        return Contact.objects.select_related("agent", "agent__user", "agent__preferences").get(
            user=user
        )
    except Contact.DoesNotExist as exc:
        raise Http404("No client portal") from exc


def contacts_for_agent(agent: Agent, *, query: str = "") -> QuerySet[Contact]:
    contacts = Contact.objects.filter(agent=agent)
    query = query.strip()[:100]
    if query:
        for term in query.split()[:5]:
            contacts = contacts.filter(
                Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(organization__icontains=term)
                | Q(emails__address__icontains=term)
                | Q(phone_mobile__icontains=term)
                | Q(phone_home__icontains=term)
                | Q(phone_work__icontains=term)
            )
        contacts = contacts.distinct()
    return contacts.prefetch_related("emails", "groups")


def get_contact_for_agent(agent: Agent, pk: int) -> Contact:
    return get_object_or_404(
        Contact.objects.prefetch_related("emails", "groups").select_related("user"),
        pk=pk,
        agent=agent,
    )


def agent_dashboard_counts(agent: Agent) -> dict[str, int]:
    return Contact.objects.filter(agent=agent).aggregate(
        contacts=Count("id"),
        clients=Count("id", filter=Q(user__isnull=False)),
        inactive=Count("id", filter=Q(status=Contact.Status.INACTIVE)),
        opted_out=Count("id", filter=Q(email_opted_out_at__isnull=False)),
    )


def get_contact_email_for_agent(agent: Agent, pk: int) -> ContactEmail:
    return get_object_or_404(
        ContactEmail.objects.select_related("contact"), pk=pk, contact__agent=agent
    )


def invalid_emails_for_agent(agent: Agent) -> list[ContactEmail]:
    return list(
        ContactEmail.objects.filter(contact__agent=agent, validity=ContactEmail.Validity.INVALID)
        .select_related("contact")
        .order_by("contact__last_name", "contact__first_name", "-is_primary", "id")
    )


def invalid_email_count_for_agent(agent: Agent) -> int:
    return ContactEmail.objects.filter(
        contact__agent=agent, validity=ContactEmail.Validity.INVALID
    ).count()


def emailable_contacts_for_agent(agent: Agent) -> QuerySet[Contact]:
    """Contacts an agent may pick as email recipients: never Inactive or opted out."""
    return (
        Contact.objects.filter(agent=agent, email_opted_out_at__isnull=True)
        .exclude(status=Contact.Status.INACTIVE)
        .filter(emails__isnull=False)
        .distinct()
    )


def consent_history(contact: Contact) -> list[ConsentEvent]:
    return list(contact.consent_events.select_related("actor")[:50])


# --- Contact Management ----------------------------------------------------------------------
# Activity lives in apps above this one (listings, notifications, searches), which point at
# Contact. Reading them through Contact's reverse relations keeps the imports one-way.


def _related_model(name: str):
    return Contact._meta.get_field(name).related_model


def _count_of(relation: str, *, since=None, until=None, date_field: str = "", **filters):
    model = _related_model(relation)
    fk = Contact._meta.get_field(relation).field.name
    rows = model.objects.filter(**{fk: OuterRef("pk")}, **filters)
    if since is not None:
        rows = rows.filter(**{f"{date_field}__gte": since})
    if until is not None:
        rows = rows.filter(**{f"{date_field}__lt": until})
    counted = rows.order_by().values(fk).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _latest_of(relation: str, date_field: str):
    model = _related_model(relation)
    fk = Contact._meta.get_field(relation).field.name
    latest = (
        model.objects.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(at=Max(date_field))
        .values("at")[:1]
    )
    return Subquery(latest, output_field=DateTimeField())


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _last_activity():
    # GREATEST is NULL on SQLite when any argument is: compare against a floor instead.
    parts = [
        Coalesce(expr, Value(EPOCH, output_field=DateTimeField()))
        for expr in [
            F("user__last_login"),
            _latest_of("listing_views", "last_viewed_at"),
            _latest_of("listing_reactions", "updated_at"),
            _latest_of("listing_comments", "created_at"),
            _latest_of("previous_searches", "run_at"),
            _latest_of("saved_searches", "created_at"),
        ]
    ]
    return NullIf(Greatest(*parts), Value(EPOCH, output_field=DateTimeField()))


COLUMN_ANNOTATIONS = {
    "name": lambda: {"last_name_ci": Lower("last_name"), "first_name_ci": Lower("first_name")},
    "emails": lambda: {
        "primary_email": Subquery(
            ContactEmail.objects.filter(contact=OuterRef("pk"), is_primary=True).values("address")[
                :1
            ]
        )
    },
    "phones": lambda: {
        "phone_sort": Coalesce(
            NullIf("phone_mobile", Value("")),
            NullIf("phone_home", Value("")),
            NullIf("phone_work", Value("")),
        )
    },
    "groups": lambda: {
        "first_group": Subquery(
            ContactGroup.objects.filter(contacts=OuterRef("pk"))
            .order_by(Lower("name"))
            .values("name")[:1]
        )
    },
    "portal": lambda: {
        "has_portal": ExpressionWrapper(Q(user__isnull=False), output_field=BooleanField()),
        "last_login": F("user__last_login"),
    },
    "last_login": lambda: {"last_login": F("user__last_login")},
    "last_activity": lambda: {"last_activity": _last_activity()},
    "emails_sent": lambda: {"emails_sent": _count_of("outbound_emails", status="sent")},
    "searches": lambda: {"search_count": _count_of("saved_searches")},
    "favorites": lambda: {
        "favorite_count": _count_of("listing_reactions", kind="favorite"),
    },
}


@dataclass
class ContactFilters:
    query: str = ""
    group: ContactGroup | None = None
    status: str = ""
    portal: str = ""  # "yes" | "no"
    opted_out: str = ""  # "yes" | "no"
    invalid_email: bool = False

    @property
    def active(self) -> bool:
        return bool(
            self.query
            or self.group
            or self.status
            or self.portal
            or self.opted_out
            or self.invalid_email
        )


def preferences_for_agent(agent: Agent) -> AgentPreferences:
    """The agent's preferences; defaults (unsaved) until they first change one."""
    return AgentPreferences.objects.filter(agent=agent).first() or AgentPreferences(agent=agent)


def contact_list_columns(agent: Agent) -> list[str]:
    return clean_columns(preferences_for_agent(agent).contact_list_columns)


def filtered_contacts(agent: Agent, filters: ContactFilters) -> QuerySet[Contact]:
    contacts = contacts_for_agent(agent, query=filters.query)
    if filters.group is not None:
        contacts = contacts.filter(groups=filters.group)
    if filters.status:
        contacts = contacts.filter(status=filters.status)
    if filters.portal == "yes":
        contacts = contacts.filter(user__isnull=False)
    elif filters.portal == "no":
        contacts = contacts.filter(user__isnull=True)
    if filters.opted_out == "yes":
        contacts = contacts.filter(email_opted_out_at__isnull=False)
    elif filters.opted_out == "no":
        contacts = contacts.filter(email_opted_out_at__isnull=True)
    if filters.invalid_email:
        contacts = contacts.filter(
            pk__in=ContactEmail.objects.filter(
                contact__agent=agent, validity=ContactEmail.Validity.INVALID
            ).values("contact_id")
        )
    return contacts


def contact_table(
    agent: Agent, *, filters: ContactFilters, columns: list[str], sort: str | None
) -> tuple[QuerySet[Contact], str, bool]:
    """The contact list with what the chosen columns show, sorted by one of them.

    The same few queries whatever the page size: every count is a correlated subquery and the
    emails and groups are prefetched once per page.
    """
    key, descending = sort_key(sort, columns)
    contacts = filtered_contacts(agent, filters).select_related("user")
    annotations: dict = {}
    for column in {*columns, key}:
        if column in COLUMN_ANNOTATIONS:
            annotations.update(COLUMN_ANNOTATIONS[column]())
    contacts = contacts.annotate(**annotations)
    ordering = []
    for field in COLUMNS[key].sort:
        expression = F(field)
        ordering.append(
            expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        )
    prefetch = [Prefetch("emails"), Prefetch("groups")]
    return contacts.order_by(*ordering).prefetch_related(*prefetch), key, descending


def groups_for_agent(agent: Agent) -> QuerySet[ContactGroup]:
    return ContactGroup.objects.filter(agent=agent).annotate(contact_count=Count("contacts"))


def get_group_for_agent(agent: Agent, pk: int) -> ContactGroup:
    return get_object_or_404(ContactGroup, pk=pk, agent=agent)


def contacts_by_ids_for_agent(agent: Agent, ids) -> QuerySet[Contact]:
    """The agent's contacts among ``ids``; 404 when any id is not theirs (or not a contact)."""
    wanted = {int(pk) for pk in ids}
    contacts = Contact.objects.filter(agent=agent, pk__in=wanted)
    if contacts.count() != len(wanted):
        raise Http404("No such contact")
    return contacts


def get_contact_import_for_agent(agent: Agent, token) -> ContactImport:
    return get_object_or_404(ContactImport, token=token, agent=agent)


# --- The agent's view of one client ---------------------------------------------------------


def client_overview(contact: Contact) -> dict:
    """Portal status and recent activity for the agent's page about one client."""
    outbound = _related_model("outbound_emails")
    emails = list(contact.outbound_emails.order_by("-created_at", "-id")[:15])
    invitation = (
        outbound.objects.filter(to_contact=contact, kind="invitation")
        .order_by("-created_at")
        .first()
    )
    user = contact.user
    activity: list[dict] = []
    for view in contact.listing_views.select_related("listing").order_by("-last_viewed_at")[:10]:
        activity.append(
            {
                "kind": "viewed",
                "at": view.last_viewed_at,
                "listing": view.listing,
                "detail": f"{view.view_count}×" if view.view_count > 1 else "",
            }
        )
    for reaction in contact.listing_reactions.select_related("listing").order_by("-updated_at")[
        :10
    ]:
        activity.append(
            {
                "kind": reaction.kind,
                "at": reaction.updated_at,
                "listing": reaction.listing,
                "detail": reaction.get_kind_display(),
            }
        )
    for comment in contact.listing_comments.select_related("listing").order_by("-created_at")[:10]:
        activity.append(
            {
                "kind": "commented",
                "at": comment.created_at,
                "listing": comment.listing,
                "detail": comment.body[:140],
            }
        )
    for search in contact.previous_searches.order_by("-run_at")[:10]:
        activity.append(
            {"kind": "searched", "at": search.run_at, "listing": None, "detail": str(search)}
        )
    activity.sort(key=lambda item: item["at"], reverse=True)
    return {
        "invited_at": invitation.created_at if invitation else None,
        "accepted": bool(user and (user.last_login or user.has_usable_password())),
        "last_login": user.last_login if user else None,
        "login_count": contact.portal_logins.count(),
        "activity": activity[:15],
        "emails": emails,
        "saved_searches": list(contact.saved_searches.order_by("-created_at")[:10]),
        "counts": {
            "viewed": contact.listing_views.count(),
            "favorites": contact.listing_reactions.filter(kind="favorite").count(),
            "comments": contact.listing_comments.count(),
            "searches": contact.saved_searches.count(),
        },
    }


# --- Contact Summary report -----------------------------------------------------------------


def contact_summary(
    agent: Agent, *, since: datetime | None, until: datetime | None, filters: ContactFilters
) -> QuerySet[Contact]:
    """Per contact: portal, message, email, search, favorite and comment counts in the period."""
    window = {"since": since, "until": until}
    return (
        filtered_contacts(agent, filters)
        .select_related("user")
        .annotate(
            login_count=_count_of("portal_logins", date_field="created_at", **window),
            last_visit=F("user__last_login"),
            viewed_count=_count_of("listing_views", date_field="last_viewed_at", **window),
            message_count=_count_of(
                "outbound_emails", date_field="created_at", kind="message", **window
            ),
            sent_count=_count_of(
                "outbound_emails", date_field="created_at", status="sent", **window
            ),
            suppressed_count=_count_of(
                "outbound_emails", date_field="created_at", status="suppressed", **window
            ),
            bounced_count=_count_of(
                "outbound_emails", date_field="created_at", status="failed", **window
            ),
            invalid_count=_count_of("emails", validity=ContactEmail.Validity.INVALID),
            search_count=_count_of("saved_searches", date_field="created_at", **window),
            favorite_count=_count_of(
                "listing_reactions", date_field="updated_at", kind="favorite", **window
            ),
            comment_count=_count_of("listing_comments", date_field="created_at", **window),
        )
        .order_by(Lower("last_name"), Lower("first_name"), "id")
    )


def portal_card_fields_for_agent(agent: Agent) -> set[str]:
    """Which of the agent's details their clients' portal contact card shows (all by default)."""
    preferences = preferences_for_agent(agent)
    if not preferences.pk:
        return set(AgentPreferences.CardField.values)
    return set(preferences.portal_card_fields)


def agent_wants_notice(agent: Agent, event: str) -> bool:
    """Whether to email the agent when a client does ``event``: favorite, comment,
    saved_search or message (Portal Preferences)."""
    return bool(getattr(preferences_for_agent(agent), f"notify_on_{event}", False))
