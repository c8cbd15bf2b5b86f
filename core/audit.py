"""The audit trail of desk changes, kept by django-simple-history: who, when (JST), what, before → after.

Each audited model declares `history = HistoricalRecords(...)`; the request middleware stamps the signed-in user
on every row, so a change made through a service from the admin is attributed to the staff member who made it.
This module reads those rows for people: readable values (JST times, labels instead of codes, names instead of
ids) on each object's history page, and one list of every change for superusers.
"""

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from heapq import merge

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject, registered_models
from simple_history.template_utils import HistoricalRecordContextHelper

from .admin_widgets import LabelledWidgetsMixin
from .jst import JST, format_jst

HISTORY_TYPES = {"+": _("作成"), "~": _("変更"), "-": _("削除")}
# The superusers' audit list shows this many entries a page, back to the newest AUDIT_MAX_PAGES pages; older
# changes are reached by narrowing the period (each page reads offset + page size rows of every audited model).
AUDIT_PAGE_SIZE = 50
AUDIT_MAX_PAGES = 100


def readable_value(model: type[models.Model], field_name: str, value) -> str:
    """A stored value as the desk knows it: JST time, the choice's label, the related object's name, and inside
    JSON answers the labels the model gives for its codes (`audit_value_labels`), never a raw dict or list."""
    if value is None or value == "" or value == {} or value == []:
        return "—"
    if isinstance(value, DeletedObject):  # a foreign key that was empty, or whose object is gone
        if value.pk is None:
            return "—"
        return str(_("%(model)s（削除済み・#%(pk)s）") % {"model": value.model._meta.verbose_name, "pk": value.pk})
    try:
        model_field = model._meta.get_field(field_name)
    except Exception:
        model_field = None
    if isinstance(value, dt.datetime):
        return format_jst(value)
    if isinstance(value, bool):
        return str(_("はい") if value else _("いいえ"))
    if model_field is not None and getattr(model_field, "flatchoices", None):
        labels = dict(model_field.flatchoices)
        if isinstance(value, list):
            return "、".join(str(labels.get(v, v)) for v in value)
        return str(labels.get(value, value))
    labels = model.audit_value_labels(field_name) if hasattr(model, "audit_value_labels") else {}
    if isinstance(value, dict):
        return _mapping_label(value, labels)
    if isinstance(value, list):
        return "、".join(_item_label(v, labels) for v in value)
    return str(value)


def _plain(value, labels: dict) -> str:
    if isinstance(value, bool):
        return str(_("はい") if value else _("いいえ"))
    if isinstance(value, dict):
        return _mapping_label(value, labels)
    if isinstance(value, list):
        return "、".join(_plain(v, labels) for v in value)
    if value is None or value == "":
        return "—"
    return str(labels.get(value, value)) if isinstance(value, str) else str(value)


def _mapping_label(value: dict, labels: dict) -> str:
    """{"peer_cases": True, ...} as 「他の中小企業の取り組み事例を調べたことがある：はい、…」."""
    if not value:
        return "—"
    parts = []
    for key, item in value.items():
        shown = _plain(item, labels)
        parts.append(f"{labels.get(key, key)}：{f'（{shown}）' if isinstance(item, dict) else shown}")
    return "、".join(parts)


def _item_label(value, labels: dict | None = None) -> str:
    if isinstance(value, dict):  # an m2m row of the history: show the related object
        related = [v for k, v in value.items() if k != "history" and not k.endswith("_id")]
        return "、".join(str(v) for v in related) if related else _mapping_label(value, labels or {})
    return _plain(value, labels or {})


def _topic_like_labels(model, field_name: str, value):
    """JSON lists of codes (a booking's topics) shown with the labels of the model's own helper, if it has one."""
    if field_name == "topics" and hasattr(model, "topic_labels") and isinstance(value, list):
        instance = model(topics=value)
        return "、".join(instance.topic_labels())
    return None


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class AuditEntry:
    when: dt.datetime
    who: str
    kind: str
    model_name: str
    object_label: str
    object_url: str
    changes: list[Change] = field(default_factory=list)

    @property
    def when_jst(self) -> str:
        return format_jst(self.when, "%Y-%m-%d %H:%M:%S")


def record_changes(record) -> list[Change]:
    """What one history row changed compared with the row before it (every set field for a creation)."""
    model = record.instance_type
    previous = record.prev_record
    if previous is None:
        kept = {f.attname for f in record._meta.fields}
        changes = []
        for f in model._meta.fields:
            if f.name in ("id", "created_at", "updated_at") or f.attname not in kept:
                continue
            value = getattr(record, f.name if f.is_relation else f.attname)
            if value not in (None, "", [], {}):
                changes.append(Change(str(capfirst(f.verbose_name)), "—", _display(model, f.name, value)))
        return changes
    delta = record.diff_against(previous, foreign_keys_are_objs=True)
    return [
        Change(
            str(capfirst(model._meta.get_field(c.field).verbose_name)),
            _display(model, c.field, c.old),
            _display(model, c.field, c.new),
        )
        for c in delta.changes
        if c.field != "updated_at"
    ]


