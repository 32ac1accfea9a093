"""Logged-in pages are never kept by a shared cache or on the browser's disk."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/agent/", "/agent/contacts/"])
def test_agent_pages_are_private_and_not_stored(agent_client, path):
    response = agent_client.get(path)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_portal_pages_are_private_and_not_stored(portal_client):
    response = portal_client.get("/portal/")
    assert "no-store" in response["Cache-Control"]
