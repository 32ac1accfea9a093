"""Quick Add, Add/Edit with several emails and groups, Edit Group List, deactivate and delete."""

import pytest
from django.core import mail
from django.urls import reverse

from clients.models import AgentPreferences, ConsentEvent, Contact, ContactGroup, User
from tests.clients.factories import ContactEmailFactory, ContactFactory, ContactGroupFactory

pytestmark = pytest.mark.django_db


def contact_post(**overrides):
    data = {
        "first_name": "Maya",
        "last_name": "Okafor",
        "organization": "Okafor Dental",
        "phone_mobile": "203 555 0101",
        "phone_home": "",
        "phone_work": "",
        "mailing_street": "18 Elm St",
        "mailing_city": "New Haven",
        "mailing_state": "CT",
        "mailing_postal_code": "06511",
        "status": "active",
        "notes": "Wants a yard",
        "emails-TOTAL_FORMS": "2",
        "emails-INITIAL_FORMS": "0",
        "emails-MIN_NUM_FORMS": "0",
        "emails-MAX_NUM_FORMS": "10",
        "emails-0-address": "maya@example.com",
        "emails-1-address": "maya@work.example",
        "emails-1-notify": "on",
    }
    data.update(overrides)
    return data


def test_quick_add_creates_a_contact(agent_client, agent):
    response = agent_client.post(
        reverse("agent:contact_quick_add"),
        {"first_name": "Lee", "last_name": "Quick", "email": "lee@example.com"},
    )
    assert response.status_code == 302
    contact = Contact.objects.get(agent=agent, first_name="Lee")
    assert contact.emails.get().is_primary
    assert contact.user is None
    assert not mail.outbox


def test_quick_add_with_portal_creates_the_login_and_sends_the_invitation(
    agent_client, agent, django_capture_on_commit_callbacks
):
    AgentPreferences.objects.create(agent=agent, invitation_message="Welcome aboard!")
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            reverse("agent:contact_quick_add"),
            {
                "first_name": "Pia",
                "last_name": "Portal",
                "email": "pia@example.com",
                "portal": "on",
            },
            follow=True,
        )
    contact = Contact.objects.get(agent=agent, first_name="Pia")
    assert contact.user.email == "pia@example.com"
    assert "sent the portal invitation" in response.content.decode()
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "/portal/invitation/" in body
    assert "password:" not in body.lower()


