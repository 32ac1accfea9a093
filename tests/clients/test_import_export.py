"""Import (CSV from Google/Outlook/sheets, vCard) with preview and confirm; export; round trip."""

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.exports import safe_cell
from clients.importing import ImportFileError, parse_address_book
from clients.models import Contact, ContactEmail, ContactGroup, ContactImport
from clients.services import contact_import_run, contact_import_upload
from tests.clients.factories import AgentFactory, ContactEmailFactory, ContactFactory

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[1] / "data" / "contacts"


def upload(agent_client, content: bytes, name="contacts.csv", delimiter="auto"):
    return agent_client.post(
        reverse("agent:import_upload"),
        {"file": SimpleUploadedFile(name, content), "delimiter": delimiter},
    )


def preview_then_confirm(agent_client, content: bytes, name="contacts.csv", delimiter="auto"):
    response = upload(agent_client, content, name, delimiter)
    assert response.status_code == 302, response.content.decode()[:2000]
    contact_import = ContactImport.objects.latest("created_at")
    preview = agent_client.get(response["Location"])
    assert preview.status_code == 200
    agent_client.post(reverse("agent:import_confirm", args=[contact_import.token]))
    contact_import.refresh_from_db()
    return contact_import


@pytest.mark.parametrize(
    "filename, expected",
    [
        (
            "google-contacts.csv",
            {"maya.okafor@example.com", "lucas.ferreira@example.com", "jose.nunez@example.com"},
        ),
        ("outlook-contacts.csv", {"grace.whitfield@example.com", "tom.brennan@example.com"}),
        ("apple-contacts.vcf", {"sara.lindholm@example.com", "liam.obrien@example.com"}),
    ],
)
def test_real_address_book_exports_import(agent_client, agent, filename, expected):
    contact_import = preview_then_confirm(agent_client, (DATA / filename).read_bytes(), filename)
    assert contact_import.status == ContactImport.Status.DONE
    primaries = set(
        ContactEmail.objects.filter(contact__agent=agent, is_primary=True).values_list(
            "address", flat=True
        )
    )
    assert primaries == expected


def test_google_details_are_mapped(agent_client, agent):
    preview_then_confirm(agent_client, (DATA / "google-contacts.csv").read_bytes())
    maya = Contact.objects.get(agent=agent, first_name="Maya")
    assert maya.organization == "Okafor Dental"
    assert maya.phone_mobile == "+1 203-555-0101" and maya.phone_home == "(203) 555-0102"
    assert (maya.mailing_city, maya.mailing_state, maya.mailing_postal_code) == (
        "New Haven",
        "CT",
        "06511",
    )
    assert "yard for the dog" in maya.notes
    assert [g.name for g in maya.groups.all()] == ["Buyers"]
    assert maya.emails.count() == 2
    jose = Contact.objects.get(agent=agent, last_name="Núñez")
    assert jose.organization == "Núñez, Pérez & Hijos"


def test_preview_writes_nothing_and_shows_creates_merges_errors(agent_client, agent):
    existing = ContactFactory(agent=agent, first_name="Old")
    ContactEmailFactory(contact=existing, address="old@example.com")
    content = (
        b"First Name,Last Name,Email\n"
        b"New,Person,new@example.com\n"
        b"Old,Again,OLD@example.com\n"
        b"Bad,Email,not-an-email\n"
    )
    response = upload(agent_client, content)
    preview = agent_client.get(response["Location"])
    summary = preview.context["summary"]
    assert (summary["creates"], summary["merges"], summary["errors"]) == (1, 1, 1)
    assert "not a valid email address" in preview.content.decode()
    assert Contact.objects.filter(agent=agent).count() == 1


def test_same_file_twice_creates_no_duplicates(agent_client, agent):
    content = (DATA / "outlook-contacts.csv").read_bytes()
    preview_then_confirm(agent_client, content)
    preview_then_confirm(agent_client, content)
    assert Contact.objects.filter(agent=agent).count() == 2
    assert ContactEmail.objects.filter(contact__agent=agent).count() == 3


def test_merge_fills_blanks_and_keeps_existing_values(agent_client, agent):
    existing = ContactFactory(agent=agent, first_name="Grace", last_name="W", organization="Mine")
    ContactEmailFactory(contact=existing, address="grace.whitfield@example.com")
    preview_then_confirm(agent_client, (DATA / "outlook-contacts.csv").read_bytes())
    existing.refresh_from_db()
    assert existing.organization == "Mine"
    assert existing.phone_mobile == "(203) 555-0132"
    assert existing.emails.count() == 2


