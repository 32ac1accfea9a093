"""Friendly error pages: 404 and 403 inside the design, 500 standalone (no database needed)."""

from django.test import Client, RequestFactory

from clients.views.common import error_500


def test_404_page_is_friendly(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "errors/404.html" in [t.name for t in response.templates]


def test_403_page_leads_a_client_home(portal_client):
    response = portal_client.get("/agent/")
    assert response.status_code == 403
    assert "errors/403.html" in [t.name for t in response.templates]


def test_500_page_renders_without_a_request_context():
    response = error_500(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"<html" in response.content.lower()


def test_unexpected_errors_answer_the_500_page(db, settings):
    settings.ROOT_URLCONF = "tests.urls_boom"
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert b"<html" in response.content.lower()


def test_money_and_thousands_filters():
    from decimal import Decimal

    from clients.templatetags.ui import money, thousands

    assert money(Decimal("1234567.49")) == "$1,234,567"
    assert money(None) == "" and money("abc") == ""
    assert thousands(2250) == "2,250" and thousands(None) == ""
