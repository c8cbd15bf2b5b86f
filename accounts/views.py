from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.desk import has_second_factor
from core.errors import ApplicationError
from core.resume import resume_pop

from .forms import AccountCloseForm, CompanyForm
from .prefill import company_prefill, company_prefill_forget
from .services import account_close, company_save_for_user, user_name_set
from .signup import NameForm


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.user.needs_company_profile:
        return redirect("accounts:company")
    user = request.user
    second_factor = has_second_factor(user)
    # Desk staff, experts and advisors must enrol before they see companies' data; everybody else may.
    must_enrol = not second_factor and (user.is_staff or user.is_advisor or hasattr(user, "expert"))
    return render(request, "accounts/dashboard.html", {"second_factor": second_factor, "must_enrol": must_enrol})


@login_required
def name_edit(request: HttpRequest) -> HttpResponse:
    """Asked once of an account made before sign-up asked names: mails then say 「姓 名 様」."""
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(next_url, allowed_hosts=None):
        next_url = ""
    form = NameForm(
        request.POST if request.method == "POST" and "skip" not in request.POST else None,
        initial={"family_name": user.last_name, "given_name": user.first_name},
    )
    if request.method == "POST":
        if "skip" in request.POST:
            user_name_set(user=user, family_name="", given_name="", skipped=True)
            return redirect(next_url or "accounts:dashboard")
        if form.is_valid():
            user_name_set(
                user=user, family_name=form.cleaned_data["family_name"], given_name=form.cleaned_data["given_name"]
            )
            messages.success(request, _("お名前を保存しました。"))
            return redirect(next_url or "accounts:dashboard")
    return render(
        request, "accounts/name_form.html", {"form": form, "next": next_url}, status=400 if form.errors else 200
    )


@login_required
def company_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_institution_staff or user.is_advisor:
        raise PermissionDenied
    # A company not yet described starts from what its invitation said (the name), if it came from one.
    initial = company_prefill(request) if user.company_id is None else {}
    form = CompanyForm(request.POST or None, instance=user.company, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            company_save_for_user(user=user, data=form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.field, exc.message)
        else:
            company_prefill_forget(request)
            resume = resume_pop(request)
            if resume:
                messages.success(request, _("企業情報を保存しました。続けて、選んだ日時のご予約をどうぞ。"))
                return redirect(resume)
            messages.success(request, _("企業情報を保存しました。"))
            return redirect("accounts:dashboard")
    return render(request, "accounts/company_form.html", {"form": form, "is_new": user.company_id is None})


@login_required
def close(request: HttpRequest) -> HttpResponse:
    """Say what closing the account removes and keeps, then close it once the password is confirmed."""
    user = request.user
    form = AccountCloseForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            account_close(user=user)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            logout(request)
            messages.success(request, _("アカウントを削除しました。ご利用ありがとうございました。"))
            return redirect("home")
    sole_user = user.company_id is not None and not user.company.users.exclude(pk=user.pk).exists()
    return render(
        request,
        "accounts/close.html",
        {
            "form": form,
            "sole_user": sole_user,
            "is_staff": user.is_staff,
            "is_advisor": hasattr(user, "advisor_account"),
        },
        status=400 if form.errors else 200,
    )
