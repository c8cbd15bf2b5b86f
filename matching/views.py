from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from core.charts import bar_chart_svg
from core.csvexport import csv_response
from core.desk import desk_required
from core.errors import ApplicationError
from core.jst import JA_DATETIME, format_jst, jst_today
from core.middleware import accepts_uploads

from . import files, selectors, services
from .forms import (
    BuyerApplyForm,
    DeclineForm,
    MeetingAcceptForm,
    MeetingDeclineForm,
    MeetingRequestForm,
    NeedFilterForm,
    NeedForm,
    OutcomeForm,
    ProposalForm,
    ReturnForm,
    ThemeFollowForm,
)
from .models import MeetingStatus, MemberStatus, NeedStatus, ProposalStatus
from .roles import REVIEW_NEEDS, VIEW_STATISTICS

NEED_FIELDS = ["title", "theme", "summary", "sought", "conditions", "region", "deadline"]


def _apply_error(form, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _approved_buyer_required(view):
    """Approved buyer members only; anyone else gets a 403 page that says why."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        member = selectors.membership_of(request.user)
        if member is None or member.status != MemberStatus.APPROVED:
            return render(request, "matching/not_approved.html", {"member": member}, status=403)
        request.buyer = member.buyer
        return view(request, *args, **kwargs)

    return wrapper


def _sme_required(view):
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not selectors.is_sme(request.user):
            raise PermissionDenied
        if not request.user.company_id:
            messages.info(request, _("提案の前に企業情報を登録してください。"))
            return redirect("accounts:company")
        return view(request, *args, **kwargs)

    return wrapper


# --- public and SME pages ----------------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    form = NeedFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    needs = selectors.need_search(
        theme=filters.get("theme", ""),
        region=filters.get("region", ""),
        deadline_by=filters.get("deadline_by"),
        q=filters.get("q", ""),
        include_closed=bool(filters.get("include_closed")),
    )
    page = Paginator(needs, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "matching/index.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "membership": selectors.membership_of(request.user),
            "is_sme": selectors.is_sme(request.user),
            "today": jst_today(),
        },
    )


def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_visible(pk=pk, user=request.user)
    if need is None:
        raise Http404
    is_sme = selectors.is_sme(request.user)
    own = selectors.proposal_of_company_for_need(company=request.user.company, need=need) if is_sme else None
    return render(
        request,
        "matching/need_detail.html",
        {
            "need": need,
            "details": selectors.can_see_need_details(request.user, need),
            "is_sme": is_sme,
            "own": own,
            "is_open": need.is_open_at(timezone.now()),
            "deadline_text": services.deadline_text(need),
        },
    )


def _proposal_upload_limit() -> int:
    """A proposal's request: every attachment at its largest, plus the text fields at theirs."""
    return files.max_bytes() * settings.MATCHING_ATTACHMENTS_PER_PROPOSAL + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _proposal_form_is_valid(request: HttpRequest, form) -> bool:
    """Valid and complete; a body whose files were too large to keep shows its typed text with the error."""
    refused = getattr(request, "upload_refused", None)
    if refused:
        form.is_valid()
        form.add_error("attachments", refused)
        return False
    return request.method == "POST" and form.is_valid()


def _proposal_page(request: HttpRequest, context: dict) -> HttpResponse:
    status = 413 if getattr(request, "upload_refused", None) else 200
    return render(request, "matching/proposal_form.html", context, status=status)


@accepts_uploads(_proposal_upload_limit)
@_sme_required
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_visible(pk=pk, user=request.user)
    if need is None or need.status != NeedStatus.PUBLISHED:
        raise Http404
    own = selectors.proposal_of_company_for_need(company=request.user.company, need=need)
    if own is not None:
        messages.info(request, _("このニーズには貴社からすでに提案しています。締切までは編集できます。"))
        return redirect("matching:proposal", pk=own.pk)
    if not need.is_open_at(timezone.now()):
        messages.error(request, _("このニーズの提案締切を過ぎました。"))
        return redirect("matching:need", pk=need.pk)
    form = ProposalForm(request.POST or None, request.FILES or None)
    if _proposal_form_is_valid(request, form):
        try:
            proposal = services.proposal_create(
                user=request.user,
                need_id=need.pk,
                offer=form.cleaned_data["offer"],
                fit=form.cleaned_data["fit"],
                company_pr=form.cleaned_data["company_pr"],
                share_selfcheck=form.cleaned_data["share_selfcheck"],
                files=form.cleaned_data["attachments"],
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("提案を送りました。提案先からの回答はメールでもお知らせします。"))
            return redirect("matching:proposal", pk=proposal.pk)
    return _proposal_page(
        request, {"form": form, "need": need, "selfcheck": selectors.latest_selfcheck(company=request.user.company)}
    )


@_sme_required
def my_proposals(request: HttpRequest) -> HttpResponse:
    proposals = selectors.proposals_of_company(company=request.user.company)
    return render(request, "matching/my_proposals.html", {"proposals": proposals})


def _proposal_access(request: HttpRequest, pk: int) -> selectors.ProposalAccess:
    access = selectors.proposal_for_user(pk=pk, user=request.user)
    if access is None:
        raise Http404
    return access


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = _proposal_access(request, pk)
    proposal = access.proposal
    meeting = selectors.open_meeting(proposal)
    accept_form = None
    if access.role == "sme" and meeting is not None and meeting.status == MeetingStatus.REQUESTED:
        accept_form = MeetingAcceptForm(
            slots=[(str(s.pk), format_jst(s.starts_at, JA_DATETIME)) for s in meeting.slots.all()]
        )
    now = timezone.now()
    return render(
        request,
        "matching/proposal_detail.html",
        {
            "proposal": proposal,
            "need": proposal.need,
            "role": access.role,
            "meeting": meeting,
            "past_meetings": [m for m in proposal.meetings.all() if m is not meeting],
            "accept_form": accept_form,
            "decline_meeting_form": MeetingDeclineForm() if accept_form else None,
            "editable": access.role == "sme"
            and now < proposal.need.deadline_at
            and proposal.status not in (ProposalStatus.DECLINED, ProposalStatus.CLOSED),
            "can_shortlist": access.role == "buyer" and services.can_move(proposal, ProposalStatus.SHORTLISTED),
            "can_decline": access.role == "buyer" and services.can_move(proposal, ProposalStatus.DECLINED),
            "can_meet": access.role == "buyer" and services.can_move(proposal, ProposalStatus.MEETING_REQUESTED),
            "can_record": access.role == "buyer" and services.can_move(proposal, ProposalStatus.CLOSED),
            "deadline_text": services.deadline_text(proposal.need),
        },
    )


@accepts_uploads(_proposal_upload_limit)
@_sme_required
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access = _proposal_access(request, pk)
    if access.role != "sme":
        raise Http404
    proposal = access.proposal
    existing = list(proposal.attachments.all())
    initial = {
        "offer": proposal.offer,
        "fit": proposal.fit,
        "company_pr": proposal.company_pr,
        "share_selfcheck": proposal.selfcheck_level is not None,
    }
    form = ProposalForm(request.POST or None, request.FILES or None, initial=initial, existing=existing)
    if _proposal_form_is_valid(request, form):
        try:
            services.proposal_update(
                user=request.user,
                proposal_id=proposal.pk,
                offer=form.cleaned_data["offer"],
                fit=form.cleaned_data["fit"],
                company_pr=form.cleaned_data["company_pr"],
                share_selfcheck=form.cleaned_data["share_selfcheck"],
                files=form.cleaned_data["attachments"],
                remove_ids=[int(x) for x in form.cleaned_data.get("remove", [])],
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("提案を更新しました。"))
            return redirect("matching:proposal", pk=proposal.pk)
    return _proposal_page(
        request,
        {
            "form": form,
            "need": proposal.need,
            "proposal": proposal,
            "selfcheck": selectors.latest_selfcheck(company=request.user.company),
        },
    )


def _buyer_action(request: HttpRequest, pk: int) -> selectors.ProposalAccess:
    access = _proposal_access(request, pk)
    if access.role != "buyer":
        raise PermissionDenied
    return access


@login_required
@require_POST
def proposal_shortlist(request: HttpRequest, pk: int) -> HttpResponse:
    _buyer_action(request, pk)
    try:
        services.proposal_shortlist(user=request.user, proposal_id=pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("検討候補にしました。"))
    return redirect("matching:proposal", pk=pk)


@login_required
def proposal_decline(request: HttpRequest, pk: int) -> HttpResponse:
    access = _buyer_action(request, pk)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_decline(user=request.user, proposal_id=pk, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("見送りました。提案した企業に理由をお伝えしました。"))
            return redirect("matching:buyer_need", pk=access.proposal.need_id)
    return render(request, "matching/decline_form.html", {"form": form, "proposal": access.proposal})


@login_required
def meeting_new(request: HttpRequest, pk: int) -> HttpResponse:
    access = _buyer_action(request, pk)
    form = MeetingRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_request(
                user=request.user,
                proposal_id=pk,
                times=form.times(),
                mode=form.cleaned_data["mode"],
                location=form.cleaned_data["location"],
                duration_minutes=form.cleaned_data["duration_minutes"],
                message=form.cleaned_data["message"],
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("商談を依頼しました。相手が日時を選ぶとメールでお知らせします。"))
            return redirect("matching:proposal", pk=pk)
    return render(request, "matching/meeting_form.html", {"form": form, "proposal": access.proposal})


@login_required
@require_POST
def meeting_respond(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_user(pk=pk, user=request.user)
    if meeting is None:
        raise Http404
    if not selectors.is_sme(request.user) or meeting.proposal.company_id != request.user.company_id:
        raise PermissionDenied
    try:
        if request.POST.get("action") == "decline":
            form = MeetingDeclineForm(request.POST)
            note = form.cleaned_data["note"] if form.is_valid() else ""
            services.meeting_decline(user=request.user, meeting_id=pk, note=note)
            messages.success(request, _("候補日時が合わないことをお伝えしました。"))
        else:
            slot = request.POST.get("slot", "")
            if not slot.isdigit():
                raise ApplicationError(_("候補日時から1つ選んでください。"), field="slot")
            services.meeting_accept(user=request.user, meeting_id=pk, slot_id=int(slot))
            messages.success(request, _("商談の日時が決まりました。カレンダー用のファイルをメールでお送りしました。"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("matching:proposal", pk=meeting.proposal_id)


@login_required
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_user(pk=pk, user=request.user)
    if meeting is None or meeting.status != MeetingStatus.ACCEPTED:
        raise Http404
    response = HttpResponse(services.meeting_ics(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@login_required
def proposal_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    access = _buyer_action(request, pk)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_record_outcome(
                user=request.user, proposal_id=pk, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"]
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("商談の結果を記録しました。"))
            return redirect("matching:proposal", pk=pk)
    return render(request, "matching/outcome_form.html", {"form": form, "proposal": access.proposal})


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    item = selectors.attachment_for_user(pk=pk, user=request.user)
    if item is None:
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=item.original_name, content_type=item.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def themes(request: HttpRequest) -> HttpResponse:
    current = selectors.followed_themes(user=request.user)
    form = ThemeFollowForm(request.POST or None, initial={"themes": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.theme_follows_set(user=request.user, themes=form.cleaned_data["themes"])
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("フォローするテーマを保存しました。"))
            return redirect("matching:themes")
    return render(request, "matching/themes.html", {"form": form})


# --- buyers ------------------------------------------------------------------------------------------------------


@login_required
def buyer_home(request: HttpRequest) -> HttpResponse:
    member = selectors.membership_of(request.user)
    if member is None:
        return redirect("matching:buyer_apply")
    needs = selectors.needs_of_buyer(buyer=member.buyer) if member.is_approved else []
    return render(request, "matching/buyer_home.html", {"member": member, "needs": needs})


@login_required
def buyer_apply(request: HttpRequest) -> HttpResponse:
    member = selectors.membership_of(request.user)
    if member is not None and member.status in (MemberStatus.PENDING, MemberStatus.APPROVED):
        return redirect("matching:buyer_home")
    form = BuyerApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.buyer_member_apply(user=request.user, **form.cleaned_data)
        except services.NotAllowed as exc:
            form.add_error(None, exc.message)
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("申請を受け付けました。中小機構で確認後、メールでお知らせします。"))
            return redirect("matching:buyer_home")
    return render(request, "matching/buyer_apply.html", {"form": form, "member": member})


@_approved_buyer_required
def need_new(request: HttpRequest) -> HttpResponse:
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_create(user=request.user, **{f: form.cleaned_data[f] for f in NEED_FIELDS})
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("ニーズを登録しました。中小機構の確認後に公開されます。"))
            return redirect("matching:buyer_need", pk=need.pk)
    return render(request, "matching/need_form.html", {"form": form})


@_approved_buyer_required
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_of_buyer(pk=pk, buyer=request.buyer)
    if need is None:
        raise Http404
    if need.status == NeedStatus.PUBLISHED:
        messages.info(request, _("公開中のニーズは変更できません。変更が必要な場合は中小機構にご連絡ください。"))
        return redirect("matching:buyer_need", pk=need.pk)
    form = NeedForm(request.POST or None, instance=need)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_update(user=request.user, need_id=need.pk, **{f: form.cleaned_data[f] for f in NEED_FIELDS})
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("ニーズを保存しました。中小機構の確認後に公開されます。"))
            return redirect("matching:buyer_need", pk=need.pk)
    return render(request, "matching/need_form.html", {"form": form, "need": need})


@_approved_buyer_required
def buyer_need(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_of_buyer(pk=pk, buyer=request.buyer)
    if need is None:
        raise Http404
    status = request.GET.get("status", "")
    if status not in ProposalStatus.values:
        status = ""
    proposals = selectors.proposals_for_need(need=need, status=status)
    return render(
        request,
        "matching/buyer_need.html",
        {"need": need, "proposals": proposals, "status": status, "statuses": ProposalStatus.choices},
    )


# --- SMRJ desk ---------------------------------------------------------------------------------------------------


@desk_required(REVIEW_NEEDS)
def staff_review(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "matching/staff_review.html",
        {"needs": selectors.needs_in_review(), "return_form": ReturnForm()},
    )


@desk_required(REVIEW_NEEDS)
@require_POST
def staff_review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        if request.POST.get("action") == "return":
            form = ReturnForm(request.POST)
            services.need_return(
                need_id=pk, actor=request.user, note=form.cleaned_data["note"] if form.is_valid() else ""
            )
            messages.success(request, _("差し戻しました。"))
        else:
            need = services.need_publish(need_id=pk, actor=request.user)
            messages.success(request, _("「%(title)s」を公開しました。") % {"title": need.title})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("matching:staff_review")


STAT_HEADERS = [
    gettext_lazy("大手企業（社）"),
    gettext_lazy("ニーズ（件）"),
    gettext_lazy("提案（件）"),
    gettext_lazy("提案した中小企業（社）"),
    gettext_lazy("商談（件）"),
    gettext_lazy("商談に至った中小企業（社）"),
]


@desk_required(VIEW_STATISTICS)
def statistics(request: HttpRequest) -> HttpResponse:
    rows = selectors.statistics_by_fiscal_year()
    sources = selectors.source_rows()
    chart_items = [(_("%(fy)s年度（出典）") % {"fy": r.fiscal_year}, r.proposals) for r in sources] + [
        (_("%(fy)s年度（ポータル）") % {"fy": r.fiscal_year}, r.proposals) for r in rows
    ]
    return render(
        request,
        "matching/statistics.html",
        {
            "rows": rows,
            "sources": sources,
            "headers": STAT_HEADERS,
            "chart": bar_chart_svg(chart_items, title=_("年度別の提案件数"), unit=pgettext("unit: proposals", "件")),
        },
    )


@desk_required(VIEW_STATISTICS)
def statistics_csv(request: HttpRequest) -> HttpResponse:
    def cell(value):
        return "" if value is None else value

    rows = [
        [r.fiscal_year, _("出典"), r.buyers, r.needs, r.proposals, r.proposing_smes]
        + [cell(r.negotiations), cell(r.negotiating_firms), r.source, r.note]
        for r in selectors.source_rows()
    ] + [
        [r.fiscal_year, _("ポータル実績"), r.buyers, r.needs, r.proposals, r.proposing_smes]
        + [r.negotiations, r.negotiating_firms, "", ""]
        for r in selectors.statistics_by_fiscal_year()
    ]
    return csv_response(
        filename=f"matching-statistics-{jst_today():%Y%m%d}.csv",
        header=[_("年度"), _("区分"), *STAT_HEADERS, _("出典"), _("注記")],
        rows=rows,
    )
