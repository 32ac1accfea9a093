"""Listing photos: fetched, checked with Pillow and thumbnailed, all in memory.

Checks: the bytes must decode as a JPEG, PNG, GIF or WebP image; the file must be within
``settings.LISTING_PHOTO_MAX_BYTES``; width × height must be within ``Image.MAX_IMAGE_PIXELS``
(a decompression bomb is refused from its header, before any pixel is decoded).
"""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from .http import FetchError, RetryPolicy, fetch

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
THUMBNAIL_WIDTH = 480
THUMBNAIL_QUALITY = 80


class PhotoError(ValueError):
    """A photo we refuse or could not get; the listing keeps its feed URL."""


def photo_download(url: str, *, max_bytes: int, policy: RetryPolicy | None = None) -> bytes:
    """The photo at a feed's URL. Only from public hosts: the URL is data from the feed, and
    must not make our server reach its own network (a cloud's metadata service, an admin
    port) unless settings.LISTING_PHOTO_ALLOW_PRIVATE_HOSTS says so (tests, a local MLS)."""
    policy = policy or RetryPolicy(max_attempts=3, backoff=1.0, timeout=30.0)
    try:
        return fetch(
            url,
            policy=policy,
            headers={"Accept": "image/*"},
            max_bytes=max_bytes,
            public_only=not settings.LISTING_PHOTO_ALLOW_PRIVATE_HOSTS,
        ).body
    except FetchError as exc:
        raise PhotoError(str(exc)) from None


def photo_check(data: bytes, *, max_bytes: int) -> str:
    """Returns the file extension for the image's format; raises PhotoError if refused."""
    if len(data) > max_bytes:
        raise PhotoError(f"photo is {len(data)} bytes; the limit is {max_bytes}")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; we refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image_format = image.format
                width, height = image.size
                limit = Image.MAX_IMAGE_PIXELS
                if limit and width * height > limit:
                    raise PhotoError(
                        f"photo refused as a decompression bomb: {width}×{height} pixels is "
                        f"over the {limit} pixel limit"
                    )
                image.verify()
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError(f"photo refused as a decompression bomb: {exc}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(f"not an image we can read ({exc.__class__.__name__})") from None
    if image_format not in ALLOWED_FORMATS:
        raise PhotoError(f"photo format {image_format} is not JPEG, PNG, GIF or WebP")
    return ALLOWED_FORMATS[image_format]


def photo_thumbnail(data: bytes, *, width: int = THUMBNAIL_WIDTH) -> bytes:
    """A JPEG ``width`` pixels wide (never enlarged), upright per EXIF, without metadata."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image = ImageOps.exif_transpose(image)
                if image.mode not in ("RGB", "L"):
                    # Transparent PNG/GIF: flatten onto white rather than JPEG's black.
                    rgba = image.convert("RGBA")
                    flat = Image.new("RGB", rgba.size, (255, 255, 255))
                    flat.paste(rgba, mask=rgba.getchannel("A"))
                    image = flat
                if image.width > width:
                    height = max(1, round(image.height * width / image.width))
                    image = image.resize((width, height), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                image.save(
                    out, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True, progressive=True
                )
                return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError(f"photo refused as a decompression bomb: {exc}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(f"cannot make a thumbnail ({exc.__class__.__name__}: {exc})") from None
