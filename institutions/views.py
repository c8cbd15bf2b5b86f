import secrets
from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.csvexport import csv_response
from core.errors import ApplicationError
from core.jst import format_jst_date
from sharing import services as sharing_services
from sharing.models import AccessAction

from . import csvimport, selectors, services
from .csvimport import Row
from .forms import CsvUploadForm, InviteForm
from .models import MemberInvitation, Membership

SESSION_IMPORT = "institutions_import"
SESSION_INVITATION = "institutions_invitation"


def _institution_of(request: HttpRequest):
    if not request.user.institution_id:
        raise PermissionDenied
    return request.user.institution


def _dashboard_context(request: HttpRequest, **extra) -> dict:
    institution = _institution_of(request)
    rows, pairs = selectors.member_rows(institution=institution)
    sharing_services.access_record_many(
        items=[(share, sheet.fiscal_year) for share, sheet in pairs], action=AccessAction.LIST, user=request.user
    )
    return {
        "institution": institution,
        "rows": rows,
        "totals": selectors.totals(rows),
        "fiscal_year": selectors.current_fiscal_year(),
        "invitations": selectors.invitations(institution=institution),
        "bookings": selectors.sitting_in_bookings(institution=institution),
        "requests": selectors.institution_requests(institution=institution),
        "invite_form": extra.pop("invite_form", None) or InviteForm(prefix="one"),
        "upload_form": extra.pop("upload_form", None) or CsvUploadForm(),
        **extra,
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "institutions/dashboard.html", _dashboard_context(request))


@login_required
def members_csv(request: HttpRequest) -> HttpResponse:
    institution = _institution_of(request)
    rows, pairs = selectors.member_rows(institution=institution)
    sharing_services.access_record_many(
        items=[(share, sheet.fiscal_year) for share, sheet in pairs], action=AccessAction.CSV, user=request.user
    )
    yes, no = _("済"), _("未")
    return csv_response(
        filename="members.csv",
        header=[
            _("企業名"),
            _("会員になった日"),
            _("相談の実施"),
            _("今年度のセルフチェック"),
            _("計画の策定"),
            _("SBTの確認"),
            _("結果の共有"),
            _("最新年度"),
            _("CO2排出量（t-CO2）"),
            _("前年度比（%）"),
        ],
        rows=[
            [
                r.membership.company.name,
                format_jst_date(r.membership.created_at),
                yes if r.consulted else no,
                yes if r.measured else no,
                yes if r.planned else no,
                yes if r.sbt_checked else no,
                yes if r.shares else no,
                r.latest[0] if r.latest else "",
                f"{r.latest[1]:.1f}" if r.latest else "",
                "" if r.change_pct is None else f"{r.change_pct}",
            ]
            for r in rows
        ],
    )


@login_required
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    institution = _institution_of(request)
    form = InviteForm(request.POST, prefix="one")
    if form.is_valid():
        row = Row(line=1, **form.cleaned_data)
        row.email = row.email.lower()
        problems = services.row_problems(institution=institution, row=row)
        if problems:
            form.add_error("email", "、".join(problems))
        else:
            services.invitations_send(institution=institution, rows=[row], user=request.user)
            messages.success(request, _("%(email)s に招待メールを送りました。") % {"email": row.email})
            return redirect(reverse("institutions:dashboard") + "#invitations")
    return render(request, "institutions/dashboard.html", _dashboard_context(request, invite_form=form), status=400)


@login_required
def csv_upload(request: HttpRequest) -> HttpResponse:
    institution = _institution_of(request)
    if request.method != "POST":
        return redirect(reverse("institutions:dashboard") + "#import")
    form = CsvUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            rows = csvimport.parse(form.cleaned_data["file"].read(csvimport.MAX_BYTES + 1))
        except csvimport.CsvError as error:
            form.add_error("file", error.message)
        else:
            for row in rows:
                row.problems = services.row_problems(institution=institution, row=row)
            batch = secrets.token_urlsafe(12)
            request.session[SESSION_IMPORT] = {"batch": batch, "rows": [asdict(r) for r in rows if r.ok]}
            return render(
                request,
                "institutions/preview.html",
                {"institution": institution, "rows": rows, "ok": sum(r.ok for r in rows), "batch": batch},
            )
    return render(request, "institutions/dashboard.html", _dashboard_context(request, upload_form=form), status=400)


