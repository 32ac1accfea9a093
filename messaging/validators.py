"""Documents an agent shares: a real PDF (by its bytes, not its name) or an image, of sane size."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from clients.validators import validate_image_upload


def validate_document_upload(upload) -> str:
    """Returns the content type we will serve it as, or raises a ValidationError in words."""
    limit = settings.DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"This file is {filesizeformat(upload.size)}; the largest allowed is "
            f"{filesizeformat(limit)}."
        )
    if upload.size == 0:
        raise ValidationError("This file is empty.")
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return "application/pdf"
    try:
        validate_image_upload(upload)
    except ValidationError as error:
        raise ValidationError(
            "Please upload a PDF or an image (JPEG, PNG, GIF or WebP). This file is neither."
        ) from error
    from PIL import Image

    upload.seek(0)
    with Image.open(upload) as image:
        kind = image.format.lower()
    upload.seek(0)
    return f"image/{'jpeg' if kind == 'jpeg' else kind}"
