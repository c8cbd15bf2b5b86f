from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .api import api
from .metrics import metrics

# admin.site is core.admin_site.StaffAdminSite: it signs in through allauth (rate limits, e-mail verification,
# a second factor), never through Django's own login form.

handler500 = "core.views.server_error"

urlpatterns = [
    # The API first: its requests are the most frequent and the cheapest, so they skip matching the page routes.
    path("api/v1/", api.urls),
    path("metrics", metrics, name="metrics"),
    path("", include("core.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("consultations/", include("consultations.urls")),
    path("selfcheck/", include("selfcheck.urls")),
    path("seminars/", include("seminars.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("matching/", include("matching.urls")),
    path("dispatch/", include("dispatch.urls")),
    path("sharing/", include("sharing.urls")),
    path("advisor/", include("advisors.urls")),
    path("institutions/", include("institutions.urls")),
]

if settings.DEBUG:
    from django.views.defaults import page_not_found, permission_denied, server_error

    urlpatterns += [
        path("__errors__/404", page_not_found, {"exception": Exception()}),
        path("__errors__/403", permission_denied, {"exception": Exception()}),
        path("__errors__/500", server_error),
    ]
