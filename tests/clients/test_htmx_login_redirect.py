"""A fragment requested by htmx after the session ran out sends the whole page to the login page
(HX-Redirect) instead of the login page being swapped into the nav or a panel."""

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.django_db

COUNT = "/agent/searches/screening/count/"
HTMX = {"HX-Request": "true"}


def _next_of(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == "/accounts/login/"
    return parse_qs(parts.query)["next"][0]


def test_an_htmx_fragment_without_a_session_sends_the_whole_page_to_log_in(client):
    response = client.get(
        COUNT, headers={**HTMX, "HX-Current-URL": "http://testserver/agent/contacts/?page=2"}
    )
    assert response.status_code == 204
    assert response.content == b""
    assert _next_of(response["HX-Redirect"]) == "/agent/contacts/?page=2"


def test_a_plain_request_still_gets_the_ordinary_login_redirect(client):
    response = client.get(COUNT)
    assert response.status_code == 302
    assert _next_of(response["Location"]) == COUNT
    assert "HX-Redirect" not in response


@pytest.mark.parametrize(
    "current",
    ["https://evil.example//steal", "", "javascript:alert(1)", "not a url"],
)
def test_the_way_back_is_only_a_path_on_this_site(client, current):
    response = client.get(COUNT, headers={**HTMX, "HX-Current-URL": current})
    assert response.status_code == 204
    back = _next_of(response["HX-Redirect"])
    assert back.startswith("/") and not back.startswith("//")


def test_a_signed_in_agent_gets_the_fragment_itself(agent_client):
    response = agent_client.get(COUNT, headers=HTMX)
    assert response.status_code == 200
    assert "HX-Redirect" not in response


def test_other_redirects_of_htmx_requests_are_left_alone(agent_client):
    # An agent's htmx request to a client-only page is refused, not sent to log in.
    response = agent_client.get("/portal/", headers=HTMX)
    assert "HX-Redirect" not in response
