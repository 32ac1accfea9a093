"""Contact Management in Chromium: Quick Add with Portal, and choosing columns by drag and drop
(and by keyboard)."""

import pytest
from django.core import mail

from clients.models import AgentPreferences, Contact
from tests.e2e.test_login_journeys import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_quick_add_with_portal_creates_the_client_and_sends_the_invitation(
    page, live_server, agent, screenshot
):
    log_in(page, live_server.url, agent.user.email)
    page.goto(f"{live_server.url}/agent/contacts/")
    bar = page.get_by_role("region", name="Quick Add")
    bar.get_by_label("First name").fill("Priya")
    bar.get_by_label("Last name").fill("Natarajan")
    bar.get_by_label("Email").fill("priya.n@example.com")
    bar.get_by_label("Portal").check()
    screenshot(page, "contacts-quick-add-filled")
    bar.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("Added Priya Natarajan and sent the portal invitation").is_visible()
    contact = Contact.objects.get(agent=agent, first_name="Priya")
    assert contact.user.email == "priya.n@example.com"
    assert any("/portal/invitation/" in m.body for m in mail.outbox)
    assert page.get_by_role("link", name="Priya Natarajan").is_visible()
    screenshot(page, "contacts-quick-add-done")

    # Collapse the bar; the choice survives a reload.
    page.get_by_role("button", name="Collapse Quick Add").click()
    expect_hidden = page.locator("[data-quick-add]")
    expect_hidden.wait_for(state="hidden")
    page.wait_for_timeout(300)
    page.reload()
    assert not page.locator("[data-quick-add]").is_visible()
    assert page.get_by_role("button", name="Quick Add").is_visible()


def drag(page, source, target):
    box = source.bounding_box()
    to = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    steps = [(box["x"] + 20, box["y"] + 10)]
    steps += [(to["x"] + to["width"] / 2, to["y"] + to["height"] * f) for f in (0.2, 0.5, 0.8)]
    for x, y in steps:
        page.mouse.move(x, y, steps=8)
        page.wait_for_timeout(60)
    page.mouse.up()


def test_columns_by_drag_and_drop_and_by_keyboard(
    page, live_server, agent, client_contact, screenshot
):
    log_in(page, live_server.url, agent.user.email)
    page.goto(f"{live_server.url}/agent/contacts/columns/")
    available = page.locator("[data-column-list=available]")
    selected = page.locator("[data-column-list=selected]")
    favorites = available.locator("[data-column=favorites] .column-item__handle")
    drag(page, favorites, selected.locator("[data-column=opted_out]"))
    assert selected.locator("[data-column=favorites]").count() == 1
    # Drag Status back to Available.
    drag(page, selected.locator("[data-column=status] .column-item__handle"), available)
    assert available.locator("[data-column=status]").count() == 1
    # Keyboard path: the Add button on Searches, then move it up once.
    page.get_by_role("button", name="Add Searches to Selected Columns").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Move Searches up").press("Enter")
    screenshot(page, "contacts-customize-columns")
    page.get_by_role("button", name="Save columns").click()
    page.wait_for_load_state()

    saved = AgentPreferences.objects.get(agent=agent).contact_list_columns
    assert "favorites" in saved and "searches" in saved and "status" not in saved
    assert saved.index("searches") < saved.index(saved[-1]) or saved[-1] != "searches"
    headers = page.locator("table.contact-table thead th").all_inner_texts()
    assert any("FAVORITES" in h.upper() for h in headers)
    assert not any(h.upper().startswith("STATUS") for h in headers)
    screenshot(page, "contacts-list-custom-columns")


def test_contact_list_fits_a_phone(phone_page, live_server, agent, client_contact, screenshot):
    log_in(phone_page, live_server.url, agent.user.email)
    phone_page.goto(f"{live_server.url}/agent/contacts/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "contacts-list-phone")


def test_add_contact_with_another_email_and_a_group(page, live_server, agent, screenshot):
    from clients.models import ContactGroup

    ContactGroup.objects.create(agent=agent, name="Buyers")
    ContactGroup.objects.create(agent=agent, name="Sellers")
    log_in(page, live_server.url, agent.user.email)
    page.goto(f"{live_server.url}/agent/contacts/new/")
    page.get_by_label("First name").fill("Maya")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Email 1").fill("maya@example.com")
    page.get_by_role("button", name="Add another email").click()
    page.get_by_label("Email 2").fill("maya@work.example")
    page.get_by_label("Notify").check()
    page.get_by_label("Add to a group").select_option(label="Sellers")
    page.get_by_role("button", name="Add", exact=True).click()
    assert page.get_by_role("button", name="Remove from Sellers").is_visible()
    screenshot(page, "contacts-add-contact")
    page.get_by_role("button", name="Add Contact").click()
    page.wait_for_load_state()
    assert page.get_by_text("Added Maya Okafor.").is_visible()
    contact = agent.contacts.get(first_name="Maya")
    assert [g.name for g in contact.groups.all()] == ["Sellers"]
    assert contact.emails.get(address="maya@work.example").notify
