"""Issue 9's journey 3 in Chromium: an agent imports a Google Contacts file (upload, preview,
import), sees the contacts, then exports them from the Advanced menu; the downloaded CSV holds
the imported people with formulas neutralized."""

import csv
import io
import re
from pathlib import Path

import pytest

from clients.models import Contact
from tests.clients.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GOOGLE_CSV = Path(__file__).resolve().parents[1] / "data" / "contacts" / "google-contacts.csv"


def test_import_a_contacts_file_then_export_it(browser, live_server, agent, tmp_path, screenshot):
    # One hostile row rides along: a spreadsheet formula as a name.
    upload = tmp_path / "my-contacts.csv"
    upload.write_bytes(
        GOOGLE_CSV.read_bytes().rstrip(b"\n")
        + b'\n"=HYPERLINK(""http://evil.example"",""x"")",,Formula,,,,,,,,,,,,,,,,'
        + b"formula@example.com\n"
    )
    page = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = page.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(agent.user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/agent/.*"))

    page.goto(f"{live_server.url}/agent/contacts/")
    page.get_by_label("Advanced options").click()
    page.locator(".advanced-menu").get_by_role("link", name="Import Contacts").click()
    page.locator("input[type=file]").set_input_files(str(upload))
    screenshot(page, "journey-import-1-upload")
    page.get_by_role("button", name="Upload File").click()
    page.get_by_role("button", name="Import contacts").wait_for()
    assert "Google Contacts" in page.locator("body").inner_text()
    screenshot(page, "journey-import-2-preview")
    assert not Contact.objects.filter(agent=agent).exists()  # the preview writes nothing

    page.get_by_role("button", name="Import contacts").click()
    # A small file is imported at once and the agent lands on the list with a summary (a big one
    # shows a progress page instead).
    page.get_by_text(re.compile(r"Imported my-contacts\.csv: \d+ new")).wait_for()
    page.get_by_text("Okafor").first.wait_for()
    screenshot(page, "journey-import-3-imported-contact-list")
    imported = Contact.objects.filter(agent=agent)
    assert imported.filter(first_name="Maya", last_name="Okafor").exists()
    count = imported.count()
    assert count >= 3

    page.get_by_label("Advanced options").click()
    with page.expect_download() as download_info:
        page.locator(".advanced-menu").get_by_role("link", name="Export Contacts").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(body) == count
    named = {(row[header.index("First Name")], row[header.index("Last Name")]) for row in body}
    assert ("Maya", "Okafor") in named
    cells = [cell for row in body for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))]
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