@pytest.mark.parametrize("delimiter, name", [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_other_delimiters_detected_and_chosen(agent_client, agent, delimiter, name):
    content = delimiter.join(["First Name", "Last Name", "Email"]) + "\n"
    content += delimiter.join(["Ana", name, f"ana.{name}@example.com"]) + "\n"
    for choice in ["auto", delimiter]:
        preview_then_confirm(agent_client, content.encode(), delimiter=choice)
    assert Contact.objects.filter(agent=agent, last_name=name).count() == 1


def test_encodings_bom_and_latin1_and_quoted_newlines(agent_client, agent):
    utf8_bom = (
        '\ufeffFirst Name,Last Name,Email,Notes\nZoë,Ærø,zoe@example.com,"line one,\nline two"\n'
    )
    preview_then_confirm(agent_client, utf8_bom.encode("utf-8"))
    latin = "First Name,Last Name,Email\nJosé,Muñoz,jose.m@example.com\n".encode("latin-1")
    preview_then_confirm(agent_client, latin)
    zoe = Contact.objects.get(agent=agent, first_name="Zoë")
    assert zoe.last_name == "Ærø" and zoe.notes == "line one,\nline two"
    assert Contact.objects.filter(agent=agent, last_name="Muñoz").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary file"),
        (b"", "empty"),
        (b"First Name,Last Name,Email\n", None),
        (
            b"date,amount,description\n2024-01-01,12.50,coffee\n",
            "does not look like an address book",
        ),
        (b"First Name;Last Name;Email\nA;B;a@example.com\n", "another delimiter"),
    ],
    ids=["binary", "empty", "zero-rows", "not-an-address-book", "wrong-delimiter"],
)
def test_hostile_files_get_a_clear_error_and_write_nothing(agent_client, agent, content, message):
    delimiter = "," if message == "another delimiter" else "auto"
    response = upload(agent_client, content, delimiter=delimiter)
    if message is None:
        # Zero rows: a valid header and nothing to import; the preview says so.
        preview = agent_client.get(response["Location"])
        assert preview.context["summary"]["total"] == 0
        assert "No row of this file can be imported" in preview.content.decode()
    else:
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not ContactImport.objects.exists()
    assert not Contact.objects.filter(agent=agent).exists()


def test_duplicated_headers_and_mixed_good_and_bad_rows(agent_client, agent):
    content = (
        b"First Name,Last Name,Email,Email,First Name\n"
        b"Dup,Head,dup1@example.com,dup2@example.com,Ignored\n"
        b",,,,\n"
        b"Bad,Row,bad@@example,,\n"
        b",,,,\n"
        b"Good,Row,good@example.com,,\n"
        b",,no-name-no-email,,\n"
    )
    contact_import = preview_then_confirm(agent_client, content)
    assert contact_import.status == ContactImport.Status.DONE
    assert contact_import.created_count == 2 and contact_import.error_count == 2
    dup = Contact.objects.get(agent=agent, first_name="Dup")
    assert sorted(dup.emails.values_list("address", flat=True)) == [
        "dup1@example.com",
        "dup2@example.com",
    ]


def test_fifty_thousand_rows_import_through_the_task(
    agent_client, agent, django_capture_on_commit_callbacks
):
    lines = ["First Name,Last Name,Email,Mobile Phone"]
    lines += [f"First{i},Last{i},person{i}@example.com,203-555-{i:05d}" for i in range(50_000)]
    content = "\n".join(lines).encode()
    response = upload(agent_client, content, name="big.csv")
    assert response.status_code == 302
    contact_import = ContactImport.objects.get()
    assert contact_import.summary["creates"] == 50_000
    with django_capture_on_commit_callbacks(execute=True):
        confirm = agent_client.post(reverse("agent:import_confirm", args=[contact_import.token]))
    assert confirm["Location"] == reverse("agent:import_status", args=[contact_import.token])
    contact_import.refresh_from_db()
    assert contact_import.status == ContactImport.Status.DONE
    assert Contact.objects.filter(agent=agent).count() == 50_000
    status = agent_client.get(confirm["Location"], HTTP_HX_REQUEST="true")
    assert "50,000 new contacts" in status.content.decode()


def test_import_progress_page_polls_while_running(agent_client, agent):
    upload(agent_client, b"First Name,Email\nA,a@example.com\n")
    contact_import = ContactImport.objects.get()
    ContactImport.objects.filter(pk=contact_import.pk).update(status="running", total_rows=10)
    body = agent_client.get(
        reverse("agent:import_status", args=[contact_import.token])
    ).content.decode()
    assert 'hx-trigger="every 1s"' in body and "progressbar" in body


