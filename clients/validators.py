"""Validation for uploaded branding images: a real image (Pillow decides), of sane size."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from PIL import Image

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
MAX_IMAGE_PIXELS = 40_000_000  # refuse decompression bombs long before Pillow's own limit

hex_color_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", "Enter a colour as # followed by six hex digits, e.g. #1f6feb."
)


def validate_image_upload(upload) -> None:
    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    if upload.size and upload.size > limit:
        raise ValidationError(
            "This image is %(size)s; the largest allowed is %(limit)s. Please upload a smaller one.",
            code="image_too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        with Image.open(upload) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except Exception as exc:  # Pillow raises many types for garbage
        raise ValidationError(
            "This file is not an image we can read. Please upload a JPEG, PNG, GIF or WebP.",
            code="not_an_image",
        ) from exc
    finally:
        if hasattr(upload, "seek"):
            upload.seek(position)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(
            "Please upload a JPEG, PNG, GIF or WebP image (this one is %(format)s).",
            code="image_format",
            params={"format": image_format},
        )
    if width * height > MAX_IMAGE_PIXELS:
        raise ValidationError(
            "This image is %(w)s×%(h)s pixels; please upload one under 40 megapixels.",
            code="image_dimensions",
            params={"w": width, "h": height},
        )