def test_quick_add_errors_keep_what_was_typed(agent_client, agent):
    ContactEmailFactory(contact=ContactFactory(agent=agent), address="taken@example.com")
    response = agent_client.post(
        reverse("agent:contact_quick_add"),
        {"first_name": "Tia", "last_name": "Typed", "email": "taken@example.com"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="Tia"' in body and 'value="Typed"' in body
    assert "already has taken@example.com" in body
    portal_without_email = agent_client.post(
        reverse("agent:contact_quick_add"), {"first_name": "No", "portal": "on"}
    )
    assert "portal login is the email" in portal_without_email.content.decode()
    assert not Contact.objects.filter(first_name__in=["Tia", "No"]).exists()


def test_quick_add_collapse_is_remembered(agent_client, agent):
    agent_client.post(reverse("agent:quick_add_toggle"), {"collapsed": "1"})
    assert AgentPreferences.objects.get(agent=agent).quick_add_collapsed
    page = agent_client.get(reverse("agent:contact_list")).content.decode()
    assert "Show Quick Add" in page
    agent_client.post(reverse("agent:quick_add_toggle"), {"collapsed": "0"})
    assert not AgentPreferences.objects.get(agent=agent).quick_add_collapsed


def test_add_contact_with_two_emails_and_groups(agent_client, agent):
    buyers = ContactGroupFactory(agent=agent, name="Buyers")
    response = agent_client.post(reverse("agent:contact_create"), contact_post(groups=[buyers.pk]))
    assert response.status_code == 302
    contact = Contact.objects.get(agent=agent, first_name="Maya")
    primary, second = contact.emails.order_by("-is_primary")
    assert (primary.address, primary.is_primary, primary.notify) == ("maya@example.com", True, True)
    assert (second.address, second.is_primary, second.notify) == ("maya@work.example", False, True)
    assert list(contact.groups.all()) == [buyers]


def test_duplicate_emails_within_a_contact_are_refused_and_input_kept(agent_client, agent):
    response = agent_client.post(
        reverse("agent:contact_create"),
        contact_post(**{"emails-1-address": "MAYA@example.com", "notes": "keep me"}),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "already listed above" in body
    assert "keep me" in body and 'value="Okafor Dental"' in body
    assert not Contact.objects.filter(first_name="Maya").exists()


def test_add_another_email_without_javascript_keeps_the_form(agent_client, agent):
    response = agent_client.post(reverse("agent:contact_create"), contact_post(add_email="1"))
    assert response.context["formset"].total_form_count() == 3
    assert not Contact.objects.exists()


def test_foreign_group_cannot_be_attached(agent_client, agent, other_agent):
    foreign = ContactGroupFactory(agent=other_agent)
    response = agent_client.post(reverse("agent:contact_create"), contact_post(groups=[foreign.pk]))
    assert response.status_code == 400
    assert not Contact.objects.filter(agent=agent).exists()


def test_edit_changes_status_through_the_audited_service(agent_client, agent):
    contact = ContactFactory(agent=agent, first_name="Ed")
    ContactEmailFactory(contact=contact, address="ed@example.com")
    response = agent_client.post(
        reverse("agent:contact_edit", args=[contact.pk]),
        contact_post(first_name="Edward", status="past_client"),
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.first_name == "Edward" and contact.status == "past_client"
    assert contact.consent_events.filter(kind=ConsentEvent.Kind.STATUS_CHANGED).exists()
    assert set(contact.emails.values_list("address", flat=True)) == {
        "maya@example.com",
        "maya@work.example",
    }


def test_edit_form_shows_existing_values(agent_client, agent):
    contact = ContactFactory(agent=agent, first_name="Eva", organization="Acme")
    ContactEmailFactory(contact=contact, address="eva@example.com")
    body = agent_client.get(reverse("agent:contact_edit", args=[contact.pk])).content.decode()
    assert 'value="eva@example.com"' in body and 'value="Acme"' in body


def test_deactivate_and_delete_with_confirmation(agent_client, agent, client_contact):
    agent_client.post(reverse("agent:contact_deactivate", args=[client_contact.pk]))
    client_contact.refresh_from_db()
    assert client_contact.status == Contact.Status.INACTIVE
    page = agent_client.get(reverse("agent:contact_delete", args=[client_contact.pk]))
    body = page.content.decode()
    assert "portal login" in body and "email address" in body
    user_pk = client_contact.user_id
    agent_client.post(reverse("agent:contact_delete", args=[client_contact.pk]))
    assert not Contact.objects.filter(pk=client_contact.pk).exists()
    assert not User.objects.filter(pk=user_pk).exists()


def test_edit_group_list_add_rename_remove(agent_client, agent):
    agent_client.post(reverse("agent:group_list"), {"name": "Buyers"})
    group = ContactGroup.objects.get(agent=agent)
    duplicate = agent_client.post(reverse("agent:group_list"), {"name": "buyers"})
    assert duplicate.status_code == 400
    member = ContactFactory(agent=agent)
    member.groups.add(group)
    agent_client.post(reverse("agent:group_rename", args=[group.pk]), {"name": "Buyers 2026"})
    group.refresh_from_db()
    assert group.name == "Buyers 2026"
    agent_client.post(reverse("agent:group_delete", args=[group.pk]))
    assert not ContactGroup.objects.exists()
    assert Contact.objects.filter(pk=member.pk).exists()


@pytest.mark.parametrize(
    "name, args",
    [
        ("agent:contact_edit", "contact"),
        ("agent:contact_delete", "contact"),
        ("agent:contact_deactivate", "contact"),
        ("agent:contact_detail", "contact"),
        ("agent:group_rename", "group"),
        ("agent:group_delete", "group"),
    ],
)
def test_other_agents_objects_answer_404(agent_client, other_agent, name, args):
    contact = ContactFactory(agent=other_agent)
    group = ContactGroupFactory(agent=other_agent)
    pk = contact.pk if args == "contact" else group.pk
    for method in (agent_client.get, agent_client.post):
        response = method(reverse(name, args=[pk]), {"name": "x"})
        assert response.status_code in (404, 405)
    contact.refresh_from_db()
    group.refresh_from_db()
    assert group.name != "x" and contact.status == "active"
