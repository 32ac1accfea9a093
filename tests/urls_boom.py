"""A URLconf with a view that fails, for the 500-page test."""

from django.urls import path

from portal_project.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom), *urlpatterns]