@login_required
@require_POST
def csv_send(request: HttpRequest) -> HttpResponse:
    institution = _institution_of(request)
    stored = request.session.get(SESSION_IMPORT) or {}
    if not stored or stored.get("batch") != request.POST.get("batch"):
        messages.error(request, _("確認画面の有効期限が切れました。もう一度CSVを読み込んでください。"))
        return redirect(reverse("institutions:dashboard") + "#import")
    rows = [Row(**data) for data in stored["rows"]]
    made = services.invitations_send(institution=institution, rows=rows, user=request.user)
    del request.session[SESSION_IMPORT]
    messages.success(request, _("%(n)s件の招待メールを送りました。") % {"n": len(made)})
    return redirect(reverse("institutions:dashboard") + "#invitations")


@login_required
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _institution_of(request)
    invitation = get_object_or_404(MemberInvitation, pk=pk, institution=institution)
    try:
        services.invitation_resend(invitation=invitation, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(email)s に招待メールを再送しました。") % {"email": invitation.email})
    return redirect(reverse("institutions:dashboard") + "#invitations")


@login_required
def booking(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's booking the institution sits in on, read-only (the company alone changes or cancels it)."""
    institution = _institution_of(request)
    found = selectors.sitting_in_booking(institution=institution, pk=pk)
    if found is None:
        raise Http404
    return render(request, "institutions/booking.html", {"booking": found, "institution": institution})


# --- the company's side ------------------------------------------------------------------------------------------


def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: sign up or log in, describe the company, then join as a member with one click."""
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationLinkError as error:
        request.session.pop(SESSION_INVITATION, None)
        status = 404 if error.code == "forged" else 410
        return render(request, "sharing/link_error.html", {"message": error.message}, status=status)
    user = request.user
    if user.is_authenticated and (user.institution_id or user.is_staff or user.is_advisor):
        return render(
            request,
            "sharing/link_error.html",
            {
                "message": _(
                    "この招待は企業のアカウントで開いてください。いまのアカウントからログアウトしてからお使いください。"
                )
            },
            status=403,
        )
    request.session[SESSION_INVITATION] = token
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            membership = services.invitation_accept(token=token, user=user)
        except services.InvitationLinkError as error:
            return render(request, "sharing/link_error.html", {"message": error.message}, status=410)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("accounts:company")
        request.session.pop(SESSION_INVITATION, None)
        messages.success(request, _("%(name)s の会員になりました。") % {"name": membership.institution.name})
        return redirect("institutions:memberships")
    return render(request, "institutions/join.html", {"invitation": invitation, "token": token})


@login_required
def memberships(request: HttpRequest) -> HttpResponse:
    if not request.user.company_id:
        raise PermissionDenied
    return render(
        request,
        "institutions/memberships.html",
        {
            "memberships": selectors.company_memberships(company_id=request.user.company_id),
            "requests": selectors.company_requests(company_id=request.user.company_id),
            "upcoming": selectors.company_upcoming_bookings(company_id=request.user.company_id),
        },
    )


@login_required
@require_POST
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.company_id:
        raise PermissionDenied
    membership = get_object_or_404(
        Membership.objects.select_related("institution", "company"), pk=pk, company_id=request.user.company_id
    )
    services.membership_leave(membership=membership, user=request.user)
    messages.success(
        request,
        _("%(name)s を退会しました。この機関への共有も取り消しました。") % {"name": membership.institution.name},
    )
    return redirect("institutions:memberships")


@login_required
@require_POST
def request_create(request: HttpRequest) -> HttpResponse:
    institution = _institution_of(request)
    membership = Membership.objects.filter(
        pk=request.POST.get("membership") or 0, institution=institution, left_at__isnull=True
    ).first()
    try:
        if membership is None:
            raise ApplicationError(_("会員企業を選んでください。"), field="company")
        services.consultation_request_create(
            institution=institution,
            company=membership.company,
            message=request.POST.get("message", ""),
            user=request.user,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s に相談を依頼しました。") % {"name": membership.company.name})
    return redirect(reverse("institutions:dashboard") + "#requests")


@login_required
@require_POST
def request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.company_id:
        raise PermissionDenied
    try:
        if request.POST.get("answer") == "decline":
            services.consultation_request_decline(request_id=pk, user=request.user)
            messages.success(request, _("依頼を辞退しました。"))
        else:
            booking_id = int(request.POST.get("booking") or 0)
            item = services.consultation_request_confirm(request_id=pk, booking_id=booking_id, user=request.user)
            messages.success(request, _("%(name)s が相談に同席します。") % {"name": item.institution.name})
    except (ApplicationError, ValueError) as error:
        messages.error(request, getattr(error, "message", _("これからの予約を選んでください。")))
    return redirect("institutions:memberships")
