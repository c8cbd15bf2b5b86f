"""Writes: follows, action plans, the jGrants import and the follower notices."""

import html
import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import Industry, Prefecture, Region, prefectures_in
from core.desk import desk_allows
from core.errors import ApplicationError
from core.jst import JST, jst_date, jst_today
from core.mail import outbox_enqueue
from core.site import absolute_url

from .models import (
    ActionPlan,
    ApplicationRound,
    EmployeeLimit,
    Follow,
    Measure,
    MeasureCheck,
    MeasureKind,
    Step,
    codes_to_text,
)
from .selectors import finder_filters_parse, measure_queryset

CLOSING_NOTICE = timedelta(days=7)
# The catalogue editors' permissions (accounts.roles), checked through the one desk rule of core.desk.
CATALOGUE_PERMISSION = "subsidies.change_measure"
PLAN_PERMISSION = "subsidies.change_actionplan"
# A round that closes "on" a day accepts applications until the end of that day in Japan.
ROUND_CLOSING_TIME = time(23, 59, 59)


# Checks ----------------------------------------------------------------------------------------------


def measure_mark_checked(*, measure: Measure, user, note: str = "") -> MeasureCheck:
    """A staff member has checked the measure against its official source: record who and when."""
    if not desk_allows(user, CATALOGUE_PERMISSION):
        raise ApplicationError(_("支援策の確認を記録できるのは中小機構のカタログ編集者だけです。"), code="forbidden")
    with transaction.atomic():
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        check = MeasureCheck.objects.create(measure=measure, checked_by=user, checked_at=timezone.now(), note=note)
        measure.last_checked = jst_date(check.checked_at)
        measure.last_checked_by = user
        measure.save(update_fields=["last_checked", "last_checked_by", "updated_at"])
    return check


# Rounds ----------------------------------------------------------------------------------------------


def round_window(*, start: date, end: date, closing: time = ROUND_CLOSING_TIME) -> tuple[datetime, datetime]:
    """A round given as days in Japan: it opens at 0:00 JST on `start` and closes at 23:59 JST on `end`."""
    if end < start:
        raise ApplicationError(_("受付締切日は受付開始日より後の日付にしてください。"), field="acceptance_end_date")
    return datetime.combine(start, time(0, 0), JST), datetime.combine(end, closing, JST)


# Follows ---------------------------------------------------------------------------------------------


def _filter_query_normalise(data) -> str:
    filters = finder_filters_parse(data)
    params = {
        "employees": filters.employees,
        "prefecture": filters.prefecture,
        "industry": filters.industry,
        "step": filters.step,
        "q": filters.q,
    }
    query = urlencode({k: v for k, v in sorted(params.items()) if v not in (None, "")})
    if not query:
        raise ApplicationError(_("フォローする条件を1つ以上指定してください。"), field="step")
    return query


def follow_create(*, user, measure: Measure | None = None, filter_data=None) -> Follow:
    """Follow a measure or a finder filter; following twice returns the existing follow."""
    if not user.is_authenticated:
        raise ApplicationError(_("フォローするにはログインしてください。"))
    if measure is not None:
        lookup = {"user": user, "measure": measure, "filter_query": ""}
    else:
        lookup = {"user": user, "measure": None, "filter_query": _filter_query_normalise(filter_data or {})}
    try:
        with transaction.atomic():
            return Follow.objects.get_or_create(**lookup)[0]
    except IntegrityError:
        return Follow.objects.get(**lookup)


def follow_delete(*, user, pk: int) -> None:
    Follow.objects.filter(user=user, pk=pk).delete()


# Notices ---------------------------------------------------------------------------------------------


def _followers_of(measure: Measure, filter_follows: list[Follow]) -> set:
    users = {f.user for f in measure.follows.all()}
    for follow in filter_follows:
        if measure_queryset(finder_filters_parse(QueryDict(follow.filter_query))).filter(pk=measure.pk).exists():
            users.add(follow.user)
    return users


def round_notices_send(*, now: datetime | None = None) -> int:
    """Mail followers when a round has opened and a week before it closes; the outbox key makes each once only."""
    now = now or timezone.now()
    rounds = (
        ApplicationRound.objects.filter(acceptance_start_datetime__lte=now, acceptance_end_datetime__gt=now)
        .select_related("measure")
        .prefetch_related("measure__follows__user")
    )
    filter_follows = list(Follow.objects.filter(measure__isnull=True).select_related("user"))
    queued = 0
    for rnd in rounds:
        kinds = ["opened"]
        if rnd.acceptance_end_datetime - now <= CLOSING_NOTICE:
            kinds.append("closing")
        for user in _followers_of(rnd.measure, filter_follows):
            for kind in kinds:
                body = render_to_string(
                    f"subsidies/email/round_{kind}.txt",
                    {"round": rnd, "measure": rnd.measure, "site_url": absolute_url()},
                )
                subject = (_("【公募開始】%(name)s") if kind == "opened" else _("【締切まで1週間】%(name)s")) % {
                    "name": rnd.measure.name
                }
                if outbox_enqueue(
                    key=f"subsidies.round:{rnd.pk}:{kind}:{user.pk}", to=[user.email], subject=subject, body=body
                ):
                    queued += 1
    return queued


# Action plans ----------------------------------------------------------------------------------------


