"""Login by email for both roles, no sign-up, rate limits, and the walls between users."""

import pytest
from django.urls import reverse

from tests.clients.factories import DEFAULT_PASSWORD, UserFactory

LOGIN_URL = reverse("account_login")


def login(client, email, password=DEFAULT_PASSWORD):
    return client.post(LOGIN_URL, {"login": email, "password": password})


def test_agent_logs_in_by_email_and_lands_on_back_office(client, agent):
    response = login(client, agent.user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("agent:home")
    assert client.get(response["Location"]).status_code == 200


def test_client_logs_in_by_email_and_lands_on_portal(client, client_contact):
    response = login(client, client_contact.user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    page = client.get(response["Location"])
    assert page.status_code == 200
    # The portal wears the client's agent's brand.
    assert client_contact.agent.display_name in page.content.decode()


def test_login_email_is_case_insensitive(client, agent):
    response = login(client, agent.user.email.upper())
    assert response["Location"] == reverse("agent:home")


def test_wrong_password_is_refused_with_a_message(client, agent):
    response = login(client, agent.user.email, "not-the-password")
    assert response.status_code == 200
    assert "not correct" in response.content.decode().lower()


def test_repeated_failed_logins_are_rate_limited(client, agent):
    for _ in range(5):
        login(client, agent.user.email, "wrong")
    response = login(client, agent.user.email, DEFAULT_PASSWORD)
    # Even the right password is refused while the account's failed-login limit holds.
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_login_is_the_rate_limited_login(client, db):
    staff = UserFactory(email="boss@mls.example", is_staff=True, is_superuser=True)
    for _ in range(5):
        login(client, staff.email, "wrong")
    response = client.post("/admin/login/", {"username": staff.email, "password": DEFAULT_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302 and response["Location"].startswith(LOGIN_URL)


def test_there_is_no_public_signup(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code in (200, 302)
    assert b'name="password1"' not in response.content


def test_home_redirects_by_role(client, agent, client_contact):
    assert client.get("/")["Location"].startswith(LOGIN_URL)
    client.force_login(agent.user)
    assert client.get("/")["Location"] == reverse("agent:home")
    client.force_login(client_contact.user)
    assert client.get("/")["Location"] == reverse("portal:dashboard")


AGENT_PAGES = [
    "agent:home",
    "agent:contact_list",
    "agent:profile_edit",
    "agent:listing_search",
    "agent:search_list",
]
PORTAL_PAGES = ["portal:dashboard", "portal:my_searches", "portal:favorites", "portal:search"]


@pytest.mark.parametrize("name", AGENT_PAGES)
def test_client_cannot_open_agent_pages(portal_client, name):
    assert portal_client.get(reverse(name)).status_code in (403, 404)


@pytest.mark.parametrize("name", AGENT_PAGES + PORTAL_PAGES)
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_agent_cannot_open_portal_pages(agent_client, name):
    assert agent_client.get(reverse(name)).status_code in (403, 404)


def test_client_contact_detail_page_is_403_for_clients(portal_client, client_contact):
    url = reverse("agent:contact_detail", args=[client_contact.pk])
    assert portal_client.get(url).status_code == 403


def test_agent_sees_own_contact(agent_client, client_contact):
    response = agent_client.get(reverse("agent:contact_detail", args=[client_contact.pk]))
    assert response.status_code == 200
    assert "O&#x27;Neil" in response.content.decode()


def test_other_agent_gets_404_for_my_contact(client, other_agent, client_contact):
    client.force_login(other_agent.user)
    response = client.get(reverse("agent:contact_detail", args=[client_contact.pk]))
    assert response.status_code == 404


def test_contact_list_shows_only_my_contacts(agent_client, client_contact, other_agents_contact):
    page = agent_client.get(reverse("agent:contact_list")).content.decode()
    assert "O&#x27;Neil" in page
    assert other_agents_contact.last_name not in page


def test_contact_search_by_query_in_url(agent_client, client_contact, agent):
    from tests.clients.factories import ContactFactory

    ContactFactory(agent=agent, first_name="Zed", last_name="Unrelated")
    page = agent_client.get(reverse("agent:contact_list"), {"q": "o'neil"}).content.decode()
    assert "O&#x27;Neil" in page
    assert "Unrelated" not in page


def test_contact_list_query_count_is_bounded(agent_client, agent, django_assert_max_num_queries):
    from tests.clients.factories import ContactEmailFactory, ContactFactory

    for contact in ContactFactory.create_batch(30, agent=agent):
        ContactEmailFactory(contact=contact)
    with django_assert_max_num_queries(12):
        assert agent_client.get(reverse("agent:contact_list")).status_code == 200


def test_hostile_contact_ids_are_404_not_500(agent_client):
    assert agent_client.get("/agent/contacts/999999999/").status_code == 404
    assert agent_client.get("/agent/contacts/abc/").status_code == 404
    assert agent_client.get("/agent/contacts/?page=zzz&q=" + "x" * 5000).status_code == 200


def test_inactive_user_cannot_log_in(client, agent):
    agent.user.is_active = False
    agent.user.save()
    login(client, agent.user.email)
    assert "_auth_user_id" not in client.session


def test_staff_reach_admin_through_allauth_login(client, db):
    staff = UserFactory(email="staff@mls.example", is_staff=True, is_superuser=True)
    response = client.get("/admin/")
    assert response.status_code == 302
    # The admin's own login form is replaced by allauth's, which is rate limited.
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN_URL)
    login(client, staff.email)
    admin_home = client.get("/admin/")
    assert admin_home.status_code == 200
    for model in ["clients/contact", "clients/agent", "clients/user", "listings/listing"]:
        assert client.get(f"/admin/{model}/").status_code == 200, model


def test_agent_cannot_use_admin(agent_client):
    # Django sends non-staff to the admin login, which allauth's guard answers with 403.
    assert agent_client.get("/admin/", follow=True).status_code == 403


def test_staff_add_an_agent_in_the_admin(client, db, django_capture_on_commit_callbacks):
    from django.core import mail

    from clients.models import Agent

    staff = UserFactory(email="staff2@mls.example", is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/admin/clients/agent/add/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/clients/agent/add/",
            {
                "email": "Fresh.Agent@Example.com",
                "display_name": "Fresh Agent",
                "title": "",
                "brokerage_name": "Fresh Realty",
                "phone_mobile": "",
                "brand_color": "#1f5fa8",
                "send_welcome": "on",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    agent = Agent.objects.get(user__email="fresh.agent@example.com")
    assert agent.user.role == "agent"
    assert len(mail.outbox) == 1
    # A duplicate is refused on the form, not with a 500.
    response = client.post(
        "/admin/clients/agent/add/",
        {"email": "fresh.agent@example.com", "display_name": "Again", "brand_color": "#1f5fa8"},
    )
    assert response.status_code == 200
    assert "already an account" in response.content.decode()
    assert client.get("/admin/clients/user/add/").status_code == 200
    assert client.get(f"/admin/clients/agent/{agent.pk}/change/").status_code == 200


def test_users_cannot_change_their_login_address(agent_client):
    assert agent_client.get("/accounts/email/").status_code == 404


def test_healthz(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_failed_profile_save_does_not_change_the_header(agent_client, agent):
    response = agent_client.post(
        reverse("agent:profile_edit"),
        {"display_name": "Changed Name", "brand_color": "not-a-colour"},
    )
    assert response.status_code == 200
    assert response.context["brand_agent"].display_name == agent.display_name
