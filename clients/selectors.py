"""Reads for agents and contacts. Every getter is scoped to the requesting user (404 otherwise)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from .models import Agent, ConsentEvent, Contact, ContactEmail, User


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
        return Contact.objects.select_related("agent", "agent__user").get(user=user)
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
