"""Production static files: collectstatic with WhiteNoise's manifest storage succeeds (a vendored
file that references a missing source map or image would break every deploy)."""

from django.core.management import call_command


def test_collectstatic_with_the_manifest_storage(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", "-v0")
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    for name in [
        "css/app.css",
        "vendor/htmx/htmx.min.js",
        "vendor/leaflet/leaflet.js",
        "js/search.js",
    ]:
        assert f'"{name}"' in manifest