def action_plan_can_edit(*, user, plan: ActionPlan) -> bool:
    """An institution's own staff edit its plan; SMRJ staff only with the catalogue permission (as in the admin)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return desk_allows(user, PLAN_PERMISSION)
    return user.institution_id is not None and plan.institution_id == user.institution_id


def action_plan_update(*, user, plan: ActionPlan, data: dict) -> ActionPlan:
    """Save an institution's plan; only its own staff (or SMRJ catalogue editors) may."""
    if not action_plan_can_edit(user=user, plan=plan):
        raise ApplicationError(_("この支援機関のアクションプランは編集できません。"), code="forbidden")
    for name, value in data.items():
        if name == "plan_type" and not value:
            continue  # not asked: keep what the plan is called
        if name == "activities":
            value = codes_to_text(value)
        setattr(plan, name, value)
    plan.full_clean()
    plan.save()
    return plan


def action_plan_create(*, user, data: dict) -> ActionPlan:
    if not user.is_authenticated or user.institution_id is None:
        raise ApplicationError(_("支援機関の職員のみ登録できます。"), code="forbidden")
    institution = user.institution
    plan = ActionPlan(
        institution=institution,
        institution_name=institution.name,
        kind=institution.kind,
        prefecture=institution.prefecture,
    )
    return action_plan_update(user=user, plan=plan, data=data)


# jGrants import --------------------------------------------------------------------------------------

_PREF_BY_LABEL = {str(p.label): p.value for p in Prefecture}
_INDUSTRY_BY_WORD = [
    ("製造", Industry.MANUFACTURING),
    ("卸売", Industry.WHOLESALE),
    ("小売", Industry.RETAIL),
    ("建設", Industry.CONSTRUCTION),
    ("運輸", Industry.TRANSPORT),
    ("郵便", Industry.TRANSPORT),
    ("不動産", Industry.REAL_ESTATE),
    ("宿泊", Industry.FOOD_LODGING),
    ("飲食", Industry.FOOD_LODGING),
    ("サービス", Industry.SERVICES),
]


def _split(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split("/") if part.strip()]


def _areas(value) -> str:
    parts = _split(value)
    if not parts or "全国" in parts:
        return ""
    codes = []
    for part in parts:
        if part in _PREF_BY_LABEL:
            codes.append(_PREF_BY_LABEL[part])
        else:
            for region in Region:
                if str(region.label) in part:
                    codes.extend(prefectures_in(region.value))
    return codes_to_text(dict.fromkeys(codes))


def _industries(value) -> str:
    parts = _split(value)
    codes = []
    for part in parts:
        for word, code in _INDUSTRY_BY_WORD:
            if word in part:
                codes.append(code.value)
                break
    return codes_to_text(dict.fromkeys(codes))


def _plain(detail: str) -> str:
    text = re.sub(r"<[^>]+>", " ", detail or "")
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when if timezone.is_aware(when) else timezone.make_aware(when)


def jgrants_import(*, items: list[dict], today=None) -> tuple[int, int]:
    """Create or update measures from jGrants API records (keyed by their id); returns (created, updated)."""
    today = today or jst_today()
    created = updated = 0
    for item in items:
        jid = str(item.get("id") or "").strip()
        if not jid:
            raise ApplicationError(_("Jグランツのデータに id がありません。"), field="id")
        band = item.get("target_number_of_employees") or EmployeeLimit.ANY
        if band not in EmployeeLimit.values:
            band = EmployeeLimit.ANY
        defaults = {
            "name": (item.get("title") or item.get("name") or jid)[:255],
            "kind": MeasureKind.SUBSIDY,
            "administering_body": (item.get("institution_name") or _("Jグランツ掲載の実施機関"))[:200],
            "step": Step.REDUCE,
            "use_purpose": " / ".join(_split(item.get("use_purpose")))[:255],
            "description": _plain(item.get("subsidy_catch_phrase") or "") + " " + _plain(item.get("detail") or ""),
            "target_number_of_employees": band,
            "industry": _industries(item.get("industry")),
            "target_area_search": _areas(item.get("target_area_search")),
            "subsidy_max_limit": item.get("subsidy_max_limit") or None,
            "subsidy_rate": (item.get("subsidy_rate") or "")[:100],
            "source_url": item.get("front_subsidy_detail_page_url")
            or f"https://www.jgrants-portal.go.jp/subsidy/{jid}",
            "source_title": _("Jグランツ掲載情報（ID: %(id)s）") % {"id": jid},
            # jGrants' page of the subsidy is its own page on the national portal (an official page)
            "source_url_kind": "official",
            "source_date": _("%(date)s取得") % {"date": f"{today.year}年{today.month}月{today.day}日"},
            "from_jgrants": True,
        }
        defaults["description"] = defaults["description"].strip()
        with transaction.atomic():
            existing = Measure.objects.select_for_update().filter(jgrants_id=jid).first()
            if existing:
                # A person may have placed the measure in another step or kind: keep that.
                defaults.pop("step")
                defaults.pop("kind")
                for name, value in defaults.items():
                    setattr(existing, name, value)
                existing.save()
                measure = existing
                updated += 1
            else:
                measure = Measure.objects.create(jgrants_id=jid, **defaults)
                created += 1
            start = _when(item.get("acceptance_start_datetime"))
            end = _when(item.get("acceptance_end_datetime"))
            if start and end and end > start:
                ApplicationRound.objects.update_or_create(
                    measure=measure,
                    acceptance_start_datetime=start,
                    defaults={"name": _("Jグランツ掲載の公募"), "acceptance_end_datetime": end},
                )
    return created, updated


# Closing an account -----------------------------------------------------------------------------------------


def follows_forget_user(*, user) -> int:
    """A closed account follows nothing and gets no notices."""
    return Follow.objects.filter(user=user).delete()[0]


def on_account_closing(sender, *, user, company, **kwargs) -> None:
    follows_forget_user(user=user)
