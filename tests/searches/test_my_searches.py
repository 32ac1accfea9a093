"""My Searches (/portal/searches/): the agent's searches for the client on top, then the client's
own Saved Searches (run, rename, delete) and Previous Searches (run, save), each scoped."""

import pytest
from django.urls import reverse

from searches.models import PreviousSearch, SavedSearch

pytestmark = pytest.mark.django_db

URL = "/portal/searches/"


def _own(contact, name="Hartford 3 beds", criteria=None):
    return SavedSearch.objects.create(
        agent=contact.agent,
        contact=contact,
        name=name,
        criteria=criteria if criteria is not None else {"q": "Hartford", "beds": 3},
        created_by=contact.user,
    )


def _agents(contact, name="From Dana", kind="automatic"):
    return SavedSearch.objects.create(
        agent=contact.agent,
        contact=contact,
        name=name,
        criteria={"min_price": 300000},
        kind=kind,
        created_by=contact.agent.user,
    )


def test_agents_searches_on_top_then_my_saved_and_previous(portal_client, client_contact):
    _agents(client_contact, "Dana's automatic pick")
    _agents(client_contact, "Dana's saved pick", kind="saved")
    _own(client_contact, "My Hartford")
    PreviousSearch.objects.create(
        contact=client_contact, criteria={"q": "Avon"}, query_string="q=Avon", result_count=7
    )
    body = portal_client.get(URL).content.decode()
    order = [
        body.index("Dana&#x27;s automatic pick"),
        body.index("My Hartford"),
        body.index("Avon"),
    ]
    assert order == sorted(order)
    assert body.index("Dana&#x27;s saved pick") < body.index('id="saved-heading"')
    assert "Automatic" in body and "7 homes" in body
    # Each runs: a link to Search Listings with the criteria as its query string.
    assert "/portal/search/?q=Hartford&amp;beds=3" in body
    assert "/portal/search/?min_price=300000" in body
    assert "/portal/search/?q=Avon" in body
    # Only the client's own can be renamed or deleted.
    assert body.count("/rename/") == 1 and body.count("/delete/") == 1


def test_rename_my_search(portal_client, client_contact):
    search = _own(client_contact)
    response = portal_client.post(
        reverse("portal:search_rename", args=[search.pk]), {"name": "  Dream homes  "}
    )
    assert response.status_code == 302
    search.refresh_from_db()
    assert search.name == "Dream homes"


@pytest.mark.parametrize("name", ["", "   ", "x" * 151])
def test_bad_names_change_nothing(portal_client, client_contact, name):
    search = _own(client_contact)
    response = portal_client.post(
        reverse("portal:search_rename", args=[search.pk]), {"name": name}, follow=True
    )
    assert response.status_code == 200
    search.refresh_from_db()
    assert search.name == "Hartford 3 beds"


def test_a_name_with_script_is_shown_escaped(portal_client, client_contact):
    _own(client_contact, "<script>alert(1)</script>")
    body = portal_client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_delete_my_search(portal_client, client_contact):
    search = _own(client_contact)
    response = portal_client.post(reverse("portal:search_delete", args=[search.pk]))
    assert response.status_code == 302
    assert not SavedSearch.objects.exists()


def test_get_does_not_delete(portal_client, client_contact):
    search = _own(client_contact)
    assert portal_client.get(reverse("portal:search_delete", args=[search.pk])).status_code == 405
    assert SavedSearch.objects.filter(pk=search.pk).exists()


def test_agents_search_and_other_clients_search_are_404_and_unchanged(
    portal_client, client_contact, other_client_contact
):
    agents = _agents(client_contact)
    others = _own(other_client_contact, "Bea's")
    for search in (agents, others):
        for name, data in (
            ("portal:search_rename", {"name": "Hacked"}),
            ("portal:search_delete", {}),
        ):
            assert portal_client.post(reverse(name, args=[search.pk]), data).status_code == 404
    assert portal_client.post(reverse("portal:search_delete", args=[999999])).status_code == 404
    assert sorted(SavedSearch.objects.values_list("name", flat=True)) == ["Bea's", "From Dana"]


def test_save_a_previous_search(portal_client, client_contact):
    previous = PreviousSearch.objects.create(
        contact=client_contact, criteria={"q": "Avon", "beds": 2}, query_string="q=Avon&beds=2"
    )
    response = portal_client.post(
        reverse("portal:previous_search_save", args=[previous.pk]), {"name": "Avon twos"}
    )
    assert response.status_code == 302
    saved = SavedSearch.objects.get()
    assert (saved.name, saved.criteria, saved.contact, saved.created_by) == (
        "Avon twos",
        {"q": "Avon", "beds": 2},
        client_contact,
        client_contact.user,
    )
    assert response["Location"].endswith(f"#saved-search-{saved.pk}")


def test_a_previous_search_saved_without_a_name_takes_its_summary(portal_client, client_contact):
    previous = PreviousSearch.objects.create(contact=client_contact, criteria={}, query_string="")
    portal_client.post(reverse("portal:previous_search_save", args=[previous.pk]), {"name": ""})
    assert SavedSearch.objects.get().name


def test_another_clients_previous_search_is_404(portal_client, other_client_contact):
    previous = PreviousSearch.objects.create(
        contact=other_client_contact, criteria={"q": "Secret"}, query_string="q=Secret"
    )
    url = reverse("portal:previous_search_save", args=[previous.pk])
    assert portal_client.post(url, {"name": "Mine now"}).status_code == 404
    assert not SavedSearch.objects.exists()


def test_another_clients_searches_are_not_listed(portal_client, other_client_contact):
    _own(other_client_contact, "Bea's private search")
    PreviousSearch.objects.create(
        contact=other_client_contact, criteria={"q": "Beaville"}, query_string="q=Beaville"
    )
    body = portal_client.get(URL).content.decode()
    assert "private search" not in body and "Beaville" not in body


def test_previous_searches_are_paginated(portal_client, client_contact):
    PreviousSearch.objects.bulk_create(
        PreviousSearch(
            contact=client_contact, criteria={"q": f"Town{n}"}, query_string=f"q=Town{n}"
        )
        for n in range(45)
    )
    first = portal_client.get(URL).content.decode()
    assert first.count('id="previous-search-') == 20 and 'rel="next"' in first
    last = portal_client.get(URL, {"page": 3}).content.decode()
    assert last.count('id="previous-search-') == 5
    assert portal_client.get(URL, {"page": "<script>"}).status_code == 200


@pytest.mark.parametrize("count", [10, 1000])
def test_query_count_is_bounded(
    portal_client, client_contact, count, django_assert_max_num_queries
):
    agent = client_contact.agent
    SavedSearch.objects.bulk_create(
        SavedSearch(
            agent=agent,
            contact=client_contact,
            name=f"Search {n}",
            criteria={"q": f"Town{n}"},
            kind="automatic" if n % 3 == 0 else "saved",
            created_by=client_contact.user if n % 2 else agent.user,
        )
        for n in range(count)
    )
    PreviousSearch.objects.bulk_create(
        PreviousSearch(
            contact=client_contact, criteria={"q": f"Town{n}"}, query_string=f"q=Town{n}"
        )
        for n in range(count)
    )
    with django_assert_max_num_queries(15):
        assert portal_client.get(URL).status_code == 200
    with django_assert_max_num_queries(15):
        assert portal_client.get(URL, {"page": 2}).status_code == 200
