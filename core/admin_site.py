"""The staff admin: signed in through allauth only (its rate limits and MFA), never Django's own login form."""

from django.contrib import admin, messages
from django.contrib.admin.options import BaseInlineFormSet
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.forms.formsets import DELETION_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from .admin_widgets import LabelledWidgetsMixin
from .audit import AUDIT_PAGE_SIZE, audit_page
from .desk import has_second_factor
from .forms import AuditFilterForm


class StaffAdminSite(admin.AdminSite):
    site_header = _("CN支援ポータル 管理サイト")
    site_title = _("CN支援ポータル 管理")
    index_title = _("中小機構 職員メニュー")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and has_second_factor(user))

    def _next_url(self, request: HttpRequest) -> str:
        candidate = request.GET.get(REDIRECT_FIELD_NAME, "")
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
        return reverse("admin:index", current_app=self.name)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Never a form here: anonymous visitors go to allauth's sign-in page, a staff member without a second
        factor to the authenticator set-up, everybody else is refused. A POST authenticates nobody."""
        user = request.user
        next_url = self._next_url(request)
        if not user.is_authenticated:
            return redirect_to_login(next_url, reverse("account_login"))
        if self.has_permission(request):
            return redirect(next_url)
        if user.is_active and user.is_staff:
            messages.warning(
                request,
                _("管理サイトを使うには二段階認証の設定が必要です。認証アプリでQRコードを読み取ってください。"),
            )
            return redirect("mfa_activate_totp")
        raise PermissionDenied

    def password_change(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return redirect("account_change_password")

    def get_urls(self):

        return [path("audit/", self.admin_view(self.audit_view), name="audit")] + super().get_urls()

    def audit_view(self, request: HttpRequest) -> HttpResponse:
        """Every recorded desk change, newest first, filterable by model, person, kind and period: superusers only."""

        if not request.user.is_superuser:
            raise PermissionDenied
        form = AuditFilterForm(request.GET or None)
        entries, older, page = [], False, 1
        if form.is_valid() or not request.GET:
            page = form.page_number()
            entries, older = audit_page(page=page, **form.filters())

        def page_url(number: int) -> str:
            query = request.GET.copy()
            query["page"] = str(number)
            return "?" + query.urlencode()

        context = {
            **self.each_context(request),
            "title": _("変更履歴（監査ログ）"),
            "form": form,
            "entries": entries,
            "page": page,
            "page_size": AUDIT_PAGE_SIZE,
            "newer_url": page_url(page - 1) if page > 1 else "",
            "older_url": page_url(page + 1) if older else "",
        }
        return TemplateResponse(request, "admin/audit.html", context)


class LabelledDeleteFormSet(BaseInlineFormSet):
    """A tabular inline's 削除 checkbox has only its column's header, no <label> (axe: label, critical): each one
    is named after its row, and the blank row the 「追加」 link copies after what it is."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields.get(DELETION_FIELD_NAME)
        if field is None:
            return
        if index is None:
            row = _("追加する行")
        elif form.instance.pk:
            row = str(form.instance)
        else:
            row = _("%(n)s行目") % {"n": index + 1}
        field.widget.attrs["aria-label"] = _("%(row)sを削除") % {"row": row}


class DeskTabularInline(LabelledWidgetsMixin, admin.TabularInline):
    formset = LabelledDeleteFormSet
