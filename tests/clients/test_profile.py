"""The agent's profile and branding form, with hostile uploads."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

URL = reverse("agent:profile_edit")


def png_bytes(size=(64, 64), noise=False) -> bytes:
    if noise:
        import os

        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, "#1f5fa8")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def form_data(agent, **overrides):
    data = {
        "display_name": agent.display_name,
        "title": "Broker",
        "brokerage_name": "Harbor & Elm Realty",
        "brand_color": "#1f5fa8",
        "public_email": "",
        "website": "",
    }
    data.update(overrides)
    return data


def test_profile_saves_with_a_real_photo(agent_client, agent):
    photo = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    response = agent_client.post(URL, {**form_data(agent), "photo": photo})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.photo.name.endswith(".png")
    assert agent.title == "Broker"


def test_non_image_upload_is_rejected_with_a_clear_error(agent_client, agent):
    fake = SimpleUploadedFile("me.png", b"#!/bin/sh\necho not an image\n", content_type="image/png")
    response = agent_client.post(URL, {**form_data(agent), "photo": fake})
    assert response.status_code == 200
    errors = response.context["form"].errors["photo"]
    assert any("image" in e.lower() for e in errors)
    agent.refresh_from_db()
    assert not agent.photo


def test_oversized_image_is_rejected_with_its_size_in_words(agent_client, agent, settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 50_000
    big = SimpleUploadedFile(
        "logo.png", png_bytes((300, 300), noise=True), content_type="image/png"
    )
    response = agent_client.post(URL, {**form_data(agent), "logo": big})
    assert response.status_code == 200
    (error,) = response.context["form"].errors["logo"]
    assert "largest allowed is 48.8" in error
    agent.refresh_from_db()
    assert not agent.logo


def test_default_limit_rejects_a_real_image_over_5_mb(agent_client, agent):
    big = png_bytes((1400, 1400), noise=True)
    assert len(big) > 5 * 1024 * 1024
    upload = SimpleUploadedFile("huge.png", big, content_type="image/png")
    response = agent_client.post(URL, {**form_data(agent), "photo": upload})
    assert response.status_code == 200
    assert "largest allowed is 5.0" in response.context["form"].errors["photo"][0]


@pytest.mark.parametrize("color", ["red", "#12345", "#gggggg", "", "<script>"])
def test_brand_colour_must_be_hex(agent_client, agent, color):
    response = agent_client.post(URL, form_data(agent, brand_color=color))
    assert response.status_code == 200
    assert "brand_color" in response.context["form"].errors


def test_empty_name_and_bad_url_keep_what_was_typed(agent_client, agent):
    response = agent_client.post(
        URL, form_data(agent, display_name="", website="not a url", title="Kept title")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "display_name" in form.errors and "website" in form.errors
    assert "Kept title" in response.content.decode()


def test_profile_page_renders(agent_client):
    assert agent_client.get(URL).status_code == 200