def _display(model, field_name, value) -> str:
    topics = _topic_like_labels(model, field_name, value)
    return topics if topics is not None else readable_value(model, field_name, value)


class AuditContextHelper(HistoricalRecordContextHelper):
    """The object history page of the admin, with JST times, labels and names instead of raw stored values."""

    def format_delta_change(self, change):

        return dataclasses.replace(
            change,
            field=capfirst(self.model._meta.get_field(change.field).verbose_name),
            old=_display(self.model, change.field, self.prepare_delta_change_value(change, change.old)),
            new=_display(self.model, change.field, self.prepare_delta_change_value(change, change.new)),
        )


class AuditedAdmin(LabelledWidgetsMixin, SimpleHistoryAdmin):
    """A model admin whose "履歴" page lists every change with who, when and before → after (never a revert)."""

    def get_historical_record_context_helper(self, request, historical_record):
        return AuditContextHelper(self.model, historical_record)

    def history_view_title(self, request, obj):
        return _("変更履歴：%(object)s") % {"object": obj}


def audited_models() -> list[type[models.Model]]:
    """The models with an audit trail, in a stable order (m2m through-tables are shown with their owner)."""
    found = [m for m in registered_models.values() if hasattr(m, "history") and not m._meta.auto_created]
    return sorted({m._meta.label: m for m in found}.values(), key=lambda m: m._meta.label)


def _admin_url(model, pk) -> str:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
    except NoReverseMatch:
        return ""


def audit_entries(
    *,
    model_label: str = "",
    user_id: int | None = None,
    history_type: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = AUDIT_PAGE_SIZE,
    offset: int = 0,
) -> list[AuditEntry]:
    """The latest changes across every audited model, newest first, filtered, skipping the newest `offset`; each
    with its before → after."""
    querysets = []
    for model in audited_models():
        if model_label and model._meta.label != model_label:
            continue
        qs = model.history.select_related("history_user").order_by("-history_date", "-history_id")
        if user_id:
            qs = qs.filter(history_user_id=user_id)
        if history_type:
            qs = qs.filter(history_type=history_type)
        if date_from:
            qs = qs.filter(history_date__gte=dt.datetime.combine(date_from, dt.time(0), tzinfo=JST))
        if date_to:
            qs = qs.filter(history_date__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=JST))
        querysets.append((model, list(qs[: offset + limit])))
    newest = merge(
        *[[(r.history_date, model, r) for r in rows] for model, rows in querysets],
        key=lambda item: item[0],
        reverse=True,
    )
    entries = []
    for index, (when, model, record) in enumerate(newest):
        if index < offset:
            continue
        if len(entries) >= limit:
            break
        entries.append(
            AuditEntry(
                when=when,
                who=str(record.history_user) if record.history_user_id else str(_("システム（自動処理）")),
                kind=str(HISTORY_TYPES.get(record.history_type, record.history_type)),
                model_name=str(model._meta.verbose_name),
                object_label=str(record.history_object),
                object_url=_admin_url(model, getattr(record, model._meta.pk.attname)),
                changes=record_changes(record),
            )
        )
    return entries


def audit_page(*, page: int = 1, per_page: int = AUDIT_PAGE_SIZE, **filters) -> tuple[list[AuditEntry], bool]:
    """Page `page` (from 1, newest first) of audit_entries, and whether an older page has entries."""
    entries = audit_entries(limit=per_page + 1, offset=(page - 1) * per_page, **filters)
    return entries[:per_page], len(entries) > per_page and page < AUDIT_MAX_PAGES


def audit_forget(*, user_id: int, company_id: int | None = None) -> int:
    """Delete the audit rows that keep a closed account's personal data (its e-mail and name, its company's name,
    an SME's questions): every history row of the user or company itself, and of the rows that point at them.
    The change log of the desk's own work on other objects stays. Returns how many rows went."""

    targets = {get_user_model(): user_id}
    if company_id is not None:
        targets[apps.get_model("accounts", "Company")] = company_id
    removed = 0
    for model in audited_models():
        history = model.history.model
        for target, pk in targets.items():
            lookups = [model._meta.pk.attname] if model is target else []
            lookups += [
                f.attname
                for f in model._meta.concrete_fields
                if f.is_relation
                and f.related_model is target
                and f.attname in {h.attname for h in history._meta.fields}
            ]
            for attname in lookups:
                removed += history.objects.filter(**{attname: pk}).delete()[0]
    return removed
