"""Deployment switches read from the environment: media on S3-compatible storage (optional)."""

import json
import sys

from tests.test_settings_modes import PRODUCTION_ENV, run

PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps(s.STORAGES))"
)


def storages(extra: dict) -> dict:
    result = run(
        "portal_project.settings.production",
        {**PRODUCTION_ENV, **extra},
        sys.executable,
        "-c",
        PROBE,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_media_stays_on_the_file_system_by_default():
    assert storages({})["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_media_on_s3_compatible_storage_by_settings():
    configured = storages(
        {
            "MEDIA_S3_BUCKET": "homeportal-media",
            "MEDIA_S3_ENDPOINT_URL": "https://s3.example.net",
            "MEDIA_S3_REGION": "eu-west-1",
        }
    )
    default = configured["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"]["bucket_name"] == "homeportal-media"
    assert default["OPTIONS"]["endpoint_url"] == "https://s3.example.net"
    assert default["OPTIONS"]["default_acl"] is None  # private objects, signed URLs
    assert configured["staticfiles"]["BACKEND"].startswith("whitenoise.")
