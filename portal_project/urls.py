from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from clients.views import common as common_views

# The admin logs in through allauth's login page, so its rate limits apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "HomePortal — MLS staff"
admin.site.site_title = "HomePortal admin"

urlpatterns = [
    path("", common_views.home, name="home"),
    path("healthz", common_views.healthz, name="healthz"),
    # Login addresses are set by staff or the agent, never changed by the user alone.
    re_path(r"^accounts/email/", common_views.not_found),
    path("accounts/", include("allauth.urls")),
    path("agent/", include("portal_project.urls_agent")),
    path("portal/", include("portal_project.urls_portal")),
    path("email/searches/", include("searches.urls_email")),
    path("email/", include("notifications.urls")),
    path("webhooks/anymail/", include("notifications.webhooks")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "clients.views.common.error_404"
handler500 = "clients.views.common.error_500"
handler403 = "clients.views.common.error_403"
