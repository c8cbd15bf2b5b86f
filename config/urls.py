from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from .api import api

admin.site.site_header = _("CN支援ポータル 管理サイト")
admin.site.site_title = _("CN支援ポータル 管理")
admin.site.index_title = _("中小機構 職員メニュー")
# The admin signs in through allauth, so its rate limits and e-mail verification apply to staff too.
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("", include("core.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("consultations/", include("consultations.urls")),
    path("selfcheck/", include("selfcheck.urls")),
    path("seminars/", include("seminars.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("sharing/", include("sharing.urls")),
]

if settings.DEBUG:
    from django.views.defaults import page_not_found, permission_denied, server_error

    urlpatterns += [
        path("__errors__/404", page_not_found, {"exception": Exception()}),
        path("__errors__/403", permission_denied, {"exception": Exception()}),
        path("__errors__/500", server_error),
    ]
