"""Pages that belong to neither face: the role-aware home redirect, health check, error pages."""

from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..selectors import home_url_for


def home(request):
    return redirect(home_url_for(request.user))


@never_cache
@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request, *args, **kwargs):
    raise Http404


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_500(request):
    # Rendered without a request context: nothing here may touch the database.
    from django.template.loader import get_template

    return HttpResponse(get_template("errors/500.html").render({}), status=500)
