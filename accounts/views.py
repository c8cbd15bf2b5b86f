from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import ApplicationError

from .forms import CompanyForm
from .services import company_save_for_user


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.user.needs_company_profile:
        return redirect("accounts:company")
    return render(request, "accounts/dashboard.html")


@login_required
def company_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_institution_staff or user.is_advisor:
        raise PermissionDenied
    form = CompanyForm(request.POST or None, instance=user.company)
    if request.method == "POST" and form.is_valid():
        try:
            company_save_for_user(user=user, data=form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("企業情報を保存しました。"))
            return redirect("accounts:dashboard")
    return render(request, "accounts/company_form.html", {"form": form, "is_new": user.company_id is None})
