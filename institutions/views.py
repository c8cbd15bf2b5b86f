import secrets
from dataclasses import asdict
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.prefill import company_prefill_remember
from consultations.models import ConsultationWindow
from consultations.selectors import window_list
from consultations.services import booking_bounds, nearest_free_slots
from core.csvexport import csv_response
from core.errors import ApplicationError
from core.jst import format_jst_date, to_jst
from sharing import selectors as sharing_selectors
from sharing import services as sharing_services
from sharing.models import AccessAction

from . import csvimport, selectors, services
from .csvimport import Row
from .forms import ConfirmForm, CsvUploadForm, InviteForm, MemberFilterForm, RequestForm
from .models import MemberInvitation, Membership, RequestStatus

SESSION_IMPORT = "institutions_import"
SESSION_INVITATION = "institutions_invitation"


def signup_session_keys() -> list[str]:
    """accounts.hooks.signup_session_keys: the invitation is kept for the account signed up from this browser."""
    return [SESSION_INVITATION]


def _institution_of(request: HttpRequest):
    if not request.user.institution_id:
        raise PermissionDenied
    return request.user.institution


def _dashboard_context(request: HttpRequest, **extra) -> dict:
    institution = _institution_of(request)
    rows, pairs = selectors.member_rows(institution=institution)
    # A GET writes nothing: the members' figures are shown once this staff member has opened them today (a POST
    # that logs the look for each company, once a day); until then the page says a company shares, not what.
    opened = sharing_selectors.viewed_today_share_ids(
        share_ids={share.pk for share, _sheet in pairs}, user=request.user, action=AccessAction.LIST
    )
    open_companies = {share.company_id for share, _sheet in pairs if share.pk in opened}
    for row in rows:
        row.figures_open = row.membership.company_id in open_companies
    with_figures = [r for r in rows if r.years]
    filters = MemberFilterForm(request.GET or None)
    wanted = filters.cleaned_data if filters.is_valid() else {}
    page = selectors.member_page(
        rows, query=wanted.get("q") or "", sort=wanted.get("sort") or "name", page=request.GET.get("page") or 1
    )
    kept = {k: v for k, v in (("q", wanted.get("q")), ("sort", wanted.get("sort"))) if v}
    failed = [f for f in (extra.get("invite_form"), extra.get("upload_form")) if f is not None and f.errors]
    return {
        "institution": institution,
        "rows": rows,
        "page": page,
        "filters": filters,
        "filtered": bool(kept.get("q")),
        "page_query": urlencode(kept),
        "failed_forms": failed,
        "totals": selectors.totals(rows),
        "figures_waiting": [r for r in with_figures if not r.figures_open],
        "figures_all_open": all(r.figures_open for r in with_figures),
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
@require_POST
def figures_open(request: HttpRequest) -> HttpResponse:
    """Show the members' shared figures: each company's log gets one row per year and day for this staff member."""
    institution = _institution_of(request)
    _rows, pairs = selectors.member_rows(institution=institution)
    sharing_services.access_record_daily(
        items=[(share, sheet.fiscal_year) for share, sheet in pairs], action=AccessAction.LIST, user=request.user
    )
    return redirect(reverse("institutions:dashboard") + "#members")


@login_required
@require_POST
def members_csv(request: HttpRequest) -> HttpResponse:
    """The export is an act the companies see in their log (one row per export), so it is a POST."""
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
    company_prefill_remember(request, name=invitation.company_name)
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


def _request_form(request: HttpRequest, institution) -> RequestForm:

    return RequestForm(
        request.POST if request.method == "POST" else None,
        memberships=selectors.active_memberships(institution=institution),
        windows=[w for w in window_list() if w.online],
        initial={"membership": request.GET.get("member") or "", "window": "hq"},
    )


@login_required
def request_create(request: HttpRequest) -> HttpResponse:
    """Ask a member company to hold a consultation with the institution sitting in."""
    institution = _institution_of(request)
    form = _request_form(request, institution)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        membership = form.memberships[data["membership"]]
        try:
            services.consultation_request_create(
                institution=institution,
                company=membership.company,
                message=data["message"],
                user=request.user,
                window_code=data["window"],
                start=data["start"],
                preferred=data["preferred"],
                topics=data["topics"],
            )
        except ApplicationError as error:
            field = {"start": "date", "company": "membership"}.get(error.field, error.field)
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s に相談を依頼し、お知らせのメールを送りました。") % {"name": membership.company.name},
            )
            return redirect(reverse("institutions:dashboard") + "#requests")
    status = 400 if request.method == "POST" else 200
    return render(request, "institutions/request_new.html", {"institution": institution, "form": form}, status=status)


def _request_slots(item, *, company_id: int):
    """The free slots the company may take, nearest the proposed one (or the earliest) first in time order."""

    window = item.window or ConsultationWindow.objects.get(code="hq")
    around = item.start or booking_bounds()[0]
    return window, nearest_free_slots(window=window, around=around, company_id=company_id, limit=40)


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The company's side: the institution's request, booked here through the normal booking rules, or declined."""
    if not request.user.company_id:
        raise PermissionDenied
    item = services.consultation_request_for_company(request_id=pk, user=request.user)
    if item is None:
        raise Http404
    member = selectors.is_active_member(institution_id=item.institution_id, company_id=item.company_id)
    context = {"item": item, "member": member}
    if request.method == "POST" and item.status == RequestStatus.CONFIRMED and item.booking_id:
        return redirect("consultations:booking_detail", pk=item.booking_id)  # the same form sent twice
    if item.status == RequestStatus.PENDING and member:
        window, slots = _request_slots(item, company_id=request.user.company_id)
        proposed_free = item.start is not None and any(s.start == item.start for s in slots)
        form = ConfirmForm(
            request.POST if request.method == "POST" else None,
            slots=slots,
            window=window,
            # The institution's message stays the institution's (shown above the form); the question is the
            # company's own words to the advisor.
            initial={"start": to_jst(item.start).isoformat() if proposed_free else "", "topics": item.topics},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.consultation_request_confirm(
                    request_id=item.pk,
                    user=request.user,
                    start=data["start"],
                    topics=data["topics"],
                    question=data["question"],
                    customer_request=data["customer_request"],
                    meeting_tool=data["meeting_tool"],
                )
            except ApplicationError as error:
                item.refresh_from_db()
                if item.status != RequestStatus.CONFIRMED or not item.booking_id:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                item.refresh_from_db()
            if item.status == RequestStatus.CONFIRMED and item.booking_id:
                # Booked, by this request or by the same form sent twice (a double click) a moment earlier.
                messages.success(
                    request,
                    _("ご予約を受け付けました。%(name)s が同席します。確認のメールをお送りしました。")
                    % {"name": item.institution.name},
                )
                return redirect("consultations:booking_detail", pk=item.booking_id)
        context.update(form=form, window=window, proposed_free=proposed_free)
    status = 400 if request.method == "POST" and "form" in context else 200
    return render(request, "institutions/request_detail.html", context, status=status)


@login_required
@require_POST
def request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Decline a request (booking it happens on the request's own page)."""
    if not request.user.company_id:
        raise PermissionDenied
    try:
        services.consultation_request_decline(request_id=pk, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("依頼を辞退しました。支援機関にお知らせしました。"))
    return redirect("institutions:memberships")