def test_import_task_is_idempotent(agent):
    upload_file = SimpleUploadedFile("c.csv", b"First Name,Email\nA,a@example.com\n")
    contact_import = contact_import_upload(agent=agent, upload=upload_file, delimiter="auto")
    assert contact_import_run(import_id=contact_import.pk) == "done"
    assert contact_import_run(import_id=contact_import.pk) == "skipped"
    assert Contact.objects.filter(agent=agent).count() == 1


def test_other_agents_import_is_404(agent_client, other_agent):
    upload_file = SimpleUploadedFile("c.csv", b"First Name,Email\nA,a@example.com\n")
    foreign = contact_import_upload(agent=other_agent, upload=upload_file, delimiter="auto")
    for name in ["agent:import_preview", "agent:import_status"]:
        assert agent_client.get(reverse(name, args=[foreign.token])).status_code == 404
    assert (
        agent_client.post(reverse("agent:import_confirm", args=[foreign.token])).status_code == 404
    )
    assert not Contact.objects.exists()


# --- Export -----------------------------------------------------------------------------------


def exported_rows(agent_client):
    response = agent_client.get(reverse("agent:contacts_export"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_export_neutralizes_formulas(agent_client, agent):
    ContactFactory(
        agent=agent,
        first_name='=HYPERLINK("http://evil")',
        last_name="+1",
        organization="@SUM(A1)",
        notes="-2+3",
    )
    header, row = exported_rows(agent_client)
    values = dict(zip(header, row, strict=True))
    assert values["First Name"].startswith("'=")
    assert values["Last Name"] == "'+1"
    assert values["Organization"] == "'@SUM(A1)"
    assert values["Notes"] == "'-2+3"
    assert safe_cell("plain") == "plain" and safe_cell("\tx") == "'\tx"


def test_export_then_import_gives_the_same_contacts(agent_client, agent):
    group = ContactGroup.objects.create(agent=agent, name="Buyers")
    first = ContactFactory(
        agent=agent,
        first_name="Ana",
        last_name="Round",
        organization="Trip, Inc.",
        phone_mobile="+1 203 555 0100",
        phone_home="(203) 555-0101",
        mailing_street="1 Main St",
        mailing_city="New Haven",
        mailing_state="CT",
        mailing_postal_code="06510",
        notes="Line one\nLine two, with comma",
        status="prospect",
        reverse_prospecting=True,
    )
    first.groups.add(group)
    ContactEmailFactory(contact=first, address="ana@example.com")
    ContactEmailFactory(contact=first, address="ana@work.example", is_primary=False, notify=False)
    ContactFactory(agent=agent, first_name="Noemail", last_name="Person", status="past_client")
    export = agent_client.get(reverse("agent:contacts_export")).content

    other = AgentFactory()
    agent_client.force_login(other.user)
    preview_then_confirm(agent_client, export, "contacts-export.csv")

    def snapshot(owner):
        return sorted(
            (
                c.first_name,
                c.last_name,
                c.organization,
                c.phone_mobile,
                c.phone_home,
                c.mailing_street,
                c.mailing_city,
                c.mailing_state,
                c.mailing_postal_code,
                c.notes,
                c.status,
                c.reverse_prospecting,
                tuple(e.address for e in c.emails.order_by("-is_primary", "id")),
                tuple(g.name for g in c.groups.all()),
            )
            for c in Contact.objects.filter(agent=owner)
        )

    assert snapshot(other) == snapshot(agent)


def test_parse_rejects_more_than_the_row_limit(monkeypatch):
    from clients import importing

    monkeypatch.setattr(importing, "MAX_IMPORT_ROWS", 3)
    content = "First Name,Email\n" + "".join(f"A{i},a{i}@example.com\n" for i in range(4))
    with pytest.raises(ImportFileError):
        parse_address_book(content.encode())


def test_preview_shows_how_each_column_was_read(agent_client, agent):
    response = upload(agent_client, (DATA / "google-contacts.csv").read_bytes())
    preview = agent_client.get(response["Location"])
    mapping = dict(preview.context["summary"]["mapping"])
    assert mapping["E-mail 1 - Value"] == "Email"
    assert mapping["Organization Name"] == "Company"
    assert mapping["Phone 1 - Value"] == "Phone (by its label)"
    assert mapping["Birthday"] == ""
    assert "How the columns were read" in preview.content.decode()
